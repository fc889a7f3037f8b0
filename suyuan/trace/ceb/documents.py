"""The enterprise documents: order (CEB311), payment (CEB411), waybill (CEB511), inventory (CEB621).

Each handler reads one business entity of a schema-valid message, applies every rule the schema cannot
(:mod:`~suyuan.trace.ceb.checks`), checks it against the documents already here
(:mod:`~suyuan.trace.ceb.matching`) and only then writes it, so a rejected document leaves nothing
behind but its receipt. What each one does to the model is in docs/ceb.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from lxml import etree
from sqlalchemy import Insert, Select, bindparam, insert, select

from suyuan.trace.ceb import checks, matching, receipts
from suyuan.trace.ceb.checks import Rejection, require
from suyuan.trace.ceb.context import Answer, Context, FiledProduct
from suyuan.trace.ceb.parsing import CEB_NS, children, fields
from suyuan.trace.ceb.parties import Party, parties, party, require_party, resolve
from suyuan.trace.ceb.receipts import ReturnEntry
from suyuan.trace.db import insert_or_skip
from suyuan.trace.errors import QuotaExceeded
from suyuan.trace.model import (
    ADMITTED,
    AdmissionStatus,
    BuyerRestrictionLevel,
    EnterpriseKind,
    Product,
)
from suyuan.trace.model.ceb import (
    CebInventory,
    CebItemRecord,
    CebOrder,
    CebPayment,
    CebWaybill,
    ReturnStatus,
)
from suyuan.trace.zone import buyer_restrictions, quotas

DISCLOSURE_EXTENSION = "SUYUAN-DISCLOSURE"
DISCLOSURE_NOTE_MARK = "[DISCLOSURE-ACCEPTED]"

Handler = Callable[[Context, etree._Element], Answer]


def handle(ctx: Context) -> list[Answer]:
    """Answer every business entity of a data message (up to 100 per message, each on its own)."""
    entity, handler = HANDLERS[ctx.envelope.message_type]
    return [handler(ctx, element) for element in children(ctx.envelope.root, entity)]


def _answered(keys: tuple[tuple[str, str], ...], work: Callable[[], Answer]) -> Answer:
    """Run a handler's work; a :class:`Rejection` becomes the rejected document's answer."""
    try:
        return work()
    except Rejection as exc:
        return Answer(ReturnEntry(exc.status, exc.message[:1000], exc.reason, keys))


def _common(ctx: Context, head: dict[str, str]) -> None:
    """appType 1 (new) and appStatus 2 (declared): what Suyuan processes."""
    checks.one_of(head.get("appType", ""), frozenset({"1"}), "appType")
    checks.one_of(head.get("appStatus", ""), frozenset({"2"}), "appStatus")


def _seller_and_platform(ctx: Context, head: dict[str, str]) -> tuple[Party, Party]:
    """The platform and the seller a document names, once per message for all its documents."""
    codes = (head["ebpCode"], head["ebcCode"])
    if codes not in ctx.sellers:
        platform, merchant = parties(
            ctx.session,
            (codes[0], "ebpCode", EnterpriseKind.PLATFORM),
            (codes[1], "ebcCode", EnterpriseKind.MERCHANT),
        )
        require_party(ctx.actor, platform, merchant)
        ctx.sellers[codes] = (platform, merchant)
    return ctx.sellers[codes]


def _consignee_hash(ctx: Context, name: str, telephone: str, address: str) -> str:
    return quotas.address_hash(ctx.secret, f"{name}|{telephone}|{address}")


# --- CEB311 order ----------------------------------------------------------------------------------


def handle_order(ctx: Context, element: etree._Element) -> Answer:
    """Store an order (120) after its sums, codes, products and quota check out."""
    head = fields(element.find(f"{{{CEB_NS}}}OrderHead"))  # type: ignore[arg-type]
    keys = tuple((k, head.get(k, "")) for k in ("guid", "ebpCode", "ebcCode", "orderNo"))
    return _answered(keys, lambda: _order(ctx, element, head, keys))


def _order(
    ctx: Context, element: etree._Element, head: dict[str, str], keys: tuple[tuple[str, str], ...]
) -> Answer:
    platform, merchant = _seller_and_platform(ctx, head)
    _common(ctx, head)
    checks.one_of(head["orderType"], frozenset({"I"}), "orderType")
    checks.currency(head["currency"])
    id_number = checks.id_number(head["buyerIdNumber"], head["buyerIdType"], "buyerIdNumber")
    checks.district(head.get("consigneeDistrict", ""))
    checks.enterprise_code(head.get("payCode", ""), "payCode", required=False)
    goods, freight = checks.fen(head["goodsValue"], "goodsValue"), checks.fen(head["freight"], "freight")
    discount, tax = checks.fen(head["discount"], "discount"), checks.fen(head["taxTotal"], "taxTotal")
    paid = checks.fen(head["acturalPaid"], "acturalPaid")
    lines = [_order_line(ctx, fields(line), merchant) for line in children(element, "OrderList")]
    checks.gnums([str(line["gnum"]) for line in lines])
    require(
        sum(line["total_fen"] for line in lines) == goods,
        "wrong_sum",
        f"goodsValue {quotas.yuan(goods)} is not the sum of the lines' totalPrice",
    )
    require(
        paid == goods + freight + tax - discount,
        "wrong_sum",
        f"acturalPaid {quotas.yuan(paid)} is not goodsValue + freight + taxTotal - discount "
        f"({quotas.yuan(goods + freight + tax - discount)})",
    )
    order_no = head["orderNo"]
    if matching.order_of(ctx.session, platform.id, order_no) is not None:
        raise Rejection("duplicate_order", "已存在相同编号的订单 an order with this number exists", -301010)
    buyer = quotas.buyer_hash(ctx.secret, id_number)
    require(
        buyer_restrictions.level_of(ctx.session, buyer) is not BuyerRestrictionLevel.BLOCK,
        "buyer_blocked",
        "订购人已被检验检疫机构列入失信名单 the buyer is blocked by an inspection office (SZ Art. 29)",
    )
    quotas.lock_buyer(ctx.session, buyer)
    try:
        quotas.check_quota(
            ctx.session, ctx.rules.quotas, buyer, goods, sum(line["qty"] for line in lines), ctx.moment
        )
    except QuotaExceeded as exc:
        raise Rejection("quota_exceeded", exc.message) from None
    accepted = _disclosure_accepted(ctx, head)
    order = CebOrder(
        message_id=ctx.message_id,
        guid=head["guid"],
        platform_id=platform.id,
        merchant_id=merchant.id,
        office_id=merchant.office_id,
        order_no=order_no,
        goods_fen=goods,
        freight_fen=freight,
        discount_fen=discount,
        tax_fen=tax,
        paid_fen=paid,
        buyer_hash=buyer,
        buyer_name_masked=_masked(head["buyerName"]),
        consignee_hash=_consignee_hash(
            ctx, head["consignee"], head["consigneeTelephone"], head["consigneeAddress"]
        ),
        address_hash=quotas.address_hash(ctx.secret, head["consigneeAddress"]),
        pay_code=head.get("payCode", ""),
        pay_transaction_id=head.get("payTransactionId", ""),
        disclosure_accepted_at=ctx.moment if accepted else None,
        disclosure_source=accepted,
        lines=lines,
        received_at=ctx.moment,
    )
    _against_others(ctx, order)
    ctx.session.add(order)
    ctx.session.flush()
    matching.rematch_order(ctx.session, platform.id, order_no, ctx.moment, ctx.message_id)
    entry = ReturnEntry(ReturnStatus.STORED, receipts.ACCEPTED_INFO, keys=keys)
    return Answer(entry, f"ceb_order:{order.id}", merchant.id, platform.id, merchant.office_id)


def _order_line(ctx: Context, line: dict[str, str], merchant: Party) -> dict[str, Any]:
    gnum = int(line["gnum"])
    qty = checks.units(line["qty"])
    price, total = checks.fen(line["price"], "price"), checks.fen(line["totalPrice"], "totalPrice")
    checks.line_total(price, qty, total, gnum)
    checks.unit(line["unit"])
    checks.currency(line["currency"], f"line {gnum} currency")
    checks.country(line["country"])
    gtin = checks.gtin_of(line.get("barCode", ""))
    product = _product(ctx, merchant, gtin, gnum) if gtin else None
    return {
        "gnum": gnum,
        "gtin": gtin,
        "product_id": product.id if product else None,
        "qty": qty,
        "price_fen": price,
        "total_fen": total,
        "name": line.get("itemName", "")[:100],
    }


def _product(ctx: Context, merchant: Party, gtin: str, gnum: int) -> FiledProduct:
    if (merchant.id, gtin) not in ctx.products:
        wanted = _message_gtins(ctx) | {gtin}
        found = ctx.session.connection().execute(
            _products_statement(), {"enterprise_id": merchant.id, "gtins": list(wanted)}
        )
        for product_id, product_gtin, status, ems_no, record_no in found:
            ctx.products[(merchant.id, product_gtin)] = FiledProduct(product_id, product_gtin, status)
            if ems_no is not None and record_no is not None:
                ctx.item_records.add((ems_no, record_no))
        for other in wanted:
            ctx.products.setdefault((merchant.id, other), None)
    product = ctx.products[(merchant.id, gtin)]
    if product is None:
        raise Rejection(
            "unknown_product", f"line {gnum}: {merchant.uscc} has no product filed with GTIN {gtin}"
        )
    require(
        product.admission_status in ADMITTED,
        "not_admitted",
        f"line {gnum}: product {gtin} is not admitted for sale ({product.admission_status})",
    )
    return product


@cache
def _products_statement() -> Select[int, str, AdmissionStatus, str | None, str | None]:
    """A merchant's products of some GTINs with the account-book items bound to them; built once."""
    return (
        select(
            Product.id,
            Product.gtin,
            Product.admission_status,
            CebItemRecord.ems_no,
            CebItemRecord.item_record_no,
        )
        .outerjoin(CebItemRecord, CebItemRecord.product_id == Product.id)
        .where(
            Product.enterprise_id == bindparam("enterprise_id"),
            Product.gtin.in_(bindparam("gtins", expanding=True)),
        )
    )


