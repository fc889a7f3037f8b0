"""What a platform's users may read about the goods sold on it (issue 14, "platforms as parties"): read only.

A platform enterprise (:attr:`~suyuan.trace.model.EnterpriseKind.PLATFORM`) is a party to the customs
documents of the orders placed on it: the remit (:mod:`suyuan.trace.remit`, ``Owner.platform``) shows
its staff those orders, inventories and receipts. What was sold on it has more behind it that a platform
must know to stop a sale and to tell its buyers: the office's admission decisions on the products,
recalls and stop-sales of their batches, risk warnings about them, and consumers' complaints about the
units. Those records are the seller's and its office's, who act on them. The remit gives seeing and
acting together, so widening it would let a platform open a recall or answer a complaint; this module
is a second rule that only reads, and nothing here writes:

* **goods sold on the platform** are the products on the lines of its CEB311 orders (an order is stored
  only once every check passed), and the **units sold on it** those bound to a buyer at packing through
  one of its inventories (a ``sold_code`` of the inventory's exit declaration), bonded (1210) and direct
  mail (9610) alike: the packing station declares an exit for both, and only the bonded one is written
  off the zone ledger (:mod:`suyuan.trace.ceb.packing`);
* **admission decisions**: of those products, decided or still waiting, with a sanction if any;
* **recalls and stop-sales**: of any batch of those products, with how many of the batch's units were
  sold on the platform (its buyers to tell); never the office's internal reason;
* **risk warnings**: naming one of those products, a batch of one, or an HS prefix of one (a warning
  naming no goods is everyone's, on the public notice board);
* **complaints**: about a unit sold on the platform, with the order it was sold on; never the
  complainant's contact, photo or device.

Each list is a dataclass of exactly what may be shown, so a view cannot leak a field by accident. A
unit sold outside a platform's customs documents (an exit declared at the merchant's desk) has no
inventory, so complaints about it reach no platform: nothing says where it was bought.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, exists, func, or_, select, text
from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.ceb.queries import list_receipts
from suyuan.trace.errors import PermissionDenied
from suyuan.trace.model import (
    Batch,
    CebInventory,
    CebReceipt,
    Complaint,
    Enterprise,
    EnterpriseKind,
    Product,
    Recall,
    RiskWarning,
    Role,
    SoldCode,
)

LIMIT = 200
"""Rows of each list at most, newest first."""

# The products on the lines of a platform's orders. The lines are a JSON list on the order (as customs
# sends them), so each database unnests it its own way; both read the list in the database.
_ORDERED_PRODUCTS = {
    "sqlite": "SELECT DISTINCT CAST(json_extract(line.value, '$.product_id') AS INTEGER) AS product_id "
    "FROM ceb_order, json_each(ceb_order.lines) AS line WHERE ceb_order.platform_id = :platform_id",
    "postgresql": "SELECT DISTINCT CAST(line.value ->> 'product_id' AS INTEGER) AS product_id "
    "FROM ceb_order, json_array_elements(ceb_order.lines) AS line(value) "
    "WHERE ceb_order.platform_id = :platform_id",
}


@dataclass(frozen=True)
class Admission:
    """The office's decision on a product sold on the platform, and a sanction on it if any."""

    product_id: int
    gtin: str
    name: str
    name_en: str
    seller: str
    status: str
    risk_class: int | None
    disclosure: str | None
    disclosure_en: str | None
    decided_at: datetime | None
    sanction: str


@dataclass(frozen=True)
class PlatformRecall:
    """A recall or stop-sale of a batch of a product sold on the platform (no internal reason)."""

    recall_id: int
    kind: str
    scope: str
    status: str
    reason: str
    reason_en: str
    instructions: str
    instructions_en: str
    product: str
    gtin: str
    lot: str
    opened_at: datetime
    closed_at: datetime | None
    units_sold_here: int


@dataclass(frozen=True)
class PlatformWarning:
    """A risk warning about goods sold on the platform; ``goods`` says what it names."""

    warning_id: int
    level: str
    title: str
    title_en: str
    body: str
    body_en: str
    goods: str
    published_at: datetime
    withdrawn_at: datetime | None


