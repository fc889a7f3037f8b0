"""Exit declarations and the exit check (出区申报 / 出区核查, SZ Art. 22-24), per consumer order.

A declaration carries the three documents (order, payment, waybill), the buyer's identity (kept as a
keyed hash and a masked name) and, per batch, the declared quantity, the unit price and the units'
**code URLs**, so that each sold unit is linked to its order.

What is refused outright, writing nothing: malformed input, batches that are not the merchant's (404)
or not on the ledger, a repeated order number, and quota breaches. What the exit check finds is
recorded on the declaration, which then awaits rectification (``rectification_required``) and a
re-check (:func:`recheck_exit`): quantities that do not match the codes, counterfeit or revoked codes,
codes of another batch or merchant, codes repeated or already sold, batches not released or blocked,
more units than the ledger holds, and a payment that does not match the goods. A declaration that
passes is released and written off at once: its codes get ``sold_code`` rows and the ledger is debited,
unless its goods are under tightened control (:func:`requires_office_release`): then it is ``held``
until an officer releases it (:func:`decide_held_exit`), which re-checks stock and sold units under the
batch locks and writes off, or refuses it back to rectification.

Trade modes (R2): bonded (1210) goods are on the zone ledger; direct-mail (9610) goods never were, so
their exit links units to the order without a ledger write-off; B2B goods are refused from this retail
path (:class:`TradeModeNotRetail`). A sanctioned enterprise or product may not declare (:mod:`sanctions`).

Exactly one order wins a unit: batch rows are locked (in id order) before the check, so a second
exit of the same code waits for the first and then finds it sold; the unique ``(batch_id, serial)``
of ``sold_code`` is the last line of defence (:class:`CodeAlreadySold`, nothing written).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from suyuan.trace import audit, risk_warnings, sanctions, scanning
from suyuan.trace.actors import Actor
from suyuan.trace.batches import get_batch
from suyuan.trace.codes import MalformedCode, ParsedCode, parse_code
from suyuan.trace.errors import (
    CodeAlreadySold,
    DisclosureNotAccepted,
    DuplicateOrder,
    InvalidInput,
    InvalidState,
    NotFound,
    TradeModeNotRetail,
)
from suyuan.trace.fields import text
from suyuan.trace.keys import KeyRing
from suyuan.trace.model import (
    AdmissionStatus,
    Batch,
    BatchStatus,
    BuyerRestrictionLevel,
    Enterprise,
    EnterpriseKind,
    ExitDeclaration,
    ExitLine,
    ExitStatus,
    LedgerKind,
    SoldCode,
    SoldStatus,
    TradeMode,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.registry import get_enterprise
from suyuan.trace.remit import remit_of, visible, within_remit
from suyuan.trace.verdicts import Verdict
from suyuan.trace.zone import buyer_restrictions, credit, ledger, quotas
from suyuan.trace.zone.rules import ZoneRules

MAX_LINES = 20
MAX_CODES = 200


class Finding(enum.StrEnum):
    """What an exit check can find wrong; stable codes, documented in docs/zone.md."""

    QUANTITY_MISMATCH = "quantity_mismatch"
    COUNTERFEIT = "counterfeit"
    REVOKED = "revoked"
    WRONG_BATCH = "wrong_batch"
    OTHER_MERCHANT = "other_merchant"
    DUPLICATE_CODE = "duplicate_code"
    ALREADY_SOLD = "already_sold"
    NOT_RELEASED = "not_released"
    EXIT_BLOCKED = "exit_blocked"
    LEDGER_UNDERFLOW = "ledger_underflow"
    PAYMENT_MISMATCH = "payment_mismatch"
    OFFICE_REFUSED = "office_refused"


@dataclass(frozen=True)
class Buyer:
    """Who bought: resident ID number and name (stored only hashed and masked), delivery address."""

    id_number: str
    name: str
    address: str = ""


@dataclass(frozen=True)
class KnownBuyer:
    """A buyer already reduced to what is stored (keyed ID hash, masked name, keyed address hash),
    e.g. from a customs order message (``suyuan.trace.ceb``), which never keeps the ID number."""

    buyer_hash: str
    name_masked: str
    address_hash: str = ""


@dataclass(frozen=True)
class ExitLineFiling:
    """The units of one batch on the order: quantity, unit price in RMB and their code URLs."""

    batch_id: int
    quantity: int
    unit_price: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class ExitFiling:
    """One consumer order leaving the zone, with its three documents."""

    order_no: str
    payment_ref: str
    waybill_no: str
    payment_amount: str
    buyer: Buyer | KnownBuyer
    lines: tuple[ExitLineFiling, ...]
    platform: str = ""
    disclosure_accepted: bool = False
    """The buyer accepted the consumer disclosure of goods admitted with one (SZ Art. 11 final para.):
    required when any line's product was admitted with a disclosure, else the exit is refused."""


