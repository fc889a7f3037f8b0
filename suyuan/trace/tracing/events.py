"""A batch's critical tracking events, oldest first: what the spreadsheet and the EPCIS export are made of.

One stream, two renderings: :mod:`suyuan.trace.tracing.sheet` writes one row per event (and one per
unit for shipments and returns), :mod:`suyuan.trace.epcis` one EPCIS event per event. The events are:

=====================  ==========================================================  =====================
kind                   from                                                        when
=====================  ==========================================================  =====================
``codes_issued``       an issuance (one signed serial range)                       ``created_at``
``entry_received``     the entry declaration line that created the batch           ``declared_at``
``quarantine``         each quarantine result of that declaration                  ``recorded_at``
``report_reviewed``    each test report / conformity declaration (or submitted)    reviewed / submitted
``spot_check_sampled`` samples of a spot check                                     ``sampled_at``
``spot_check_decided`` its lab result                                              ``decided_at``
``shipped``            each written-off exit declaration's line of this batch      ``written_off_at``
``returned``           each consumer return with units of this batch               ``returned_at``
``destroyed``          a supervised destruction on the ledger                      ``at``
``return_shipped``     a supervised return shipment (退运) on the ledger           ``at``
``recall_opened``      a recall or stop-sale                                       ``opened_at``
``recall_closed``      its closing                                                 ``closed_at``
=====================  ==========================================================  =====================

Ledger write-offs and consumer returns are the shipments and returns themselves, and offline samples
are the spot check's sampling, so those ledger rows add no event of their own. Shipments are read
with a streaming cursor and merged with the (short) other lists, so a batch with 100,000 sold units
costs constant memory. The units of a shipment come from the codes presented on the order's line
(``exit_line.codes``), which stay as they were even when a unit is later returned and sold again.
A merchant sees a spot check only once decided, like everywhere else.
"""

from __future__ import annotations

import enum
import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import count

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.issuance import issuances_of
from suyuan.trace.model import (
    Batch,
    BatchReport,
    ConsumerReturn,
    ExitDeclaration,
    ExitLine,
    ExitStatus,
    LedgerEntry,
    LedgerKind,
    Office,
    Recall,
    RecallScope,
    ReturnItem,
    SpotCheck,
)
from suyuan.trace.remit import remit_of, within_remit
from suyuan.trace.zone.entry import entry_line_of

STREAM_ROWS = 2000


class EventKind(enum.StrEnum):
    """Critical tracking events of a batch; stable values (spreadsheet ``event`` column, docs/trace.md)."""

    CODES_ISSUED = "codes_issued"
    ENTRY_RECEIVED = "entry_received"
    QUARANTINE = "quarantine"
    REPORT_REVIEWED = "report_reviewed"
    SPOT_CHECK_SAMPLED = "spot_check_sampled"
    SPOT_CHECK_DECIDED = "spot_check_decided"
    SHIPPED = "shipped"
    RETURNED = "returned"
    DESTROYED = "destroyed"
    RETURN_SHIPPED = "return_shipped"
    RECALL_OPENED = "recall_opened"
    RECALL_CLOSED = "recall_closed"


@dataclass(frozen=True)
class OrderRef:
    """The order a shipment or return belongs to; the buyer only masked."""

    id: int
    order_no: str
    platform: str
    waybill_no: str
    buyer: str


@dataclass(frozen=True)
class TraceEvent:
    """One critical tracking event with its key data elements.

    ``ref`` is the record the event comes from (``kind`` + id, unique within the batch), used for
    stable event identifiers. ``serials`` lists the units of shipments and returns; an issuance has
    ``first_serial``/``last_serial`` instead.
    """

    at: datetime
    kind: EventKind
    ref: str
    quantity: int | None
    document_type: str
    document_number: str
    party: str = ""
    status: str = ""
    note: str = ""
    first_serial: int | None = None
    last_serial: int | None = None
    key_id: str = ""
    serials: tuple[str, ...] = ()
    order: OrderRef | None = None


@dataclass(frozen=True)
class EventContext:
    """What every event of the batch shares: the batch, its merchant and its supervising office."""

    batch: Batch
    office: Office

    @property
    def merchant_name(self) -> str:
        """The operating enterprise."""
        return self.batch.product.enterprise.name


def context_of(session: Session, batch: Batch) -> EventContext:
    """The shared context of ``batch``'s events."""
    office = session.get(Office, batch.product.enterprise.office_id)
    assert office is not None  # enterprise.office_id is a foreign key
    return EventContext(batch, office)


