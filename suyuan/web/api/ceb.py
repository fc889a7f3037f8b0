"""Customs single-window (CEB) messages over HTTP: the XML intake and the packing station's JSON.

A child of :data:`suyuan.web.api.bp` (endpoints ``api.ceb.*``, under ``/api/v1/ceb``). ``POST /ceb``
takes a CEB message exactly as a platform, payment firm, logistics firm or warehouse sends it to customs
(raw XML, bare or in the DXP envelope, UTF-8/GB18030/GBK as it declares) and answers with the receipt in
customs' own shape (docs/ceb.md): 200 whenever the message was read, whatever the receipt says (a 100
rejection is a business answer), and 400 with the CEB900 format receipt when the message itself could
not be read. The size is bounded before the body is read (413). The rest is JSON: inventories and
receipts to poll, one scan checked on the spot, the release at packing (all or nothing), the buyer's
disclosure acceptance recorded by a separate call (SZ Art. 11), the return desk's list of the returns a
party may see (CEB625 and desk returns), and the conclusion of a waiting return at the return desk
(CEB625: its units back on the ledger).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from suyuan.trace import ceb
from suyuan.trace.ceb import MAX_BYTES, PackingRefused
from suyuan.trace.ceb.acceptance import Acceptance, accept_for_order
from suyuan.trace.ceb.return_desk import (
    ReturnFilter,
    ReturnPage,
    list_returns,
    refund_at_desk,
    refund_inventory,
)
from suyuan.trace.errors import InvalidInput, PermissionDenied
from suyuan.trace.model import Role
from suyuan.trace.model.ceb import CebInventory, CebReceipt, CebRefund
from suyuan.trace.zone.quotas import yuan
from suyuan.web import runtime
from suyuan.web.api.common import int_arg, parse, text_arg
from suyuan.web.api.zone import zone_rules
from suyuan.web.auth import api_auth, api_role, api_visible, current_actor
from suyuan.web.bodies import ceb as bodies
from suyuan.web.json_body import BULK_JSON_BYTES

bp = Blueprint("ceb", __name__, url_prefix="/ceb")

XML_TYPES = frozenset({"application/xml", "text/xml"})
FORMAT_RECEIPT = "CEB900Message"
INVENTORY_STATUSES = frozenset({100, 120, 399, 800})
"""The statuses an inventory takes (docs/ceb.md §4), the ``status`` filter's choices."""


@bp.post("")
@api_auth
def receive_message() -> Response:
    """Receive one CEB message; answer its receipt (200), or the CEB900 refusal of an unreadable one (400)."""
    actor = current_actor()
    if not (actor.operator or (actor.is_merchant and actor.enterprise_id is not None)):
        raise PermissionDenied("only enterprise staff send customs messages")
    if request.mimetype not in XML_TYPES:
        raise UnsupportedMediaType("send the CEB message as Content-Type: application/xml (or text/xml)")
    raw = _xml_body()
    rt = runtime()
    with rt.transaction() as db:
        receipt = ceb.receive(db, actor, raw, secret=rt.settings.secret_key, rules=zone_rules())
    status = 400 if receipt.message_type == FORMAT_RECEIPT else 200
    return Response(receipt.xml, status=status, content_type="application/xml; charset=utf-8")


def _xml_body() -> bytes:
    """The raw body, refused (413) as soon as it is known to exceed :data:`MAX_BYTES`: never read whole."""
    length = request.content_length
    if length is not None and length > MAX_BYTES:
        raise RequestEntityTooLarge(f"a CEB message is at most {MAX_BYTES // 1024} KiB")
    raw = request.get_data(cache=False) if length is not None else request.stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise RequestEntityTooLarge(f"a CEB message is at most {MAX_BYTES // 1024} KiB")
    return raw


@bp.get("/inventories")
@api_auth
def list_inventories() -> Response:
    """Inventories within the caller's remit (seller, platform, office), newest first; ``status`` filters."""
    status = int_arg("status")
    if status is not None and status not in INVENTORY_STATUSES:
        raise InvalidInput(f"status is one of {sorted(INVENTORY_STATUSES)}", field="status")
    with runtime().transaction() as db:
        rows = ceb.list_inventories(db, current_actor(), status=status)
        return jsonify({"inventories": [inventory_json(x) for x in rows]})


@bp.get("/inventories/<int:inventory_id>")
@api_auth
def get_inventory(inventory_id: int) -> Response:
    """One inventory: within the remit, or one the caller's warehouse packs."""
    with runtime().transaction() as db:
        return jsonify(inventory_json(ceb.station_inventory(db, current_actor(), inventory_id)))