@dataclass(frozen=True)
class _Line:
    batch: Batch
    quantity: int
    unit_price_fen: int
    codes: list[ParsedCode]


def declare_exit(
    session: Session,
    actor: Actor,
    ring: KeyRing,
    filing: ExitFiling,
    *,
    secret: str,
    rules: ZoneRules | None = None,
    enterprise_id: int | None = None,
    now: datetime | None = None,
) -> ExitDeclaration:
    """Declare an order's exit and check it; ``secret`` keys the buyer and address hashes.

    Returns the declaration: ``written_off`` if it passed, ``rectification_required`` with its
    ``findings`` if not. Refusals that write nothing raise named domain errors.
    """
    rules, moment = rules or ZoneRules(), now or utcnow()
    enterprise = _declarant(session, actor, enterprise_id)
    order_no = text(filing.order_no, "order_no", 64, required=True)
    payment_ref = text(filing.payment_ref, "payment_ref", 64, required=True)
    waybill_no = text(filing.waybill_no, "waybill_no", 64, required=True)
    platform = text(filing.platform, "platform", 200)
    payment_fen = quotas.parse_amount(filing.payment_amount, "payment_amount")
    buyer, masked, address = _buyer_identity(filing.buyer, secret)
    watched = buyer_restrictions.refuse_blocked(session, buyer) is BuyerRestrictionLevel.WATCH
    lines = _validated_lines(session, actor, enterprise, filing.lines)
    _require_acceptance(lines, filing.disclosure_accepted)
    if session.scalar(select(ExitDeclaration.id).filter_by(enterprise_id=enterprise.id, order_no=order_no)):
        raise DuplicateOrder(f"order {order_no} was already declared")
    quotas.lock_buyer(session, buyer)
    quotas.check_quota(session, rules.quotas, buyer, _total(lines), _units(lines), moment)
    locked = ledger.lock_batches(session, [line.batch.id for line in lines])
    declaration = ExitDeclaration(
        enterprise_id=enterprise.id,
        office_id=enterprise.office_id,
        order_no=order_no,
        platform=platform,
        payment_ref=payment_ref,
        waybill_no=waybill_no,
        payment_fen=payment_fen,
        total_fen=_total(lines),
        buyer_hash=buyer,
        buyer_name_masked=masked,
        address_hash=address,
        status=ExitStatus.RECTIFICATION_REQUIRED,
        findings=[],
        attempts=1,
        declared_at=moment,
        declared_by=actor.label,
        checked_at=moment,
        lines=_exit_lines(lines),
        trade_mode=lines[0].batch.trade_mode,
    )
    session.add(declaration)
    try:
        session.flush()
    except IntegrityError:
        raise DuplicateOrder(f"order {order_no} was already declared") from None
    hold = watched or enterprise.credit_grade in credit.HELD_GRADES
    _check(session, actor, ring, declaration, lines, locked, moment, hold=hold)
    _audit(session, actor, declaration, "exit.declared")
    return declaration


