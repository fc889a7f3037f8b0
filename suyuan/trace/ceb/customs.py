"""Customs' own receipts (CEB312/412/512/622/626) and tax bills (CEB816), forwarded to Suyuan.

A platform or declarant that subscribes Suyuan to its receipts (``BaseSubscribe``) or forwards them
lets Suyuan record what customs decided beside its own checks. They are read leniently (README §7.2:
real receipts carry elements the schema lacks), kept in an append-only log (``ceb_receipt`` with
``issuer = "customs"``) and matched to the document by its business keys, never by guid alone. For an
inventory, the highest customs status is kept in ``customs_status``, and customs' ``invtNo`` is
recorded (returns name it). A customs rejection or hold (100, 5xx, 700) stops the packing station. A
receipt is attached only to a document of the sender's own (platform or seller); others are recorded
unattached. The answer repeats the receipt as recorded.
"""

from __future__ import annotations

from lxml import etree
from sqlalchemy import select

from suyuan.trace.ceb.context import Answer, Context
from suyuan.trace.ceb.parsing import CEB_NS, children, fields
from suyuan.trace.ceb.receipts import ReturnEntry
from suyuan.trace.model.ceb import CebInventory, CebOrder, CebReceipt, CebRefund

ENTITIES = {
    "CEB312Message": "OrderReturn",
    "CEB412Message": "PaymentReturn",
    "CEB512Message": "LogisticsReturn",
    "CEB622Message": "InventoryReturn",
    "CEB626Message": "InvtRefundReturn",
    "CEB816Message": "Tax",
}
# Which states follow which (README §5.2): a late-arriving earlier receipt never lowers the state.
RANK = {1: 0, 2: 1, 3: 2, 4: 2, 120: 3, 300: 4, 399: 5, 500: 6, 800: 7, 899: 8, 100: 9, 700: 9}


def handle(ctx: Context) -> list[Answer]:
    """Record every return entity (or tax bill) of a customs message."""
    message_type = ctx.envelope.message_type
    return [_record(ctx, message_type, e) for e in children(ctx.envelope.root, ENTITIES[message_type])]


def _record(ctx: Context, message_type: str, element: etree._Element) -> Answer:
    if message_type == "CEB816Message":
        values = fields(element.find(f"{{{CEB_NS}}}TaxHeadRd"))  # type: ignore[arg-type]
        status_text, info = values.get("status", ""), f"tax bill {values.get('taxNo', '')}"
    else:
        values = fields(element)
        status_text, info = values.get("returnStatus", ""), values.get("returnInfo", "")
    keys = tuple((k, v) for k, v in values.items() if k in KEY_NAMES)
    try:
        status = int(status_text)
    except ValueError:
        return Answer(ReturnEntry(-1, f"returnStatus {status_text!r} is not a number", "bad_status", keys))
    inventory, order = _document(ctx, message_type, values)
    subject = f"inventory:{inventory.id}" if inventory else f"ceb_order:{order.id}" if order else ""
    owner = inventory or order
    if inventory is not None and message_type == "CEB622Message":
        _advance(inventory, status, values)
    ctx.session.add(
        CebReceipt(
            message_id=ctx.message_id,
            issuer="customs",
            receipt_type=message_type,
            subject=subject,
            entity_guid=values.get("guid", "")[:36],
            order_no=values.get("orderNo", owner.order_no if owner else "")[:60],
            status=status,
            info=info[:1000],
            xml=etree.tostring(element, encoding="unicode"),
            merchant_id=owner.merchant_id if owner else None,
            platform_id=owner.platform_id if owner else None,
            office_id=owner.office_id if owner else None,
            issued_at=ctx.moment,
        )
    )
    note = "" if owner else "no_matching_document"
    return Answer(
        ReturnEntry(status, info or "-", note, keys, recorded=True),
        subject,
        owner.merchant_id if owner else None,
        owner.platform_id if owner else None,
        owner.office_id if owner else None,
    )


KEY_NAMES = frozenset(
    {
        "guid",
        "ebpCode",
        "ebcCode",
        "orderNo",
        "copNo",
        "preNo",
        "invtNo",
        "payCode",
        "payTransactionId",
        "logisticsCode",
        "logisticsNo",
        "agentCode",
        "customsCode",
        "taxNo",
    }
)


def _document(
    ctx: Context, message_type: str, values: dict[str, str]
) -> tuple[CebInventory | None, CebOrder | None]:
    """The sender's own inventory (622/626/816) or order (312) this receipt is about, if any."""
    session, own = ctx.session, ctx.actor
    inventory: CebInventory | None = None
    order: CebOrder | None = None
    if message_type in ("CEB622Message", "CEB816Message", "CEB626Message"):
        if message_type == "CEB626Message" and values.get("copNo"):
            refund = session.scalar(select(CebRefund).filter_by(cop_no=values["copNo"]).limit(1))
            inventory = session.get(CebInventory, refund.inventory_id) if refund is not None else None
        if inventory is None and values.get("invtNo"):
            inventory = session.scalar(select(CebInventory).filter_by(invt_no=values["invtNo"]).limit(1))
        if inventory is None and values.get("copNo"):
            inventory = session.scalar(select(CebInventory).filter_by(cop_no=values["copNo"]).limit(1))
    elif message_type == "CEB312Message":
        order = session.scalar(select(CebOrder).filter_by(order_no=values.get("orderNo", "")).limit(1))
    owner = inventory or order
    if owner is not None and not (
        own.operator or own.enterprise_id in (owner.platform_id, owner.merchant_id)
    ):
        return None, None
    return inventory, order


def _advance(inventory: CebInventory, status: int, values: dict[str, str]) -> None:
    """Keep the highest customs state reached, and customs' numbers for the inventory."""
    if status >= 0 and RANK.get(status, 0) >= RANK.get(inventory.customs_status or 0, -1):
        inventory.customs_status = status
    invt_no = values.get("invtNo", "")
    if len(invt_no) == 18 and inventory.invt_no is None:
        inventory.invt_no = invt_no
