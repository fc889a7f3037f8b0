"""Offline verification against the published JWKS and the signed revocation list, with no database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.scanner.offline import (
    JwksError,
    load_jwks,
    load_revocations,
    parse_jwks,
    read_jwks,
    verify_offline,
)
from suyuan.trace import keys, recalls
from suyuan.trace.model import BatchStatus
from suyuan.trace.verdicts import Reason, Verdict
from suyuan.trace.zone import exits
from tests.factories import SECRET, code_urls, exit_filing, make_batch, make_world, make_zone_batch


def save(tmp_path: Path, name: str, document: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def test_offline_verdicts_follow_the_published_documents(
    client: FlaskClient, session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=3)
    url = code_urls(session, runtime.ring, batch, 1, 1)[0]
    jwks = client.get("/.well-known/jwks.json").json
    assert jwks["revocations"]["url"].endswith("/.well-known/suyuan/revocations.json")
    published = load_jwks(save(tmp_path, "jwks.json", jwks))
    result = verify_offline(url, published)
    assert (result.verdict, result.reasons) == (Verdict.GENUINE, [Reason.OFFLINE_UNCHECKED])
    assert verify_offline(url.replace("/21/1?", "/21/2?"), published).reasons == [Reason.BAD_SIGNATURE]
    assert verify_offline("hello", published).reasons == [Reason.MALFORMED_CODE]

    batch.status = BatchStatus.RECALLED
    session.commit()
    trust = read_jwks(save(tmp_path, "jwks1.json", client.get("/.well-known/jwks.json").json))
    revoked = load_revocations(
        save(tmp_path, "rev.json", client.get("/.well-known/suyuan/revocations.json").json), trust
    )
    assert revoked.version == trust.revocations_version
    assert verify_offline(url, published, revoked).verdict is Verdict.RECALLED

    keys.revoke_key(session, world.regulator, "1", "leaked", runtime.ring)
    session.commit()
    published = load_jwks(save(tmp_path, "jwks2.json", client.get("/.well-known/jwks.json").json))
    assert verify_offline(url, published).verdict is Verdict.REVOKED


def test_offline_a_blocked_batch_recalls_only_its_sold_units(
    client: FlaskClient, session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=4)
    urls = code_urls(session, runtime.ring, batch)
    exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:2])]), secret=SECRET
    )
    recalls.open_recall(session, world.regulator, batch.id, "recall", "lab failure", scope="sold_units")
    session.commit()
    trust = read_jwks(save(tmp_path, "jwks.json", client.get("/.well-known/jwks.json").json))
    published = trust.keys
    revoked = load_revocations(
        save(tmp_path, "rev.json", client.get("/.well-known/suyuan/revocations.json").json), trust
    )
    assert revoked.batches[(batch.gtin, batch.lot)] == "exit_blocked"
    verdicts = [verify_offline(u, published, revoked) for u in urls]
    assert [(v.verdict, v.reasons) for v in verdicts] == [(Verdict.RECALLED, [Reason.BATCH_RECALLED])] * 2 + [
        (Verdict.SUSPECT, [Reason.NOT_RELEASED])
    ] * 2


def test_a_forged_revocation_list_is_refused(
    client: FlaskClient, session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    make_world(session, runtime.ring)
    published = read_jwks(save(tmp_path, "jwks.json", client.get("/.well-known/jwks.json").json))
    token = client.get("/.well-known/suyuan/revocations.json").json["jws"]
    head, payload, sig = token.split(".")
    forged = ".".join([head, payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB"), sig])
    with pytest.raises(JwksError, match=r"refused \(bad_signature\)"):
        load_revocations(save(tmp_path, "forged.json", {"jws": forged}), published)
    with pytest.raises(JwksError):
        load_revocations(save(tmp_path, "junk.json", {"jws": "a.b"}), published)


@pytest.mark.parametrize(
    "document", [[], {"keys": "x"}, {"keys": []}, {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "!!"}]}]
)
def test_bad_jwks_documents_are_refused(document: object) -> None:
    with pytest.raises(JwksError):
        parse_jwks(document)
