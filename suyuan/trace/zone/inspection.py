"""In-zone inspection: quarantine results, report review, the release gate and supervised disposal.

SZ Art. 14-19: goods are quarantined on entry; the merchant submits foreign test reports or a
self-declaration of conformity (and its own domestic lab reports); the office reviews them, and only
then may the goods be sold. The gate (:func:`release_problems`) applies in full to every batch that
entered through an entry declaration (``batch.bonded``); a lot registered directly is non-bonded (never
on the ledger, never exits as bonded goods) and meets only the inspection rule of key supervision and
tightened control.

Goods that fail quarantine (or are otherwise refused) leave the ledger only by supervised return
shipment or destruction (SZ Art. 26), posted by the office with :func:`dispose_goods`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import audit, rectification, risk_warnings, supervision_lists
from suyuan.trace.actors import Actor
from suyuan.trace.batches import get_batch
from suyuan.trace.errors import (
    InvalidInput,
    InvalidState,
    ReleaseConditionsNotMet,
)
from suyuan.trace.fields import choice, sha256_hex, text
from suyuan.trace.model import (
    Batch,
    BatchReport,
    BatchStatus,
    EntryDeclaration,
    LedgerEntry,
    LedgerKind,
    QuarantineOutcome,
    QuarantineResult,
    QuarantineScope,
    QuarantineStatus,
    ReportKind,
    ReportStatus,
    SpotCheck,
    SpotCheckStatus,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import remit_of, visible, within_remit
from suyuan.trace.zone import ledger, warehouses
from suyuan.trace.zone.entry import entry_line_of, get_entry

# Either of these, accepted and valid, lets a batch be sold (SZ Art. 17(3), 19).
QUALIFYING_REPORTS = frozenset({ReportKind.FOREIGN_TEST_REPORT, ReportKind.CONFORMITY_DECLARATION})
DISPOSALS = {"destruction": LedgerKind.DESTRUCTION, "return_shipment": LedgerKind.RETURN_SHIPMENT}


def record_quarantine(
    session: Session,
    actor: Actor,
    declaration_id: int,
    *,
    outcome: str,
    scope: str = QuarantineScope.GOODS,
    treatment: str = "",
    note: str = "",
) -> QuarantineResult:
    """The office records one quarantine result of an entry: of its goods, container or wood packaging.

    Without required scopes (:func:`require_quarantine_scopes`) the first result concludes quarantine,
    as it always did. With them, each required scope gets one result, and quarantine passes when all are
    in; any ``failed`` result fails it at once. ``treated`` (passed after disinfestation or sanitary
    treatment) needs the treatment; ``failed`` needs a note, and the entry's batches can then never be
    released, only disposed of.
    """
    actor.require_regulator()
    declaration = get_entry(session, actor, declaration_id)
    result = QuarantineResult(
        declaration_id=declaration.id,
        scope=choice(QuarantineScope, scope, "scope"),
        outcome=choice(QuarantineOutcome, outcome, "outcome"),
        treatment=text(treatment, "treatment", 200),
        note=text(note, "note", 4000),
        recorded_at=utcnow(),
        recorded_by=actor.label,
    )
    if result.outcome is QuarantineOutcome.TREATED and not result.treatment:
        raise InvalidInput("say which treatment was applied", field="treatment")
    if result.outcome is QuarantineOutcome.FAILED and not result.note:
        raise InvalidInput("say why quarantine failed", field="note")
    if declaration.quarantine_status is not QuarantineStatus.PENDING:
        raise InvalidState(f"quarantine of entry {declaration.id} is {declaration.quarantine_status}")
    required = list(declaration.required_quarantine or [])
    if required and result.scope.value not in required:
        raise InvalidInput(
            f"entry {declaration.id} requires quarantine of {', '.join(required)}", field="scope"
        )
    if any(r.scope is result.scope for r in declaration.quarantine_results):
        raise InvalidState(f"the {result.scope.value} result of entry {declaration.id} is already recorded")
    declaration.quarantine_results.append(result)
    declaration.quarantine_status = _quarantine_status(declaration)
    session.flush()
    concluded = declaration.quarantine_status is not QuarantineStatus.PENDING
    audit.record(
        session,
        actor=actor.label,
        action=f"entry.quarantine_{declaration.quarantine_status.value if concluded else 'recorded'}",
        subject=f"entry:{declaration.id}",
        payload={"scope": result.scope.value, "outcome": result.outcome.value, "treatment": result.treatment},
    )
    return result


def _quarantine_status(declaration: EntryDeclaration) -> QuarantineStatus:
    results = declaration.quarantine_results
    if any(r.outcome is QuarantineOutcome.FAILED for r in results):
        return QuarantineStatus.FAILED
    required = set(declaration.required_quarantine or [])
    if results and required <= {r.scope.value for r in results}:
        return QuarantineStatus.PASSED
    return QuarantineStatus.PENDING


def require_quarantine_scopes(
    session: Session, actor: Actor, declaration_id: int, scopes: list[str]
) -> EntryDeclaration:
    """The office names which quarantines an entry needs (goods, container, wood packaging; SZ Art. 14).

    Only while quarantine is pending; results already recorded count, and if they cover every scope
    named, quarantine concludes now.
    """
    actor.require_regulator()
    declaration = get_entry(session, actor, declaration_id)
    if not isinstance(scopes, list) or not scopes:
        raise InvalidInput("name at least one quarantine scope", field="scopes")
    named = sorted({choice(QuarantineScope, s, "scopes").value for s in scopes})
    if declaration.quarantine_status is not QuarantineStatus.PENDING:
        raise InvalidState(f"quarantine of entry {declaration.id} is {declaration.quarantine_status}")
    recorded = {r.scope.value for r in declaration.quarantine_results}
    if recorded - set(named):
        raise InvalidInput(f"results of {', '.join(sorted(recorded))} are already recorded", field="scopes")
    declaration.required_quarantine = named
    declaration.quarantine_status = _quarantine_status(declaration)
    audit.record(
        session,
        actor=actor.label,
        action="entry.quarantine_required",
        subject=f"entry:{declaration.id}",
        payload={"scopes": named},
    )
    return declaration


def missing_quarantine(declaration: EntryDeclaration) -> list[str]:
    """The required scopes still without a result (for pages: what the office has yet to inspect)."""
    recorded = {r.scope.value for r in declaration.quarantine_results}
    return [s for s in declaration.required_quarantine or [] if s not in recorded]


@dataclass(frozen=True)
class ScopeResult:
    """One quarantine scope of an entry: whether the office requires it (``None``: no scopes named, the
    first result concludes) and its result, if recorded."""

    scope: QuarantineScope
    required: bool | None
    result: QuarantineResult | None


def scope_results(declaration: EntryDeclaration) -> list[ScopeResult]:
    """Every scope (goods, container, wood packaging) with whether it is required and its result, in the
    order of :class:`QuarantineScope`: what the officer's and the merchant's entry pages both show."""
    required = set(declaration.required_quarantine or [])
    results = {r.scope: r for r in declaration.quarantine_results}
    return [
        ScopeResult(s, (s.value in required) if required else None, results.get(s)) for s in QuarantineScope
    ]


@dataclass(frozen=True)
class ReportFiling:
    """A test report or conformity declaration for a batch; the file is referenced by its SHA-256."""

    kind: str
    issuer: str
    issued_on: date
    sha256: str
    number: str = ""
    valid_until: date | None = None


def submit_report(
    session: Session, actor: Actor, batch_id: int, filing: ReportFiling, *, today: date | None = None
) -> BatchReport:
    """The batch's merchant submits a report for review while the batch is in the zone."""
    actor.require_merchant("only the batch's merchant submits its reports")
    batch = get_batch(session, actor, batch_id)
    day = today or utcnow().date()
    report = BatchReport(
        batch_id=batch.id,
        kind=choice(ReportKind, filing.kind, "kind"),
        number=text(filing.number, "number", 100),
        issuer=text(filing.issuer, "issuer", 200, required=True),
        issued_on=filing.issued_on,
        valid_until=filing.valid_until,
        sha256=sha256_hex(filing.sha256),
        status=ReportStatus.SUBMITTED,
        submitted_at=utcnow(),
        submitted_by=actor.label,
    )
    if report.issued_on > day:
        raise InvalidInput("issued_on is in the future", field="issued_on")
    if report.valid_until is not None and report.valid_until < day:
        raise InvalidInput("the report is no longer valid", field="valid_until")
    if batch.status is not BatchStatus.IN_ZONE:
        raise InvalidState(f"batch {batch.id} is {batch.status}; reports are reviewed before release")
    session.add(report)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="report.submitted",
        subject=f"batch:{batch.id}",
        payload={
            "report": report.id,
            "kind": report.kind.value,
            "sha256": report.sha256,
            "issuer": report.issuer,
        },
    )
    return report


