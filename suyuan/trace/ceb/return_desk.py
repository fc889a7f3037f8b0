"""The return desk over the API: which waiting returns (CEB625) a caller may conclude.

A return that names fewer units than are still out of a line cannot say which units come back, so it
waits (120) until the warehouse scans the returned units (:func:`suyuan.trace.ceb.refunds.conclude_refund`,
docs/ceb.md §3). Those who pack an inventory receive its returns: the seller's staff and the zone
warehouse named as its ``areaCode``. For anyone else a return does not exist, as for an unknown id, so
that ids cannot be probed; this is checked before a request body is read.

:func:`list_returns` is the desk's list: the returns a party may see, of two kinds, newest first. A
**CEB625** return (``ceb_refund``) is seen by whoever sees its inventory (the seller, the platform it was
sold on, the seller's office: :mod:`suyuan.trace.remit`) and by the zone warehouse that packs it; it is
``waiting`` (120) for its units at the desk or ``concluded`` (399). A **desk** return
(``consumer_return``: units of an exit declaration taken back at the merchant's desk, or recalled units
coming back) is seen by whoever sees its exit declaration; it is concluded when recorded. A CEB625 return
that brought its units back names its desk return, which is then not listed a second time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.ceb.packing import codes_of, may_pack
from suyuan.trace.errors import InvalidInput, NotFound
from suyuan.trace.fields import choice
from suyuan.trace.model import ConsumerReturn, ExitDeclaration, Role
from suyuan.trace.model.ceb import CebInventory, CebRefund, ReturnStatus
from suyuan.trace.model.types import BEIJING
from suyuan.trace.remit import remit_filter, remit_of

MAX_RETURNS = 500
MAX_OFFSET = 5000


def refund_at_desk(session: Session, actor: Actor, refund_id: int) -> CebRefund:
    """A return the actor receives (it packs the inventory); others answer ``NotFound``."""
    refund = session.get(CebRefund, refund_id) if 1 <= refund_id <= MAX_INT else None
    inventory = session.get(CebInventory, refund.inventory_id) if refund is not None else None
    if refund is None or inventory is None or not may_pack(session, actor, inventory):
        raise NotFound(f"return {refund_id} does not exist")
    return refund


def refund_inventory(session: Session, refund: CebRefund) -> CebInventory:
    """The released inventory a return belongs to."""
    inventory = session.get(CebInventory, refund.inventory_id)
    if inventory is None:  # a foreign key: cannot happen
        raise NotFound(f"return {refund.id} does not exist")
    return inventory


class ReturnKind(enum.StrEnum):
    """Where a return came from: a CEB625 message, or the merchant's desk (and recalled units)."""

    CEB625 = "ceb625"
    DESK = "desk"


class ReturnState(enum.StrEnum):
    """``waiting`` for its units at the return desk (CEB625 120), or ``concluded`` (399, desk returns)."""

    WAITING = "waiting"
    CONCLUDED = "concluded"


@dataclass(frozen=True)
class ReturnFilter:
    """What the list is narrowed to; ``None`` does not narrow. Days are Beijing calendar days."""

    kind: str | None = None
    state: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class ReturnRow:
    """One return as the desk lists it (no buyer, no codes: those are on the return itself)."""

    kind: ReturnKind
    id: int
    state: ReturnState
    ceb_status: int | None
    order_no: str
    inventory_id: int | None
    exit_declaration_id: int | None
    consumer_return_id: int | None
    units: int
    reason: str
    at: datetime


@dataclass(frozen=True)
class ReturnPage:
    """A page of the list and the ``offset`` of the next one (``None``: this was the last)."""

    rows: list[ReturnRow]
    next_offset: int | None


