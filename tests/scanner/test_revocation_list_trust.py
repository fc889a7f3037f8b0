"""An offline verifier trusts a revocation list only if it is the current, typed list of an active key.

Each test performs one attack of the December security review (rows 3, 4, 5 and 32) and asserts the
refusal: an issuance statement passed off as a list, a list signed by a revoked or retired key, a list
older than the JWKS, an expired or future-dated list, a list with missing or ill-typed members.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.cli import main
from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.scanner.offline import (
    CLOCK_SKEW,
    ListProblem,
    RevocationListRefused,
    load_revocations,
    read_jwks,
    verify_offline,
)
from suyuan.trace import jws, keys, recalls, revocations
from suyuan.trace.errors import InvalidState
from suyuan.trace.model import BatchStatus, SigningKey
from suyuan.trace.verdicts import Reason, Verdict
from tests.factories import BASE, code_urls, make_batch, make_world


def save(tmp_path: Path, name: str, document: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def served_jwks(client: FlaskClient, tmp_path: Path) -> Path:
    return save(tmp_path, "jwks.json", client.get("/.well-known/jwks.json").json)


def served_list(client: FlaskClient, tmp_path: Path, name: str = "rev.json") -> Path:
    response = client.get("/.well-known/suyuan/revocations.json")
    assert response.status_code == 200
    return save(tmp_path, name, response.json)


def signed_by(session: Session, runtime: Runtime, kid: str, payload: dict[str, Any], **header: str) -> str:
    key = session.scalars(select(SigningKey).filter_by(kid=kid)).one()
    return jws.sign(payload, runtime.ring.private_key(key), kid, header.get("typ", revocations.LIST_TYPE))


def refusal(path: Path, jwks_path: Path, now: datetime | None = None) -> ListProblem:
    with pytest.raises(RevocationListRefused) as refused:
        load_revocations(path, read_jwks(jwks_path), now)
    return refused.value.problem


@pytest.fixture
def recalled_world(session: Session, runtime: Runtime) -> tuple[Any, str]:
    """A world whose one batch is recalled, and the URL of one of its codes."""
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=2)
    url = code_urls(session, runtime.ring, batch, 1, 1)[0]
    batch.status = BatchStatus.RECALLED
    session.commit()
    return world, url


def test_the_served_list_is_typed_versioned_and_valid_for_seven_days(
    client: FlaskClient, recalled_world: tuple[Any, str], tmp_path: Path
) -> None:
    path, jwks_path = served_list(client, tmp_path), served_jwks(client, tmp_path)
    token = json.loads(path.read_text())["jws"]
    assert jws.header_of(token) == {"alg": "EdDSA", "kid": "1", "typ": "suyuan-revocations+jws"}
    listed = load_revocations(path, read_jwks(jwks_path))
    assert listed.expires_at - listed.issued_at == 7 * 86400
    assert listed.version == read_jwks(jwks_path).revocations_version
    assert verify_offline(recalled_world[1], read_jwks(jwks_path).keys, listed).verdict is Verdict.RECALLED


def test_an_issuance_statement_is_refused_as_a_revocation_list(
    client: FlaskClient, recalled_world: tuple[Any, str], tmp_path: Path
) -> None:
    statement = save(tmp_path, "statement.json", client.get("/issuances/1").json)
    assert refusal(statement, served_jwks(client, tmp_path)) is ListProblem.WRONG_TYPE


def test_the_cli_stops_with_a_reason_instead_of_calling_a_recalled_item_genuine(
    client: FlaskClient, recalled_world: tuple[Any, str], tmp_path: Path
) -> None:
    statement = save(tmp_path, "statement.json", client.get("/issuances/1").json)
    jwks_path = served_jwks(client, tmp_path)
    args = ["verify", recalled_world[1], "--jwks", str(jwks_path), "--revocations", str(statement)]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout.splitlines()[0])["error"]["reason"] == "wrong_type"
    assert "genuine" not in result.stdout
    plain = CliRunner().invoke(main, args)
    assert plain.exit_code == 2 and "error: revocation list refused (wrong_type)" in plain.stderr
    served = served_list(client, tmp_path)
    accepted = CliRunner().invoke(main, [*args[:-1], str(served)])
    assert accepted.exit_code == 1 and accepted.stdout.startswith("recalled")


def test_a_list_signed_by_a_revoked_key_is_refused(
    client: FlaskClient, session: Session, runtime: Runtime, recalled_world: tuple[Any, str], tmp_path: Path
) -> None:
    world, _ = recalled_world
    keys.revoke_key(session, world.regulator, "1", "leaked", runtime.ring)
    session.commit()
    jwks_path = served_jwks(client, tmp_path)
    payload = revocations.revocation_payload(session, BASE) | {"batches": []}  # the thief un-recalls
    forged = save(tmp_path, "forged.json", {"jws": signed_by(session, runtime, "1", payload)})
    assert refusal(forged, jwks_path) is ListProblem.KEY_NOT_ACTIVE


def test_a_list_signed_by_a_retired_key_is_refused(
    client: FlaskClient, session: Session, runtime: Runtime, recalled_world: tuple[Any, str], tmp_path: Path
) -> None:
    world, _ = recalled_world
    keys.rotate_key(session, world.regulator, runtime.ring)
    session.commit()
    payload = revocations.revocation_payload(session, BASE)
    old_key = save(tmp_path, "old.json", {"jws": signed_by(session, runtime, "1", payload)})
    assert refusal(old_key, served_jwks(client, tmp_path)) is ListProblem.KEY_NOT_ACTIVE
    current = save(tmp_path, "new.json", {"jws": signed_by(session, runtime, "2", payload)})
    assert load_revocations(current, read_jwks(served_jwks(client, tmp_path))).version == payload["version"]


def test_a_list_older_than_the_jwks_announces_is_refused(
    client: FlaskClient, session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=2)
    before_recall = served_list(client, tmp_path, "before.json")
    recalls.open_recall(session, world.regulator, batch.id, "stop_sale", "lab failure", scope="batch")
    session.commit()
    assert refusal(before_recall, served_jwks(client, tmp_path)) is ListProblem.ROLLED_BACK
    assert load_revocations(served_list(client, tmp_path), read_jwks(served_jwks(client, tmp_path)))


def test_an_expired_list_is_refused(
    client: FlaskClient, recalled_world: tuple[Any, str], tmp_path: Path
) -> None:
    path, jwks_path = served_list(client, tmp_path), served_jwks(client, tmp_path)
    listed = load_revocations(path, read_jwks(jwks_path))
    last_valid = datetime.fromtimestamp(listed.expires_at - 1, UTC)
    assert load_revocations(path, read_jwks(jwks_path), last_valid).version == listed.version
    expired = last_valid + timedelta(seconds=1)
    assert refusal(path, jwks_path, expired) is ListProblem.EXPIRED


def test_a_list_issued_in_the_future_is_refused(
    client: FlaskClient, recalled_world: tuple[Any, str], tmp_path: Path
) -> None:
    path, jwks_path = served_list(client, tmp_path), served_jwks(client, tmp_path)
    issued = datetime.fromtimestamp(load_revocations(path, read_jwks(jwks_path)).issued_at, UTC)
    assert load_revocations(path, read_jwks(jwks_path), issued - timedelta(seconds=CLOCK_SKEW))
    early = issued - timedelta(seconds=CLOCK_SKEW + 1)
    assert refusal(path, jwks_path, early) is ListProblem.NOT_YET_VALID


def _without(name: str) -> Any:
    return lambda p: {k: v for k, v in p.items() if k != name}


@pytest.mark.parametrize(
    "mutate",
    [
        _without("version"),
        _without("iat"),
        _without("exp"),
        _without("iss"),
        _without("batches"),
        _without("revoked_keys"),
        _without("voided_codes"),
        lambda p: p | {"version": str(p["version"])},
        lambda p: p | {"version": True},
        lambda p: p | {"exp": p["iat"]},
        lambda p: p | {"batches": {}},
        lambda p: p | {"batches": [{"gtin": "09421234560015", "lot": "L1"}]},
        lambda p: p | {"batches": [{"gtin": "09421234560015", "lot": "L1", "status": "fine"}]},
        lambda p: p | {"batches": [{"gtin": "09421234560015", "lot": "L1", "status": "exit_blocked"}]},
        lambda p: p | {"revoked_keys": [{"revoked_at": None}]},
        lambda p: p | {"revoked_keys": [{"kid": "1"}]},
        lambda p: p | {"voided_codes": [{"gtin": "09421234560015", "lot": "L1"}]},
    ],
    ids=[
        "no-version",
        "no-iat",
        "no-exp",
        "no-iss",
        "no-batches",
        "no-revoked-keys",
        "no-voided-codes",
        "version-string",
        "version-bool",
        "exp-not-after-iat",
        "batches-object",
        "batch-without-status",
        "batch-unknown-status",
        "blocked-without-serials",
        "revoked-key-without-kid",
        "revoked-key-without-date",
        "voided-without-serial",
    ],
)
def test_a_list_with_missing_or_ill_typed_members_is_refused(
    mutate: Any,
    client: FlaskClient,
    session: Session,
    runtime: Runtime,
    recalled_world: tuple[Any, str],
    tmp_path: Path,
) -> None:
    payload = mutate(revocations.revocation_payload(session, BASE))
    path = save(tmp_path, "bad.json", {"jws": signed_by(session, runtime, "1", payload)})
    assert refusal(path, served_jwks(client, tmp_path)) is ListProblem.BAD_SCHEMA


def test_a_voided_code_in_the_list_verifies_as_revoked_offline(
    client: FlaskClient, session: Session, runtime: Runtime, recalled_world: tuple[Any, str], tmp_path: Path
) -> None:
    world, _ = recalled_world
    batch = make_batch(session, world, runtime.ring, count=1)
    url = code_urls(session, runtime.ring, batch, 1, 1)[0]
    voided = {"gtin": batch.gtin, "lot": batch.lot, "serial": "1"}
    payload = revocations.revocation_payload(session, BASE) | {"voided_codes": [voided]}
    path = save(tmp_path, "voided.json", {"jws": signed_by(session, runtime, "1", payload)})
    trust = read_jwks(served_jwks(client, tmp_path))
    result = verify_offline(url, trust.keys, load_revocations(path, trust))
    assert (result.verdict, result.reasons) == (Verdict.REVOKED, [Reason.CODE_VOIDED])


def test_revoking_the_only_active_key_keeps_the_list_published(
    client: FlaskClient, session: Session, runtime: Runtime, recalled_world: tuple[Any, str], tmp_path: Path
) -> None:
    world, url = recalled_world
    with pytest.raises(InvalidState, match="only active key"):
        keys.revoke_key(session, world.regulator, "1", "leaked")
    keys.revoke_key(session, world.regulator, "1", "leaked", runtime.ring)
    session.commit()
    assert [(k.kid, k.status.value) for k in keys.list_keys(session)] == [("1", "revoked"), ("2", "active")]
    trust = read_jwks(served_jwks(client, tmp_path))
    listed = load_revocations(served_list(client, tmp_path), trust)
    assert listed.revoked_kids == {"1"}
    assert verify_offline(url, trust.keys, listed).verdict is Verdict.REVOKED


def test_the_cli_revoke_of_the_only_key_names_its_successor(
    client: FlaskClient, session: Session, runtime: Runtime, settings: Settings
) -> None:
    make_world(session, runtime.ring)
    env = {
        "SUYUAN_DATABASE_URL": settings.database_url,
        "SUYUAN_INSTANCE_DIR": str(settings.instance_dir),
        "SUYUAN_KEY_PASSPHRASE": str(settings.key_passphrase),
        "SUYUAN_KEY_KDF_ROUNDS": "1000",
    }
    result = CliRunner().invoke(main, ["keys", "revoke", "1", "--reason", "leak"], env=env)
    assert result.exit_code == 0, result.output
    assert "revoked key 1" in result.output and "key 2 now signs" in result.output
    assert client.get("/.well-known/suyuan/revocations.json").status_code == 200