def recheck_exit(
    session: Session,
    actor: Actor,
    ring: KeyRing,
    declaration_id: int,
    lines: tuple[ExitLineFiling, ...],
    *,
    payment_amount: str | None = None,
    rules: ZoneRules | None = None,
    now: datetime | None = None,
) -> ExitDeclaration:
    """The merchant rectifies a declaration that failed its check (lines and, if needed, the payment)."""
    rules, moment = rules or ZoneRules(), now or utcnow()
    actor.require_merchant("only the declaring merchant rectifies its declaration")
    declaration = get_exit(session, actor, declaration_id)
    payment_fen = (
        declaration.payment_fen
        if payment_amount is None
        else quotas.parse_amount(payment_amount, "payment_amount")
    )
    validated = _validated_lines(session, actor, declaration.enterprise, lines)
    if declaration.status is not ExitStatus.RECTIFICATION_REQUIRED:
        raise InvalidState(f"exit declaration {declaration.id} is {declaration.status}, nothing to rectify")
    watched = (
        buyer_restrictions.refuse_blocked(session, declaration.buyer_hash) is BuyerRestrictionLevel.WATCH
    )
    quotas.lock_buyer(session, declaration.buyer_hash)
    quotas.check_quota(
        session, rules.quotas, declaration.buyer_hash, _total(validated), _units(validated), moment
    )
    locked = ledger.lock_batches(session, [line.batch.id for line in validated])
    declaration.lines.clear()
    session.flush()
    declaration.lines.extend(_exit_lines(validated))
    declaration.payment_fen, declaration.total_fen = payment_fen, _total(validated)
    declaration.attempts += 1
    session.flush()
    hold = watched or declaration.enterprise.credit_grade in credit.HELD_GRADES
    _check(session, actor, ring, declaration, validated, locked, moment, hold=hold)
    _audit(session, actor, declaration, "exit.rechecked")
    return declaration


def _buyer_identity(buyer: Buyer | KnownBuyer, secret: str) -> tuple[str, str, str]:
    """What is stored of the buyer: the keyed hash of the ID number, the masked name, the address hash."""
    if isinstance(buyer, KnownBuyer):
        return buyer.buyer_hash, buyer.name_masked, buyer.address_hash
    id_number = quotas.normalize_id_number(buyer.id_number)
    masked = quotas.mask_name(buyer.name)
    address = text(buyer.address, "buyer.address", 300)
    return quotas.buyer_hash(secret, id_number), masked, quotas.address_hash(secret, address)


def _declarant(session: Session, actor: Actor, enterprise_id: int | None) -> Enterprise:
    actor.require_merchant("only the merchant declares the exit of its own goods")
    if enterprise_id is None:
        if actor.enterprise_id is None:
            raise InvalidInput("enterprise_id is required", field="enterprise_id")
        enterprise_id = actor.enterprise_id
    enterprise = get_enterprise(session, actor, enterprise_id)
    if enterprise.kind is not EnterpriseKind.MERCHANT:
        raise InvalidInput("only merchants declare exits", field="enterprise_id")
    sanctions.require_trading(enterprise)
    return enterprise