@dataclass(frozen=True)
class PlatformComplaint:
    """A complaint about a unit sold on the platform, with the order it was sold on (no contact)."""

    complaint_id: int
    reference: str
    category: str
    status: str
    text: str
    product: str
    gtin: str
    lot: str
    serial: str
    order_no: str
    filed_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PlatformOverview:
    """Everything a platform's staff reads about what was sold on it."""

    platform_id: int
    platform_name: str
    admissions: list[Admission]
    recalls: list[PlatformRecall]
    warnings: list[PlatformWarning]
    complaints: list[PlatformComplaint]
    receipts: list[CebReceipt]


def platform_of(session: Session, actor: Actor) -> Enterprise:
    """The platform enterprise whose staff the actor is; anyone else is refused (``PermissionDenied``).

    Sellers, warehouses and offices have views of their own; the operator has no platform.
    """
    enterprise = (
        session.get(Enterprise, actor.enterprise_id)
        if actor.role is Role.MERCHANT and actor.enterprise_id is not None
        else None
    )
    if enterprise is None or enterprise.kind is not EnterpriseKind.PLATFORM:
        raise PermissionDenied("only a platform's staff read what was sold on the platform")
    return enterprise


def overview(session: Session, actor: Actor, *, limit: int = LIMIT) -> PlatformOverview:
    """The platform's view: admissions, recalls, warnings, complaints and its orders' receipts."""
    platform = platform_of(session, actor)
    return PlatformOverview(
        platform_id=platform.id,
        platform_name=platform.name,
        admissions=admissions(session, actor, limit=limit),
        recalls=recalls(session, actor, limit=limit),
        warnings=warnings(session, actor, limit=limit),
        complaints=complaints(session, actor, limit=limit),
        receipts=list_receipts(session, actor, limit=limit),
    )


def admissions(session: Session, actor: Actor, *, limit: int = LIMIT) -> list[Admission]:
    """Admission decisions on the products sold on the platform, the latest decision first."""
    platform = platform_of(session, actor)
    stmt = (
        select(Product, Enterprise.name)
        .join(Enterprise, Enterprise.id == Product.enterprise_id)
        .where(Product.id.in_(ordered_products(session, platform.id)))
        .order_by(Product.decided_at.desc(), Product.id.desc())
        .limit(limit)
    )
    return [
        Admission(
            product_id=p.id,
            gtin=p.gtin,
            name=p.name,
            name_en=p.name_en,
            seller=seller,
            status=p.admission_status.value,
            risk_class=p.risk_class,
            disclosure=p.consumer_disclosure,
            disclosure_en=p.consumer_disclosure_en,
            decided_at=p.decided_at,
            sanction=p.sanction_status.value,
        )
        for p, seller in session.execute(stmt)
    ]


