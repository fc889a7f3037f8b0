"""Scan statistics and dashboard counts: zero-filled days, region buckets, verdicts, and remits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import recalls, scanning, stats
from suyuan.trace.actors import OPERATOR, Actor
from suyuan.trace.codes import parse_code
from suyuan.trace.errors import InvalidInput, NotFound, PermissionDenied
from suyuan.trace.model import (
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    Office,
    RiskWarning,
    Role,
    Scan,
    WarningLevel,
)
from suyuan.trace.remit import remit_of
from suyuan.trace.stats import OTHER_REGIONS, UNKNOWN_REGION, HourOf, LocalDay, scan_stats
from tests.factories import World, code_urls, make_batch, make_product, make_world
from tests.scan_history import add_scans

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 20:00 in Beijing


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


def test_days_are_zero_filled_and_bucketed_in_china_time(
    session: Session, runtime: Runtime, world: World
) -> None:
    batch = make_batch(session, world, runtime.ring, count=10)
    add_scans(session, batch, datetime(2026, 3, 10, 1, 0, tzinfo=UTC))  # 09:00 on the 10th in Beijing
    add_scans(session, batch, datetime(2026, 3, 9, 17, 0, tzinfo=UTC))  # 01:00 on the 10th in Beijing
    add_scans(session, batch, datetime(2026, 3, 9, 15, 0, tzinfo=UTC), count=3)  # 23:00 on the 9th
    add_scans(session, batch, datetime(2026, 3, 5, 4, 0, tzinfo=UTC))
    add_scans(session, batch, datetime(2026, 3, 3, 15, 59, 59, tzinfo=UTC))  # 23:59:59 on the 3rd: outside
    add_scans(session, batch, datetime(2026, 3, 3, 16, 0, tzinfo=UTC))  # midnight of the 4th: inside

    result = scan_stats(session, world.merchant_staff, days=7, now=NOW)

    assert [d for d, _ in result.per_day] == [date(2026, 3, 4) + timedelta(days=i) for i in range(7)]
    assert dict(result.per_day) == {
        date(2026, 3, 4): 1,
        date(2026, 3, 5): 1,
        date(2026, 3, 6): 0,
        date(2026, 3, 7): 0,
        date(2026, 3, 8): 0,
        date(2026, 3, 9): 3,
        date(2026, 3, 10): 2,
    }
    assert result.total == 7
    in_utc = scan_stats(session, world.merchant_staff, days=7, now=NOW, offset=timedelta(0))
    assert dict(in_utc.per_day)[date(2026, 3, 9)] == 4 and dict(in_utc.per_day)[date(2026, 3, 10)] == 1


def test_an_empty_remit_still_has_every_day(session: Session, world: World) -> None:
    result = scan_stats(session, world.merchant_staff, now=NOW)
    assert len(result.per_day) == 30 and all(n == 0 for _, n in result.per_day)
    assert result.per_day[-1][0] == date(2026, 3, 10)
    assert result.by_region == [] and result.by_verdict == [] and result.total == 0


def test_regions_show_the_top_ten_then_other_and_empty_regions_as_unknown(
    session: Session, runtime: Runtime, world: World
) -> None:
    batch = make_batch(session, world, runtime.ring, count=10)
    at = NOW - timedelta(hours=1)
    for i in range(12):  # region-0 has 20 scans, region-11 has 9
        add_scans(session, batch, at, region=f"region-{i}", count=20 - i)
    add_scans(session, batch, at, region="", count=24)
    add_scans(session, batch, at, region="unknown", count=1)  # a client's own "unknown" joins the bucket
    add_scans(session, batch, at, region="other", count=4)  # and its "other" joins the rest

    regions = scan_stats(session, world.merchant_staff, now=NOW).by_region

    assert regions[0] == (UNKNOWN_REGION, 25)
    assert regions[1:10] == [(f"region-{i}", 20 - i) for i in range(9)]
    assert regions[10] == (OTHER_REGIONS, 11 + 10 + 9 + 4)  # region-9, -10, -11 and the client's "other"
    assert (
        len(regions) == 11
        and sum(n for _, n in regions) == 20 + 19 + 18 + 17 + 16 + 15 + 14 + 13 + 12 + 11 + 10 + 9 + 29
    )


def test_verdicts_are_counted(session: Session, runtime: Runtime, world: World) -> None:
    batch = make_batch(session, world, runtime.ring, count=10)
    add_scans(session, batch, NOW, count=5)
    add_scans(session, batch, NOW, count=2, verdict="suspect")
    add_scans(session, batch, NOW, count=1, verdict="recalled")
    result = scan_stats(session, world.merchant_staff, now=NOW)
    assert result.by_verdict == [("genuine", 5), ("suspect", 2), ("recalled", 1)]


def test_merchant_b_sees_none_of_merchant_a_scans(session: Session, runtime: Runtime, world: World) -> None:
    a_batch = make_batch(session, world, runtime.ring, count=10)
    b_batch = make_batch(session, world, runtime.ring, count=10, owner="merchant_b")
    add_scans(session, a_batch, NOW, count=4, region="Shenzhen")
    add_scans(session, b_batch, NOW, count=1, region="Hangzhou")

    seen_by_b = scan_stats(session, world.merchant_b_staff, now=NOW)
    assert seen_by_b.total == 1 and seen_by_b.by_region == [("Hangzhou", 1)]
    assert sum(n for _, n in seen_by_b.per_day) == 1
    with pytest.raises(NotFound):
        scan_stats(session, world.merchant_b_staff, batch_id=a_batch.id, now=NOW)
    assert scan_stats(session, world.merchant_staff, batch_id=a_batch.id, now=NOW).total == 4
    assert scan_stats(session, world.regulator, now=NOW).total == 5
    assert scan_stats(session, OPERATOR, now=NOW).total == 5


def test_a_regulator_sees_only_the_enterprises_of_its_office(
    session: Session, runtime: Runtime, world: World
) -> None:
    batch = make_batch(session, world, runtime.ring, count=10)
    add_scans(session, batch, NOW, count=3)
    other = Office(code="SH-WGQ", name="上海外高桥办事处")
    session.add(other)
    session.commit()
    elsewhere = Actor(label="user:99:officer@sh.example", role=Role.REGULATOR, office_id=other.id)

    assert scan_stats(session, elsewhere, now=NOW).total == 0
    with pytest.raises(NotFound):
        scan_stats(session, elsewhere, batch_id=batch.id, now=NOW)
    assert stats.dashboard_counts(session, elsewhere).codes_issued == 0


def test_consumers_have_no_statistics(session: Session) -> None:
    with pytest.raises(PermissionDenied):
        scan_stats(session, Actor(label="anonymous"))
    with pytest.raises(NotFound):
        remit_of(session, OPERATOR, 12345)


def test_a_forged_code_counts_for_the_owner_of_the_lot_it_names(
    session: Session, runtime: Runtime, world: World
) -> None:
    batch = make_batch(session, world, runtime.ring, count=3)
    make_batch(session, world, runtime.ring, count=3, owner="merchant_b")
    genuine = code_urls(session, runtime.ring, batch, 1, 1)[0]
    forged = genuine[:-3] + ("000" if not genuine.endswith("000") else "111")  # same lot, bad signature
    scanning.record_scan(session, runtime.ring, parse_code(genuine), device="phone-1", region="深圳")
    check = scanning.record_scan(session, runtime.ring, parse_code(forged), device="phone-2", region="义乌")
    session.commit()
    assert check.verdict.value == "counterfeit" and check.batch is None  # recorded without a batch

    mine = scan_stats(session, world.merchant_staff)
    assert dict(mine.by_verdict) == {"genuine": 1, "counterfeit": 1}
    assert dict(mine.by_region) == {"深圳": 1, "义乌": 1}
    assert scan_stats(session, world.merchant_staff, batch_id=batch.id).total == 2
    assert scan_stats(session, world.merchant_b_staff).total == 0


def test_one_batch_narrows_every_figure(session: Session, runtime: Runtime, world: World) -> None:
    first = make_batch(session, world, runtime.ring, count=10)
    second = make_batch(session, world, runtime.ring, count=10)
    add_scans(session, first, NOW, count=2, region="A")
    add_scans(session, second, NOW, count=5, region="B", verdict="suspect")
    result = scan_stats(session, world.merchant_staff, batch_id=second.id, now=NOW)
    assert result.total == 5 and result.by_region == [("B", 5)] and result.by_verdict == [("suspect", 5)]


def test_a_remit_with_many_lots_counts_the_same_without_listing_them(
    session: Session, runtime: Runtime, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_batch(session, world, runtime.ring, count=10)
    second = make_batch(session, world, runtime.ring, count=10)
    add_scans(session, first, NOW, count=2, region="A")
    add_scans(session, second, NOW, count=3, region="B")
    listed = scan_stats(session, world.merchant_staff, now=NOW)
    monkeypatch.setattr(stats, "MAX_LISTED_LOTS", 1)  # SQLite then uses the subquery, like PostgreSQL
    assert scan_stats(session, world.merchant_staff, now=NOW) == listed
    assert listed.total == 5 and listed.by_region == [("B", 3), ("A", 2)]


@pytest.mark.parametrize("days", [0, -1, 367, 10_000])
def test_windows_outside_one_to_366_days_are_refused(session: Session, world: World, days: int) -> None:
    with pytest.raises(InvalidInput):
        scan_stats(session, world.merchant_staff, days=days)


def test_hours_compile_to_the_same_expression_in_select_and_group_by() -> None:
    """PostgreSQL refuses a GROUP BY that differs from the SELECT expression; bound literals would."""
    from sqlalchemy import select

    hour = HourOf(Scan.at).label("hour")
    stmt = select(hour).group_by(hour)
    assert str(stmt.compile(dialect=sqlite.dialect())).count("substr(scan.at, 1, 13)") == 2
    assert str(stmt.compile(dialect=postgresql.dialect())).count("date_trunc('hour', scan.at)") == 2
    day = LocalDay(Scan.at, 480).label("day")
    stmt = select(day).group_by(day)
    assert str(stmt.compile(dialect=sqlite.dialect())).count("date(scan.at, '+480 minutes')") == 2
    pg = str(stmt.compile(dialect=postgresql.dialect()))
    assert pg.count("CAST((scan.at + INTERVAL '480 minutes') AS DATE)") == 2
    assert select(LocalDay(Scan.at, -300))._generate_cache_key() != select(day)._generate_cache_key()


def test_offsets_must_be_whole_hours(session: Session, world: World) -> None:
    with pytest.raises(ValueError, match="whole number of hours"):
        scan_stats(session, world.merchant_staff, offset=timedelta(hours=5, minutes=45))


def test_dashboard_counts_cover_the_remit(session: Session, runtime: Runtime, world: World) -> None:
    released = make_batch(session, world, runtime.ring, count=30)
    make_batch(session, world, runtime.ring, count=12, released=False)
    make_product(session, world, admit=False)
    theirs = make_batch(session, world, runtime.ring, count=500, owner="merchant_b")
    recalls.open_recall(session, world.regulator, released.id, "recall", "Salmonella found in samples")
    for status, enterprise in (
        (ComplaintStatus.RECEIVED, world.merchant),
        (ComplaintStatus.ANSWERED, world.merchant),
        (ComplaintStatus.CLOSED, world.merchant),
        (ComplaintStatus.RECEIVED, world.merchant_b),
    ):
        session.add(_complaint(world, status, enterprise.id))
    session.add(Complaint(**{**_fields(ComplaintStatus.TRIAGED), "reference": "TS-NOOFFICE"}))
    session.add(
        RiskWarning(
            office_id=world.office.id, level=WarningLevel.WARNING, title="t", body="b", published_by="x"
        )
    )
    session.add(
        RiskWarning(
            office_id=world.office.id,
            level=WarningLevel.NOTICE,
            title="old",
            body="b",
            published_by="x",
            withdrawn_at=NOW,
            withdrawn_by="x",
        )
    )
    session.commit()

    mine = stats.dashboard_counts(session, world.merchant_staff)
    assert mine.products == {"admitted": 2, "filed": 1}
    assert mine.batches == {"recalled": 1, "in_zone": 1}
    assert mine.codes_issued == 42
    assert mine.complaints == {"received": 1, "answered": 1, "closed": 1} and mine.complaints_open == 2
    assert mine.recalls_open == 1 and mine.warnings_active == 1

    office = stats.dashboard_counts(session, world.regulator)
    assert office.codes_issued == 542 and office.products["admitted"] == 3
    assert office.complaints == {"received": 2, "answered": 1, "closed": 1, "triaged": 1}
    assert office.complaints_open == 4  # the unassigned complaint is every office's
    assert stats.issued_by_batch(session, world.merchant_b_staff) == {theirs.id: 500}


def _fields(status: ComplaintStatus) -> dict[str, object]:
    return {"category": ComplaintCategory.QUALITY, "text": "坏了", "status": status}


def _complaint(world: World, status: ComplaintStatus, enterprise_id: int) -> Complaint:
    reference = f"TS-{status.value[:4].upper()}{enterprise_id:06d}"
    return Complaint(
        **_fields(status), reference=reference, office_id=world.office.id, enterprise_id=enterprise_id
    )