def _validated_lines(
    session: Session, actor: Actor, enterprise: Enterprise, lines: tuple[ExitLineFiling, ...]
) -> list[_Line]:
    if not 1 <= len(lines) <= MAX_LINES:
        raise InvalidInput(f"an order has 1-{MAX_LINES} lines", field="lines")
    if sum(len(line.codes) for line in lines) > MAX_CODES:
        raise InvalidInput(f"an order has at most {MAX_CODES} codes", field="lines")
    out: list[_Line] = []
    for n, line in enumerate(lines, start=1):
        if not isinstance(line.quantity, int) or not 1 <= line.quantity <= MAX_CODES:
            raise InvalidInput(f"line {n}: quantity must be 1-{MAX_CODES}", field="quantity")
        codes = [_parsed(n, i, url) for i, url in enumerate(line.codes, start=1)]
        price = quotas.parse_amount(line.unit_price, f"line {n} unit_price")
        batch = get_batch(session, actor, line.batch_id)
        if batch.product.enterprise_id != enterprise.id:
            raise NotFound(f"batch {line.batch_id} does not exist")
        if any(earlier.batch.id == batch.id for earlier in out):
            raise InvalidInput(
                f"line {n}: batch {batch.id} appears twice; put its units on one line", field="lines"
            )
        _require_retail_mode(batch, out)
        sanctions.require_trading(enterprise, batch.product)
        if batch.trade_mode is TradeMode.BONDED:
            ledger.require_on_ledger(session, batch)
        out.append(_Line(batch, line.quantity, price, codes))
    return out


def _require_acceptance(lines: list[_Line], accepted: bool) -> None:
    """Goods admitted with a consumer disclosure are sold only after the buyer accepted it (SZ Art. 11)."""
    if accepted is True:
        return
    for line in lines:
        if line.batch.product.admission_status is AdmissionStatus.ADMITTED_WITH_DISCLOSURE:
            raise DisclosureNotAccepted(
                f"{line.batch.product.name} was admitted with a consumer disclosure: the buyer must accept "
                "it before the order leaves (disclosure_accepted)"
            )


def _require_retail_mode(batch: Batch, earlier: list[_Line]) -> None:
    """B2B goods never leave by a consumer order; one order is all bonded or all direct mail."""
    if batch.trade_mode is TradeMode.B2B:
        raise TradeModeNotRetail(
            f"batch {batch.id} is B2B goods (general trade): they leave by a B2B declaration, "
            "not by a consumer order"
        )
    if earlier and earlier[0].batch.trade_mode is not batch.trade_mode:
        raise InvalidInput("an order is either all bonded (1210) or all direct mail (9610)", field="lines")


def _parsed(line_no: int, index: int, url: str) -> ParsedCode:
    if not isinstance(url, str):
        raise InvalidInput(f"line {line_no} code {index}: a code URL is a string", field="codes")
    try:
        return parse_code(url.strip())
    except MalformedCode as exc:
        raise InvalidInput(
            f"line {line_no} code {index}: not a traceability code ({exc.reason})", field="codes"
        ) from None


def _total(lines: list[_Line]) -> int:
    return sum(line.quantity * line.unit_price_fen for line in lines)


def _units(lines: list[_Line]) -> int:
    return sum(line.quantity for line in lines)


def _exit_lines(lines: list[_Line]) -> list[ExitLine]:
    return [
        ExitLine(
            line_no=n,
            batch_id=line.batch.id,
            quantity=line.quantity,
            unit_price_fen=line.unit_price_fen,
            codes=[[c.code.gtin, c.code.lot, c.code.serial] for c in line.codes],
        )
        for n, line in enumerate(lines, start=1)
    ]


def _check(
    session: Session,
    actor: Actor,
    ring: KeyRing,
    declaration: ExitDeclaration,
    lines: list[_Line],
    locked: dict[int, Batch],
    moment: datetime,
    *,
    hold: bool = False,
) -> None:
    """Compare quantity, authenticity and documents under the batch locks; write off if all is well.

    ``hold``: the buyer is watched by an office (:mod:`~suyuan.trace.zone.buyer_restrictions`) or the
    merchant's credit grade is D (:data:`~suyuan.trace.zone.credit.HELD_GRADES`), so a declaration that
    passes waits for an officer's release like goods under tightened control.
    """
    stock = {
        line.batch.id: _Stock(
            ledger.balance(session, line.batch.id), _statuses(session, line.batch.id, line.codes)
        )
        for line in lines
    }
    findings = _findings(session, ring, declaration, lines, locked, stock)
    declaration.findings, declaration.checked_at = findings, moment
    if findings:
        declaration.status = ExitStatus.RECTIFICATION_REQUIRED
        return
    if hold or any(requires_office_release(session, locked[line.batch.id]) for line in lines):
        declaration.status = ExitStatus.HELD  # nothing written off until an officer releases it
        return
    _write_off(session, actor, declaration, lines, stock, moment)


