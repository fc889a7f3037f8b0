"""Three-document matching (三单对碰): an inventory may be packed only when order, payment and waybill
have arrived and agree with it, and the buyer accepted any consumer disclosure.

Documents arrive in any order. A document that **disagrees** with one already here is rejected on
arrival (receipt 100 naming the disagreement), so stored documents never contradict each other. What is
merely **missing** makes the inventory wait: it stays at 120 with ``waiting_for`` naming the missing
pieces, and each later arrival (or the buyer's acceptance of a disclosure) re-matches it; when nothing is
missing it moves to 399 and a CEB622 receipt with 399 is issued. The keys are the customs ones: platform +
order number for order, payment and inventory; logistics company + waybill number for the waybill,
whose order number must be the inventory's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, Select, and_, bindparam, func, literal, select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.ceb import receipts
from suyuan.trace.ceb.checks import Rejection, require
from suyuan.trace.ceb.receipts import ReturnEntry
from suyuan.trace.errors import InvalidState, NotFound
from suyuan.trace.model import AdmissionStatus, Product
from suyuan.trace.model.ceb import (
    CebInventory,
    CebOrder,
    CebPayment,
    CebReceipt,
    CebWaybill,
    ReturnStatus,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.zone.quotas import yuan

ORDER_MISSING = "order"
PAYMENT_MISSING = "payment"
WAYBILL_MISSING = "waybill"
DISCLOSURE_MISSING = "disclosure_acceptance"


def order_of(session: Session, platform_id: int, order_no: str) -> CebOrder | None:
    """The order a platform numbered ``order_no``."""
    return session.scalar(select(CebOrder).filter_by(platform_id=platform_id, order_no=order_no))


def payment_of(session: Session, platform_id: int, order_no: str) -> CebPayment | None:
    """The (latest) payment voucher of a platform's order."""
    return session.scalar(
        select(CebPayment)
        .filter_by(platform_id=platform_id, order_no=order_no)
        .order_by(CebPayment.id.desc())
        .limit(1)
    )


def waybill_of(session: Session, logistics_code: str, logistics_no: str) -> CebWaybill | None:
    """The waybill a logistics company numbered ``logistics_no``."""
    return session.scalar(
        select(CebWaybill).filter_by(logistics_code=logistics_code, logistics_no=logistics_no)
    )


def inventory_of(session: Session, platform_id: int, order_no: str) -> CebInventory | None:
    """The inventory declared for a platform's order."""
    return session.scalar(select(CebInventory).filter_by(platform_id=platform_id, order_no=order_no))


class OrderTerms(NamedTuple):
    """What matching reads of a stored order (the columns of :class:`CebOrder` it checks)."""

    order_no: str
    merchant_id: int
    buyer_hash: str
    paid_fen: int
    consignee_hash: str
    lines: list[dict[str, Any]]
    disclosure_accepted_at: datetime | None


class PaymentTerms(NamedTuple):
    """What matching reads of a stored payment voucher."""

    amount_fen: int
    payer_hash: str


class WaybillTerms(NamedTuple):
    """What matching reads of a stored waybill."""

    order_no: str
    logistics_no: str
    consignee_hash: str


AnOrder = CebOrder | OrderTerms
APayment = CebPayment | PaymentTerms
AWaybill = CebWaybill | WaybillTerms


@dataclass(frozen=True)
class Found:
    """The documents already here for an inventory's keys (``inventory_id``: one declared before)."""

    order: AnOrder | None
    payment: APayment | None
    waybill: AWaybill | None
    inventory_id: int | None


def found_for(session: Session, inventory: CebInventory) -> Found:
    """Order, latest payment, waybill and an earlier inventory of the same order, in one query.

    Why one query: these four reads were a third of an inventory import's round trips
    (docs/benchmarks.md); each is the same look-up as :func:`order_of`, :func:`payment_of`,
    :func:`waybill_of` and :func:`inventory_of`, outer-joined to a one-row anchor. Why plain rows
    (the ``…Terms`` tuples) rather than mapped objects: the rules only read a few columns, and loading
    three entities into the session cost more than the query (docs/benchmarks.md, "Third round").
    The statement is built once per process (:func:`_found_statement`); only its parameters change.
    """
    keys = {
        "platform_id": inventory.platform_id,
        "order_no": inventory.order_no,
        "logistics_code": inventory.logistics_code,
        "logistics_no": inventory.logistics_no,
    }
    row = session.connection().execute(_found_statement(), keys).one()
    order, payment = OrderTerms(*row[1:8]), PaymentTerms(*row[9:11])
    waybill, inventory_id = WaybillTerms(*row[12:15]), row[15]
    return Found(
        order if row[0] is not None else None,
        payment if row[8] is not None else None,
        waybill if row[11] is not None else None,
        inventory_id,
    )