def _message_gtins(ctx: Context) -> set[str]:
    """Every valid GTIN the message's lines name, to load their products in one query."""
    found = set()
    for element in ctx.envelope.root.iter(f"{{{CEB_NS}}}barCode"):
        try:
            gtin = checks.gtin_of(element.text or "")
        except Rejection:
            continue
        if gtin is not None:
            found.add(gtin)
    return found


def _masked(name: str) -> str:
    try:
        return quotas.mask_name(name)
    except Exception:  # mask_name refuses only empty or overlong names, which the schema excludes
        return "*"


def _disclosure_accepted(ctx: Context, head: dict[str, str]) -> str:
    """How the order says its buyer accepted the consumer disclosure: "extension", "note" or ""."""
    for extension in children(ctx.envelope.root, "ExtendMessage"):
        if (extension.findtext(f"{{{CEB_NS}}}name") or "").strip() != DISCLOSURE_EXTENSION:
            continue
        for element in extension.iter():
            named = isinstance(element.tag, str) and etree.QName(element).localname == "Accepted"
            if named and (element.text or "").strip().lower() in ("1", "true", "yes"):
                return "extension"
    return "note" if DISCLOSURE_NOTE_MARK in head.get("note", "") else ""


def _against_others(ctx: Context, order: CebOrder) -> None:
    """An arriving order must agree with the payment, inventory and waybill already here."""
    payment = matching.payment_of(ctx.session, order.platform_id, order.order_no)
    if payment is not None:
        matching.check_payment(order, payment)
    inventory = matching.inventory_of(ctx.session, order.platform_id, order.order_no)
    if inventory is not None:
        matching.check_inventory(order, inventory)
        waybill = matching.waybill_of(ctx.session, inventory.logistics_code, inventory.logistics_no)
        if waybill is not None:
            matching.check_waybill(order, waybill)


