"""Acting on order monitoring (SZ Art. 28-29, R66/R67): watching and blocking a buyer."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.errors import BuyerBlocked, Duplicate, InvalidInput, NotFound, PermissionDenied
from suyuan.trace.model import AuditEntry, BuyerRestriction, ExitDeclaration, ExitStatus
from suyuan.trace.zone import exits, quotas
from suyuan.trace.zone.anomalies import AnomalyRule, find_anomalies
from suyuan.trace.zone.buyer_restrictions import (
    level_of,
    lift_restriction,
    list_restrictions,
    restrict_buyer,
)
from suyuan.trace.zone.exits import Buyer
from suyuan.trace.zone.rules import AnomalyRules
from tests.factories import (
    SECRET,
    World,
    code_urls,
    exit_filing,
    id_number,
    make_second_office,
    make_world,
    make_zone_batch,
)
from tests.trace.ceb_world import BUYER_ID, make_ceb_world, sample, send, variant

RULES = AnomalyRules(
    window_days=30,
    orders_per_buyer=1,
    orders_per_address=9,
    buyers_per_address=9,
    units_per_product_per_order=9,
    units_per_product_per_buyer=9,
)
HOARDER = Buyer(id_number(1), "王五", address="Warehouse 9, Longgang")


def _orders(
    session: Session, runtime: Runtime, world: World, urls: list[str], buyer: Buyer = HOARDER
) -> None:
    batch_urls = [urls[i : i + 1] for i in range(len(urls))]
    for units in batch_urls:
        exits.declare_exit(
            session,
            world.merchant_staff,
            runtime.ring,
            exit_filing([(_batch_of(session, world), units)], buyer=buyer),
            secret=SECRET,
        )
    session.commit()


def _batch_of(session: Session, world: World):  # type: ignore[no-untyped-def]
    return session.info["batch"]


@pytest.fixture
def zone(session: Session, runtime: Runtime) -> tuple[World, list[str]]:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=20)
    session.info["batch"] = batch
    urls = code_urls(session, runtime.ring, batch)
    _orders(session, runtime, world, urls[:2])
    return world, urls


def _alert_hash(session: Session, world: World) -> str:
    alert = next(
        a
        for a in find_anomalies(session, world.regulator, RULES)
        if a.rule is AnomalyRule.MANY_ORDERS_ONE_BUYER
    )
    assert len(alert.buyer_hash) == 64 and alert.subject.endswith(alert.buyer_hash[:8])
    return alert.buyer_hash


def test_a_watched_buyers_next_exit_waits_for_an_officer(
    session: Session, runtime: Runtime, zone: tuple[World, list[str]]
) -> None:
    world, urls = zone
    buyer = _alert_hash(session, world)
    restriction = restrict_buyer(
        session, world.regulator, buyer, "watch", "三周内 2 单同一商品", rule="many_orders_one_buyer"
    )
    session.commit()
    assert restriction.buyer_label.startswith("王* #") and level_of(session, buyer) == "watch"
    _orders(session, runtime, world, urls[2:3])
    held = session.scalars(select(ExitDeclaration).order_by(ExitDeclaration.id.desc())).first()
    assert held is not None and held.status is ExitStatus.HELD
    released = exits.decide_held_exit(session, world.regulator, held.id, release=True, note="")
    assert released.status is ExitStatus.WRITTEN_OFF
    other = Buyer(id_number(2), "李四", address="Flat 1")
    _orders(session, runtime, world, urls[3:4], buyer=other)  # another buyer is not held
    last = session.scalars(select(ExitDeclaration).order_by(ExitDeclaration.id.desc())).first()
    assert last is not None and last.status is ExitStatus.WRITTEN_OFF


def test_a_blocked_buyer_is_refused_and_nothing_is_written(
    session: Session, runtime: Runtime, zone: tuple[World, list[str]]
) -> None:
    world, urls = zone
    buyer = _alert_hash(session, world)
    restrict_buyer(session, world.regulator, buyer, "watch", "观察")
    restriction = restrict_buyer(session, world.regulator, buyer, "block", "拆单规避限额")  # replaces watch
    session.commit()
    assert [r.level.value for r in list_restrictions(session, world.regulator, active=None)] == [
        "block",
        "watch",
    ]
    assert level_of(session, buyer) == "block"
    before = session.scalar(select(func.count()).select_from(ExitDeclaration))
    with pytest.raises(BuyerBlocked):
        _orders(session, runtime, world, urls[4:5])
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ExitDeclaration)) == before
    lift_restriction(session, world.regulator, restriction.id, "已整改")
    session.commit()
    assert level_of(session, buyer) is None
    _orders(session, runtime, world, urls[4:5])  # allowed again
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("buyer.%"))).all()
    assert actions.count("buyer.restricted") == 2 and actions.count("buyer.restriction_lifted") == 2


def test_restrictions_are_checked_and_kept_within_the_office(
    session: Session, runtime: Runtime, zone: tuple[World, list[str]]
) -> None:
    world, _ = zone
    buyer = _alert_hash(session, world)
    with pytest.raises(PermissionDenied):
        restrict_buyer(session, world.merchant_staff, buyer, "block", "x")
    with pytest.raises(InvalidInput):
        restrict_buyer(session, world.regulator, buyer, "ban", "x")
    with pytest.raises(InvalidInput):
        restrict_buyer(session, world.regulator, buyer, "block", "   ")
    with pytest.raises(InvalidInput):
        restrict_buyer(session, world.regulator, "not-a-hash", "block", "x")
    with pytest.raises(InvalidInput):
        restrict_buyer(session, world.regulator, buyer, "block", "x", rule="made_up")
    with pytest.raises(NotFound):  # a buyer who never ordered here
        restrict_buyer(session, world.regulator, quotas.buyer_hash(SECRET, id_number(77)), "block", "x")
    other = make_second_office(session)
    with pytest.raises(NotFound):  # office B supervises none of this buyer's orders
        restrict_buyer(session, other.regulator, buyer, "block", "x")
    restriction = restrict_buyer(session, world.regulator, buyer, "block", "x")
    with pytest.raises(Duplicate):
        restrict_buyer(session, world.regulator, buyer, "block", "again")
    session.commit()
    with pytest.raises(NotFound):
        lift_restriction(session, other.regulator, restriction.id, "not mine")
    assert list_restrictions(session, other.regulator) == []
    lift_restriction(session, world.regulator, restriction.id, "done")
    with pytest.raises(Duplicate):
        lift_restriction(session, world.regulator, restriction.id, "twice")
    assert session.scalar(select(func.count()).select_from(BuyerRestriction)) == 1


def test_a_blocked_buyers_customs_order_gets_100(session: Session, runtime: Runtime) -> None:
    cw = make_ceb_world(session, runtime.ring)
    world = cw.world
    batch = make_zone_batch(session, world, runtime.ring, quantity=2)
    session.info["batch"] = batch
    _orders(session, runtime, world, code_urls(session, runtime.ring, batch)[:1], Buyer(BUYER_ID, "张三"))
    buyer = quotas.buyer_hash(SECRET, BUYER_ID)
    restrict_buyer(session, world.regulator, buyer, "block", "失信")
    session.commit()
    receipt = send(session, sample("CEB311Message.xml"))
    assert (receipt.status, receipt.entries[0].reason) == (100, "buyer_blocked")
    other_buyer = variant(sample("CEB311Message.xml"), (BUYER_ID, id_number(5)))
    assert send(session, other_buyer).entries[0].reason != "buyer_blocked"
