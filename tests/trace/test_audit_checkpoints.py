"""Signed checkpoints anchor the audit chain: a consistent rewrite or a cut-off tail no longer verifies.

Row 28 of the December security review: a database writer rewrote an entry and recomputed every
later hash ("intact"), and deleted the last entries ("intact"). These tests perform both attacks, and
try to slip in checkpoints of the attacker's own making.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import accounts, audit, audit_checkpoints, jws, keys
from suyuan.trace.actors import OPERATOR
from suyuan.trace.audit_checkpoints import CHECKPOINT_TYPE, checkpoint_due, take_checkpoint, verify_log
from suyuan.trace.model import AuditCheckpoint, AuditEntry, KeyStatus, SigningKey, User
from suyuan.trace.model.types import utcnow
from suyuan.trace.sealing import seal
from tests.factories import make_batch, make_world


def head_seq(session: Session) -> int:
    return int(session.scalar(select(func.max(AuditEntry.seq))) or 0)


def rewrite_and_rehash(session: Session, seq: int) -> None:
    """What a careful forger with database access does: change one entry, recompute every later hash."""
    previous = audit.GENESIS_HASH
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all():
        if entry.seq == seq:
            entry.payload = '{"forged": true}'
        entry.prev_hash = previous
        entry.hash = audit.entry_hash(entry)
        previous = entry.hash
    session.commit()


@pytest.fixture
def checkpointed(session: Session, runtime: Runtime) -> AuditCheckpoint:
    """A world and a batch, with a checkpoint taken in between and one at the head."""
    world = make_world(session, runtime.ring)
    take_checkpoint(session, runtime.ring)
    session.commit()
    make_batch(session, world, runtime.ring, count=3)
    row = take_checkpoint(session, runtime.ring)
    session.commit()
    assert row is not None
    return row


def test_a_clean_log_with_checkpoints_verifies_intact(
    session: Session, runtime: Runtime, checkpointed: AuditCheckpoint
) -> None:
    report = verify_log(session, runtime.ring)
    assert report.ok, report.problem
    assert (report.entries, report.checkpoints) == (head_seq(session), 2)
    assert report.latest is not None and report.latest.seq == checkpointed.seq
    assert jws.header_of(checkpointed.jws) == {"alg": "EdDSA", "kid": "1", "typ": CHECKPOINT_TYPE}


def test_a_rewritten_and_rehashed_log_fails_naming_the_checkpoint(
    session: Session, runtime: Runtime, checkpointed: AuditCheckpoint
) -> None:
    rewrite_and_rehash(session, 3)
    assert audit.verify_chain(session).ok  # the chain alone is fooled...
    report = verify_log(session, runtime.ring)
    assert not report.ok  # ...the signed checkpoints are not
    first = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).first()
    assert first is not None and report.broken_seq == first.seq
    assert f"the checkpoint of {first.at:%Y-%m-%d %H:%M:%S} UTC signed" in (report.problem or "")
    assert "rewritten at or before entry" in (report.problem or "")


def test_a_cut_off_tail_is_reported_as_truncation(
    session: Session, runtime: Runtime, checkpointed: AuditCheckpoint
) -> None:
    total = head_seq(session)
    session.execute(delete(AuditEntry).where(AuditEntry.seq > total - 3))
    session.commit()
    assert audit.verify_chain(session).ok
    report = verify_log(session, runtime.ring)
    assert not report.ok
    assert report.problem == (
        f"truncated: the checkpoint of {checkpointed.at:%Y-%m-%d %H:%M:%S} UTC covers {total} entries, "
        f"the log has {total - 3}"
    )


def _foreign_key(session: Session, kid: str) -> Ed25519PrivateKey:
    """An attacker's key planted in the key table, sealed under a passphrase of the attacker's own."""
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pkcs8 = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    sealed = seal(pkcs8, b"attacker", aad=kid.encode(), rounds=1000)
    session.add(SigningKey(kid=kid, public_key=raw, private_key_encrypted=sealed, status=KeyStatus.RETIRED))
    return private


def test_a_checkpoint_signed_by_a_planted_key_is_refused(
    session: Session, runtime: Runtime, checkpointed: AuditCheckpoint
) -> None:
    rewrite_and_rehash(session, 3)
    session.execute(delete(AuditCheckpoint))  # drop the genuine checkpoints...
    private = _foreign_key(session, "99")  # ...and sign the rewritten head with a key of one's own
    head = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    at = utcnow().replace(microsecond=0)
    payload = {"seq": head.seq, "head_hash": head.hash, "at": int(at.timestamp())}
    token = jws.sign(payload, private, "99", CHECKPOINT_TYPE)
    session.add(AuditCheckpoint(seq=head.seq, head_hash=head.hash, at=at, kid="99", jws=token))
    session.commit()
    report = verify_log(session, runtime.ring)
    assert not report.ok
    assert "key 99 cannot be unsealed with this instance's passphrase" in (report.problem or "")


def test_a_checkpoint_by_a_key_unknown_to_the_office_is_refused(
    session: Session, runtime: Runtime, checkpointed: AuditCheckpoint
) -> None:
    token = jws.sign(
        {"seq": 1, "head_hash": "0" * 64, "at": 0}, Ed25519PrivateKey.generate(), "7", CHECKPOINT_TYPE
    )
    report = verify_log(session, runtime.ring, external=[token])
    assert not report.ok and "external checkpoint 1 is not valid: key '7' is not in the key table" in (
        report.problem or ""
    )


def test_a_genuine_kid_with_a_swapped_public_key_is_refused(
    session: Session, runtime: Runtime, checkpointed: AuditCheckpoint
) -> None:
    attacker = Ed25519PrivateKey.generate()
    raw = attacker.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    session.execute(update(SigningKey).where(SigningKey.kid == "1").values(public_key=raw))
    session.commit()
    report = verify_log(session, runtime.ring)
    assert not report.ok and "stored public key does not match its sealed private key" in (
        report.problem or ""
    )


def test_a_checkpoint_row_whose_columns_were_edited_is_refused(
    session: Session, runtime: Runtime, checkpointed: AuditCheckpoint
) -> None:
    session.execute(
        update(AuditCheckpoint).where(AuditCheckpoint.id == checkpointed.id).values(seq=checkpointed.seq - 3)
    )
    session.commit()
    report = verify_log(session, runtime.ring)
    assert not report.ok and "row was altered" in (report.problem or "")


def test_a_checkpoint_signed_by_a_key_after_its_revocation_is_refused(
    session: Session, runtime: Runtime, checkpointed: AuditCheckpoint
) -> None:
    keys.revoke_key(session, OPERATOR, "1", "leaked", runtime.ring)
    session.commit()
    key = session.scalars(select(SigningKey).filter_by(kid="1")).one()
    later = {"seq": 1, "head_hash": "a" * 64, "at": int((utcnow() + timedelta(minutes=1)).timestamp())}
    token = jws.sign(later, runtime.ring.private_key(key), "1", CHECKPOINT_TYPE)
    report = verify_log(session, runtime.ring, external=[token])
    assert not report.ok and "after that key was revoked" in (report.problem or "")
    assert verify_log(session, runtime.ring).ok  # checkpoints signed before the revocation still count


def test_deleted_checkpoints_are_caught_by_a_copy_kept_outside(
    client: FlaskClient, session: Session, runtime: Runtime, checkpointed: AuditCheckpoint
) -> None:
    kept = client.get("/.well-known/suyuan/audit-checkpoints.json").json
    rewrite_and_rehash(session, 3)
    session.execute(delete(AuditCheckpoint))
    session.commit()
    assert verify_log(session, runtime.ring).ok  # with the rows gone, only an outside copy can tell
    report = verify_log(session, runtime.ring, external=audit_checkpoints.checkpoint_tokens(kept))
    assert not report.ok and "the checkpoint of" in (report.problem or "")


def test_checkpoints_fall_due_hourly_or_every_thousand_entries(session: Session, runtime: Runtime) -> None:
    assert not checkpoint_due(session)  # an empty log has nothing to sign
    make_world(session, runtime.ring)
    assert checkpoint_due(session)
    row = take_checkpoint(session, runtime.ring)
    session.commit()
    assert row is not None and not checkpoint_due(session)
    assert take_checkpoint(session, runtime.ring) is None  # the head is already signed
    audit.record(session, actor="test", action="test.noted", subject="x", payload={})
    assert not checkpoint_due(session, row.at + timedelta(minutes=59))
    assert checkpoint_due(session, row.at + audit_checkpoints.INTERVAL)
    for _ in range(audit_checkpoints.EVERY_ENTRIES - 1):
        audit.record(session, actor="test", action="test.noted", subject="x", payload={})
    assert checkpoint_due(session, row.at)


def test_the_published_document_takes_a_due_checkpoint_and_is_cacheable(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    response = client.get("/.well-known/suyuan/audit-checkpoints.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    document = response.json
    assert document["type"] == CHECKPOINT_TYPE
    assert [c["seq"] for c in document["checkpoints"]] == [head_seq(session)]
    assert json.loads(json.dumps(document)) == client.get("/.well-known/suyuan/audit-checkpoints.json").json


def test_serving_the_revocation_list_takes_a_due_checkpoint(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    assert client.get("/.well-known/suyuan/revocations.json").status_code == 200
    assert session.scalar(select(func.max(AuditCheckpoint.seq))) == head_seq(session)


def test_the_audit_verify_api_checks_the_checkpoints(
    client: FlaskClient, session: Session, runtime: Runtime, checkpointed: AuditCheckpoint
) -> None:
    rewrite_and_rehash(session, 3)
    officer = session.scalars(select(User).filter_by(email="officer@test.example")).one()
    token = accounts.issue_token(session, OPERATOR, officer.id, "test")[1]
    session.commit()
    body = client.get("/api/v1/audit/verify", headers={"Authorization": f"Bearer {token}"}).json
    assert body["ok"] is False and "the checkpoint of" in body["problem"]


def test_a_wrong_passphrase_is_a_configuration_error_not_a_forgery(
    session: Session, checkpointed: AuditCheckpoint
) -> None:
    with pytest.raises(keys.KeyUnavailable):
        verify_log(session, keys.KeyRing(b"not the passphrase"))