def requires_office_release(session: Session, batch: Batch) -> bool:
    """Whether exits of ``batch`` wait for an officer (goods under tightened control, SZ Art. 32).

    The hook tightened control feeds: the batch's ``exit_hold_required`` flag, or an active risk warning
    covering the batch that holds exits (:func:`suyuan.trace.risk_warnings.tightened_control`).
    """
    return batch.exit_hold_required or risk_warnings.tightened_control(session, batch).hold_exits


@dataclass(frozen=True)
class _Stock:
    """What the locked ledger and sold-code rows say about one line's batch and codes."""

    held: int
    statuses: dict[str, SoldStatus]


def _statuses(session: Session, batch_id: int, codes: list[ParsedCode]) -> dict[str, SoldStatus]:
    return _serial_statuses(session, batch_id, [c.code.serial for c in codes])


def _serial_statuses(session: Session, batch_id: int, serials: list[str]) -> dict[str, SoldStatus]:
    if not serials:
        return {}
    rows = session.execute(
        select(SoldCode.serial, SoldCode.status).where(
            SoldCode.batch_id == batch_id, SoldCode.serial.in_(serials)
        )
    )
    return {serial: status for serial, status in rows}


def _findings(
    session: Session,
    ring: KeyRing,
    declaration: ExitDeclaration,
    lines: list[_Line],
    locked: dict[int, Batch],
    stock: dict[int, _Stock],
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for n, line in enumerate(lines, start=1):
        batch = locked[line.batch.id]
        found.extend(_line_findings(n, line, batch, stock[batch.id].held))
        sold = {s for s, status in stock[batch.id].statuses.items() if status is SoldStatus.SOLD}
        for parsed in line.codes:
            key = (parsed.code.gtin, parsed.code.lot, parsed.code.serial)
            problem = (
                Finding.DUPLICATE_CODE
                if key in seen
                else _code_problem(session, ring, declaration, batch, parsed, sold)
            )
            seen.add(key)
            if problem is not None:
                found.append(_finding(problem, n, _code_message(problem, batch), parsed))
    if declaration.payment_fen != declaration.total_fen:
        found.append(
            _finding(
                Finding.PAYMENT_MISMATCH,
                None,
                f"the payment of RMB {quotas.yuan(declaration.payment_fen)} does not match the goods' "
                f"RMB {quotas.yuan(declaration.total_fen)}",
            )
        )
    return found


def _line_findings(n: int, line: _Line | ExitLine, batch: Batch, held: int) -> list[dict[str, Any]]:
    found = []
    if batch.status is not BatchStatus.RELEASED:
        problem = Finding.NOT_RELEASED if batch.status is BatchStatus.IN_ZONE else Finding.EXIT_BLOCKED
        found.append(_finding(problem, n, f"batch {batch.id} is {batch.status.value}, not released for sale"))
    if len(line.codes) != line.quantity:
        found.append(
            _finding(
                Finding.QUANTITY_MISMATCH,
                n,
                f"{line.quantity} units declared but {len(line.codes)} codes presented",
            )
        )
    if batch.trade_mode is TradeMode.BONDED and line.quantity > held:  # direct mail: no zone stock
        found.append(
            _finding(
                Finding.LEDGER_UNDERFLOW, n, f"{line.quantity} units declared but the ledger holds {held}"
            )
        )
    return found


def _code_problem(
    session: Session,
    ring: KeyRing,
    declaration: ExitDeclaration,
    batch: Batch,
    parsed: ParsedCode,
    sold: set[str],
) -> Finding | None:
    check = scanning.check_code(session, ring, parsed)
    if check.verdict is Verdict.COUNTERFEIT or check.batch is None:
        return Finding.COUNTERFEIT
    if check.batch.id != batch.id:
        same_merchant = check.batch.product.enterprise_id == declaration.enterprise_id
        return Finding.WRONG_BATCH if same_merchant else Finding.OTHER_MERCHANT
    if check.verdict is Verdict.REVOKED:
        return Finding.REVOKED
    if parsed.code.serial in sold:
        return Finding.ALREADY_SOLD
    return None


def _code_message(problem: Finding, batch: Batch) -> str:
    return {
        Finding.DUPLICATE_CODE: "the same code appears twice on this order",
        Finding.COUNTERFEIT: "the code is not genuine (bad signature, unknown batch or serial never issued)",
        Finding.WRONG_BATCH: f"the code belongs to another batch than batch {batch.id}",
        Finding.OTHER_MERCHANT: "the code belongs to another merchant's goods",
        Finding.REVOKED: "the code's key was revoked",
        Finding.ALREADY_SOLD: "the unit was already sold on another order",
    }[problem]


def _finding(
    problem: Finding, line: int | None, message: str, parsed: ParsedCode | None = None
) -> dict[str, Any]:
    finding: dict[str, Any] = {"problem": problem.value, "line": line, "message": message}
    if parsed is not None:
        finding["code"] = {"gtin": parsed.code.gtin, "lot": parsed.code.lot, "serial": parsed.code.serial}
    return finding


def _write_off(
    session: Session,
    actor: Actor,
    declaration: ExitDeclaration,
    lines: list[_Line] | list[ExitLine],
    stock: dict[int, _Stock],
    moment: datetime,
) -> None:
    """Release: link every unit to the order (re-selling returned units) and debit the ledger (bonded
    goods only: direct-mail goods were never on it)."""
    for line in lines:
        statuses = stock[line.batch.id].statuses
        for serial in _serials_of(line):
            if statuses.get(serial) is SoldStatus.RETURNED:
                _resell(session, declaration, line.batch.id, serial, moment)
            else:
                session.add(
                    SoldCode(
                        batch_id=line.batch.id,
                        serial=serial,
                        exit_declaration_id=declaration.id,
                        status=SoldStatus.SOLD,
                        sold_at=moment,
                    )
                )
        if line.batch.trade_mode is not TradeMode.BONDED:
            continue
        ledger.post(
            session,
            batch_id=line.batch.id,
            kind=LedgerKind.WRITE_OFF,
            quantity=line.quantity,
            source=f"exit:{declaration.id}",
            posted_by=actor.label,
            at=moment,
            held=stock[line.batch.id].held,
        )
    try:
        session.flush()
    except IntegrityError:
        raise CodeAlreadySold("another order took one of these units first; nothing was written") from None
    declaration.status, declaration.written_off_at = ExitStatus.WRITTEN_OFF, moment


def _serials_of(line: _Line | ExitLine) -> list[str]:
    if isinstance(line, ExitLine):
        return [code[2] for code in line.codes]
    return [c.code.serial for c in line.codes]


def decide_held_exit(
    session: Session,
    actor: Actor,
    declaration_id: int,
    *,
    release: bool,
    note: str,
    now: datetime | None = None,
) -> ExitDeclaration:
    """The office's step at exit: release a held order (re-checked, then written off) or refuse it.

    Release re-checks under the batch locks what may have changed while the order waited (batch status,
    stock on the ledger, units sold meanwhile); anything found sends it to rectification instead, as
    does a refusal (finding ``office_refused`` with the officer's note). Signatures were checked at
    declaration and do not change.
    """
    actor.require_regulator()
    declaration = get_exit(session, actor, declaration_id)
    note = text(note, "note", 2000, required=not release)
    if declaration.status is not ExitStatus.HELD:
        raise InvalidState(f"exit declaration {declaration.id} is {declaration.status.value}, not held")
    moment = now or utcnow()
    locked = ledger.lock_batches(session, [line.batch_id for line in declaration.lines])
    stock = {
        line.batch_id: _Stock(
            ledger.balance(session, line.batch_id) if line.batch.trade_mode is TradeMode.BONDED else 0,
            _serial_statuses(session, line.batch_id, _serials_of(line)),
        )
        for line in declaration.lines
    }
    findings = _held_findings(declaration, locked, stock) if release else []
    if not release:
        findings = [_finding(Finding.OFFICE_REFUSED, None, note or "refused by the office at exit")]
    declaration.findings, declaration.checked_at = findings, moment
    declaration.released_at, declaration.released_by = moment, actor.label
    if findings:
        declaration.status = ExitStatus.RECTIFICATION_REQUIRED
    else:
        _write_off(session, actor, declaration, list(declaration.lines), stock, moment)
    _audit(session, actor, declaration, "exit.released" if not findings else "exit.held_refused")
    return declaration


def _held_findings(
    declaration: ExitDeclaration, locked: dict[int, Batch], stock: dict[int, _Stock]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for line in declaration.lines:
        batch = locked[line.batch_id]
        found.extend(_line_findings(line.line_no, line, batch, stock[batch.id].held))
        sold = {s for s, status in stock[batch.id].statuses.items() if status is SoldStatus.SOLD}
        found.extend(
            _finding(Finding.ALREADY_SOLD, line.line_no, f"unit {serial} was sold on another order meanwhile")
            for serial in _serials_of(line)
            if serial in sold
        )
    return found


def _resell(
    session: Session, declaration: ExitDeclaration, batch_id: int, serial: str, moment: datetime
) -> None:
    result = session.execute(
        update(SoldCode)
        .where(
            SoldCode.batch_id == batch_id, SoldCode.serial == serial, SoldCode.status == SoldStatus.RETURNED
        )
        .values(status=SoldStatus.SOLD, exit_declaration_id=declaration.id, sold_at=moment, returned_at=None)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise CodeAlreadySold(f"unit {serial} of batch {batch_id} was taken by another order first")


def _audit(session: Session, actor: Actor, declaration: ExitDeclaration, action: str) -> None:
    audit.record(
        session,
        actor=actor.label,
        action=action,
        subject=f"exit:{declaration.id}",
        payload={
            "order_no": declaration.order_no,
            "status": declaration.status.value,
            "total_fen": declaration.total_fen,
            "lines": [[line.batch_id, line.quantity] for line in declaration.lines],
            "findings": sorted({f["problem"] for f in declaration.findings}),
        },
    )


def get_exit(session: Session, actor: Actor, declaration_id: int) -> ExitDeclaration:
    """An exit declaration within the actor's remit (its office's regulators, the declaring merchant);
    others answer ``NotFound`` like an unknown id."""
    return visible(session, actor, ExitDeclaration, declaration_id)


def list_exits(
    session: Session,
    actor: Actor,
    *,
    status: str | None = None,
    order_no: str | None = None,
    limit: int = 100,
) -> list[ExitDeclaration]:
    """Exit declarations within the actor's remit, newest first, optionally of one status.

    ``order_no`` finds an order by the number the platform gave it (what a merchant or an officer
    holds), ignoring case; each enterprise's numbers are unique, so an office may find one per merchant.
    """
    stmt = select(ExitDeclaration).order_by(ExitDeclaration.id.desc()).limit(limit)
    if order_no is not None:
        stmt = stmt.where(func.upper(ExitDeclaration.order_no) == order_no.upper())
    if status is not None:
        try:
            stmt = stmt.where(ExitDeclaration.status == ExitStatus(status))
        except ValueError:
            raise InvalidInput(
                "status must be written_off, held or rectification_required", field="status"
            ) from None
    return list(session.scalars(within_remit(stmt, remit_of(session, actor), ExitDeclaration)))
