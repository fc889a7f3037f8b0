"""The half-yearly statistical report of an office's supervision (G15 §3(5); R60).

G15 §3(5) asks the inspection offices to compile statistics of cross-border e-commerce supervision every
half year and report them upwards. :func:`half_year_report` counts, for an office's remit (or the whole
instance, for the operator) and one half-year, what the office did and what happened to the goods in
its remit: filings, admissions, entries and the ledger's movements, exits, spot checks, complaints,
recalls, risk information and warnings, sanctions and rectification, codes issued and scans by verdict.

* **Periods** are Beijing-time half-years: H1 runs from 1 January 00:00 to 1 July 00:00 (UTC+8), H2 from
  1 July to the next 1 January. An event at 23:30 on 30 June in Beijing belongs to H1 however it is
  stored (UTC). A half-year that has not begun is refused; the current one is reported so far
  (``complete`` is false) so an office can look before the deadline.
* **Counts are aggregates in SQL**, one ``COUNT``/``SUM`` per figure over the remit's rows of the period
  (:mod:`suyuan.trace.remit` narrows each, exactly as the office's lists are narrowed), and scans come from
  the daily tally (:mod:`suyuan.trace.scan_tally`, whose days are Beijing days), never row by row.
* **Figures are stable English keys** (:data:`FIGURES`, in report order, grouped by :data:`SECTIONS`):
  the API, the CSV and the CLI use them; pages show them in the reader's language.
* **Who.** Office staff see their office's remit, the operator everything; merchants have no such
  report (their own figures are on their dashboard).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.errors import InvalidInput
from suyuan.trace.model import (
    ADMITTED,
    AdmissionStatus,
    Batch,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Enterprise,
    EntryDeclaration,
    ExitDeclaration,
    Issuance,
    LedgerEntry,
    LedgerKind,
    Product,
    Recall,
    RecallKind,
    RectificationOrder,
    ResponsibilityInterview,
    RiskInformation,
    RiskWarning,
    Sanction,
    ScanTally,
    SpotCheck,
    SpotCheckStatus,
)
from suyuan.trace.model.types import BEIJING, utcnow
from suyuan.trace.remit import Remit, remit_of, within_enterprises, within_remit
from suyuan.trace.stats import tally_scope

FIRST_YEAR = 2000
"""No cross-border e-commerce pilot predates this; earlier years are a typing mistake."""

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("filing", ("enterprises_filed", "products_admitted", "products_refused")),
    (
        "zone",
        (
            "entry_declarations",
            "units_entered",
            "units_written_off",
            "units_returned",
            "units_destroyed",
            "exit_declarations",
            "exits_released_by_office",
        ),
    ),
    ("inspection", ("spot_checks_decided", "spot_checks_failed")),
    (
        "codes",
        ("codes_issued", "scans", "scans_genuine", "scans_counterfeit", "scans_suspect", "scans_other"),
    ),
    ("complaints", ("complaints_received", "complaints_upheld")),
    (
        "measures",
        (
            "recalls",
            "stop_sales",
            "risk_information",
            "risk_warnings",
            "sanctions",
            "interviews",
            "rectification_orders",
        ),
    ),
)
"""The report's sections and, in each, its figures in the order they are shown."""

FIGURES: tuple[str, ...] = tuple(key for _, keys in SECTIONS for key in keys)
"""Every figure's key, in report order."""

SCAN_VERDICTS = {"genuine": "scans_genuine", "counterfeit": "scans_counterfeit", "suspect": "scans_suspect"}
"""Verdicts with a figure of their own; the rest (recalled, revoked, …) are ``scans_other``."""


