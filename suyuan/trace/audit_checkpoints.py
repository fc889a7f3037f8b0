"""Signed checkpoints of the audit log: what anchors the hash chain against a database writer.

The chain (:mod:`suyuan.trace.audit`) is unkeyed: whoever can write to the database can rewrite an
entry and recompute every later hash, or delete the tail, and the chain alone still verifies. A
checkpoint is a compact JWS (``typ: suyuan-audit-checkpoint+jws``) over ``{seq, head_hash, at}``,
signed with the office's active Ed25519 key: "the log had ``seq`` entries ending in ``head_hash``".
That writer cannot sign a new checkpoint without the key passphrase, so :func:`verify_log` catches a
rewrite (an entry no longer has a signed head hash) and a truncation (the log is shorter than a
checkpoint). Checkpoints are published at ``/.well-known/suyuan/audit-checkpoints.json`` so that
outside parties keep copies: deleting checkpoint rows is caught only by such a copy
(``suyuan audit verify --checkpoint FILE``).

When checkpoints are taken (:func:`checkpoint_due`): ``suyuan audit checkpoint`` (cron, e.g. hourly)
always signs the current head; the revocation list and the checkpoint document take one in a
transaction of its own when the head has moved and the latest checkpoint is ``INTERVAL`` old or
``EVERY_ENTRIES`` behind. Taking a checkpoint appends nothing to the log.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.trace import audit, jws
from suyuan.trace.keys import KeyRing, KeyUnavailable, UntrustedKey, office_public_key, require_active_key
from suyuan.trace.model import AuditCheckpoint, AuditEntry, KeyStatus, SigningKey
from suyuan.trace.model.types import utcnow

CHECKPOINT_TYPE = "suyuan-audit-checkpoint+jws"
INTERVAL = timedelta(hours=1)
EVERY_ENTRIES = 1000
PUBLISHED = 10  # how many of the latest checkpoints the well-known document lists
_HASH = re.compile(r"[0-9a-f]{64}")


class CheckpointInvalid(ValueError):
    """A checkpoint that cannot be trusted: bad signature or type, a foreign key, an altered row."""


@dataclass(frozen=True)
class Checkpoint:
    """A verified checkpoint: the log had ``seq`` entries, the last with ``head_hash``, at ``at``."""

    seq: int
    head_hash: str
    at: datetime
    kid: str

    @property
    def label(self) -> str:
        """How reports name it: by the time it was signed."""
        return f"the checkpoint of {self.at:%Y-%m-%d %H:%M:%S} UTC"


def latest_row(session: Session) -> AuditCheckpoint | None:
    """The most recent checkpoint row, if any."""
    return session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)).first()


def _head(session: Session) -> AuditEntry | None:
    return session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()


def take_checkpoint(session: Session, ring: KeyRing, now: datetime | None = None) -> AuditCheckpoint | None:
    """Sign the log's current head with the active key; ``None`` if it is empty or already signed.

    Raises ``KeyUnavailable`` with no active key or a wrong passphrase. Run it in a transaction of its
    own: two concurrent takers collide on the unique ``seq`` and one rolls back, which is harmless.
    """
    head = _head(session)
    latest = latest_row(session)
    if head is None or (latest is not None and latest.seq >= head.seq):
        return None
    key = require_active_key(session)
    at = (now or utcnow()).astimezone(UTC).replace(microsecond=0)
    payload = {"seq": head.seq, "head_hash": head.hash, "at": int(at.timestamp())}
    token = jws.sign(payload, ring.private_key(key), key.kid, CHECKPOINT_TYPE)
    row = AuditCheckpoint(seq=head.seq, head_hash=head.hash, at=at, kid=key.kid, jws=token)
    session.add(row)
    session.flush()
    return row


def checkpoint_due(session: Session, now: datetime | None = None) -> bool:
    """True when the head has moved past the latest checkpoint by ``EVERY_ENTRIES`` or for ``INTERVAL``.

    Two indexed lookups, so the public routes can ask on every request.
    """
    head = int(session.scalar(select(func.coalesce(func.max(AuditEntry.seq), 0))) or 0)
    latest = latest_row(session)
    if latest is None:
        return head > 0
    if head <= latest.seq:
        return False
    return head - latest.seq >= EVERY_ENTRIES or (now or utcnow()) - latest.at >= INTERVAL


def take_checkpoint_if_due(
    session: Session, ring: KeyRing, now: datetime | None = None
) -> AuditCheckpoint | None:
    """The automatic trigger: a checkpoint when :func:`checkpoint_due`, else nothing."""
    return take_checkpoint(session, ring, now) if checkpoint_due(session, now) else None


def published_checkpoints(session: Session, limit: int = PUBLISHED) -> list[dict[str, Any]]:
    """The latest checkpoints, newest first, as the well-known document lists them."""
    rows = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(limit))
    return [
        {"seq": r.seq, "head_hash": r.head_hash, "at": r.at.isoformat(), "kid": r.kid, "jws": r.jws}
        for r in rows
    ]


def verify_token(session: Session, ring: KeyRing, token: str) -> Checkpoint:
    """The checkpoint ``token`` states, if it is validly signed by a key provably this office's own.

    The key must unseal with this instance's passphrase and match its public key (see
    ``keys.office_public_key``); a key revoked since counts only for checkpoints signed before its
    revocation. Raises ``CheckpointInvalid``.
    """
    try:
        kid = jws.header_of(token).get("kid")
        if not isinstance(kid, str):
            raise CheckpointInvalid("its header names no key")
        payload = jws.verify(token, office_public_key(session, ring, kid), CHECKPOINT_TYPE)
    except UntrustedKey as exc:
        raise CheckpointInvalid(exc.message) from exc
    except (ValueError, TypeError) as exc:
        raise CheckpointInvalid(str(exc)) from exc
    checkpoint = _checkpoint_of(payload, kid)
    key = session.scalar(select(SigningKey).filter_by(kid=kid))
    if key is not None and key.status is KeyStatus.REVOKED and _after(checkpoint.at, key.revoked_at):
        raise CheckpointInvalid(f"it is signed by key {kid} after that key was revoked")
    return checkpoint


def _after(at: datetime, revoked_at: datetime | None) -> bool:
    return revoked_at is not None and at > revoked_at


def _checkpoint_of(payload: dict[str, Any], kid: str) -> Checkpoint:
    seq, head_hash, at = payload.get("seq"), payload.get("head_hash"), payload.get("at")
    if not (isinstance(seq, int) and not isinstance(seq, bool) and seq >= 1):
        raise CheckpointInvalid("seq must be a positive whole number")
    if not (isinstance(head_hash, str) and _HASH.fullmatch(head_hash)):
        raise CheckpointInvalid("head_hash must be 64 lower-case hex digits")
    if not (isinstance(at, int) and not isinstance(at, bool) and at >= 0):
        raise CheckpointInvalid("at must be a Unix time")
    return Checkpoint(seq, head_hash, datetime.fromtimestamp(at, UTC), kid)


def verify_row(session: Session, ring: KeyRing, row: AuditCheckpoint) -> Checkpoint:
    """A stored checkpoint, verified, and its columns checked against what it signs."""
    checkpoint = verify_token(session, ring, row.jws)
    if (row.seq, row.head_hash, row.kid) != (checkpoint.seq, checkpoint.head_hash, checkpoint.kid):
        raise CheckpointInvalid("its row was altered (the columns differ from what the JWS signs)")
    return checkpoint


@dataclass(frozen=True)
class LogReport:
    """The audit log checked end to end: the chain, every checkpoint, and the log's length."""

    entries: int
    checkpoints: int
    problem: str | None = None
    broken_seq: int | None = None
    latest: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        """True when the chain links, every checkpoint verifies and matches, and nothing was cut off."""
        return self.problem is None

    @property
    def unanchored(self) -> int:
        """Entries after the latest checkpoint (not yet protected against a consistent rewrite)."""
        return self.entries - (self.latest.seq if self.latest else 0)


