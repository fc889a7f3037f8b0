"""Consumer returns (退货, CQ §2(1)4): sold units come back into the zone with their codes.

The merchant applies for the return of units of a written-off order within the return window
(:attr:`~suyuan.trace.zone.rules.ZoneRules.return_days`, 30 days after release by default). Each unit
is named by its code URL and must have been sold on that order and not returned yet. The units'
``sold_code`` rows turn ``returned`` (so they may be sold again, and no longer count as recalled), the
ledger is credited, and the returned value is given back to the buyer's annual quota.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.codes import MalformedCode, parse_code
from suyuan.trace.errors import InvalidInput, ReturnNotAllowed
from suyuan.trace.fields import text
from suyuan.trace.model import (
    ConsumerReturn,
    ExitStatus,
    LedgerKind,
    ReturnItem,
    SoldCode,
    SoldStatus,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.zone import ledger
from suyuan.trace.zone.exits import MAX_CODES, get_exit
from suyuan.trace.zone.rules import ZoneRules


def record_return(
    session: Session,
    actor: Actor,
    declaration_id: int,
    codes: Sequence[str],
    reason: str,
    *,
    rules: ZoneRules | None = None,
    now: datetime | None = None,
    enforce_window: bool = True,
) -> ConsumerReturn:
    """Take units of an order back into the zone; refuse codes not sold on it or already returned.

    ``enforce_window=False``: recalled units come back whenever they come (``suyuan.trace.recall_units``).
    """
    rules, moment = rules or ZoneRules(), now or utcnow()
    actor.require_merchant("the declaring merchant applies for its orders' returns")
    declaration = get_exit(session, actor, declaration_id)
    reason = text(reason, "reason", 2000, required=True)
    if not 1 <= len(codes) <= MAX_CODES:
        raise InvalidInput(f"a return names 1-{MAX_CODES} codes", field="codes")
    wanted = [_identity(i, url) for i, url in enumerate(codes, start=1)]
    if len(set(wanted)) != len(wanted):
        raise InvalidInput("a code appears twice in the return", field="codes")
    if declaration.status is not ExitStatus.WRITTEN_OFF or declaration.written_off_at is None:
        raise ReturnNotAllowed(f"order {declaration.order_no} was not released, so nothing can come back")
    if enforce_window and moment - declaration.written_off_at > timedelta(days=rules.return_days):
        raise ReturnNotAllowed(f"the return window of {rules.return_days} days after release has closed")
    lines = {(line.batch.gtin, line.batch.lot): line for line in declaration.lines}
    for gtin, lot, serial in wanted:
        if (gtin, lot) not in lines:
            raise ReturnNotAllowed(f"unit {serial} of lot {lot} was not sold on order {declaration.order_no}")
    ledger.lock_batches(session, {line.batch_id for line in lines.values()})
    sold = _sold_rows(session, declaration.id, [(lines[(g, lot)].batch_id, s) for g, lot, s in wanted])
    by_batch: dict[int, int] = defaultdict(int)
    value = 0
    items = []
    for gtin, lot, serial in wanted:
        line = lines[(gtin, lot)]
        row = sold.get((line.batch_id, serial))
        if row is None:
            raise ReturnNotAllowed(f"unit {serial} of lot {lot} is not an unreturned unit of this order")
        row.status, row.returned_at = SoldStatus.RETURNED, moment
        by_batch[line.batch_id] += 1
        value += line.unit_price_fen
        items.append(ReturnItem(batch_id=line.batch_id, serial=serial))
    consumer_return = ConsumerReturn(
        exit_declaration_id=declaration.id,
        quantity=len(items),
        value_fen=value,
        reason=reason,
        returned_at=moment,
        recorded_by=actor.label,
        items=items,
    )
    session.add(consumer_return)
    session.flush()
    for batch_id, quantity in sorted(by_batch.items()):
        ledger.post(
            session,
            batch_id=batch_id,
            kind=LedgerKind.CONSUMER_RETURN,
            quantity=quantity,
            source=f"return:{consumer_return.id}",
            posted_by=actor.label,
            at=moment,
        )
    audit.record(
        session,
        actor=actor.label,
        action="exit.returned",
        subject=f"exit:{declaration.id}",
        payload={"return": consumer_return.id, "units": dict(by_batch), "value_fen": value, "reason": reason},
    )
    return consumer_return


def returns_of(session: Session, actor: Actor, declaration_id: int) -> list[ConsumerReturn]:
    """The returns of an order, oldest first."""
    declaration = get_exit(session, actor, declaration_id)
    return list(
        session.scalars(
            select(ConsumerReturn).filter_by(exit_declaration_id=declaration.id).order_by(ConsumerReturn.id)
        )
    )


def _identity(index: int, url: str) -> tuple[str, str, str]:
    if not isinstance(url, str):
        raise InvalidInput(f"code {index}: a code URL is a string", field="codes")
    try:
        parsed = parse_code(url.strip())
    except MalformedCode as exc:
        raise InvalidInput(f"code {index}: not a traceability code ({exc.reason})", field="codes") from None
    return parsed.code.gtin, parsed.code.lot, parsed.code.serial


def _sold_rows(
    session: Session, declaration_id: int, units: list[tuple[int, str]]
) -> dict[tuple[int, str], SoldCode]:
    serials = {serial for _, serial in units}
    rows = session.scalars(
        select(SoldCode).where(
            SoldCode.exit_declaration_id == declaration_id,
            SoldCode.status == SoldStatus.SOLD,
            SoldCode.serial.in_(serials),
        )
    )
    return {(row.batch_id, row.serial): row for row in rows}
