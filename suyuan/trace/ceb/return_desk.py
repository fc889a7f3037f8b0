"""The return desk over the API: which waiting returns (CEB625) a caller may conclude.

A return that names fewer units than are still out of a line cannot say which units come back, so it
waits (120) until the warehouse scans the returned units (:func:`suyuan.trace.ceb.refunds.conclude_refund`,
docs/ceb.md §3). Those who pack an inventory receive its returns: the seller's staff and the zone
warehouse named as its ``areaCode``. For anyone else a return does not exist, as for an unknown id, so
that ids cannot be probed; this is checked before a request body is read.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.ceb.packing import may_pack
from suyuan.trace.errors import NotFound
from suyuan.trace.model.ceb import CebInventory, CebRefund


def refund_at_desk(session: Session, actor: Actor, refund_id: int) -> CebRefund:
    """A return the actor receives (it packs the inventory); others answer ``NotFound``."""
    refund = session.get(CebRefund, refund_id) if 1 <= refund_id <= MAX_INT else None
    inventory = session.get(CebInventory, refund.inventory_id) if refund is not None else None
    if refund is None or inventory is None or not may_pack(session, actor, inventory):
        raise NotFound(f"return {refund_id} does not exist")
    return refund


def refund_inventory(session: Session, refund: CebRefund) -> CebInventory:
    """The released inventory a return belongs to."""
    inventory = session.get(CebInventory, refund.inventory_id)
    if inventory is None:  # a foreign key: cannot happen
        raise NotFound(f"return {refund.id} does not exist")
    return inventory