@dataclass(frozen=True)
class Period:
    """One Beijing-time half-year: ``half`` 1 is January-June, 2 July-December."""

    year: int
    half: int

    @property
    def start(self) -> datetime:
        """The first instant of the half-year (UTC)."""
        return datetime(self.year, 1 if self.half == 1 else 7, 1, tzinfo=BEIJING).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The first instant after it (UTC)."""
        later = datetime(self.year, 7, 1) if self.half == 1 else datetime(self.year + 1, 1, 1)
        return later.replace(tzinfo=BEIJING).astimezone(UTC)

    @property
    def days(self) -> tuple[date, date]:
        """Its first and last Beijing calendar day (for records dated by day: scan tallies, interviews)."""
        return self.start.astimezone(BEIJING).date(), (
            self.end.astimezone(BEIJING) - timedelta(days=1)
        ).date()

    @property
    def label(self) -> str:
        """``2026-H2``: how files and the CLI name the period."""
        return f"{self.year}-H{self.half}"


@dataclass(frozen=True)
class HalfYearReport:
    """The figures of one remit and half-year; ``complete`` is false while the half-year is running."""

    period: Period
    office_id: int | None
    figures: dict[str, int]
    complete: bool
    generated_at: datetime


def period_of(year: object, half: object, *, now: datetime | None = None) -> Period:
    """The period ``year``/``half`` as given by a person, or ``InvalidInput`` saying what is wrong.

    Both left out (``None``) mean the half-year running now, as the page, the API and the CLI default.
    The year runs from :data:`FIRST_YEAR` to the current Beijing year, the half is 1 or 2, and a half-year
    that has not begun is refused (there is nothing to report yet).
    """
    if year is None and half is None:
        return current_period(now)
    today = (now or utcnow()).astimezone(BEIJING)
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= today.year:
        raise InvalidInput(f"year must be a year from {FIRST_YEAR} to {today.year}", field="year")
    if isinstance(half, bool) or half not in (1, 2):
        raise InvalidInput("half must be 1 (January-June) or 2 (July-December)", field="half")
    period = Period(year, half)
    if period.start > today:
        raise InvalidInput(f"{period.label} has not begun yet", field="half")
    return period


def current_period(now: datetime | None = None) -> Period:
    """The Beijing half-year running now (the page's default)."""
    today = (now or utcnow()).astimezone(BEIJING)
    return Period(today.year, 1 if today.month <= 6 else 2)


def half_year_report(
    session: Session, actor: Actor, period: Period, *, now: datetime | None = None
) -> HalfYearReport:
    """Count the figures of the actor's remit over ``period`` (office staff and the operator only)."""
    actor.require_regulator()
    remit = remit_of(session, actor)
    figures = {key: 0 for key in FIGURES}
    for count in COUNTS:
        figures.update(count(session, remit, period))
    at = now or utcnow()
    return HalfYearReport(period, remit.office_id, figures, at >= period.end, at)


Count = Callable[[Session, Remit, Period], dict[str, int]]


def _in(column: Any, period: Period) -> list[ColumnElement[bool]]:
    """``column`` (a UTC time) within the period."""
    return [column >= period.start, column < period.end]


def _scalar(session: Session, stmt: Select[Any]) -> int:
    return int(session.scalar(stmt) or 0)


def _filings(session: Session, remit: Remit, period: Period) -> dict[str, int]:
    enterprises = within_remit(select(func.count(Enterprise.id)), remit, Enterprise)
    decided = within_remit(
        select(Product.admission_status, func.count(Product.id)).where(*_in(Product.decided_at, period)),
        remit,
        Product,
    ).group_by(Product.admission_status)
    by_status = {AdmissionStatus(s): int(n) for s, n in session.execute(decided)}
    return {
        "enterprises_filed": _scalar(session, enterprises.where(*_in(Enterprise.created_at, period))),
        "products_admitted": sum(by_status.get(s, 0) for s in ADMITTED),
        "products_refused": by_status.get(AdmissionStatus.REFUSED, 0),
    }


LEDGER_FIGURES = {
    LedgerKind.ENTRY: "units_entered",
    LedgerKind.WRITE_OFF: "units_written_off",
    LedgerKind.CONSUMER_RETURN: "units_returned",
    LedgerKind.DESTRUCTION: "units_destroyed",
}


def _zone(session: Session, remit: Remit, period: Period) -> dict[str, int]:
    lots = within_remit(select(Batch.id), remit, Batch)
    moves = (
        select(LedgerEntry.kind, func.sum(func.abs(LedgerEntry.quantity)))
        .where(LedgerEntry.batch_id.in_(lots), *_in(LedgerEntry.at, period))
        .group_by(LedgerEntry.kind)
    )
    figures = {
        LEDGER_FIGURES[LedgerKind(k)]: int(n or 0) for k, n in session.execute(moves) if k in LEDGER_FIGURES
    }
    entries = within_remit(select(func.count(EntryDeclaration.id)), remit, EntryDeclaration)
    exits = within_remit(select(func.count(ExitDeclaration.id)), remit, ExitDeclaration)
    figures["entry_declarations"] = _scalar(
        session, entries.where(*_in(EntryDeclaration.declared_at, period))
    )
    figures["exit_declarations"] = _scalar(session, exits.where(*_in(ExitDeclaration.declared_at, period)))
    figures["exits_released_by_office"] = _scalar(
        session, exits.where(*_in(ExitDeclaration.released_at, period))
    )
    return figures


def _inspection(session: Session, remit: Remit, period: Period) -> dict[str, int]:
    decided = within_remit(
        select(SpotCheck.status, func.count(SpotCheck.id)).where(*_in(SpotCheck.decided_at, period)),
        remit,
        SpotCheck,
    ).group_by(SpotCheck.status)
    by_status = {SpotCheckStatus(s): int(n) for s, n in session.execute(decided)}
    return {
        "spot_checks_decided": sum(by_status.values()),
        "spot_checks_failed": by_status.get(SpotCheckStatus.FAILED, 0),
    }


def _codes(session: Session, remit: Remit, period: Period) -> dict[str, int]:
    issued = within_remit(
        select(func.sum(Issuance.last_serial - Issuance.first_serial + 1)).where(
            *_in(Issuance.created_at, period)
        ),
        remit,
        Issuance,
    )
    first_day, last_day = period.days
    where = [*tally_scope(remit, first_day), ScanTally.day <= last_day]
    tally = select(ScanTally.verdict, func.sum(ScanTally.scans)).where(*where)
    figures = {"codes_issued": _scalar(session, issued), "scans": 0, "scans_other": 0}
    for verdict, scans in session.execute(tally.group_by(ScanTally.verdict)):
        figures["scans"] += int(scans)
        key = SCAN_VERDICTS.get(str(verdict), "scans_other")
        figures[key] = figures.get(key, 0) + int(scans)
    return figures


def _complaints(session: Session, remit: Remit, period: Period) -> dict[str, int]:
    received = within_remit(select(func.count(Complaint.id)), remit, Complaint)
    upheld = within_remit(select(Complaint.id), remit, Complaint)
    upheld_in_period = select(func.count(func.distinct(ComplaintEvent.complaint_id))).where(
        ComplaintEvent.complaint_id.in_(upheld),
        ComplaintEvent.status == ComplaintStatus.UPHELD.value,
        *_in(ComplaintEvent.at, period),
    )
    return {
        "complaints_received": _scalar(session, received.where(*_in(Complaint.created_at, period))),
        "complaints_upheld": _scalar(session, upheld_in_period),
    }


def _measures(session: Session, remit: Remit, period: Period) -> dict[str, int]:
    recalls = within_remit(
        select(Recall.kind, func.count(Recall.id)).where(*_in(Recall.opened_at, period)), remit, Recall
    ).group_by(Recall.kind)
    by_kind = {RecallKind(k): int(n) for k, n in session.execute(recalls)}
    information = select(func.count(RiskInformation.id)).where(*_in(RiskInformation.received_at, period))
    if remit.office_id is not None:
        information = information.where(RiskInformation.office_id == remit.office_id)
    warnings = within_remit(select(func.count(RiskWarning.id)), remit, RiskWarning)
    sanctions = within_enterprises(select(func.count(Sanction.id)), remit, Sanction.enterprise_id)
    interviews = within_remit(select(func.count(ResponsibilityInterview.id)), remit, ResponsibilityInterview)
    first_day, last_day = period.days
    orders = within_remit(select(func.count(RectificationOrder.id)), remit, RectificationOrder)
    return {
        "recalls": by_kind.get(RecallKind.RECALL, 0),
        "stop_sales": by_kind.get(RecallKind.STOP_SALE, 0),
        "risk_information": _scalar(session, information),
        "risk_warnings": _scalar(session, warnings.where(*_in(RiskWarning.published_at, period))),
        "sanctions": _scalar(session, sanctions.where(*_in(Sanction.decided_at, period))),
        "interviews": _scalar(
            session,
            interviews.where(
                ResponsibilityInterview.held_on >= first_day, ResponsibilityInterview.held_on <= last_day
            ),
        ),
        "rectification_orders": _scalar(session, orders.where(*_in(RectificationOrder.issued_at, period))),
    }


COUNTS: tuple[Count, ...] = (_filings, _zone, _inspection, _codes, _complaints, _measures)
"""One aggregate pass per section."""
