"""The half-yearly statistical report (R60, G15 §3(5)): Beijing half-years, the office's remit, real records.

Records are made through the domain's own use cases; only their time stamps are moved afterwards, to put
them on either side of the half-year boundary (30 June 23:30 Beijing = 15:30 UTC belongs to H1, 1 July
00:10 Beijing = 30 June 16:10 UTC to H2).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import recalls
from suyuan.trace.errors import InvalidInput, PermissionDenied
from suyuan.trace.half_year_report import FIGURES, Period, current_period, half_year_report, period_of
from suyuan.trace.model import EntryDeclaration, ScanTally
from tests.factories import make_second_office, make_world, make_zone_batch

NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)
LAST_OF_H1 = datetime(2026, 6, 30, 15, 30, tzinfo=UTC)  # 23:30 on 30 June in Beijing
FIRST_OF_H2 = datetime(2026, 6, 30, 16, 10, tzinfo=UTC)  # 00:10 on 1 July in Beijing


def test_periods_are_beijing_half_years() -> None:
    h1, h2 = Period(2026, 1), Period(2026, 2)
    assert h1.start == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert h1.end == h2.start == datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
    assert h2.end == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert h1.days == (date(2026, 1, 1), date(2026, 6, 30)) and h2.days == (
        date(2026, 7, 1),
        date(2026, 12, 31),
    )
    assert h1.start <= LAST_OF_H1 < h1.end <= FIRST_OF_H2 < h2.end
    assert current_period(NOW) == h2 and current_period(datetime(2026, 6, 30, 16, 0, tzinfo=UTC)) == h2
    assert h2.label == "2026-H2"


@pytest.mark.parametrize(
    ("year", "half", "field"),
    [
        (1999, 1, "year"),
        (2027, 1, "year"),  # next year
        ("2026", 1, "year"),
        (True, 1, "year"),
        (2026, 3, "half"),
        (2026, 0, "half"),
        (2026, "1", "half"),
    ],
)
def test_a_bad_period_is_refused_with_the_field_named(year: object, half: object, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        period_of(year, half, now=NOW)
    assert refused.value.field == field


def test_a_half_year_that_has_not_begun_is_refused() -> None:
    with pytest.raises(InvalidInput, match="2026-H2 has not begun"):
        period_of(2026, 2, now=datetime(2026, 5, 1, tzinfo=UTC))
    assert period_of(2026, 2, now=FIRST_OF_H2) == Period(2026, 2)
    assert period_of(None, None, now=NOW) == current_period(NOW) == Period(2026, 2)  # both left out: now


def test_the_report_counts_the_office_remit_on_each_side_of_the_boundary(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=40)
    recalls.open_recall(session, world.regulator, batch.id, "stop_sale", "标签不符", "暂停销售")
    first, second = make_zone_batch(session, world, runtime.ring, quantity=7), batch
    for declaration in session.query(EntryDeclaration).all():
        declaration.declared_at = LAST_OF_H1 if declaration.lines[0].batch_id == first.id else FIRST_OF_H2
    session.add_all(
        [
            ScanTally(
                gtin=second.gtin,
                lot=second.lot,
                day=date(2026, 6, 30),
                verdict="genuine",
                region="",
                scans=5,
                first_scans=5,
            ),
            ScanTally(
                gtin=second.gtin,
                lot=second.lot,
                day=date(2026, 7, 1),
                verdict="genuine",
                region="",
                scans=3,
                first_scans=1,
            ),
            ScanTally(
                gtin=second.gtin,
                lot=second.lot,
                day=date(2026, 7, 1),
                verdict="counterfeit",
                region="",
                scans=2,
                first_scans=2,
            ),
            ScanTally(
                gtin=second.gtin,
                lot=second.lot,
                day=date(2026, 12, 1),
                verdict="recalled",
                region="",
                scans=4,
                first_scans=0,
            ),
        ]
    )
    session.commit()

    h1 = half_year_report(session, world.regulator, Period(2026, 1), now=NOW)
    h2 = half_year_report(session, world.regulator, Period(2026, 2), now=NOW)
    assert list(h2.figures) == list(FIGURES)
    assert (h1.figures["entry_declarations"], h2.figures["entry_declarations"]) == (1, 1)
    assert (h1.figures["scans"], h1.figures["scans_genuine"]) == (5, 5)
    assert h2.figures["scans"] == 9
    assert (h2.figures["scans_genuine"], h2.figures["scans_counterfeit"], h2.figures["scans_other"]) == (
        3,
        2,
        4,
    )
    assert h1.complete and h1.office_id == world.office.id

    # Records stamped now (admissions, ledger entries, codes, the stop-sale) are the current half-year's.
    now = half_year_report(session, world.regulator, current_period())
    assert now.figures["units_entered"] == 47 and now.figures["codes_issued"] == 47
    assert now.figures["products_admitted"] == 2 and now.figures["enterprises_filed"] == 2
    assert (now.figures["stop_sales"], now.figures["recalls"]) == (1, 0)
    assert not now.complete


def test_another_office_sees_only_its_own_remit_and_merchants_have_no_report(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    make_zone_batch(session, world, runtime.ring, quantity=10)
    other = make_second_office(session)
    theirs = half_year_report(session, other.regulator, current_period())
    assert theirs.figures["enterprises_filed"] == 1  # its own merchant
    assert theirs.figures["units_entered"] == theirs.figures["codes_issued"] == 0
    with pytest.raises(PermissionDenied):
        half_year_report(session, world.merchant_staff, current_period())
