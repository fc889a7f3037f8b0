"""Reading the customs documents and receipts, within the reader's remit (``suyuan.trace.remit``).

The seller, the platform it sold on and the seller's office see an order's inventory and receipts;
nobody else learns they exist.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.model.ceb import CebInventory, CebReceipt
from suyuan.trace.remit import remit_of, visible, within_remit


def get_inventory(session: Session, actor: Actor, inventory_id: int) -> CebInventory:
    """An inventory within the actor's remit (seller, platform, office); others get ``NotFound``."""
    return visible(session, actor, CebInventory, inventory_id)


def list_inventories(
    session: Session, actor: Actor, *, status: int | None = None, limit: int = 100
) -> list[CebInventory]:
    """Inventories within the remit, newest first, optionally of one status (e.g. 399: ready to pack)."""
    stmt = select(CebInventory).order_by(CebInventory.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(CebInventory.status == status)
    return list(session.scalars(within_remit(stmt, remit_of(session, actor), CebInventory)))


def list_receipts(
    session: Session,
    actor: Actor,
    *,
    subject: str | None = None,
    order_no: str | None = None,
    limit: int = 100,
) -> list[CebReceipt]:
    """Receipts within the remit (Suyuan's and customs'), newest first; ``subject`` e.g. ``inventory:7``."""
    stmt = select(CebReceipt).order_by(CebReceipt.id.desc()).limit(limit)
    if subject is not None:
        stmt = stmt.where(CebReceipt.subject == subject)
    if order_no is not None:
        stmt = stmt.where(CebReceipt.order_no == order_no)
    return list(session.scalars(within_remit(stmt, remit_of(session, actor), CebReceipt)))