def list_returns(
    session: Session, actor: Actor, wanted: ReturnFilter, *, offset: int = 0, limit: int = 100
) -> ReturnPage:
    """The returns the actor may see (see the module's docstring), newest first, one page of them."""
    if not 1 <= limit <= MAX_RETURNS:
        raise InvalidInput(f"limit must be between 1 and {MAX_RETURNS}", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset must be between 0 and {MAX_OFFSET}", field="offset")
    kind = choice(ReturnKind, wanted.kind, "kind") if wanted.kind else None
    state = choice(ReturnState, wanted.state, "status") if wanted.state else None
    if wanted.since and wanted.until and wanted.since > wanted.until:
        raise InvalidInput("the first day is after the last day", field="since")
    wanted_rows = offset + limit + 1
    rows: list[ReturnRow] = []
    if kind in (None, ReturnKind.CEB625):
        rows += _ceb_returns(session, actor, wanted, state, wanted_rows)
    if kind in (None, ReturnKind.DESK) and state in (None, ReturnState.CONCLUDED):
        rows += _desk_returns(session, actor, wanted, wanted_rows)
    rows.sort(key=lambda r: (r.at, r.kind == ReturnKind.CEB625, r.id), reverse=True)
    page = rows[offset : offset + limit]
    return ReturnPage(page, offset + limit if len(rows) > offset + limit else None)


def _ceb_returns(
    session: Session, actor: Actor, wanted: ReturnFilter, state: ReturnState | None, limit: int
) -> list[ReturnRow]:
    stmt = (
        select(CebRefund, CebInventory)
        .join(CebInventory, CebInventory.id == CebRefund.inventory_id)
        .where(_ceb_seen_by(session, actor), *_days(CebRefund.received_at, wanted))
        .order_by(CebRefund.received_at.desc(), CebRefund.id.desc())
        .limit(limit)
    )
    if state is not None:
        waiting = state is ReturnState.WAITING
        stmt = stmt.where(CebRefund.status == (ReturnStatus.STORED if waiting else ReturnStatus.CONCLUDED))
    return [
        ReturnRow(
            kind=ReturnKind.CEB625,
            id=refund.id,
            state=ReturnState.WAITING if refund.status == ReturnStatus.STORED else ReturnState.CONCLUDED,
            ceb_status=refund.status,
            order_no=inventory.order_no,
            inventory_id=inventory.id,
            exit_declaration_id=inventory.exit_declaration_id,
            consumer_return_id=refund.consumer_return_id,
            units=sum(int(line["qty"]) for line in refund.lines),
            reason=refund.reason,
            at=refund.received_at,
        )
        for refund, inventory in session.execute(stmt)
    ]


def _ceb_seen_by(session: Session, actor: Actor) -> ColumnElement[bool]:
    """CEB625 returns within the remit, or of inventories the actor's enterprise packs (``areaCode``)."""
    within = remit_filter(remit_of(session, actor), CebRefund)
    if actor.role is not Role.MERCHANT or actor.enterprise_id is None:
        return within
    packed = select(CebInventory.id).where(CebInventory.area_code.in_(codes_of(session, actor.enterprise_id)))
    return or_(within, CebRefund.inventory_id.in_(packed))


def _desk_returns(session: Session, actor: Actor, wanted: ReturnFilter, limit: int) -> list[ReturnRow]:
    from_ceb = select(CebRefund.consumer_return_id).where(CebRefund.consumer_return_id.is_not(None))
    stmt = (
        select(ConsumerReturn, ExitDeclaration.order_no)
        .join(ExitDeclaration, ExitDeclaration.id == ConsumerReturn.exit_declaration_id)
        .where(
            remit_filter(remit_of(session, actor), ConsumerReturn),
            ConsumerReturn.id.not_in(from_ceb),
            *_days(ConsumerReturn.returned_at, wanted),
        )
        .order_by(ConsumerReturn.returned_at.desc(), ConsumerReturn.id.desc())
        .limit(limit)
    )
    return [
        ReturnRow(
            kind=ReturnKind.DESK,
            id=back.id,
            state=ReturnState.CONCLUDED,
            ceb_status=None,
            order_no=order_no,
            inventory_id=None,
            exit_declaration_id=back.exit_declaration_id,
            consumer_return_id=back.id,
            units=back.quantity,
            reason=back.reason,
            at=back.returned_at,
        )
        for back, order_no in session.execute(stmt)
    ]


def _days(column: Any, wanted: ReturnFilter) -> list[ColumnElement[bool]]:
    """``column`` within the filter's Beijing days (``since`` from midnight, ``until`` to its end)."""
    found: list[ColumnElement[bool]] = []
    if wanted.since is not None:
        found.append(column >= _midnight(wanted.since))
    if wanted.until is not None:
        found.append(column < _midnight(wanted.until + timedelta(days=1)))
    return found


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), BEIJING).astimezone(UTC)