# --- CEB411 payment --------------------------------------------------------------------------------


def handle_payment(ctx: Context, element: etree._Element) -> Answer:
    """Store a payment voucher (120); it must pay the order's ``acturalPaid`` if the order is here."""
    head = fields(element.find(f"{{{CEB_NS}}}PaymentHead"))  # type: ignore[arg-type]
    keys = tuple((k, head.get(k, "")) for k in ("guid", "payCode", "payTransactionId"))
    return _answered(keys, lambda: _payment(ctx, head, keys))


def _payment(ctx: Context, head: dict[str, str], keys: tuple[tuple[str, str], ...]) -> Answer:
    platform = party(ctx.session, head["ebpCode"], "ebpCode", EnterpriseKind.PLATFORM)
    pay_code = checks.enterprise_code(head["payCode"], "payCode")
    require_party(ctx.actor, platform, resolve(ctx.session, pay_code))
    _common(ctx, head)
    checks.currency(head["currency"])
    payer = checks.id_number(head["payerIdNumber"], head["payerIdType"], "payerIdNumber")
    amount = checks.fen(head["amountPaid"], "amountPaid")
    duplicate = ctx.session.scalar(
        select(CebPayment.id).filter_by(pay_code=pay_code, pay_transaction_id=head["payTransactionId"])
    )
    if duplicate is not None:
        raise Rejection("duplicate_payment", "支付凭证重复 this payment voucher exists", -401007)
    payment = CebPayment(
        message_id=ctx.message_id,
        guid=head["guid"],
        platform_id=platform.id,
        order_no=head["orderNo"],
        pay_code=pay_code,
        pay_transaction_id=head["payTransactionId"],
        amount_fen=amount,
        payer_hash=quotas.buyer_hash(ctx.secret, payer),
        received_at=ctx.moment,
    )
    order = matching.order_of(ctx.session, platform.id, payment.order_no)
    if order is not None:
        matching.check_payment(order, payment)
    ctx.session.add(payment)
    ctx.session.flush()
    matching.rematch_order(ctx.session, platform.id, payment.order_no, ctx.moment, ctx.message_id)
    merchant_id = order.merchant_id if order else None
    office_id = order.office_id if order else None
    entry = ReturnEntry(ReturnStatus.STORED, receipts.ACCEPTED_INFO, keys=keys)
    return Answer(entry, f"ceb_payment:{payment.id}", merchant_id, platform.id, office_id)