@bp.get("/receipts")
@api_auth
def list_receipts() -> Response:
    """Receipts within the caller's remit, newest first; ``subject`` (``inventory:7``) or ``order_no``."""
    subject, order_no = _lookup("subject", 40), _lookup("order_no", 60)
    with runtime().transaction() as db:
        rows = ceb.list_receipts(db, current_actor(), subject=subject, order_no=order_no)
        return jsonify({"receipts": [receipt_json(r) for r in rows]})


def _lookup(name: str, max_length: int) -> str | None:
    """An optional text filter of the query, at most ``max_length`` characters (the column's); else 400."""
    value = request.args.get(name) or None
    if value is not None and len(value) > max_length:
        raise InvalidInput(f"{name} is at most {max_length} characters", field=name)
    return value


@bp.post("/inventories/<int:inventory_id>/scan-check")
@api_role(Role.MERCHANT)
@api_visible("inventory_id", ceb.packing_inventory)
def check_scan(inventory_id: int) -> Response:
    """Answer one scan on the spot, writing nothing: the packing page's sound and colour cue."""
    scan = parse(bodies.ScanCheck, BULK_JSON_BYTES)
    with runtime().transaction() as db:
        result = ceb.check_scan(
            db, current_actor(), runtime().ring, inventory_id, scan.gnum, scan.url, scanned=scan.scanned
        )
        return jsonify(result.as_json())


@bp.post("/inventories/<int:inventory_id>/packing")
@api_role(Role.MERCHANT)
@api_visible("inventory_id", ceb.packing_inventory)
def pack(inventory_id: int) -> Response | tuple[Response, int]:
    """Release a matched inventory with its units' codes; 409 ``packing_refused`` lists every refusal."""
    packing = parse(bodies.Packing, BULK_JSON_BYTES)
    try:
        with runtime().transaction() as db:
            inventory = ceb.pack(
                db, current_actor(), runtime().ring, inventory_id, packing.scans(), rules=zone_rules()
            )
            return jsonify(inventory_json(inventory))
    except PackingRefused as refused:  # the unit of work is rolled back: nothing was written
        return refused_json(refused), 409


@bp.post("/disclosure-acceptances")
@api_role(Role.MERCHANT)
def accept_disclosure() -> Response:
    """Record the buyer's acceptance of an order's consumer disclosure; its inventory is matched again.

    The platform's staff name their own order number; the seller's staff add the platform's id. Anyone
    else, and an unknown order, get 404; an acceptance already recorded is a 409.
    """
    body = parse(bodies.DisclosureAcceptance)
    with runtime().transaction() as db:
        accepted = accept_for_order(db, current_actor(), body.order_no, body.platform_id)
        return jsonify(acceptance_json(accepted))


@bp.get("/refunds")
@api_auth
def list_refunds() -> Response:
    """Returns the caller may see, newest first: CEB625 returns (seller, platform, office, the packing
    warehouse) and returns taken at the merchant's desk (seller, office). ``kind`` (ceb625, desk),
    ``status`` (waiting, concluded), ``since`` and ``until`` (Beijing days, ``YYYY-MM-DD``) narrow them;
    ``limit`` (1-500, default 100) and ``offset`` page them, ``next_offset`` continues."""
    wanted = ReturnFilter(
        kind=text_arg("kind", 10),
        state=text_arg("status", 10),
        since=_day("since"),
        until=_day("until"),
    )
    limit = int_arg("limit")
    with runtime().transaction() as db:
        page = list_returns(
            db, current_actor(), wanted, offset=int_arg("offset") or 0, limit=100 if limit is None else limit
        )
        return jsonify(returns_json(page))


def _day(name: str) -> date | None:
    """An optional ``YYYY-MM-DD`` day of the query; anything else is a 400."""
    value = text_arg(name, 10, "[0-9]{4}-[0-9]{2}-[0-9]{2}")
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} is not a day (YYYY-MM-DD)", field=name) from None


@bp.post("/refunds/<int:refund_id>/conclusion")
@api_role(Role.MERCHANT)
@api_visible("refund_id", refund_at_desk)
def conclude_refund(refund_id: int) -> Response:
    """Conclude a waiting return with the codes of the units that came back: they go back on the ledger.

    For the seller's and the packing warehouse's staff (others: 404). Each code must be an unreturned
    unit of a returned line and each line must get its quantity (else 400); a return not waiting is 409.
    """
    body = parse(bodies.RefundConclusion, BULK_JSON_BYTES)
    with runtime().transaction() as db:
        refund = ceb.conclude_refund(db, current_actor(), refund_id, body.codes, rules=zone_rules())
        return jsonify(refund_json(refund, refund_inventory(db, refund)))


