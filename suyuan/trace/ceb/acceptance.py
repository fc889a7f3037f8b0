"""The buyer's acceptance of a consumer disclosure, recorded by a separate call (SZ Art. 11).

An order of a product admitted with a disclosure must carry the buyer's acceptance before its exit is
released (docs/ceb.md §3). A platform that records the acceptance on its own pages, rather than in the
order message, says so with a call: :func:`suyuan.trace.ceb.matching.accept_disclosure` records it and
re-matches the order's inventory. This names the order as its caller knows it — a platform's staff by
the platform's own order number, the seller's staff with the platform's id too — and answers the order
with its inventory, so that the caller sees at once whether it is now ready to pack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.ceb.matching import accept_disclosure, inventory_of
from suyuan.trace.errors import InvalidInput, NotFound
from suyuan.trace.model.ceb import CebInventory, CebOrder

MAX_ORDER_NO = 60
"""The length of a CEB ``orderNo`` (the schema's and the column's)."""


@dataclass(frozen=True)
class Acceptance:
    """The order with the acceptance recorded, and its inventory if one was declared yet."""

    order: CebOrder
    inventory: CebInventory | None


def accept_for_order(
    session: Session,
    actor: Actor,
    order_no: str,
    platform_id: int | None = None,
    *,
    now: datetime | None = None,
) -> Acceptance:
    """Record the buyer's acceptance for the order ``order_no`` of ``platform_id`` (default: the caller's
    own enterprise, for a platform's staff).

    Only the platform's or the seller's staff may; anyone else, and an unknown order, get ``NotFound``.
    An acceptance already recorded (in the message or by an earlier call) is ``InvalidState``.
    """
    number = order_number(order_no)
    platform = platform_id if platform_id is not None else actor.enterprise_id
    if platform is None:
        raise NotFound(f"order {number} does not exist")
    order = accept_disclosure(session, actor, platform, number, now=now)
    return Acceptance(order, inventory_of(session, platform, number))


def order_number(value: str) -> str:
    """A CEB order number as sent: 1-60 characters on one line, surrounding blanks dropped."""
    number = value.strip()
    if not 1 <= len(number) <= MAX_ORDER_NO or any(ord(ch) < 32 or ord(ch) == 127 for ch in number):
        raise InvalidInput(f"order_no is 1-{MAX_ORDER_NO} characters on one line", field="order_no")
    return number
