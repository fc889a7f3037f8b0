"""Personal quotas per buyer identity: RMB 5,000 per order and 26,000 per calendar year, configurable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.errors import QuotaExceeded
from suyuan.trace.model import AuditEntry, ExitDeclaration, ExitStatus
from suyuan.trace.zone import exits, quotas, returns
from suyuan.trace.zone.exits import Buyer, ExitFiling
from suyuan.trace.zone.rules import AnomalyRules, QuotaRules, ZoneRules
from tests.factories import SECRET, code_urls, exit_filing, id_number, make_world, make_zone_batch

BUYER = Buyer(id_number=id_number(42), name="李四")
MID_2027 = datetime(2027, 6, 1, tzinfo=UTC)


@pytest.fixture
def shop(session: Session, runtime: Runtime):  # type: ignore[no-untyped-def]
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=40)
    return world, batch, code_urls(session, runtime.ring, batch)


def buy(
    session: Session,
    runtime: Runtime,
    world,  # type: ignore[no-untyped-def]
    filing: ExitFiling,
    *,
    rules: ZoneRules | None = None,
    now: datetime = MID_2027,
) -> ExitDeclaration:
    declaration = exits.declare_exit(
        session, world.merchant_staff, runtime.ring, filing, secret=SECRET, rules=rules, now=now
    )
    session.commit()
    return declaration


def test_an_order_over_5000_is_refused_and_writes_nothing(session, runtime, shop) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = shop
    audit_before = session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(QuotaExceeded, match=r"per-order limit of RMB 5000\.00"):
        buy(session, runtime, world, exit_filing([(batch, urls[:2])], unit_price="2600.00", buyer=BUYER))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ExitDeclaration)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    exactly = buy(
        session, runtime, world, exit_filing([(batch, urls[:2])], unit_price="2500.00", buyer=BUYER)
    )
    assert exactly.status is ExitStatus.WRITTEN_OFF


def test_a_single_unit_over_5000_may_pass_within_the_annual_quota(session, runtime, shop) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = shop
    single = buy(session, runtime, world, exit_filing([(batch, urls[:1])], unit_price="8000.00", buyer=BUYER))
    assert single.status is ExitStatus.WRITTEN_OFF
    strict = ZoneRules(quotas=QuotaRules(single_item_exempt=False))
    with pytest.raises(QuotaExceeded):
        buy(
            session,
            runtime,
            world,
            exit_filing([(batch, urls[1:2])], unit_price="8000.00", buyer=BUYER),
            rules=strict,
        )


def test_the_annual_quota_of_26000_counts_written_off_orders_of_the_same_identity(
    session, runtime, shop
) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = shop
    for i in range(5):
        buy(
            session,
            runtime,
            world,
            exit_filing([(batch, urls[i : i + 1])], unit_price="5000.00", buyer=BUYER),
        )
    assert quotas.used_this_year(session, quotas.buyer_hash(SECRET, BUYER.id_number), MID_2027) == 2_500_000
    with pytest.raises(QuotaExceeded, match=r"used RMB 25000\.00 of the annual quota of RMB 26000\.00"):
        buy(session, runtime, world, exit_filing([(batch, urls[5:6])], unit_price="1000.01", buyer=BUYER))
    session.rollback()
    buy(session, runtime, world, exit_filing([(batch, urls[5:6])], unit_price="1000.00", buyer=BUYER))
    other = Buyer(id_number=id_number(43), name="李四")
    assert buy(session, runtime, world, exit_filing([(batch, urls[6:7])], unit_price="5000.00", buyer=other))


def test_the_year_is_chinas_calendar_year_and_a_new_one_starts_afresh(session, runtime, shop) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = shop
    late = datetime(2027, 12, 31, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
    for i in range(5):
        buy(
            session,
            runtime,
            world,
            exit_filing([(batch, urls[i : i + 1])], unit_price="5000.00", buyer=BUYER),
            now=late,
        )
    with pytest.raises(QuotaExceeded):
        buy(
            session,
            runtime,
            world,
            exit_filing([(batch, urls[5:6])], unit_price="2000.00", buyer=BUYER),
            now=late,
        )
    session.rollback()
    new_year = datetime(2027, 12, 31, 16, 0, tzinfo=UTC)  # 00:00 on 1 January 2028 in Beijing
    assert buy(
        session,
        runtime,
        world,
        exit_filing([(batch, urls[5:6])], unit_price="2000.00", buyer=BUYER),
        now=new_year,
    )


def test_returned_units_give_their_value_back_to_the_year(session, runtime, shop) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = shop
    orders = [
        buy(
            session,
            runtime,
            world,
            exit_filing([(batch, urls[i : i + 1])], unit_price="5000.00", buyer=BUYER),
        )
        for i in range(5)
    ]
    returns.record_return(session, world.merchant_staff, orders[0].id, urls[:1], "wrong size", now=MID_2027)
    session.commit()
    assert buy(session, runtime, world, exit_filing([(batch, urls[5:6])], unit_price="5000.00", buyer=BUYER))


def test_orders_awaiting_rectification_do_not_use_the_quota(session, runtime, shop) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = shop
    failed = buy(
        session,
        runtime,
        world,
        exit_filing([(batch, urls[:1])], unit_price="5000.00", buyer=BUYER, payment="1.00"),
    )
    assert failed.status is ExitStatus.RECTIFICATION_REQUIRED
    assert quotas.used_this_year(session, failed.buyer_hash, MID_2027) == 0


def test_quotas_and_thresholds_are_configurable() -> None:
    rules = ZoneRules.from_mapping(
        {
            "SUYUAN_QUOTA_PER_ORDER_CNY": "2000",
            "SUYUAN_QUOTA_PER_YEAR_CNY": 20000,
            "SUYUAN_RETURN_DAYS": "45",
            "SUYUAN_ANOMALY_ORDERS_PER_BUYER": "3",
        }
    )
    assert rules.quotas == QuotaRules(per_order_fen=200_000, per_year_fen=2_000_000)
    assert rules.return_days == 45 and rules.anomalies.orders_per_buyer == 3
    assert rules.anomalies.window_days == AnomalyRules().window_days
    for bad in ("0", "-5", "lots", 2.5):
        with pytest.raises(ValueError, match="SUYUAN_QUOTA_PER_ORDER_CNY"):
            ZoneRules.from_mapping({"SUYUAN_QUOTA_PER_ORDER_CNY": bad})
