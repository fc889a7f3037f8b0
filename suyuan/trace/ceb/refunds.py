"""Returns (CEB625 退货申请单): lines of a released inventory come back into the zone ledger.

A return names lines (``gnum``) and quantities, not units, while Suyuan's ledger takes units back by
their codes (:func:`suyuan.trace.zone.returns.record_return`). So a return is **concluded** (399) at
once when the units are determined: every unit of the line still out is coming back. Otherwise it is
stored (120) until the warehouse scans the returned units at the return desk
(:func:`conclude_refund`). Concluding credits the ledger (``consumer_return``), turns the units'
``sold_code`` rows ``returned`` and gives the value back to the buyer's quota, all through
``zone/returns.py``. A 9610 (direct mail) inventory was never on a bonded ledger: its returns conclude
without a ledger movement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.ceb import checks, matching, receipts
from suyuan.trace.ceb.checks import Rejection, require
from suyuan.trace.ceb.context import Answer, Context
from suyuan.trace.ceb.packing import may_pack, on_behalf, unreturned_units
from suyuan.trace.ceb.parsing import CEB_NS, children, fields
from suyuan.trace.ceb.parties import parties, require_party
from suyuan.trace.ceb.receipts import ReturnEntry
from suyuan.trace.codes import MalformedCode, parse_code
from suyuan.trace.errors import InvalidInput, InvalidState, NotFound, ReturnNotAllowed
from suyuan.trace.model import EnterpriseKind
from suyuan.trace.model.ceb import CebInventory, CebReceipt, CebRefund, ReturnStatus
from suyuan.trace.model.types import utcnow
from suyuan.trace.zone import quotas, returns
from suyuan.trace.zone.rules import ZoneRules

CONCLUDED_INFO = "审结 concluded: the units are back in the zone"


def handle_refund(ctx: Context, element: etree._Element) -> Answer:
    """Accept a return of lines of a released inventory: 399 when concluded at once, else 120."""
    head = fields(element.find(f"{{{CEB_NS}}}InvtRefundHead"))  # type: ignore[arg-type]
    keys = _keys(head, head.get("preNo") or receipts.pre_no(head.get("guid", ""), ctx.moment))
    try:
        return _refund(ctx, element, head, keys)
    except Rejection as exc:
        return Answer(ReturnEntry(exc.status, exc.message[:1000], exc.reason, keys))


def _keys(head: dict[str, str], preno: str) -> tuple[tuple[str, str], ...]:
    return (
        ("guid", head.get("guid", "")),
        ("customsCode", head.get("customsCode", "")),
        ("agentCode", head.get("agentCode", "")),
        ("ebpCode", head.get("ebpCode", "")),
        ("ebcCode", head.get("ebcCode", "")),
        ("copNo", (head.get("copNo") or head.get("orderNo", ""))[:20]),
        ("preNo", preno),
        ("invtNo", head.get("invtNo", "")),
    )


def _refund(
    ctx: Context, element: etree._Element, head: dict[str, str], keys: tuple[tuple[str, str], ...]
) -> Answer:
    platform, merchant = parties(
        ctx.session,
        (head["ebpCode"], "ebpCode", EnterpriseKind.PLATFORM),
        (head["ebcCode"], "ebcCode", EnterpriseKind.MERCHANT),
    )
    require_party(ctx.actor, platform, merchant)
    checks.one_of(head.get("appType", ""), frozenset({"1"}), "appType")
    checks.one_of(head.get("appStatus", ""), frozenset({"2"}), "appStatus")
    checks.customs_area(head["customsCode"], "customsCode")
    checks.enterprise_code(head["agentCode"], "agentCode")
    buyer = quotas.buyer_hash(
        ctx.secret, checks.id_number(head["buyerIdNumber"], head["buyerIdType"], "buyerIdNumber")
    )
    inventory = _inventory(ctx.session, platform.id, head)
    require(inventory.merchant_id == merchant.id, "merchant_mismatch", "ebcCode is not the inventory's")
    require(
        inventory.status == ReturnStatus.RELEASED,
        "not_released",
        f"inventory of order {inventory.order_no} was not released (status {inventory.status})",
    )
    require(inventory.buyer_hash == buyer, "buyer_mismatch", "the buyer is not the inventory's")
    lines = [
        _refund_line(ctx.session, inventory, fields(line)) for line in children(element, "InvtRefundList")
    ]
    require(len({line["gnum"] for line in lines}) == len(lines), "bad_gnum", "a line is returned twice")
    refund = CebRefund(
        message_id=ctx.message_id,
        guid=head["guid"],
        inventory_id=inventory.id,
        cop_no=dict(keys)["copNo"],
        reason=head["reason"][:1000],
        lines=lines,
        status=ReturnStatus.STORED,
        received_at=ctx.moment,
    )
    codes = _determined_codes(ctx.session, inventory, lines)
    if codes is not None:
        _conclude(ctx.session, ctx.actor, inventory, refund, codes, ctx.rules, ctx.moment)
    ctx.session.add(refund)
    ctx.session.flush()
    info = CONCLUDED_INFO if refund.status == ReturnStatus.CONCLUDED else receipts.ACCEPTED_INFO
    entry = ReturnEntry(refund.status, info, keys=keys)
    return Answer(entry, f"ceb_refund:{refund.id}", merchant.id, platform.id, inventory.office_id)


def _inventory(session: Session, platform_id: int, head: dict[str, str]) -> CebInventory:
    inventory = None
    if head.get("invtNo"):
        inventory = session.scalar(
            select(CebInventory).filter_by(platform_id=platform_id, invt_no=head["invtNo"])
        )
    if inventory is None:
        inventory = matching.inventory_of(session, platform_id, head["orderNo"])
    if inventory is None:
        raise Rejection("unknown_inventory", f"no inventory of order {head['orderNo']} is on file", -625007)
    return inventory


def _refund_line(session: Session, inventory: CebInventory, line: dict[str, str]) -> dict[str, Any]:
    gnum = int(line["gnum"])
    original = next((x for x in inventory.lines if x["gnum"] == gnum), None)
    if original is None or original["gcode"] != line["gcode"]:
        raise Rejection(
            "line_not_in_inventory", f"line {gnum} ({line['gcode']}) is not on the inventory", -625209
        )
    qty = checks.units(line["qty"])
    pending = sum(
        item["qty"]
        for refund in session.scalars(select(CebRefund).filter_by(inventory_id=inventory.id))
        for item in refund.lines
        if item["gnum"] == gnum
    )
    require(
        qty + pending <= original["qty"],
        "qty_exceeds",
        f"line {gnum}: {qty} returned, but only {original['qty'] - pending} of {original['qty']} are out",
    )
    return {"gnum": gnum, "qty": qty, "product_id": original["product_id"]}


def _determined_codes(
    session: Session, inventory: CebInventory, lines: list[dict[str, Any]]
) -> list[str] | None:
    """The code URLs coming back if every line returns all its units still out; else ``None``."""
    if inventory.trade_mode != checks.BONDED:
        return []
    codes: list[str] = []
    for line in lines:
        out = unreturned_units(session, inventory, line["gnum"])
        if len(out) != line["qty"]:
            return None
        codes.extend(out)
    return codes


def _conclude(
    session: Session,
    actor: Actor,
    inventory: CebInventory,
    refund: CebRefund,
    codes: list[str],
    rules: ZoneRules,
    moment: datetime,
) -> None:
    """Take the units back onto the ledger (1210) and mark the return concluded (399)."""
    if codes and inventory.exit_declaration_id is not None:
        try:
            back = returns.record_return(
                session,
                on_behalf(actor, inventory),
                inventory.exit_declaration_id,
                codes,
                refund.reason or "CEB625",
                rules=rules,
                now=moment,
            )
        except ReturnNotAllowed as exc:
            raise Rejection("return_not_allowed", exc.message) from None
        refund.consumer_return_id = back.id
    refund.status = ReturnStatus.CONCLUDED


def conclude_refund(
    session: Session,
    actor: Actor,
    refund_id: int,
    codes: Sequence[str],
    *,
    rules: ZoneRules | None = None,
    now: datetime | None = None,
) -> CebRefund:
    """The return desk: the warehouse scans the units that came back for a waiting return (120).

    Each code must be an unreturned unit of one of the returned lines, and each line must get exactly
    its quantity; then the units go back onto the ledger and a CEB626 receipt with 399 is stored.
    """
    moment = now or utcnow()
    refund = session.get(CebRefund, refund_id)
    inventory = session.get(CebInventory, refund.inventory_id) if refund is not None else None
    if refund is None or inventory is None or not may_pack(session, actor, inventory):
        raise NotFound(f"return {refund_id} does not exist")
    if refund.status != ReturnStatus.STORED:
        raise InvalidState(f"return {refund_id} is not waiting for its units (status {refund.status})")
    wanted = {line["gnum"]: line["qty"] for line in refund.lines}
    counted = dict.fromkeys(wanted, 0)
    for url in codes:
        gnum = _line_of(session, inventory, url, wanted)
        counted[gnum] += 1
    if counted != wanted:
        raise InvalidInput(
            f"the return wants {wanted} units per line, the scans give {counted}", field="codes"
        )
    try:
        _conclude(session, actor, inventory, refund, list(codes), rules or ZoneRules(), moment)
    except Rejection as exc:
        raise InvalidState(exc.message) from None
    _issue(session, inventory, refund, moment)
    audit.record(
        session,
        actor=actor.label,
        action="ceb.refund_concluded",
        subject=f"ceb_refund:{refund.id}",
        payload={"inventory": inventory.id, "units": len(codes)},
    )
    return refund


def _line_of(session: Session, inventory: CebInventory, url: str, wanted: dict[int, int]) -> int:
    try:
        parsed = parse_code(url.strip())
    except MalformedCode:
        raise InvalidInput(f"{url[:60]!r} is not a traceability code", field="codes") from None
    for gnum in wanted:
        out = unreturned_units(session, inventory, gnum)
        if any(parse_code(other).code == parsed.code for other in out):
            return gnum
    raise InvalidInput(
        f"unit {parsed.code.serial} is not an unreturned unit of the returned lines", field="codes"
    )


def _issue(session: Session, inventory: CebInventory, refund: CebRefund, moment: datetime) -> None:
    keys = (
        ("guid", refund.guid),
        ("customsCode", inventory.customs_code),
        ("agentCode", inventory.agent_code),
        ("ebpCode", inventory.ebp_code),
        ("ebcCode", inventory.ebc_code),
        ("copNo", refund.cop_no),
        ("preNo", receipts.pre_no(refund.guid, moment)),
        ("invtNo", inventory.invt_no or ""),
    )
    entry = ReturnEntry(ReturnStatus.CONCLUDED, CONCLUDED_INFO, keys=keys)
    session.add(
        CebReceipt(
            receipt_type="CEB626Message",
            subject=f"ceb_refund:{refund.id}",
            entity_guid=refund.guid,
            order_no=inventory.order_no,
            status=ReturnStatus.CONCLUDED,
            info=CONCLUDED_INFO,
            xml=receipts.render("CEB625Message", [entry], moment),
            merchant_id=inventory.merchant_id,
            platform_id=inventory.platform_id,
            office_id=inventory.office_id,
            issued_at=moment,
        )
    )
