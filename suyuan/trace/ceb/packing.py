"""The packing station: the warehouse binds the scanned units to a matched inventory, then it is released.

An inventory says which products and how many leave; only the scans at packing say *which units*.
So the exit declaration is created here, at packing, from the inventory and the scanned code URLs
(``zone/exits.declare_exit``), not when the inventory arrives: Suyuan's exit declarations always carry
their codes, and an inventory that is never packed leaves nothing half-done in the zone.

:func:`check_scan` answers each scan on the spot (for the page's sound and colour cue) without writing;
:func:`pack` re-checks every scan of the order under the batch locks and, only if all pass, declares the
exit, which writes the units off the ledger and links each code to this buyer (``sold_code``); the
inventory turns 800 (released) with a CEB622 receipt. Any refusal raises :class:`PackingRefused`
listing every refused scan by name, and nothing is written.

Both trade modes bind their units the same way, so that a unit sold on a platform is known as sold there
whatever the mode (recalls count it, a complaint about it reaches the platform's view,
:mod:`suyuan.trace.platform_view`). A 1210 (bonded) inventory packs units of bonded batches, written off
the zone ledger; a 9610 (direct mail) inventory packs units of direct-mail batches, which were never on
a bonded ledger: its exit declaration links each unit to the buyer (``sold_code``) and writes nothing off
(``zone/exits``). A unit of the other trade mode is refused (``wrong_trade_mode``), as is a unit of a
product that may not trade now (``not_trading``: admission or filing suspended or revoked).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from suyuan.trace import audit, scanning
from suyuan.trace.actors import Actor
from suyuan.trace.ceb import checks, matching, receipts
from suyuan.trace.ceb.parties import resolve
from suyuan.trace.codes import MalformedCode, ParsedCode, parse_code
from suyuan.trace.errors import InvalidState, NotFound
from suyuan.trace.keys import KeyRing
from suyuan.trace.model import (
    Batch,
    BatchStatus,
    Enterprise,
    EnterpriseKind,
    ExitStatus,
    Role,
    SoldCode,
    SoldStatus,
    TradeMode,
)
from suyuan.trace.model.ceb import CebInventory, CebPartyCode, ReturnStatus
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import visible
from suyuan.trace.verdicts import Verdict
from suyuan.trace.zone import exits
from suyuan.trace.zone.exits import ExitFiling, ExitLineFiling, KnownBuyer
from suyuan.trace.zone.quotas import yuan
from suyuan.trace.zone.rules import ZoneRules

CUSTOMS_HOLDS = frozenset({100, 501, 502, 503, 599, 700})
BATCH_TRADE_MODE = {checks.BONDED: TradeMode.BONDED, "9610": TradeMode.DIRECT_MAIL}
"""The batches an inventory's units must come from, by the inventory's CEB trade mode."""


class PackingProblem(enum.StrEnum):
    """Why a scanned unit is refused at the packing station; stable codes, documented in docs/ceb.md."""

    UNREADABLE = "unreadable"
    COUNTERFEIT = "counterfeit"
    REVOKED = "revoked"
    WRONG_PRODUCT = "wrong_product"
    RECALLED = "recalled"
    NOT_RELEASED = "not_released"
    ALREADY_SOLD = "already_sold"
    DUPLICATE_CODE = "duplicate_code"
    WRONG_COUNT = "wrong_count"
    UNKNOWN_LINE = "unknown_line"
    EXIT_CHECK = "exit_check_failed"
    NOT_TRADING = "not_trading"
    WRONG_TRADE_MODE = "wrong_trade_mode"


@dataclass(frozen=True)
class ScanResult:
    """The answer to one scan (or to one line's count): accepted, or refused with a named problem."""

    gnum: int
    problem: PackingProblem | None
    message: str
    url: str = ""
    batch_id: int | None = None
    serial: str = ""

    @property
    def ok(self) -> bool:
        """The unit may go into this parcel."""
        return self.problem is None

    def as_json(self) -> dict[str, Any]:
        """For the page and the API."""
        return {
            "gnum": self.gnum,
            "ok": self.ok,
            "problem": self.problem,
            "message": self.message,
            "serial": self.serial,
        }


class NotReadyForPacking(InvalidState):
    """The inventory is not matched (399), is held or rejected by customs, or was released already."""

    code = "inventory_not_ready"


class PackingRefused(InvalidState):
    """Scans were refused; nothing was released or written."""

    code = "packing_refused"

    def __init__(self, refusals: list[ScanResult]) -> None:
        summary = "; ".join(f"line {r.gnum}: {r.problem} ({r.message})" for r in refusals[:5])
        super().__init__(f"{len(refusals)} scans refused: {summary}")
        self.refusals = refusals


@dataclass
class _Line:
    gnum: int
    product_id: int
    qty: int
    price_fen: int
    results: list[ScanResult] = field(default_factory=list)


def may_pack(session: Session, actor: Actor, inventory: CebInventory) -> bool:
    """The operator, the seller's staff, or staff of the zone warehouse the inventory names (areaCode)."""
    if actor.operator or (actor.role is Role.MERCHANT and actor.enterprise_id == inventory.merchant_id):
        return True
    if actor.role is not Role.MERCHANT or actor.enterprise_id is None or not inventory.area_code:
        return False
    warehouse = resolve(session, inventory.area_code)
    return (
        warehouse is not None
        and warehouse.kind is EnterpriseKind.WAREHOUSE
        and warehouse.id == actor.enterprise_id
    )


def on_behalf(actor: Actor, inventory: CebInventory) -> Actor:
    """The seller's exit is declared by whoever packs for it; the audit label keeps who that was."""
    if actor.operator or actor.enterprise_id == inventory.merchant_id:
        return actor
    return Actor(
        label=f"{actor.label} for enterprise {inventory.merchant_id}",
        role=Role.MERCHANT,
        user_id=actor.user_id,
        enterprise_id=inventory.merchant_id,
    )


def packing_inventory(session: Session, actor: Actor, inventory_id: int) -> CebInventory:
    """An inventory the actor may pack; others answer ``NotFound`` like an unknown id."""
    inventory = session.get(CebInventory, inventory_id)
    if inventory is None or not may_pack(session, actor, inventory):
        raise NotFound(f"inventory {inventory_id} does not exist")
    return inventory


def packing_queue(session: Session, actor: Actor, *, limit: int = 100) -> list[CebInventory]:
    """Matched inventories (399) the actor may pack and customs does not hold, oldest first.

    The packing station's work list: the seller's staff see the seller's orders, the zone warehouse's
    staff those that name it as ``areaCode`` (which the remit of :mod:`.queries` does not show them).
    """
    stmt = (
        select(CebInventory)
        .where(CebInventory.status == ReturnStatus.CONCLUDED)
        .order_by(CebInventory.id)
        .limit(limit)
    )
    if not actor.operator:
        if actor.role is not Role.MERCHANT or actor.enterprise_id is None:
            return []
        stmt = stmt.where(
            or_(
                CebInventory.merchant_id == actor.enterprise_id,
                CebInventory.area_code.in_(codes_of(session, actor.enterprise_id)),
            )
        )
    return [x for x in session.scalars(stmt) if x.customs_status not in CUSTOMS_HOLDS]


def codes_of(session: Session, enterprise_id: int) -> list[str]:
    """The CEB codes that name an enterprise: its USCC and the customs codes registered for it."""
    registered = select(CebPartyCode.code).where(CebPartyCode.enterprise_id == enterprise_id)
    codes = list(session.scalars(registered))
    uscc = session.scalar(select(Enterprise.uscc).where(Enterprise.id == enterprise_id))
    return [*codes, uscc] if uscc else codes


def station_inventory(session: Session, actor: Actor, inventory_id: int) -> CebInventory:
    """An inventory the actor may read: within the remit (seller, platform, office) or to pack."""
    try:
        return visible(session, actor, CebInventory, inventory_id)
    except NotFound:
        return packing_inventory(session, actor, inventory_id)


def check_scan(
    session: Session,
    actor: Actor,
    ring: KeyRing,
    inventory_id: int,
    gnum: int,
    url: str,
    *,
    scanned: Sequence[str] = (),
) -> ScanResult:
    """Answer one scan on the spot (nothing is written): may this unit go on line ``gnum``?

    ``scanned`` are the codes already accepted for this inventory (to catch a unit scanned twice).
    """
    inventory = packing_inventory(session, actor, inventory_id)
    line = next((x for x in inventory.lines if x["gnum"] == gnum), None)
    if line is None:
        return ScanResult(gnum, PackingProblem.UNKNOWN_LINE, f"the inventory has no line {gnum}", url)
    seen = {_identity(other) for other in scanned}
    return _check_unit(session, ring, _Wanted(line["product_id"], inventory.trade_mode), gnum, url, seen)


@dataclass(frozen=True)
class _Wanted:
    """What a line's units must be: of its product, from batches of the inventory's trade mode."""

    product_id: int
    trade_mode: str


def _identity(url: str) -> tuple[str, str, str] | None:
    try:
        code = parse_code(url.strip()).code
    except MalformedCode:
        return None
    return code.gtin, code.lot, code.serial


def _check_unit(
    session: Session,
    ring: KeyRing,
    wanted: _Wanted,
    gnum: int,
    url: str,
    seen: set[tuple[str, str, str] | None],
) -> ScanResult:
    try:
        parsed = parse_code(url.strip())
    except MalformedCode as exc:
        return ScanResult(gnum, PackingProblem.UNREADABLE, f"not a traceability code ({exc.reason})", url)
    identity = (parsed.code.gtin, parsed.code.lot, parsed.code.serial)
    refused = _unit_problem(session, ring, wanted, parsed, identity in seen)
    batch_id, problem, message = refused
    return ScanResult(gnum, problem, message, url.strip(), batch_id, parsed.code.serial)


def _unit_problem(
    session: Session, ring: KeyRing, wanted: _Wanted, parsed: ParsedCode, repeated: bool
) -> tuple[int | None, PackingProblem | None, str]:
    if repeated:
        return None, PackingProblem.DUPLICATE_CODE, "this unit was already scanned for this parcel"
    check = scanning.check_code(session, ring, parsed)
    batch = check.batch
    if check.verdict is Verdict.COUNTERFEIT or batch is None:
        reasons = ", ".join(check.reasons) or "unknown"
        return None, PackingProblem.COUNTERFEIT, f"the code is not genuine ({reasons})"
    if check.verdict is Verdict.REVOKED:
        return batch.id, PackingProblem.REVOKED, "the code's key was revoked or the code voided"
    if batch.product_id != wanted.product_id:
        return (
            batch.id,
            PackingProblem.WRONG_PRODUCT,
            f"the unit is {batch.gtin}, another product than the line's",
        )
    if not batch.product.may_trade:
        return (
            batch.id,
            PackingProblem.NOT_TRADING,
            "the product's admission or filing is suspended or revoked",
        )
    if batch.trade_mode is not BATCH_TRADE_MODE.get(wanted.trade_mode):
        return (
            batch.id,
            PackingProblem.WRONG_TRADE_MODE,
            f"lot {batch.lot} is {batch.trade_mode.value} goods, not for a {wanted.trade_mode} order",
        )
    if check.verdict is Verdict.RECALLED or batch.status in (
        BatchStatus.RECALLED,
        BatchStatus.STOPPED,
        BatchStatus.EXIT_BLOCKED,
    ):
        return batch.id, PackingProblem.RECALLED, f"lot {batch.lot} is {batch.status.value}: it may not leave"
    if batch.status is not BatchStatus.RELEASED:
        return batch.id, PackingProblem.NOT_RELEASED, f"lot {batch.lot} is not released for sale"
    sold = session.scalar(select(SoldCode.status).filter_by(batch_id=batch.id, serial=parsed.code.serial))
    if sold is SoldStatus.SOLD:
        return batch.id, PackingProblem.ALREADY_SOLD, "the unit was already sold on another order"
    return batch.id, None, "ok"


def pack(
    session: Session,
    actor: Actor,
    ring: KeyRing,
    inventory_id: int,
    scans: Mapping[int, Sequence[str]],
    *,
    rules: ZoneRules | None = None,
    now: datetime | None = None,
) -> CebInventory:
    """Bind the scanned units (``{gnum: [code URL, …]}``) to the inventory and release it.

    Refuses (:class:`NotReadyForPacking`) an inventory that is not matched or that customs rejected or
    holds; refuses (:class:`PackingRefused`) any wrong product, wrong count, recalled, not released,
    already sold, duplicate, counterfeit, not trading or wrong-trade-mode unit. Otherwise declares the
    exit (codes sold to this buyer; 1210: written off the ledger, 9610: no ledger), marks the inventory
    800 and stores the CEB622 receipt.
    """
    moment = now or utcnow()
    inventory = packing_inventory(session, actor, inventory_id)
    _require_ready(session, inventory)
    lines = [_Line(x["gnum"], x["product_id"], x["qty"], x["price_fen"]) for x in inventory.lines]
    refusals = _check_all(session, ring, inventory.trade_mode, lines, scans)
    if refusals:
        raise PackingRefused(refusals)
    _declare_exit(session, actor, ring, inventory, lines, rules or ZoneRules(), moment)
    inventory.lines = [
        {**x, "codes": [r.url for r in line.results]} for x, line in zip(inventory.lines, lines, strict=True)
    ]
    inventory.status, inventory.released_at = ReturnStatus.RELEASED, moment
    matching.issue(session, inventory, ReturnStatus.RELEASED, receipts.RELEASED_INFO, moment)
    audit.record(
        session,
        actor=actor.label,
        action="ceb.packed",
        subject=f"inventory:{inventory.id}",
        payload={
            "order_no": inventory.order_no,
            "trade_mode": inventory.trade_mode,
            "exit": inventory.exit_declaration_id,
            "units": sum(len(line.results) for line in lines),
        },
    )
    return inventory


def _require_ready(session: Session, inventory: CebInventory) -> None:
    if inventory.status == ReturnStatus.RELEASED:
        raise NotReadyForPacking(f"inventory of order {inventory.order_no} was already released")
    if inventory.customs_status in CUSTOMS_HOLDS:
        raise NotReadyForPacking(
            f"customs answered {inventory.customs_status} for order {inventory.order_no}: it may not leave"
        )
    if inventory.status != ReturnStatus.CONCLUDED:
        waiting = ", ".join(inventory.waiting_for) or f"status {inventory.status}"
        raise NotReadyForPacking(
            f"inventory of order {inventory.order_no} is not matched (waiting for {waiting})"
        )


def _check_all(
    session: Session,
    ring: KeyRing,
    trade_mode: str,
    lines: list[_Line],
    scans: Mapping[int, Sequence[str]],
) -> list[ScanResult]:
    known = {line.gnum for line in lines}
    refusals = [
        ScanResult(gnum, PackingProblem.UNKNOWN_LINE, f"the inventory has no line {gnum}")
        for gnum in scans
        if gnum not in known
    ]
    seen: set[tuple[str, str, str] | None] = set()
    for line in lines:
        urls = list(scans.get(line.gnum, ()))
        for url in urls:
            result = _check_unit(session, ring, _Wanted(line.product_id, trade_mode), line.gnum, url, seen)
            seen.add(_identity(url))
            (line.results if result.ok else refusals).append(result)
        if len(urls) != line.qty:
            refusals.append(
                ScanResult(
                    line.gnum, PackingProblem.WRONG_COUNT, f"{line.qty} units declared, {len(urls)} scanned"
                )
            )
    return refusals


def _declare_exit(
    session: Session,
    actor: Actor,
    ring: KeyRing,
    inventory: CebInventory,
    lines: list[_Line],
    rules: ZoneRules,
    moment: datetime,
) -> None:
    """The exit of the packed units: one exit line per batch and price, written off at once (the ledger
    is debited for bonded batches only: direct-mail units are bound to the buyer, nothing else moves)."""
    order = matching.order_of(session, inventory.platform_id, inventory.order_no)
    payment = matching.payment_of(session, inventory.platform_id, inventory.order_no)
    if order is None or payment is None:  # matched inventories have both
        raise NotReadyForPacking(f"order {inventory.order_no} lacks its order or payment")
    groups: dict[tuple[int, int], list[str]] = {}
    for line in lines:
        for result in line.results:
            assert result.batch_id is not None  # accepted scans name their batch
            groups.setdefault((result.batch_id, line.price_fen), []).append(result.url)
    filing = ExitFiling(
        order_no=inventory.order_no,
        payment_ref=payment.pay_transaction_id,
        waybill_no=inventory.logistics_no,
        payment_amount=yuan(sum(line.qty * line.price_fen for line in lines)),
        buyer=KnownBuyer(order.buyer_hash, order.buyer_name_masked, order.address_hash),
        lines=tuple(
            ExitLineFiling(batch_id=batch_id, quantity=len(urls), unit_price=yuan(price), codes=tuple(urls))
            for (batch_id, price), urls in groups.items()
        ),
        platform=_platform_name(session, inventory),
        disclosure_accepted=True,  # matching released the inventory only with the buyer's acceptance
    )
    declaration = exits.declare_exit(
        session,
        on_behalf(actor, inventory),
        ring,
        filing,
        secret="",  # the buyer comes already hashed (KnownBuyer)
        rules=rules,
        enterprise_id=inventory.merchant_id,
        now=moment,
    )
    if declaration.status is not ExitStatus.WRITTEN_OFF:
        raise PackingRefused(
            [
                ScanResult(f.get("line") or 0, PackingProblem.EXIT_CHECK, f"{f['problem']}: {f['message']}")
                for f in declaration.findings
            ]
        )
    inventory.exit_declaration_id = declaration.id


def _platform_name(session: Session, inventory: CebInventory) -> str:
    platform = session.get(Enterprise, inventory.platform_id)
    return platform.name[:200] if platform is not None else ""


def unreturned_units(session: Session, inventory: CebInventory, gnum: int) -> list[str]:
    """The code URLs packed on line ``gnum`` whose units are still sold (not returned)."""
    line = next((x for x in inventory.lines if x["gnum"] == gnum), None)
    if line is None or inventory.exit_declaration_id is None:
        return []
    out = []
    for url in line.get("codes", []):
        code = parse_code(url).code
        status = session.scalar(
            select(SoldCode.status)
            .join(Batch, Batch.id == SoldCode.batch_id)
            .where(
                Batch.gtin == code.gtin,
                Batch.lot == code.lot,
                SoldCode.serial == code.serial,
                SoldCode.exit_declaration_id == inventory.exit_declaration_id,
            )
        )
        if status is SoldStatus.SOLD:
            out.append(url)
    return out
