"""Customs single-window (CEB) messages over HTTP: the XML intake and the packing station's JSON.

A child of :data:`suyuan.web.api.bp` (endpoints ``api.ceb.*``, under ``/api/v1/ceb``). ``POST /ceb``
takes a CEB message exactly as a platform, payment firm, logistics firm or warehouse sends it to customs
(raw XML, bare or in the DXP envelope, UTF-8/GB18030/GBK as it declares) and answers with the receipt in
customs' own shape (docs/ceb.md): 200 whenever the message was read, whatever the receipt says (a 100
rejection is a business answer), and 400 with the CEB900 format receipt when the message itself could
not be read. The size is bounded before the body is read (413). The rest is JSON: inventories and
receipts to poll, one scan checked on the spot, and the release at packing, all or nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from suyuan.trace import ceb
from suyuan.trace.ceb import MAX_BYTES, PackingRefused
from suyuan.trace.errors import InvalidInput, PermissionDenied
from suyuan.trace.model import Role
from suyuan.trace.model.ceb import CebInventory, CebReceipt
from suyuan.trace.zone.quotas import yuan
from suyuan.web import runtime
from suyuan.web.api.common import int_arg, parse
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