def review_report(
    session: Session, actor: Actor, report_id: int, *, accept: bool, note: str = "", today: date | None = None
) -> BatchReport:
    """The office accepts or rejects a submitted report (a rejection says why)."""
    actor.require_regulator()
    report = get_report(session, actor, report_id)
    note = text(note, "note", 4000)
    if report.status is not ReportStatus.SUBMITTED:
        raise InvalidState(f"report {report.id} was already {report.status}")
    if not accept and not note:
        raise InvalidInput("say why the report is rejected", field="note")
    if accept and report.valid_until is not None and report.valid_until < (today or utcnow().date()):
        raise InvalidState(f"report {report.id} expired on {report.valid_until.isoformat()}")
    report.status = ReportStatus.ACCEPTED if accept else ReportStatus.REJECTED
    report.review_note = note
    report.reviewed_at = utcnow()
    report.reviewed_by = actor.label
    audit.record(
        session,
        actor=actor.label,
        action=f"report.{report.status.value}",
        subject=f"batch:{report.batch_id}",
        payload={"report": report.id, "note": note},
    )
    return report


def get_report(session: Session, actor: Actor, report_id: int) -> BatchReport:
    """A report on a batch within the actor's remit; others answer ``NotFound`` like an unknown id."""
    return visible(session, actor, BatchReport, report_id)


