"""Order monitoring (SZ Art. 28-29): alerts that suggest B2B trade disguised as consumer purchases.

Computed on demand from the written-off orders of the last ``window_days`` (thresholds in
:class:`~suyuan.trace.zone.rules.AnomalyRules`); nothing is stored, so the alerts always reflect the
current rules. Four rules, each firing when a count *exceeds* its threshold:

* ``many_orders_one_buyer``: one buyer identity placed many orders;
* ``many_orders_one_address``: many orders, or many different buyers, ship to one address;
* ``bulk_order``: one order carries many units of one product;
* ``bulk_buyer``: one buyer bought many units of one product over the window.

Buyers appear by masked name and a short prefix of their keyed hash; addresses only by hash prefix.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.model import Batch, ExitDeclaration, ExitLine, ExitStatus, Product
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import remit_filter, remit_of
from suyuan.trace.zone.rules import AnomalyRules


class AnomalyRule(enum.StrEnum):
    """The alert rules; stable codes shown to regulators and documented in docs/zone.md."""

    MANY_ORDERS_ONE_BUYER = "many_orders_one_buyer"
    MANY_ORDERS_ONE_ADDRESS = "many_orders_one_address"
    BULK_ORDER = "bulk_order"
    BULK_BUYER = "bulk_buyer"


@dataclass(frozen=True)
class Anomaly:
    """One alert: which rule, about whom, the measured value and the threshold it exceeded."""

    rule: AnomalyRule
    subject: str
    value: int
    threshold: int
    detail: str
    buyer_hash: str = ""
    """The buyer the alert is about (keyed hash; empty for address alerts): what an office acts on
    (:mod:`suyuan.trace.zone.buyer_restrictions`)."""

    def as_json(self) -> dict[str, Any]:
        """The alert as plain data."""
        return {
            "rule": self.rule.value,
            "subject": self.subject,
            "value": self.value,
            "threshold": self.threshold,
            "detail": self.detail,
            "buyer": self.buyer_hash or None,
        }


def find_anomalies(
    session: Session, actor: Actor, rules: AnomalyRules | None = None, *, now: datetime | None = None
) -> list[Anomaly]:
    """Every alert over the window for the regulator's office, most severe (value/threshold) first."""
    actor.require_regulator()
    rules = rules or AnomalyRules()
    since = (now or utcnow()) - timedelta(days=rules.window_days)
    scope = [
        ExitDeclaration.status == ExitStatus.WRITTEN_OFF,
        ExitDeclaration.written_off_at >= since,
        remit_filter(remit_of(session, actor), ExitDeclaration),
    ]
    found = _buyers(session, scope, rules) + _addresses(session, scope, rules) + _bulk(session, scope, rules)
    return sorted(found, key=lambda a: (-a.value / max(a.threshold, 1), a.rule.value, a.subject))


def _buyer_label(masked: str, digest: str) -> str:
    return f"{masked} #{digest[:8]}"


def _buyers(session: Session, scope: list[Any], rules: AnomalyRules) -> list[Anomaly]:
    stmt = (
        select(ExitDeclaration.buyer_hash, func.max(ExitDeclaration.buyer_name_masked), func.count())
        .where(*scope)
        .group_by(ExitDeclaration.buyer_hash)
        .having(func.count() > rules.orders_per_buyer)
    )
    return [
        Anomaly(
            AnomalyRule.MANY_ORDERS_ONE_BUYER,
            _buyer_label(masked, digest),
            int(orders),
            rules.orders_per_buyer,
            f"{orders} orders in {rules.window_days} days",
            digest,
        )
        for digest, masked, orders in session.execute(stmt)
    ]


def _addresses(session: Session, scope: list[Any], rules: AnomalyRules) -> list[Anomaly]:
    buyers = func.count(distinct(ExitDeclaration.buyer_hash))
    stmt = (
        select(ExitDeclaration.address_hash, func.count(), buyers)
        .where(*scope, ExitDeclaration.address_hash != "")
        .group_by(ExitDeclaration.address_hash)
        .having((func.count() > rules.orders_per_address) | (buyers > rules.buyers_per_address))
    )
    found = []
    for digest, orders, people in session.execute(stmt):
        by_orders = orders > rules.orders_per_address
        found.append(
            Anomaly(
                AnomalyRule.MANY_ORDERS_ONE_ADDRESS,
                f"address #{digest[:8]}",
                int(orders if by_orders else people),
                rules.orders_per_address if by_orders else rules.buyers_per_address,
                f"{orders} orders from {people} buyers in {rules.window_days} days",
            )
        )
    return found


def _units_by_product(scope: list[Any]) -> Select[int, str]:
    stmt: Select[int, str] = (
        select(func.sum(ExitLine.quantity).label("units"), func.max(Product.name).label("product"))
        .join(ExitDeclaration, ExitDeclaration.id == ExitLine.declaration_id)
        .join(Batch, Batch.id == ExitLine.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .where(*scope)
    )
    return stmt


def _bulk(session: Session, scope: list[Any], rules: AnomalyRules) -> list[Anomaly]:
    per_order = (
        _units_by_product(scope)
        .add_columns(ExitDeclaration.order_no, func.max(ExitDeclaration.buyer_hash).label("buyer_hash"))
        .group_by(ExitDeclaration.id, ExitDeclaration.order_no, Batch.product_id)
        .having(func.sum(ExitLine.quantity) > rules.units_per_product_per_order)
    )
    found = [
        Anomaly(
            AnomalyRule.BULK_ORDER,
            f"order {row.order_no}",
            int(row.units),
            rules.units_per_product_per_order,
            f"{row.units} units of {row.product} on one order",
            row.buyer_hash,
        )
        for row in session.execute(per_order)
    ]
    per_buyer = (
        _units_by_product(scope)
        .add_columns(ExitDeclaration.buyer_hash, func.max(ExitDeclaration.buyer_name_masked).label("masked"))
        .group_by(ExitDeclaration.buyer_hash, Batch.product_id)
        .having(func.sum(ExitLine.quantity) > rules.units_per_product_per_buyer)
    )
    found += [
        Anomaly(
            AnomalyRule.BULK_BUYER,
            _buyer_label(row.masked, row.buyer_hash),
            int(row.units),
            rules.units_per_product_per_buyer,
            f"{row.units} units of {row.product} in {rules.window_days} days",
            row.buyer_hash,
        )
        for row in session.execute(per_buyer)
    ]
    return found