def batch_events(session: Session, actor: Actor, batch: Batch) -> Iterator[TraceEvent]:
    """Every event of the batch, oldest first (ties in the order of the table above)."""
    ctx = context_of(session, batch)
    small: list[TraceEvent] = [
        *_issuances(session, ctx),
        *_entry(session, ctx),
        *_reports(session, ctx),
        *_spot_checks(session, actor, ctx),
        *_disposals(session, ctx),
        *_recalls(session, ctx),
        *_returns(session, ctx),
    ]
    rank = {kind: n for n, kind in enumerate(EventKind)}
    tie = count()

    def keyed(events: Iterator[TraceEvent]) -> Iterator[tuple[datetime, int, int, TraceEvent]]:
        for event in events:
            yield event.at, rank[event.kind], next(tie), event

    small.sort(key=lambda e: (e.at, rank[e.kind]))
    merged = heapq.merge(keyed(iter(small)), keyed(_shipments(session, ctx)))
    for *_key, event in merged:
        yield event


def _issuances(session: Session, ctx: EventContext) -> list[TraceEvent]:
    return [
        TraceEvent(
            at=i.created_at,
            kind=EventKind.CODES_ISSUED,
            ref=f"issuance:{i.id}",
            quantity=i.count,
            document_type="issuance_statement",
            document_number=str(i.id),
            party=ctx.merchant_name,
            first_serial=i.first_serial,
            last_serial=i.last_serial,
            key_id=i.kid,
        )
        for i in issuances_of(session, ctx.batch.id)
    ]


def _entry(session: Session, ctx: EventContext) -> list[TraceEvent]:
    line = entry_line_of(session, ctx.batch.id)
    if line is None:
        return []
    declaration = line.declaration
    events = [
        TraceEvent(
            at=declaration.declared_at,
            kind=EventKind.ENTRY_RECEIVED,
            ref=f"entry:{declaration.id}",
            quantity=line.quantity,
            document_type="entry_declaration",
            document_number=declaration.reference,
            party=f"{line.supplier_name} ({line.supplier_country})",
            status=declaration.status.value,
            note=f"transport document {declaration.transport_doc}" if declaration.transport_doc else "",
        )
    ]
    events += [
        TraceEvent(
            at=result.recorded_at,
            kind=EventKind.QUARANTINE,
            ref=f"quarantine:{result.id}",
            quantity=line.quantity,
            document_type="quarantine_result",
            document_number=str(result.id),
            party=ctx.office.name,
            status=result.outcome.value,
            note="; ".join(x for x in (result.scope.value, result.treatment, result.note) if x),
        )
        for result in declaration.quarantine_results
    ]
    return events


def _reports(session: Session, ctx: EventContext) -> list[TraceEvent]:
    rows = session.scalars(select(BatchReport).filter_by(batch_id=ctx.batch.id).order_by(BatchReport.id))
    return [
        TraceEvent(
            at=report.reviewed_at or report.submitted_at,
            kind=EventKind.REPORT_REVIEWED,
            ref=f"report:{report.id}",
            quantity=None,
            document_type=report.kind.value,
            document_number=report.number or f"sha256:{report.sha256[:16]}",
            party=report.issuer,
            status=report.status.value,
            note=report.review_note,
        )
        for report in rows
    ]


def _spot_checks(session: Session, actor: Actor, ctx: EventContext) -> list[TraceEvent]:
    stmt = select(SpotCheck).filter_by(batch_id=ctx.batch.id).order_by(SpotCheck.id)
    events = []
    for check in session.scalars(within_remit(stmt, remit_of(session, actor), SpotCheck)):
        if check.sampled_at is not None:
            events.append(
                TraceEvent(
                    at=check.sampled_at,
                    kind=EventKind.SPOT_CHECK_SAMPLED,
                    ref=f"spot_check:{check.id}:sampled",
                    quantity=check.sample_quantity,
                    document_type="spot_check",
                    document_number=str(check.id),
                    party=ctx.office.name,
                    status=check.channel.value if check.channel else "",
                    note=f"order {check.order_ref}" if check.order_ref else "",
                )
            )
        if check.decided_at is not None:
            events.append(
                TraceEvent(
                    at=check.decided_at,
                    kind=EventKind.SPOT_CHECK_DECIDED,
                    ref=f"spot_check:{check.id}:decided",
                    quantity=check.sample_quantity,
                    document_type="spot_check",
                    document_number=str(check.id),
                    party=check.lab,
                    status=check.status.value,
                    note=", ".join(check.failed_items or []),
                )
            )
    return events


DISPOSAL_EVENTS = {
    LedgerKind.DESTRUCTION: EventKind.DESTROYED,
    LedgerKind.RETURN_SHIPMENT: EventKind.RETURN_SHIPPED,
}