# --- CEB511 waybill --------------------------------------------------------------------------------


def handle_waybill(ctx: Context, element: etree._Element) -> Answer:
    """Store a waybill (120); its consignee must be the order's once the inventory links them."""
    head = fields(element.find(f"{{{CEB_NS}}}LogisticsHead"))  # type: ignore[arg-type]
    keys = tuple((k, head.get(k, "")) for k in ("guid", "logisticsCode", "logisticsNo"))
    return _answered(keys, lambda: _waybill(ctx, head, keys))


def _waybill(ctx: Context, head: dict[str, str], keys: tuple[tuple[str, str], ...]) -> Answer:
    code = checks.enterprise_code(head["logisticsCode"], "logisticsCode")
    if not ctx.actor.operator:
        sender = resolve(ctx.session, code)
        require(
            ctx.actor.enterprise_id is not None and (sender is None or sender.id == ctx.actor.enterprise_id),
            "not_a_party",
            "the sender is not the logistics enterprise of this waybill",
        )
    _common(ctx, head)
    checks.currency(head["currency"])
    require(head.get("packNo") == "1", "code_list", "packNo must be 1: one waybill, one parcel")
    for name in ("freight", "insuredFee"):
        if head.get(name):
            checks.fen(head[name], name)
    duplicate = ctx.session.scalar(
        select(CebWaybill.id).filter_by(logistics_code=code, logistics_no=head["logisticsNo"])
    )
    if duplicate is not None:
        raise Rejection("duplicate_waybill", "运单编号重复 this waybill number exists", -504015)
    waybill = CebWaybill(
        message_id=ctx.message_id,
        guid=head["guid"],
        logistics_code=code,
        logistics_no=head["logisticsNo"],
        order_no=head["orderNo"],
        consignee_hash=_consignee_hash(
            ctx, head["consignee"], head["consigneeTelephone"], head["consigneeAddress"]
        ),
        received_at=ctx.moment,
    )
    linked = ctx.session.scalars(
        select(CebInventory).filter_by(logistics_code=code, logistics_no=waybill.logistics_no)
    ).all()
    for inventory in linked:
        order = matching.order_of(ctx.session, inventory.platform_id, inventory.order_no)
        if order is not None:
            matching.check_waybill(order, waybill)
    ctx.session.add(waybill)
    ctx.session.flush()
    matching.rematch_waybill(ctx.session, waybill, ctx.moment, ctx.message_id)
    owner = linked[0] if linked else None
    entry = ReturnEntry(ReturnStatus.STORED, receipts.ACCEPTED_INFO, keys=keys)
    return Answer(
        entry,
        f"ceb_waybill:{waybill.id}",
        owner.merchant_id if owner else None,
        owner.platform_id if owner else None,
        owner.office_id if owner else None,
    )


# --- CEB621 inventory ------------------------------------------------------------------------------