def verify_log(session: Session, ring: KeyRing, external: Sequence[str] = ()) -> LogReport:
    """Check the chain against every stored checkpoint and the ``external`` checkpoint tokens.

    Reports the first problem: a checkpoint that does not verify, a broken link, an entry that lost
    its signed head hash (a rewrite), or a log shorter than a checkpoint says (a truncation).
    """
    verified: list[Checkpoint] = []
    rows = list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)))
    if rows or external:
        _require_passphrase(session, ring)
    for row in rows:
        try:
            verified.append(verify_row(session, ring, row))
        except CheckpointInvalid as exc:
            return LogReport(0, len(rows), f"the checkpoint of entry {row.seq} is not valid: {exc}")
    for index, token in enumerate(external, start=1):
        try:
            verified.append(verify_token(session, ring, token))
        except CheckpointInvalid as exc:
            return LogReport(0, len(rows), f"external checkpoint {index} is not valid: {exc}")
    return _against_chain(session, verified, len(rows))


def _require_passphrase(session: Session, ring: KeyRing) -> None:
    """Raise ``KeyUnavailable`` if the passphrase opens none of the keys.

    Then every checkpoint would look forged: that is a configuration error to report as such (CLI
    exit 2, HTTP 503), not tampering. One key that opens shows the passphrase is right, so a key that
    does not is foreign.
    """
    failure: KeyUnavailable | None = None
    for key in session.scalars(select(SigningKey).order_by(SigningKey.id.desc())):
        try:
            ring.private_key(key)
            return
        except KeyUnavailable as exc:
            failure = exc
    if failure is not None:
        raise failure


def _against_chain(session: Session, checkpoints: Iterable[Checkpoint], stored: int) -> LogReport:
    anchors: dict[int, list[audit.Anchor]] = defaultdict(list)
    latest: Checkpoint | None = None
    for checkpoint in checkpoints:
        anchors[checkpoint.seq].append(audit.Anchor(checkpoint.head_hash, checkpoint.label))
        if latest is None or checkpoint.seq > latest.seq:
            latest = checkpoint
    chain = audit.verify_chain(session, anchors=anchors)
    if not chain.ok:
        return LogReport(chain.entries, stored, chain.problem, chain.broken_seq, latest)
    if latest is not None and chain.entries < latest.seq:
        problem = f"truncated: {latest.label} covers {latest.seq} entries, the log has {chain.entries}"
        return LogReport(chain.entries, stored, problem, chain.entries + 1, latest)
    return LogReport(chain.entries, stored, latest=latest)


def checkpoint_tokens(document: Any) -> list[str]:
    """The checkpoint JWSs in a document an outside party kept: the well-known document, one of its
    entries (``{"jws": ...}``) or a bare compact JWS. Raises ``CheckpointInvalid`` for anything else.
    """
    if isinstance(document, str):
        return [document.strip()]
    if isinstance(document, dict) and isinstance(document.get("jws"), str):
        return [document["jws"]]
    if isinstance(document, dict) and isinstance(document.get("checkpoints"), list):
        tokens = [c.get("jws") for c in document["checkpoints"] if isinstance(c, dict)]
        if tokens and all(isinstance(t, str) for t in tokens):
            return [str(t) for t in tokens]
    raise CheckpointInvalid('not a checkpoint: expected a JWS, {"jws": ...} or {"checkpoints": [...]}')
