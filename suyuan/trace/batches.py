"""Batches of admitted products in the bonded zone: registered, looked up, listed.

Batches normally enter through an entry declaration (:mod:`suyuan.trace.zone.entry`), which registers
them here and credits the zone ledger; a batch can also be registered directly (demo data, tests),
without a ledger. The office releases a batch for sale in :mod:`suyuan.trace.zone.inspection` (SZ
Art. 19: sale only after the office has reviewed the reports); its merchant amends its quantity in
:mod:`suyuan.trace.batch_quantity` (the quantity bounds the codes). Both build on this module, never the
other way round.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import audit, sanctions
from suyuan.trace.actors import Actor
from suyuan.trace.errors import Duplicate, InvalidInput, InvalidState
from suyuan.trace.identifiers import normalize_gtin, validate_gs1_text
from suyuan.trace.model import ADMITTED, Batch, BatchStatus
from suyuan.trace.registry import get_product
from suyuan.trace.remit import remit_of, visible, within_remit

MAX_BATCH_QUANTITY = 10_000_000


def register_batch(
    session: Session,
    actor: Actor,
    product_id: int,
    *,
    lot: str,
    quantity: int,
    production_date: date | None = None,
    expiry_date: date | None = None,
) -> Batch:
    """Register a lot of an admitted product; its (GTIN, lot) must be new."""
    product = get_product(session, actor, product_id)
    if product.admission_status not in ADMITTED:
        raise InvalidState(f"product {product.id} is not admitted ({product.admission_status})")
    sanctions.require_trading(product.enterprise, product)
    lot = validate_gs1_text(lot, "lot")
    if not 1 <= quantity <= MAX_BATCH_QUANTITY:
        raise InvalidInput(f"quantity must be 1-{MAX_BATCH_QUANTITY:,}", field="quantity")
    if production_date and expiry_date and expiry_date <= production_date:
        raise InvalidInput("expiry_date must be after production_date", field="expiry_date")
    if session.scalar(select(Batch).filter_by(gtin=product.gtin, lot=lot)):
        raise Duplicate(f"lot {lot} of GTIN {product.gtin} is already registered")
    batch = Batch(
        product_id=product.id,
        gtin=product.gtin,
        lot=lot,
        supplier_id=product.supplier_id,
        quantity=quantity,
        production_date=production_date,
        expiry_date=expiry_date,
        status=BatchStatus.IN_ZONE,
        trade_mode=product.trade_mode,
    )
    session.add(batch)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="batch.registered",
        subject=f"batch:{batch.id}",
        payload={"gtin": batch.gtin, "lot": lot, "quantity": quantity, "supplier_id": batch.supplier_id},
    )
    return batch


def get_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    """A batch within the actor's remit; any other answers ``NotFound`` like an unknown id."""
    return visible(session, actor, Batch, batch_id)


def list_batches(
    session: Session, actor: Actor, *, gtin: str | None = None, lot: str | None = None
) -> list[Batch]:
    """Batches within the actor's remit, oldest first; ``gtin`` and ``lot`` narrow them.

    A GTIN and a lot are what is printed on the goods, so an API client holding a carton finds the
    batch's id by them (docs/api.md, "Addressing by what you hold"); any GTIN form is accepted
    (GTIN-8/12/13/14, normalised), the lot is compared exactly, as it is printed.
    """
    stmt = select(Batch).order_by(Batch.id)
    if gtin is not None:
        stmt = stmt.where(Batch.gtin == normalize_gtin(gtin))
    if lot is not None:
        stmt = stmt.where(Batch.lot == lot)
    return list(session.scalars(within_remit(stmt, remit_of(session, actor), Batch)))