def _disposals(session: Session, ctx: EventContext) -> list[TraceEvent]:
    rows = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.batch_id == ctx.batch.id, LedgerEntry.kind.in_(list(DISPOSAL_EVENTS)))
        .order_by(LedgerEntry.id)
    )
    return [
        TraceEvent(
            at=entry.at,
            kind=DISPOSAL_EVENTS[entry.kind],
            ref=f"ledger:{entry.id}",
            quantity=abs(entry.quantity),
            document_type="ledger_entry",
            document_number=str(entry.id),
            party=ctx.office.name,
            status=entry.kind.value,
        )
        for entry in rows
    ]


def _recalls(session: Session, ctx: EventContext) -> list[TraceEvent]:
    events = []
    for recall in session.scalars(select(Recall).filter_by(batch_id=ctx.batch.id).order_by(Recall.id)):
        moments = [(EventKind.RECALL_OPENED, recall.opened_at, f"{recall.kind.value}/{recall.scope.value}")]
        if recall.closed_at is not None:
            moments.append((EventKind.RECALL_CLOSED, recall.closed_at, recall.status.value))
        for kind, at, status in moments:
            events.append(
                TraceEvent(
                    at=at,
                    kind=kind,
                    ref=f"recall:{recall.id}:{kind.value.removeprefix('recall_')}",
                    quantity=recall.affected_units if recall.scope is RecallScope.SOLD_UNITS else None,
                    document_type=recall.kind.value,
                    document_number=str(recall.id),
                    party=ctx.merchant_name if recall.voluntary else ctx.office.name,
                    status=status,
                    note=recall.reason if kind is EventKind.RECALL_OPENED else recall.close_note,
                )
            )
    return events


def _returns(session: Session, ctx: EventContext) -> list[TraceEvent]:
    rows = session.execute(
        select(ConsumerReturn, ExitDeclaration, ReturnItem.serial)
        .join(ReturnItem, ReturnItem.return_id == ConsumerReturn.id)
        .join(ExitDeclaration, ExitDeclaration.id == ConsumerReturn.exit_declaration_id)
        .where(ReturnItem.batch_id == ctx.batch.id)
        .order_by(ConsumerReturn.id, ReturnItem.id)
    ).all()
    grouped: dict[int, tuple[ConsumerReturn, ExitDeclaration, list[str]]] = {}
    for back, declaration, serial in rows:
        grouped.setdefault(back.id, (back, declaration, []))[2].append(serial)
    return [
        TraceEvent(
            at=back.returned_at,
            kind=EventKind.RETURNED,
            ref=f"return:{back.id}",
            quantity=len(serials),
            document_type="consumer_return",
            document_number=str(back.id),
            party=declaration.buyer_name_masked,
            note=back.reason,
            serials=tuple(serials),
            order=_order_ref(declaration),
        )
        for back, declaration, serials in grouped.values()
    ]


def _order_ref(declaration: ExitDeclaration) -> OrderRef:
    return OrderRef(
        declaration.id,
        declaration.order_no,
        declaration.platform,
        declaration.waybill_no,
        declaration.buyer_name_masked,
    )


def _shipments(session: Session, ctx: EventContext) -> Iterator[TraceEvent]:
    """Written-off order lines of the batch, oldest first, read in chunks (never all at once)."""
    batch = ctx.batch
    stmt = (
        select(
            ExitDeclaration.id,
            ExitDeclaration.order_no,
            ExitDeclaration.platform,
            ExitDeclaration.waybill_no,
            ExitDeclaration.buyer_name_masked,
            ExitDeclaration.written_off_at,
            ExitDeclaration.declared_at,
            ExitLine.quantity,
            ExitLine.codes,
        )
        .join(ExitLine, ExitLine.declaration_id == ExitDeclaration.id)
        .where(ExitLine.batch_id == batch.id, ExitDeclaration.status == ExitStatus.WRITTEN_OFF)
        .order_by(ExitDeclaration.written_off_at, ExitDeclaration.id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    for order_id, order_no, platform, waybill, buyer, at, declared, quantity, codes in session.execute(stmt):
        serials = tuple(c[2] for c in codes or [] if len(c) == 3 and c[0] == batch.gtin and c[1] == batch.lot)
        yield TraceEvent(
            at=at or declared,  # written-off declarations always have written_off_at
            kind=EventKind.SHIPPED,
            ref=f"exit:{order_id}",
            quantity=quantity,
            document_type="order",
            document_number=order_no,
            party=buyer,
            status=ExitStatus.WRITTEN_OFF.value,
            serials=serials,
            order=OrderRef(order_id, order_no, platform, waybill, buyer),
        )