def reports_of(session: Session, actor: Actor, batch_id: int) -> list[BatchReport]:
    """A batch's reports, oldest first."""
    batch = get_batch(session, actor, batch_id)
    return list(session.scalars(select(BatchReport).filter_by(batch_id=batch.id).order_by(BatchReport.id)))


def pending_reports(session: Session, actor: Actor, *, limit: int = 200) -> list[BatchReport]:
    """Reports of the office's remit awaiting its review, oldest first (regulators)."""
    actor.require_regulator()
    stmt = select(BatchReport).filter_by(status=ReportStatus.SUBMITTED).order_by(BatchReport.id).limit(limit)
    return list(session.scalars(within_remit(stmt, remit_of(session, actor), BatchReport)))


class ReleaseGap(enum.StrEnum):
    """What still stands between a declared batch and its release; stable words for pages and lists."""

    QUARANTINE_PENDING = "quarantine_pending"
    QUARANTINE_FAILED = "quarantine_failed"
    REPORTS_IN_REVIEW = "reports_in_review"
    NO_QUALIFYING_REPORT = "no_qualifying_report"
    INSPECTION_REQUIRED = "inspection_required"
    NO_SUPERVISED_WAREHOUSE = "no_supervised_warehouse"


def release_gaps(session: Session, batch: Batch, today: date | None = None) -> list[ReleaseGap]:
    """What a batch still lacks to be released (empty: nothing).

    Every batch: goods under key supervision (the key-supervision list, or outside the positive list)
    or under tightened control that requires inspection need a passed spot check first. A batch that
    entered through a declaration also needs its quarantine passed, its reports reviewed and a
    qualifying report, and, where its office designated supervised warehouses, to be stored in one.
    The merchant's desk lists these as its to-do ("reports missing"); :func:`release_problems` words
    the same gaps for the release gate's error, so both follow one rule.
    """
    gaps = _supervision_gaps(session, batch)
    line = entry_line_of(session, batch.id)
    if line is None:
        return gaps
    day = today or utcnow().date()
    if batch.warehouse_id is None and warehouses.office_has_warehouses(session, line.declaration.office_id):
        gaps.append(ReleaseGap.NO_SUPERVISED_WAREHOUSE)
    quarantine = line.declaration.quarantine_status
    if quarantine is QuarantineStatus.FAILED:
        gaps.append(ReleaseGap.QUARANTINE_FAILED)
    elif quarantine is not QuarantineStatus.PASSED:
        gaps.append(ReleaseGap.QUARANTINE_PENDING)
    reports = session.scalars(select(BatchReport).filter_by(batch_id=batch.id)).all()
    if any(r.status is ReportStatus.SUBMITTED for r in reports):
        gaps.append(ReleaseGap.REPORTS_IN_REVIEW)
    if not any(
        r.status is ReportStatus.ACCEPTED
        and r.kind in QUALIFYING_REPORTS
        and (r.valid_until is None or r.valid_until >= day)
        for r in reports
    ):
        gaps.append(ReleaseGap.NO_QUALIFYING_REPORT)
    return gaps