_ORDER_TERMS = (
    CebOrder.order_no,
    CebOrder.merchant_id,
    CebOrder.buyer_hash,
    CebOrder.paid_fen,
    CebOrder.consignee_hash,
    CebOrder.lines,
    CebOrder.disclosure_accepted_at,
)


@cache
def _found_statement() -> Select[Any]:
    """Columns: order id and :class:`OrderTerms`, payment id and :class:`PaymentTerms`, waybill id and
    :class:`WaybillTerms`, the earlier inventory's id (an id is null when that document is not here)."""
    platform_id: BindParameter[int] = bindparam("platform_id")
    order_no: BindParameter[str] = bindparam("order_no")
    anchor = select(literal(1).label("one")).subquery()
    latest_payment = (
        select(func.max(CebPayment.id))
        .where(CebPayment.platform_id == platform_id, CebPayment.order_no == order_no)
        .scalar_subquery()
    )
    return (
        select(
            CebOrder.id,
            *_ORDER_TERMS,
            CebPayment.id,
            CebPayment.amount_fen,
            CebPayment.payer_hash,
            CebWaybill.id,
            CebWaybill.order_no,
            CebWaybill.logistics_no,
            CebWaybill.consignee_hash,
            CebInventory.id,
        )
        .select_from(anchor)
        .outerjoin(CebOrder, and_(CebOrder.platform_id == platform_id, CebOrder.order_no == order_no))
        .outerjoin(CebPayment, CebPayment.id == latest_payment)
        .outerjoin(
            CebWaybill,
            and_(
                CebWaybill.logistics_code == bindparam("logistics_code"),
                CebWaybill.logistics_no == bindparam("logistics_no"),
            ),
        )
        .outerjoin(
            CebInventory, and_(CebInventory.platform_id == platform_id, CebInventory.order_no == order_no)
        )
    )


# --- disagreements: the arriving document is rejected --------------------------------------------


def check_payment(order: AnOrder, payment: APayment) -> None:
    """The payment pays exactly the order's ``acturalPaid``, and the payer is the buyer."""
    require(
        payment.amount_fen == order.paid_fen,
        "payment_mismatch",
        f"amountPaid {yuan(payment.amount_fen)} is not the order's acturalPaid {yuan(order.paid_fen)}",
    )
    require(payment.payer_hash == order.buyer_hash, "payer_not_buyer", "the payer is not the order's buyer")


def check_waybill(order: AnOrder, waybill: AWaybill) -> None:
    """The waybill ships the order to its consignee (name, telephone and address)."""
    require(
        waybill.order_no == order.order_no,
        "waybill_order_mismatch",
        f"waybill {waybill.logistics_no} is for order {waybill.order_no}, not {order.order_no}",
    )
    require(
        waybill.consignee_hash == order.consignee_hash,
        "consignee_mismatch",
        "the waybill's consignee (name, telephone, address) is not the order's",
    )


def check_inventory(order: AnOrder, inventory: CebInventory) -> None:
    """The inventory declares the order's seller, buyer and lines (gnum, product, quantity, total)."""
    require(
        order.merchant_id == inventory.merchant_id, "merchant_mismatch", "ebcCode differs from the order's"
    )
    require(order.buyer_hash == inventory.buyer_hash, "buyer_mismatch", "the buyer differs from the order's")
    ordered = {line["gnum"]: line for line in order.lines}
    declared = {line["gnum"]: line for line in inventory.lines}
    require(
        set(ordered) == set(declared),
        "lines_mismatch",
        f"the inventory has lines {sorted(declared)}, the order {sorted(ordered)}",
    )
    for gnum, line in declared.items():
        other = ordered[gnum]
        same_product = other["product_id"] is None or other["product_id"] == line["product_id"]
        require(
            same_product and other["qty"] == line["qty"] and other["total_fen"] == line["total_fen"],
            "lines_mismatch",
            f"line {gnum} differs from the order's (product, qty or totalPrice)",
        )


# --- waiting: the inventory stays at 120 ---------------------------------------------------------


def waiting_for(
    session: Session,
    inventory: CebInventory,
    found: Found | None = None,
    *,
    disclosed: bool | None = None,
) -> list[str]:
    """What the inventory still waits for; checks what has arrived against it (raises on disagreement).

    ``found`` (from :func:`found_for`) and ``disclosed`` (whether a line's product needs the buyer's
    acceptance) spare their queries when the caller has them already.
    """
    missing: list[str] = []
    if found is None:
        found = Found(
            order_of(session, inventory.platform_id, inventory.order_no),
            payment_of(session, inventory.platform_id, inventory.order_no),
            waybill_of(session, inventory.logistics_code, inventory.logistics_no),
            None,
        )
    order, payment, waybill = found.order, found.payment, found.waybill
    if order is None:
        missing.append(ORDER_MISSING)
    else:
        check_inventory(order, inventory)
        if disclosed is None:
            disclosed = needs_disclosure(session, inventory)
        if disclosed and order.disclosure_accepted_at is None:
            missing.append(DISCLOSURE_MISSING)
    if payment is None:
        missing.append(PAYMENT_MISSING)
    elif order is not None:
        check_payment(order, payment)
    if waybill is None:
        missing.append(WAYBILL_MISSING)
    elif order is not None:
        check_waybill(order, waybill)
    else:
        require(
            waybill.order_no == inventory.order_no,
            "waybill_order_mismatch",
            f"waybill {waybill.logistics_no} is for order {waybill.order_no}, not {inventory.order_no}",
        )
    return missing