def handle_inventory(ctx: Context, element: etree._Element) -> Answer:
    """Store an inventory: 399 when its three documents are here and agree, else 120 (waiting)."""
    head = fields(element.find(f"{{{CEB_NS}}}InventoryHead"))  # type: ignore[arg-type]
    preno = head.get("preNo") or receipts.pre_no(head.get("guid", ""), ctx.moment)
    keys = (
        ("guid", head.get("guid", "")),
        ("customsCode", head.get("customsCode", "")),
        ("ebpCode", head.get("ebpCode", "")),
        ("ebcCode", head.get("ebcCode", "")),
        ("agentCode", head.get("agentCode", "")),
        ("copNo", (head.get("copNo") or head.get("orderNo", ""))[:20]),
        ("preNo", preno if len(preno) == 18 else receipts.pre_no(head.get("guid", ""), ctx.moment)),
    )
    return _answered(keys, lambda: _inventory(ctx, element, head, keys))


def _inventory(
    ctx: Context, element: etree._Element, head: dict[str, str], keys: tuple[tuple[str, str], ...]
) -> Answer:
    platform, merchant = _seller_and_platform(ctx, head)
    _common(ctx, head)
    trade_mode = checks.one_of(head["tradeMode"], checks.TRADE_MODES, "tradeMode")
    bonded = trade_mode == checks.BONDED
    _inventory_head_codes(head, bonded)
    id_number = checks.id_number(head["buyerIdNumber"], head["buyerIdType"], "buyerIdNumber")
    products: list[FiledProduct] = []
    lines = [
        _inventory_line(ctx, fields(line), merchant, head.get("emsNo", ""), bonded, products)
        for line in children(element, "InventoryList")
    ]
    checks.gnums([str(line["gnum"]) for line in lines])
    values: dict[str, Any] = dict(
        message_id=ctx.message_id,
        guid=head["guid"],
        platform_id=platform.id,
        merchant_id=merchant.id,
        office_id=merchant.office_id,
        order_no=head["orderNo"],
        ebp_code=head["ebpCode"],
        ebc_code=head["ebcCode"],
        cop_no=dict(keys)["copNo"],
        agent_code=head["agentCode"],
        area_code=head.get("areaCode", ""),
        logistics_code=head["logisticsCode"],
        logistics_no=head["logisticsNo"],
        customs_code=head["customsCode"],
        trade_mode=trade_mode,
        ems_no=head.get("emsNo", ""),
        buyer_hash=quotas.buyer_hash(ctx.secret, id_number),
        status=ReturnStatus.STORED,
        waiting_for=[],
        pre_no=dict(keys)["preNo"],
        invt_no=head.get("invtNo") or None,
        lines=lines,
        received_at=ctx.moment,
    )
    inventory = CebInventory(**values)  # what the matching rules read; written below as a plain row
    found = matching.found_for(ctx.session, inventory)
    if found.inventory_id is not None:
        raise Rejection(
            "duplicate_inventory", "该订单的清单已申报 an inventory of this order exists", -621004
        )
    disclosed = any(p.admission_status is AdmissionStatus.ADMITTED_WITH_DISCLOSURE for p in products)
    waiting = matching.waiting_for(ctx.session, inventory, found, disclosed=disclosed)
    _learn_item_records(ctx, inventory)
    status = ReturnStatus.STORED if waiting else ReturnStatus.CONCLUDED
    inventory_id = (
        ctx.session.connection()
        .execute(_STORE_INVENTORY, values | {"status": status, "waiting_for": waiting})
        .scalar_one()
    )
    info = (
        "三单对碰通过 documents matched"
        if not waiting
        else f"{receipts.ACCEPTED_INFO} waiting for: {', '.join(waiting)}"
    )
    entry = ReturnEntry(status, info, keys=keys)
    return Answer(entry, f"inventory:{inventory_id}", merchant.id, platform.id, merchant.office_id)


_STORE_INVENTORY: Insert = insert(CebInventory).returning(CebInventory.id)
"""The inventory is written as a plain row (Core): nothing in the unit of work reads it back as an object,
and the ORM's unit of work for one insert was a large share of an import (docs/benchmarks.md)."""


def _inventory_head_codes(head: dict[str, str], bonded: bool) -> None:
    checks.one_of(head["ieFlag"], frozenset({"I"}), "ieFlag")
    checks.currency(head["currency"])
    checks.customs_area(head["customsCode"], "customsCode")
    checks.customs_area(head["portCode"], "portCode")
    checks.one_of(head["trafMode"], checks.TRAF_MODES, "trafMode")
    if head.get("wrapType"):
        checks.one_of(head["wrapType"], checks.WRAP_TYPES, "wrapType")
    require(head["packNo"] == "1", "code_list", "packNo must be 1: one inventory, one parcel")
    for name in ("agentCode", "logisticsCode", "assureCode"):
        checks.enterprise_code(head[name], name)
    checks.country(head["country"])
    checks.fen(head["freight"], "freight")
    checks.fen(head["insuredFee"], "insuredFee")
    if bonded:
        require(bool(head.get("emsNo")), "bonded_fields", "a 1210 inventory names its account book (emsNo)")
        checks.enterprise_code(head.get("areaCode", ""), "areaCode")
        require(head["country"] == checks.CHINA, "code_list", "a 1210 inventory departs from 142 (China)")