def release_problems(session: Session, batch: Batch, today: date | None = None) -> list[str]:
    """Why a batch that entered through a declaration may not be released yet (empty: it may)."""
    gaps = release_gaps(session, batch, today)
    problems = []
    if ReleaseGap.QUARANTINE_PENDING in gaps or ReleaseGap.QUARANTINE_FAILED in gaps:
        line = entry_line_of(session, batch.id)
        assert line is not None
        quarantine = line.declaration.quarantine_status
        problems.append(f"quarantine of entry {line.declaration_id} is {quarantine.value}")
    if ReleaseGap.REPORTS_IN_REVIEW in gaps:
        problems.append("reports await the office's review")
    if ReleaseGap.NO_QUALIFYING_REPORT in gaps:
        problems.append("no accepted, valid foreign test report or conformity declaration")
    if ReleaseGap.INSPECTION_REQUIRED in gaps:
        problems.append("goods under key supervision or tightened control need a passed inspection")
    if ReleaseGap.NO_SUPERVISED_WAREHOUSE in gaps:
        problems.append("the goods are not stored in a supervised warehouse")
    return problems


def _supervision_gaps(session: Session, batch: Batch) -> list[ReleaseGap]:
    """The inspection required of key-supervision goods, of goods under tightened control and of the
    goods of an enterprise under strict inspection (R52, :mod:`suyuan.trace.rectification`)."""
    key = supervision_lists.standing(session, batch.product).key_handling
    if not (
        key
        or rectification.strict_inspection(session, batch.product.enterprise_id).applies
        or risk_warnings.tightened_control(session, batch).require_inspection
    ):
        return []
    passed = select(SpotCheck.id).filter_by(batch_id=batch.id, status=SpotCheckStatus.PASSED).limit(1)
    return [] if session.scalar(passed) is not None else [ReleaseGap.INSPECTION_REQUIRED]


def require_release_conditions(session: Session, batch: Batch, today: date | None = None) -> None:
    """Raise :class:`ReleaseConditionsNotMet` unless the batch may be sold (SZ Art. 19)."""
    problems = release_problems(session, batch, today)
    if problems:
        raise ReleaseConditionsNotMet(f"batch {batch.id} cannot be released: " + "; ".join(problems))


def dispose_goods(
    session: Session, actor: Actor, batch_id: int, *, kind: str, quantity: int, reason: str
) -> LedgerEntry:
    """The office supervises the destruction or return shipment of units still in the zone."""
    actor.require_regulator()
    batch = get_batch(session, actor, batch_id)
    if kind not in DISPOSALS:
        raise InvalidInput("kind must be destruction or return_shipment", field="kind")
    if not isinstance(quantity, int) or quantity < 1:
        raise InvalidInput("quantity must be a positive whole number", field="quantity")
    reason = text(reason, "reason", 2000, required=True)
    ledger.require_on_ledger(session, batch)
    ledger.lock_batches(session, [batch.id])
    entry = ledger.post(
        session,
        batch_id=batch.id,
        kind=DISPOSALS[kind],
        quantity=quantity,
        source=f"disposal:{kind}",
        posted_by=actor.label,
    )
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action=f"ledger.{kind}",
        subject=f"batch:{batch.id}",
        payload={"quantity": quantity, "reason": reason, "ledger_entry": entry.id},
    )
    return entry


def declarations_awaiting_quarantine(session: Session, actor: Actor) -> list[EntryDeclaration]:
    """Entries of the office's remit whose quarantine result is still pending (regulators)."""
    actor.require_regulator()
    stmt = (
        select(EntryDeclaration)
        .filter_by(quarantine_status=QuarantineStatus.PENDING)
        .order_by(EntryDeclaration.id)
    )
    return list(session.scalars(within_remit(stmt, remit_of(session, actor), EntryDeclaration)))


def release_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    """The office releases an in-zone batch for sale once its reports are reviewed.

    A batch that entered through an entry declaration must also have passed quarantine and have an
    accepted report (:func:`require_release_conditions`).
    """
    actor.require_regulator()
    batch = get_batch(session, actor, batch_id)
    if batch.status is not BatchStatus.IN_ZONE:
        raise InvalidState(f"batch {batch.id} is {batch.status}, not in_zone")
    require_release_conditions(session, batch)
    batch.status = BatchStatus.RELEASED
    audit.record(session, actor=actor.label, action="batch.released", subject=f"batch:{batch.id}", payload={})
    return batch