def recalls(session: Session, actor: Actor, *, limit: int = LIMIT) -> list[PlatformRecall]:
    """Recalls and stop-sales of batches of products sold on the platform, newest first."""
    platform = platform_of(session, actor)
    here = (
        select(func.count(SoldCode.id))
        .where(SoldCode.batch_id == Recall.batch_id, _sold_here(platform.id))
        .scalar_subquery()
    )
    stmt = (
        select(Recall, Batch, Product.name, here)
        .join(Batch, Batch.id == Recall.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .where(Batch.product_id.in_(ordered_products(session, platform.id)))
        .order_by(Recall.id.desc())
        .limit(limit)
    )
    return [
        PlatformRecall(
            recall_id=r.id,
            kind=r.kind.value,
            scope=r.scope.value,
            status=r.status.value,
            reason=r.reason,
            reason_en=r.reason_en,
            instructions=r.instructions,
            instructions_en=r.instructions_en,
            product=name,
            gtin=batch.gtin,
            lot=batch.lot,
            opened_at=r.opened_at,
            closed_at=r.closed_at,
            units_sold_here=int(units or 0),
        )
        for r, batch, name, units in session.execute(stmt)
    ]


def warnings(session: Session, actor: Actor, *, limit: int = LIMIT) -> list[PlatformWarning]:
    """Risk warnings naming goods sold on the platform (a product, a batch, an HS prefix), newest first."""
    platform = platform_of(session, actor)
    ordered = ordered_products(session, platform.id)
    by_prefix = exists(
        select(Product.id).where(
            Product.id.in_(ordered), Product.hs_code.startswith(RiskWarning.hs_prefix, autoescape=False)
        )
    )
    stmt = (
        select(RiskWarning)
        .where(
            or_(
                RiskWarning.product_id.in_(ordered),
                RiskWarning.batch_id.in_(select(Batch.id).where(Batch.product_id.in_(ordered))),
                and_(RiskWarning.hs_prefix != "", by_prefix),
            )
        )
        .order_by(RiskWarning.id.desc())
        .limit(limit)
    )
    return [
        PlatformWarning(
            warning_id=w.id,
            level=w.level.value,
            title=w.title,
            title_en=w.title_en,
            body=w.body,
            body_en=w.body_en,
            goods=_goods(session, w),
            published_at=w.published_at,
            withdrawn_at=w.withdrawn_at,
        )
        for w in session.scalars(stmt)
    ]


def complaints(session: Session, actor: Actor, *, limit: int = LIMIT) -> list[PlatformComplaint]:
    """Complaints about units sold on the platform, newest first, with the order each unit left on."""
    platform = platform_of(session, actor)
    stmt = (
        select(Complaint, CebInventory.order_no, Product.name)
        .join(SoldCode, and_(SoldCode.batch_id == Complaint.batch_id, SoldCode.serial == Complaint.serial))
        .join(CebInventory, CebInventory.exit_declaration_id == SoldCode.exit_declaration_id)
        .join(Batch, Batch.id == Complaint.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .where(CebInventory.platform_id == platform.id, Complaint.serial != "")
        .order_by(Complaint.id.desc())
        .limit(limit)
    )
    return [
        PlatformComplaint(
            complaint_id=c.id,
            reference=c.reference,
            category=c.category.value,
            status=c.status.value,
            text=c.text,
            product=name,
            gtin=c.gtin,
            lot=c.lot,
            serial=c.serial,
            order_no=order_no,
            filed_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c, order_no, name in session.execute(stmt)
    ]


def ordered_products(session: Session, platform_id: int) -> Select[tuple[int]]:
    """The ids of the products on the lines of the platform's orders, as a subquery to narrow by."""
    dialect = session.get_bind().dialect.name
    if dialect not in _ORDERED_PRODUCTS:
        raise NotImplementedError(f"the products of a platform's orders are not read on {dialect}")
    unnested = (
        text(_ORDERED_PRODUCTS[dialect])
        .bindparams(platform_id=platform_id)
        .columns(product_id=Integer)
        .subquery("ordered")
    )
    return select(unnested.c.product_id)


def _sold_here(platform_id: int) -> ColumnElement[bool]:
    """``sold_code`` rows written off through one of the platform's inventories."""
    exits = select(CebInventory.exit_declaration_id).where(
        CebInventory.platform_id == platform_id, CebInventory.exit_declaration_id.is_not(None)
    )
    return SoldCode.exit_declaration_id.in_(exits)


def _goods(session: Session, warning: RiskWarning) -> str:
    """What a warning names, as people read it: a batch (GTIN and lot), a product, or an HS prefix."""
    parts: list[Any] = []
    if warning.batch_id is not None:
        batch = session.get(Batch, warning.batch_id)
        parts.append(f"{batch.product.name} {batch.gtin}/{batch.lot}" if batch is not None else "")
    elif warning.product_id is not None:
        product = session.get(Product, warning.product_id)
        parts.append(f"{product.name} {product.gtin}" if product is not None else "")
    if warning.hs_prefix:
        parts.append(f"HS {warning.hs_prefix}")
    return " · ".join(p for p in parts if p)
