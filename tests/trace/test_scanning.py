"""Verdicts: genuine, counterfeit (forged in every way we know), suspect, recalled, revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import keys, scanning
from suyuan.trace.codes import CodeId, code_url, parse_code, signed_message
from suyuan.trace.errors import InvalidState
from suyuan.trace.model import BatchStatus, Scan
from suyuan.trace.model.types import utcnow
from suyuan.trace.scanning import CloneRules
from suyuan.trace.verdicts import Reason, Verdict
from tests.factories import BASE, code_urls, make_batch, make_world

START = datetime(2026, 3, 2, 4, tzinfo=UTC)  # noon in China
DAY = timedelta(days=1)


def check(session: Session, runtime: Runtime, url: str) -> scanning.CodeCheck:
    return scanning.check_code(session, runtime.ring, parse_code(url))


@pytest.fixture
def world_batch(session: Session, runtime: Runtime):  # type: ignore[no-untyped-def]
    world = make_world(session, runtime.ring)
    return world, make_batch(session, world, runtime.ring, count=10)


def test_an_issued_code_of_a_released_batch_is_genuine(session, runtime, world_batch) -> None:  # type: ignore[no-untyped-def]
    _, batch = world_batch
    result = check(session, runtime, code_urls(session, runtime.ring, batch, 1, 1)[0])
    assert (result.verdict, result.reasons) == (Verdict.GENUINE, [])
    assert result.batch is not None and result.batch.id == batch.id


def test_forged_codes_are_counterfeit_with_precise_reasons(session, runtime, world_batch) -> None:  # type: ignore[no-untyped-def]
    _, batch = world_batch
    url = code_urls(session, runtime.ring, batch, 1, 1)[0]
    foreign = Ed25519PrivateKey.generate()
    code = CodeId(batch.gtin, batch.lot, "1")
    cases = {
        "another key's signature under our kid": (
            code_url(BASE, code, "1", foreign.sign(signed_message(code, "1"))),
            Reason.BAD_SIGNATURE,
        ),
        "signature moved to another serial": (url.replace("/21/1?", "/21/2?"), Reason.BAD_SIGNATURE),
        "unknown kid": (
            code_url(BASE, code, "77", foreign.sign(signed_message(code, "77"))),
            Reason.UNKNOWN_KEY,
        ),
        "missing signature": (url.split("?")[0], Reason.MISSING_SIGNATURE),
        "garbled signature": (url[:-5] + "x1234", Reason.MALFORMED_SIGNATURE),
    }
    for name, (forged, reason) in cases.items():
        result = check(session, runtime, forged)
        assert (result.verdict, result.reasons) == (Verdict.COUNTERFEIT, [reason]), name


def test_validly_signed_codes_outside_issued_ranges_are_counterfeit(session, runtime, world_batch) -> None:  # type: ignore[no-untyped-def]
    _, batch = world_batch
    key = keys.active_key(session)
    assert key is not None
    private = runtime.ring.private_key(key)
    for code, reason in [
        (CodeId(batch.gtin, batch.lot, "11"), Reason.SERIAL_OUT_OF_RANGE),
        (CodeId(batch.gtin, batch.lot, "01"), Reason.SERIAL_OUT_OF_RANGE),
        (CodeId(batch.gtin, "NOLOT", "1"), Reason.UNKNOWN_BATCH),
    ]:
        url = code_url(BASE, code, key.kid, private.sign(signed_message(code, key.kid)))
        assert check(session, runtime, url).reasons == [reason]


def test_a_code_signed_by_a_newer_key_for_an_old_range_is_counterfeit(session, runtime, world_batch) -> None:  # type: ignore[no-untyped-def]
    world, batch = world_batch
    new = keys.rotate_key(session, world.regulator, runtime.ring)
    code = CodeId(batch.gtin, batch.lot, "1")
    url = code_url(BASE, code, new.kid, runtime.ring.private_key(new).sign(signed_message(code, new.kid)))
    assert check(session, runtime, url).reasons == [Reason.WRONG_KEY]


def test_rotation_keeps_old_codes_genuine_and_revocation_turns_them_revoked(
    session, runtime, world_batch
) -> None:  # type: ignore[no-untyped-def]
    world, batch = world_batch
    url = code_urls(session, runtime.ring, batch, 1, 1)[0]
    keys.rotate_key(session, world.regulator, runtime.ring)
    assert check(session, runtime, url).verdict is Verdict.GENUINE
    keys.revoke_key(session, world.regulator, "1", reason="printer shop leak")
    result = check(session, runtime, url)
    assert (result.verdict, result.reasons) == (Verdict.REVOKED, [Reason.KEY_REVOKED])


def test_recalled_and_stopped_batches_answer_recalled(session, runtime, world_batch) -> None:  # type: ignore[no-untyped-def]
    _, batch = world_batch
    url = code_urls(session, runtime.ring, batch, 1, 1)[0]
    for status, reason in [
        (BatchStatus.RECALLED, Reason.BATCH_RECALLED),
        (BatchStatus.STOPPED, Reason.BATCH_STOP_SALE),
    ]:
        batch.status = status
        session.commit()
        assert check(session, runtime, url).reasons == [reason]


def test_codes_of_a_batch_not_yet_released_are_suspect(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=3, released=False)
    result = check(session, runtime, code_urls(session, runtime.ring, batch, 1, 1)[0])
    assert (result.verdict, result.reasons) == (Verdict.SUSPECT, [Reason.NOT_RELEASED])


def test_a_code_seen_on_many_devices_turns_suspect(session, runtime, world_batch) -> None:  # type: ignore[no-untyped-def]
    _, batch = world_batch
    parsed = parse_code(code_urls(session, runtime.ring, batch, 1, 1)[0])
    rules = CloneRules(max_devices=3, max_regions=9, devices_per_day=2)
    verdicts = [  # two new devices a day, on two days
        scanning.record_scan(
            session, runtime.ring, parsed, device=f"device-{i}", rules=rules, now=START + DAY * (i // 2)
        ).verdict
        for i in range(4)
    ]
    assert verdicts == [Verdict.GENUINE] * 3 + [Verdict.SUSPECT]
    again = scanning.record_scan(
        session, runtime.ring, parsed, device="device-0", rules=rules, now=START + DAY
    )
    assert again.reasons == [Reason.MANY_DEVICES] and again.scan_count == 5


def test_the_same_device_rescanning_stays_genuine_and_anonymous_scans_do_not_count(
    session,
    runtime,
    world_batch,  # type: ignore[no-untyped-def]
) -> None:
    _, batch = world_batch
    parsed = parse_code(code_urls(session, runtime.ring, batch, 2, 2)[0])
    rules = CloneRules(max_devices=2)
    for _ in range(5):
        assert (
            scanning.record_scan(session, runtime.ring, parsed, device="mine", rules=rules).verdict
            is Verdict.GENUINE
        )
        assert (
            scanning.record_scan(session, runtime.ring, parsed, device="", rules=rules).verdict
            is Verdict.GENUINE
        )


def test_a_code_seen_in_many_regions_turns_suspect(session, runtime, world_batch) -> None:  # type: ignore[no-untyped-def]
    _, batch = world_batch
    parsed = parse_code(code_urls(session, runtime.ring, batch, 3, 3)[0])
    for day, region in enumerate(("CN-GD", "CN-SH")):  # one new region a day counts
        assert (
            scanning.record_scan(
                session, runtime.ring, parsed, device="a", region=region, now=START + DAY * day
            ).verdict
            is Verdict.GENUINE
        )
    result = scanning.record_scan(
        session, runtime.ring, parsed, device="a", region="CN-XJ", now=START + 2 * DAY
    )
    assert (result.verdict, result.reasons) == (Verdict.SUSPECT, [Reason.MANY_REGIONS])


def test_a_claimed_code_is_suspect_elsewhere_but_not_for_its_buyer(session, runtime, world_batch) -> None:  # type: ignore[no-untyped-def]
    _, batch = world_batch
    parsed = parse_code(code_urls(session, runtime.ring, batch, 4, 4)[0])
    scanning.claim_code(session, runtime.ring, parsed, device="buyer")
    mine = scanning.record_scan(session, runtime.ring, parsed, device="buyer")
    assert mine.verdict is Verdict.GENUINE and mine.claimed_by_this_device
    later = utcnow() + CloneRules().claim_lead  # a copy first scanned a day after the claim
    theirs = scanning.record_scan(session, runtime.ring, parsed, device="copycat", now=later)
    assert (theirs.verdict, theirs.reasons) == (Verdict.SUSPECT, [Reason.CLAIMED_BY_OTHER])
    with pytest.raises(InvalidState, match="already claimed"):
        scanning.claim_code(session, runtime.ring, parsed, device="copycat")
    with pytest.raises(InvalidState, match="device cookie"):
        scanning.claim_code(session, runtime.ring, parsed, device="")


def test_counterfeits_cannot_be_claimed_and_scans_store_no_ip(session, runtime, world_batch) -> None:  # type: ignore[no-untyped-def]
    _, batch = world_batch
    url = code_urls(session, runtime.ring, batch, 5, 5)[0].replace("/21/5?", "/21/6?")
    with pytest.raises(InvalidState, match="counterfeit"):
        scanning.claim_code(session, runtime.ring, parse_code(url), device="d")
    scanning.record_scan(session, runtime.ring, parse_code(url), device="d", region="CN-GD")
    scan = session.scalars(select(Scan)).one()
    assert scan.verdict == "counterfeit" and scan.reasons == ["bad_signature"]
    assert set(Scan.__table__.columns.keys()) == {
        "id",
        "at",
        "batch_id",
        "gtin",
        "lot",
        "serial",
        "device_hash",
        "region",
        "verdict",
        "reasons",
    }
    assert session.scalar(select(func.count()).select_from(Scan)) == 1


def test_device_hashes_are_keyed_and_stable() -> None:
    assert scanning.device_hash("k1", "abc") == scanning.device_hash("k1", "abc")
    assert scanning.device_hash("k1", "abc") != scanning.device_hash("k2", "abc")
    assert len(scanning.device_hash("k1", "abc")) == 32