def _inventory_line(
    ctx: Context, line: dict[str, str], merchant: Party, ems_no: str, bonded: bool, seen: list[FiledProduct]
) -> dict[str, Any]:
    """One checked inventory line as stored; its product is appended to ``seen``."""
    gnum = int(line["gnum"])
    qty = checks.units(line["qty"])
    price, total = checks.fen(line["price"], "price"), checks.fen(line["totalPrice"], "totalPrice")
    checks.line_total(price, qty, total, gnum)
    checks.unit(line["unit"])
    checks.unit(line["unit1"], "unit1")
    require(
        bool(line.get("qty2")) == bool(line.get("unit2")),
        "qty2_unit2",
        f"line {gnum}: qty2 and unit2 come together or not at all",
        -625009,
    )
    if line.get("unit2"):
        checks.unit(line["unit2"], "unit2")
    checks.currency(line["currency"], f"line {gnum} currency")
    checks.country(line["country"])
    if line.get("tradeCountry"):
        checks.country(line["tradeCountry"], "tradeCountry")
    checks.hs_code(line["gcode"])
    record_no = line.get("itemRecordNo", "")
    require(
        not bonded or bool(record_no), "bonded_fields", f"line {gnum}: a 1210 line names its itemRecordNo"
    )
    gtin = checks.gtin_of(line.get("barCode", ""))
    if gtin is not None:
        product = _product(ctx, merchant, gtin, gnum)
    else:
        product = _recorded_product(ctx, merchant, ems_no, record_no, gnum)
    seen.append(product)
    return {
        "gnum": gnum,
        "gtin": product.gtin,
        "item_record_no": record_no,
        "gcode": line["gcode"],
        "product_id": product.id,
        "qty": qty,
        "price_fen": price,
        "total_fen": total,
        "name": line.get("gname", "")[:100],
        "codes": [],
    }


def _recorded_product(ctx: Context, merchant: Party, ems_no: str, record_no: str, gnum: int) -> FiledProduct:
    """The product of a line without a GTIN, by its account-book item (learned from earlier lines)."""
    row = (
        ctx.session.connection()
        .execute(
            select(Product.id, Product.gtin, Product.admission_status, Product.enterprise_id)
            .join(CebItemRecord, CebItemRecord.product_id == Product.id)
            .where(CebItemRecord.ems_no == ems_no, CebItemRecord.item_record_no == record_no)
        )
        .first()
    )
    if row is None or row.enterprise_id != merchant.id:
        raise Rejection(
            "unknown_product",
            f"line {gnum}: no barCode, and item {ems_no}/{record_no} names no known product",
        )
    require(row.admission_status in ADMITTED, "not_admitted", f"line {gnum}: product not admitted")
    ctx.item_records.add((ems_no, record_no))
    return FiledProduct(row.id, row.gtin, row.admission_status)


def _learn_item_records(ctx: Context, inventory: CebInventory) -> None:
    """Remember which product an account-book item is, from lines that carry both barCode and item.

    The items already bound to the lines' products came with them (:func:`_product`); only a new
    pair is written, and an item number already bound to another product keeps its first binding.
    """
    items = {line["item_record_no"]: line["product_id"] for line in inventory.lines if line["item_record_no"]}
    new = [
        {"ems_no": inventory.ems_no, "item_record_no": record_no, "product_id": product_id}
        for record_no, product_id in items.items()
        if (inventory.ems_no, record_no) not in ctx.item_records
    ]
    if not inventory.ems_no or not new:
        return
    learn = insert_or_skip(ctx.session.get_bind().dialect.name, CebItemRecord)
    ctx.session.connection().execute(learn, new)
    ctx.item_records.update((inventory.ems_no, row["item_record_no"]) for row in new)


HANDLERS: dict[str, tuple[str, Handler]] = {
    "CEB311Message": ("Order", handle_order),
    "CEB411Message": ("Payment", handle_payment),
    "CEB511Message": ("Logistics", handle_waybill),
    "CEB621Message": ("Inventory", handle_inventory),
}