def needs_disclosure(session: Session, inventory: CebInventory) -> bool:
    """Whether a product on the inventory was admitted only with a consumer disclosure (SZ Art. 11)."""
    ids = [line["product_id"] for line in inventory.lines]
    statuses = session.scalars(select(Product.admission_status).where(Product.id.in_(ids)))
    return any(status is AdmissionStatus.ADMITTED_WITH_DISCLOSURE for status in statuses)


def rematch(session: Session, inventory: CebInventory, moment: datetime, message_id: int | None) -> None:
    """Re-match a waiting inventory after something arrived; at 399 issue the receipt that says so.

    A disagreement found here was already refused on arrival, so it cannot occur; it is left to raise.
    """
    if inventory.status != ReturnStatus.STORED:
        return
    inventory.waiting_for = waiting_for(session, inventory)
    if not inventory.waiting_for:
        inventory.status = ReturnStatus.CONCLUDED
        issue(
            session, inventory, ReturnStatus.CONCLUDED, "三单对碰通过 documents matched", moment, message_id
        )


def rematch_order(
    session: Session, platform_id: int, order_no: str, moment: datetime, message_id: int | None
) -> None:
    """Re-match the inventory of a platform's order, if one waits."""
    inventory = inventory_of(session, platform_id, order_no)
    if inventory is not None:
        rematch(session, inventory, moment, message_id)


def rematch_waybill(session: Session, waybill: CebWaybill, moment: datetime, message_id: int | None) -> None:
    """Re-match the inventories that name this waybill."""
    for inventory in session.scalars(
        select(CebInventory).filter_by(
            logistics_code=waybill.logistics_code, logistics_no=waybill.logistics_no
        )
    ):
        rematch(session, inventory, moment, message_id)


def inventory_keys(inventory: CebInventory) -> tuple[tuple[str, str], ...]:
    """The key elements of an inventory's CEB622 receipts."""
    return (
        ("guid", inventory.guid),
        ("customsCode", inventory.customs_code),
        ("ebpCode", inventory.ebp_code),
        ("ebcCode", inventory.ebc_code),
        ("agentCode", inventory.agent_code),
        ("copNo", inventory.cop_no),
        ("preNo", inventory.pre_no),
        ("invtNo", inventory.invt_no or ""),
    )


def issue(
    session: Session,
    inventory: CebInventory,
    status: int,
    info: str,
    moment: datetime,
    message_id: int | None = None,
) -> CebReceipt:
    """Store a CEB622 receipt for the inventory, issued by Suyuan on a change of its state."""
    entry = ReturnEntry(status, info, keys=inventory_keys(inventory))
    row = CebReceipt(
        message_id=message_id,
        receipt_type="CEB622Message",
        subject=f"inventory:{inventory.id}",
        entity_guid=inventory.guid,
        order_no=inventory.order_no,
        status=status,
        info=info[:1000],
        xml=receipts.render("CEB621Message", [entry], moment),
        merchant_id=inventory.merchant_id,
        platform_id=inventory.platform_id,
        office_id=inventory.office_id,
        issued_at=moment,
    )
    session.add(row)
    return row


def accept_disclosure(
    session: Session, actor: Actor, platform_id: int, order_no: str, *, now: datetime | None = None
) -> CebOrder:
    """Record the buyer's acceptance of the consumer disclosure of an order (SZ Art. 11), then re-match.

    For platforms that record the acceptance on their own pages rather than in the order message; only
    the platform's or the seller's staff (or the operator) may say so.
    """
    moment = now or utcnow()
    order = order_of(session, platform_id, order_no)
    if order is None or not (actor.operator or actor.enterprise_id in (order.platform_id, order.merchant_id)):
        raise NotFound(f"order {order_no} does not exist")
    if order.disclosure_accepted_at is not None:
        raise InvalidState(f"order {order_no}: the disclosure was already accepted")
    order.disclosure_accepted_at, order.disclosure_source = moment, "call"
    audit.record(
        session,
        actor=actor.label,
        action="ceb.disclosure_accepted",
        subject=f"ceb_order:{order.id}",
        payload={"order_no": order_no},
    )
    try:
        rematch_order(session, platform_id, order_no, moment, None)
    except Rejection as exc:  # cannot happen: disagreements were refused on arrival
        raise InvalidState(exc.message) from None
    return order
