"""Order monitoring: alerts for consumer orders that look like disguised B2B trade."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.errors import PermissionDenied
from suyuan.trace.model.types import utcnow
from suyuan.trace.zone import exits
from suyuan.trace.zone.anomalies import AnomalyRule, find_anomalies
from suyuan.trace.zone.exits import Buyer
from suyuan.trace.zone.rules import AnomalyRules
from tests.factories import SECRET, code_urls, exit_filing, id_number, make_world, make_zone_batch

RULES = AnomalyRules(
    window_days=30,
    orders_per_buyer=2,
    orders_per_address=3,
    buyers_per_address=2,
    units_per_product_per_order=4,
    units_per_product_per_buyer=6,
)


def test_many_orders_of_one_buyer_or_to_one_address_and_bulk_quantities_raise_alerts(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=30)
    urls = code_urls(session, runtime.ring, batch)
    hoarder = Buyer(id_number(1), "王五", address="Warehouse 9, Longgang")
    orders = [(hoarder, urls[0:1]), (hoarder, urls[1:2]), (hoarder, urls[2:7])]
    orders += [
        (Buyer(id_number(10 + i), "赵六", address="warehouse 9,  LONGGANG"), urls[7 + i : 8 + i])
        for i in range(2)
    ]
    orders += [(Buyer(id_number(20), "钱七", address="Elsewhere 1"), urls[20:21])]
    for buyer, units in orders:
        exits.declare_exit(
            session,
            world.merchant_staff,
            runtime.ring,
            exit_filing([(batch, units)], buyer=buyer),
            secret=SECRET,
        )
    found = {(a.rule, a.value, a.threshold) for a in find_anomalies(session, world.regulator, RULES)}
    assert found == {
        (AnomalyRule.MANY_ORDERS_ONE_BUYER, 3, 2),
        (AnomalyRule.MANY_ORDERS_ONE_ADDRESS, 5, 3),
        (AnomalyRule.BULK_ORDER, 5, 4),
        (AnomalyRule.BULK_BUYER, 7, 6),
    }
    buyer_alert = next(
        a for a in find_anomalies(session, world.regulator, RULES) if a.rule == "many_orders_one_buyer"
    )
    assert buyer_alert.subject.startswith("王* #") and id_number(1) not in buyer_alert.subject
    assert find_anomalies(session, world.regulator, RULES, now=utcnow() + timedelta(days=31)) == []
    assert find_anomalies(session, world.regulator) == []  # the default thresholds are far higher


def test_only_regulators_see_alerts(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    with pytest.raises(PermissionDenied):
        find_anomalies(session, world.merchant_staff, RULES)