def refused_json(refused: PackingRefused) -> Response:
    """The 409 answer of a refused release, with every refused scan."""
    return jsonify(
        {
            "error": {"code": refused.code, "message": refused.message},
            "refusals": [r.as_json() for r in refused.refusals],
        }
    )


def inventory_json(inventory: CebInventory) -> dict[str, Any]:
    """An inventory as the API answers it (:class:`suyuan.web.responses.ceb.Inventory`)."""
    return {
        "id": inventory.id,
        "order_no": inventory.order_no,
        "platform_id": inventory.platform_id,
        "merchant_id": inventory.merchant_id,
        "trade_mode": inventory.trade_mode,
        "ems_no": inventory.ems_no,
        "area_code": inventory.area_code,
        "logistics_code": inventory.logistics_code,
        "logistics_no": inventory.logistics_no,
        "cop_no": inventory.cop_no,
        "pre_no": inventory.pre_no,
        "invt_no": inventory.invt_no,
        "status": inventory.status,
        "waiting_for": list(inventory.waiting_for),
        "customs_status": inventory.customs_status,
        "exit_declaration_id": inventory.exit_declaration_id,
        "received_at": inventory.received_at.isoformat(),
        "released_at": inventory.released_at.isoformat() if inventory.released_at else None,
        "lines": [
            {
                "gnum": line["gnum"],
                "gtin": line["gtin"],
                "item_record_no": line.get("item_record_no", ""),
                "product_id": line["product_id"],
                "name": line.get("name", ""),
                "qty": line["qty"],
                "unit_price": yuan(line["price_fen"]),
                "total": yuan(line["total_fen"]),
                "codes": list(line.get("codes", [])),
            }
            for line in inventory.lines
        ],
    }


def receipt_json(receipt: CebReceipt) -> dict[str, Any]:
    """A stored receipt as the API answers it (:class:`suyuan.web.responses.ceb.Receipt`)."""
    return {
        "id": receipt.id,
        "message_id": receipt.message_id,
        "issuer": receipt.issuer,
        "receipt_type": receipt.receipt_type,
        "subject": receipt.subject,
        "order_no": receipt.order_no,
        "status": receipt.status,
        "reason": receipt.reason,
        "info": receipt.info,
        "issued_at": receipt.issued_at.isoformat(),
        "xml": receipt.xml,
    }


def acceptance_json(accepted: Acceptance) -> dict[str, Any]:
    """An order with its acceptance recorded (:class:`suyuan.web.responses.ceb.DisclosureAccepted`)."""
    order = accepted.order
    assert order.disclosure_accepted_at is not None  # just recorded
    return {
        "order_no": order.order_no,
        "platform_id": order.platform_id,
        "merchant_id": order.merchant_id,
        "disclosure_accepted_at": order.disclosure_accepted_at.isoformat(),
        "disclosure_source": order.disclosure_source,
        "inventory": inventory_json(accepted.inventory) if accepted.inventory is not None else None,
    }


def refund_json(refund: CebRefund, inventory: CebInventory) -> dict[str, Any]:
    """A return as the API answers it (:class:`suyuan.web.responses.ceb.Refund`)."""
    return {
        "id": refund.id,
        "inventory_id": refund.inventory_id,
        "order_no": inventory.order_no,
        "cop_no": refund.cop_no,
        "reason": refund.reason,
        "status": refund.status,
        "lines": [
            {"gnum": line["gnum"], "qty": line["qty"], "product_id": line["product_id"]}
            for line in refund.lines
        ],
        "consumer_return_id": refund.consumer_return_id,
        "received_at": refund.received_at.isoformat(),
    }


def returns_json(page: ReturnPage) -> dict[str, Any]:
    """A page of the return desk's list (:class:`suyuan.web.responses.ceb.ReturnList`)."""
    return {
        "returns": [
            {
                "kind": row.kind.value,
                "id": row.id,
                "status": row.state.value,
                "ceb_status": row.ceb_status,
                "order_no": row.order_no,
                "inventory_id": row.inventory_id,
                "exit_declaration_id": row.exit_declaration_id,
                "consumer_return_id": row.consumer_return_id,
                "units": row.units,
                "reason": row.reason,
                "at": row.at.isoformat(),
            }
            for row in page.rows
        ],
        "next_offset": page.next_offset,
    }
