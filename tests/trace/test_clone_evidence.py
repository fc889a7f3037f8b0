"""How scan history is weighed as evidence of copying: devices the server issued, spread over days, and
claims that came a clear lead first (docs/codes.md, "Clone detection and its limits")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import scanning
from suyuan.trace.codes import ParsedCode, parse_code
from suyuan.trace.scanning import CloneRules, weigh_by_day
from suyuan.trace.verdicts import Reason, Verdict
from tests.factories import code_urls, make_batch, make_world

START = datetime(2026, 3, 2, 4, tzinfo=UTC)  # noon in China
DAY = timedelta(days=1)


@pytest.fixture
def parsed(session: Session, runtime: Runtime) -> ParsedCode:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=2)
    return parse_code(code_urls(session, runtime.ring, batch, 1, 1)[0])


def scan(
    session: Session, runtime: Runtime, parsed: ParsedCode, device: str, at: datetime, region: str = ""
) -> tuple[Verdict, list[Reason]]:
    check = scanning.record_scan(session, runtime.ring, parsed, device=device, region=region, now=at)
    return check.verdict, check.reasons


def test_only_cookies_the_server_signed_name_a_device() -> None:
    cookie = scanning.device_cookie("secret", "abc123")
    assert scanning.verified_device_id("secret", cookie) == "abc123"
    assert scanning.verified_device_id("other-secret", cookie) is None
    assert scanning.verified_device_id("secret", "abd123" + cookie[6:]) is None  # id changed
    assert scanning.verified_device_id("secret", cookie[:-1] + "A") is None  # MAC changed
    mac = cookie.split(".")[1]
    for invented in ("", "abc123", ".", "abc123.", "x" * 500 + "." + mac, "abc123.é" + mac[1:], "é." + mac):
        assert scanning.verified_device_id("secret", invented) is None
    assert scanning.new_device_id() != scanning.new_device_id()


def test_each_day_adds_at_most_its_quota_of_new_devices() -> None:
    burst = [START + timedelta(minutes=i) for i in range(50)]
    assert weigh_by_day(burst, 2) == 2
    assert weigh_by_day([START, START + DAY, START + 2 * DAY, START + 2 * DAY], 1) == 3
    assert weigh_by_day([], 2) == 0


def test_the_unknown_device_never_counts_however_often_it_scans(session, runtime, parsed) -> None:  # type: ignore[no-untyped-def]
    for day in range(10):
        for _ in range(5):
            assert scan(session, runtime, parsed, "", START + day * DAY) == (Verdict.GENUINE, [])


def test_a_burst_of_devices_in_one_day_is_not_enough(session, runtime, parsed) -> None:  # type: ignore[no-untyped-def]
    assert scan(session, runtime, parsed, "buyer", START) == (Verdict.GENUINE, [])
    for i in range(20):
        assert scan(session, runtime, parsed, f"burst-{i}", START + DAY)[0] is Verdict.GENUINE
    assert scan(session, runtime, parsed, "buyer", START + DAY) == (Verdict.GENUINE, [])


def test_devices_spread_over_three_days_are_a_clone(session, runtime, parsed) -> None:  # type: ignore[no-untyped-def]
    verdicts = [scan(session, runtime, parsed, f"d{i}", START + (i // 2) * DAY)[0] for i in range(6)]
    assert verdicts == [Verdict.GENUINE] * 5 + [Verdict.SUSPECT]
    assert scan(session, runtime, parsed, "d0", START + 3 * DAY) == (Verdict.SUSPECT, [Reason.MANY_DEVICES])


def test_regions_count_one_new_region_a_day(session, runtime, parsed) -> None:  # type: ignore[no-untyped-def]
    for region in ("CN-GD", "CN-SH", "CN-XJ", "CN-HL"):
        assert scan(session, runtime, parsed, "", START, region) == (Verdict.GENUINE, [])
    assert scan(session, runtime, parsed, "", START + DAY, "CN-YN") == (Verdict.GENUINE, [])
    assert scan(session, runtime, parsed, "", START + 2 * DAY, "CN-SC") == (
        Verdict.SUSPECT,
        [Reason.MANY_REGIONS],
    )


def test_a_claim_weighs_only_against_devices_first_seen_a_day_after_it(session, runtime, parsed) -> None:  # type: ignore[no-untyped-def]
    early = scan(session, runtime, parsed, "early-buyer", START - DAY)
    claim = scanning.claim_code(session, runtime.ring, parsed, device="claimant")
    claim.at = START
    session.flush()
    lead = CloneRules().claim_lead
    assert early == (Verdict.GENUINE, [])
    assert scan(session, runtime, parsed, "early-buyer", START + 5 * DAY) == (Verdict.GENUINE, [])
    assert (
        scan(session, runtime, parsed, "soon-after", START + lead - timedelta(minutes=1))[0]
        is Verdict.GENUINE
    )
    assert scan(session, runtime, parsed, "soon-after", START + 5 * DAY) == (Verdict.GENUINE, [])
    assert scan(session, runtime, parsed, "copy", START + lead) == (
        Verdict.SUSPECT,
        [Reason.CLAIMED_BY_OTHER],
    )
    assert scan(session, runtime, parsed, "", START + lead) == (Verdict.SUSPECT, [Reason.CLAIMED_BY_OTHER])
    assert scan(session, runtime, parsed, "claimant", START + 5 * DAY) == (Verdict.GENUINE, [])
