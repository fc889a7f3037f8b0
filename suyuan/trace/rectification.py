"""Responsibility interviews, rectification orders and strict inspection of repeat offenders (G15 §2(3); R52).

G15 §2(3): for general quality-safety problems the office may hold a **responsibility interview**
(责任约谈) with the enterprise or **order it to rectify** (责令整改); enterprises with repeated problems are
put under **strict inspection** (严格的检验监管措施). Separate from :mod:`suyuan.trace.sanctions` because
these are the office's lighter measures, with the enterprise's answer and a deadline, not decisions on a
filing's status.

* **Interview.** The office records when it was held, where or by what means, who took part, the matter
  and what the enterprise committed to. A record, not a process: nothing follows from it by rule.
* **Order.** The office names the matter, its requirements and a deadline (today or later, Beijing time),
  optionally the record that caused it: a complaint, a spot check, risk information or a recall of the
  enterprise within the office's remit (by id; another one is refused like an unknown id). ``open`` →
  the enterprise's staff submit a **report** (text, optionally one PDF, JPEG or PNG file, checked as
  filing documents are: :func:`suyuan.trace.enterprise_documents.media_type_of`) → ``reported`` → the
  office **accepts** it (``closed``) or **rejects** it with a reason (``open`` again, for a new report).
  An order past its deadline without an accepted report is **overdue**: computed (:func:`is_overdue`),
  never stored, so it follows the calendar.
* **Strict inspection** (:func:`strict_inspection`): an enterprise with an overdue order, or with at least
  :data:`REPEAT_ORDERS` orders issued in the last :data:`REPEAT_WINDOW_DAYS` days (by any office), is under
  strict inspection. Chosen levers, the ones key-supervision goods already get (docs/zone.md §12): each of
  its batches is drawn for spot checks at the key-supervision base rate (class 2, 20 % before the credit
  grade's factor and any warning's tightening, :func:`suyuan.trace.zone.spot_checks.batch_rate`), and
  needs a **passed spot check before release** (``inspection_required``,
  :mod:`suyuan.trace.zone.inspection`). Exits are not held (that is the D grade's and a warning's lever)
  and nothing already released changes. It ends by itself when the overdue order is closed or the orders
  age out of the window.

Every decision validates all its input before writing and appends its audit entry in the same
transaction; records outside the actor's remit answer ``NotFound`` like unknown ids
(:mod:`suyuan.trace.remit`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.enterprise_documents import file_name, media_type_of
from suyuan.trace.errors import InvalidInput, InvalidState, NotFound
from suyuan.trace.fields import choice, text
from suyuan.trace.model import (
    Batch,
    Complaint,
    Enterprise,
    Product,
    Recall,
    RectificationCause,
    RectificationOrder,
    RectificationReport,
    RectificationReportFile,
    RectificationStatus,
    ReportDecision,
    ResponsibilityInterview,
    RiskInformation,
    SpotCheck,
)
from suyuan.trace.model.types import BEIJING, utcnow
from suyuan.trace.remit import remit_of, visible, within_remit

REPEAT_ORDERS = 2
"""Orders within the window that make an enterprise a repeat offender."""

REPEAT_WINDOW_DAYS = 365

MAX_TEXT = 4000
MAX_PLACE = 200
MAX_DEADLINE_DAYS = 366
"""The furthest deadline an order may set, counted from today."""


@dataclass(frozen=True)
class InterviewRecord:
    """What an office records of a responsibility interview."""

    held_on: date
    place: str
    participants: str
    matter: str
    commitments: str


@dataclass(frozen=True)
class OrderTerms:
    """What an order says: the matter, the requirements, the deadline and optionally its cause."""

    matter: str
    requirements: str
    deadline: date
    cause_kind: str | None = None
    cause_id: int | None = None


@dataclass(frozen=True)
class ReportFile:
    """A report's attached file as it arrives: the name the sender gave it and its bytes."""

    file_name: str
    data: bytes


@dataclass(frozen=True)
class StrictInspection:
    """Whether an enterprise is under strict inspection, and why."""

    overdue_orders: tuple[int, ...]
    recent_orders: int

    @property
    def applies(self) -> bool:
        """An overdue order, or :data:`REPEAT_ORDERS` or more orders within the window."""
        return bool(self.overdue_orders) or self.recent_orders >= REPEAT_ORDERS


def beijing_today(now: datetime | None = None) -> date:
    """Today on Beijing's calendar."""
    return (now or utcnow()).astimezone(BEIJING).date()


def is_overdue(order: RectificationOrder, now: datetime | None = None) -> bool:
    """Past its deadline (the whole deadline day counts) without an accepted report."""
    return order.status is not RectificationStatus.CLOSED and beijing_today(now) > order.deadline


def record_interview(
    session: Session,
    actor: Actor,
    enterprise_id: int,
    record: InterviewRecord,
    *,
    now: datetime | None = None,
) -> ResponsibilityInterview:
    """The office records a responsibility interview held with an enterprise in its remit; audited."""
    actor.require_regulator()
    enterprise = visible(session, actor, Enterprise, enterprise_id)
    if not isinstance(record.held_on, date) or record.held_on > beijing_today(now):
        raise InvalidInput("held_on must be a date, today or earlier", field="held_on")
    interview = ResponsibilityInterview(
        enterprise_id=enterprise.id,
        office_id=enterprise.office_id,
        held_on=record.held_on,
        place=text(record.place, "place", MAX_PLACE, required=True),
        participants=text(record.participants, "participants", MAX_TEXT, required=True),
        matter=text(record.matter, "matter", MAX_TEXT, required=True),
        commitments=text(record.commitments, "commitments", MAX_TEXT, required=True),
        recorded_at=now or utcnow(),
        recorded_by=actor.label,
    )
    session.add(interview)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="rectification.interview_recorded",
        subject=f"enterprise:{enterprise.id}",
        payload={
            "interview": interview.id,
            "held_on": interview.held_on.isoformat(),
            "matter": interview.matter,
        },
    )
    return interview


def issue_order(
    session: Session, actor: Actor, enterprise_id: int, terms: OrderTerms, *, now: datetime | None = None
) -> RectificationOrder:
    """The office orders an enterprise in its remit to rectify by a deadline; audited."""
    actor.require_regulator()
    enterprise = visible(session, actor, Enterprise, enterprise_id)
    today = beijing_today(now)
    if not isinstance(terms.deadline, date) or not today <= terms.deadline <= today + timedelta(
        MAX_DEADLINE_DAYS
    ):
        raise InvalidInput(
            f"deadline must be a date from today to {MAX_DEADLINE_DAYS} days ahead", field="deadline"
        )
    order = RectificationOrder(
        enterprise_id=enterprise.id,
        office_id=enterprise.office_id,
        matter=text(terms.matter, "matter", MAX_TEXT, required=True),
        requirements=text(terms.requirements, "requirements", MAX_TEXT, required=True),
        deadline=terms.deadline,
        status=RectificationStatus.OPEN,
        issued_at=now or utcnow(),
        issued_by=actor.label,
    )
    _link_cause(session, actor, enterprise, order, terms)
    session.add(order)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="rectification.order_issued",
        subject=f"enterprise:{enterprise.id}",
        payload={
            "order": order.id,
            "deadline": order.deadline.isoformat(),
            "cause": order.cause_kind.value if order.cause_kind else None,
            "cause_id": order.cause_id,
            "matter": order.matter,
        },
    )
    return order


def _link_cause(
    session: Session, actor: Actor, enterprise: Enterprise, order: RectificationOrder, terms: OrderTerms
) -> None:
    """Name the order's cause: a record of this enterprise within the office's remit, or nothing."""
    if terms.cause_kind is None and terms.cause_id is None:
        return
    if terms.cause_kind is None or terms.cause_id is None:
        raise InvalidInput("cause_kind and cause_id go together", field="cause_id")
    kind = choice(RectificationCause, terms.cause_kind, "cause_kind")
    owner = _cause_enterprise(session, actor, kind, terms.cause_id)
    if owner != enterprise.id:
        raise NotFound(f"{kind.value.replace('_', ' ')} {terms.cause_id} does not exist")
    order.cause_kind = kind
    setattr(order, f"{kind.value}_id", terms.cause_id)


def _cause_enterprise(session: Session, actor: Actor, kind: RectificationCause, cause_id: int) -> int | None:
    """The enterprise a cause record concerns, found within the actor's remit (else ``NotFound``)."""
    if kind is RectificationCause.COMPLAINT:
        return visible(session, actor, Complaint, cause_id).enterprise_id
    if kind is RectificationCause.SPOT_CHECK:
        return visible(session, actor, SpotCheck, cause_id).batch.product.enterprise_id
    if kind is RectificationCause.RECALL:
        return visible(session, actor, Recall, cause_id).batch.product.enterprise_id
    information = session.get(RiskInformation, cause_id) if 1 <= cause_id <= MAX_INT else None
    if information is None or not (actor.operator or information.office_id == actor.office_id):
        raise NotFound(f"risk information {cause_id} does not exist")
    if information.enterprise_id is not None:  # a self-report
        return information.enterprise_id
    if information.batch_id is not None:  # a notification or incident naming goods of the enterprise
        batch = session.get(Batch, information.batch_id)
        return batch.product.enterprise_id if batch is not None else None
    product = session.get(Product, information.product_id) if information.product_id is not None else None
    return product.enterprise_id if product is not None else None


def submit_report(
    session: Session,
    actor: Actor,
    order_id: int,
    report_text: str,
    attachment: ReportFile | None = None,
    *,
    now: datetime | None = None,
) -> RectificationReport:
    """The enterprise's staff report how they rectified; the order then awaits the office's review."""
    actor.require_merchant("only the enterprise's own staff report on its rectification")
    order = visible(session, actor, RectificationOrder, order_id)
    body = text(report_text, "text", MAX_TEXT, required=True)
    media_type = media_type_of(attachment.data) if attachment is not None else None
    if order.status is not RectificationStatus.OPEN:
        raise InvalidState(_not_open(order))
    report = RectificationReport(
        order_id=order.id,
        text=body,
        submitted_at=now or utcnow(),
        submitted_by=actor.label,
        decision=ReportDecision.PENDING,
    )
    if attachment is not None and media_type is not None:
        report.file_name = file_name(attachment.file_name, "rectification_report", media_type)
        report.media_type, report.size = media_type, len(attachment.data)
        report.sha256 = hashlib.sha256(attachment.data).hexdigest()
    session.add(report)
    order.status = RectificationStatus.REPORTED
    session.flush()
    if attachment is not None:
        session.add(RectificationReportFile(report_id=report.id, data=attachment.data))
    audit.record(
        session,
        actor=actor.label,
        action="rectification.report_submitted",
        subject=f"enterprise:{order.enterprise_id}",
        payload={"order": order.id, "report": report.id, "file_sha256": report.sha256},
    )
    return report


def _not_open(order: RectificationOrder) -> str:
    if order.status is RectificationStatus.CLOSED:
        return f"rectification order {order.id} is closed: it takes no more reports"
    return f"rectification order {order.id} has a report awaiting the office's review"


def review_report(
    session: Session,
    actor: Actor,
    report_id: int,
    *,
    accept: bool,
    reason: str = "",
    now: datetime | None = None,
) -> RectificationReport:
    """The office accepts a report (the order closes) or rejects it with a reason (the order reopens)."""
    actor.require_regulator()
    report = visible(session, actor, RectificationReport, report_id)
    why = text(reason, "reason", MAX_TEXT, required=not accept)
    order = report.order
    if report.decision is not ReportDecision.PENDING or order.status is not RectificationStatus.REPORTED:
        raise InvalidState(f"rectification report {report.id} was already {report.decision.value}")
    moment = now or utcnow()
    report.decided_at, report.decided_by = moment, actor.label
    if accept:
        report.decision = ReportDecision.ACCEPTED
        order.status, order.closed_at = RectificationStatus.CLOSED, moment
    else:
        report.decision, report.rejection_reason = ReportDecision.REJECTED, why
        order.status = RectificationStatus.OPEN
    audit.record(
        session,
        actor=actor.label,
        action=f"rectification.report_{report.decision.value}",
        subject=f"enterprise:{order.enterprise_id}",
        payload={"order": order.id, "report": report.id, "reason": why or None},
    )
    return report


def get_order(session: Session, actor: Actor, order_id: int) -> RectificationOrder:
    """An order within the actor's remit; any other answers ``NotFound`` like an unknown id."""
    return visible(session, actor, RectificationOrder, order_id)


def get_interview(session: Session, actor: Actor, interview_id: int) -> ResponsibilityInterview:
    """An interview record within the actor's remit; any other answers ``NotFound``."""
    return visible(session, actor, ResponsibilityInterview, interview_id)


def get_report(session: Session, actor: Actor, report_id: int) -> RectificationReport:
    """A report within the actor's remit (its order's); any other answers ``NotFound``."""
    return visible(session, actor, RectificationReport, report_id)


def report_file(session: Session, report: RectificationReport) -> bytes | None:
    """The bytes of a report's file (a report already found within the caller's remit), if it has one."""
    return session.scalar(
        select(RectificationReportFile.data).where(RectificationReportFile.report_id == report.id)
    )


def list_orders(
    session: Session, actor: Actor, *, enterprise_id: int | None = None, limit: int = 500
) -> list[RectificationOrder]:
    """Orders within the actor's remit (of one enterprise, when given), newest first."""
    stmt = select(RectificationOrder).order_by(RectificationOrder.id.desc()).limit(limit)
    if enterprise_id is not None:
        stmt = stmt.where(
            RectificationOrder.enterprise_id == visible(session, actor, Enterprise, enterprise_id).id
        )
    return list(session.scalars(within_remit(stmt, remit_of(session, actor), RectificationOrder)))


def list_interviews(
    session: Session, actor: Actor, *, enterprise_id: int | None = None, limit: int = 500
) -> list[ResponsibilityInterview]:
    """Interview records within the actor's remit (of one enterprise, when given), newest first."""
    stmt = select(ResponsibilityInterview).order_by(
        ResponsibilityInterview.held_on.desc(), ResponsibilityInterview.id.desc()
    )
    if enterprise_id is not None:
        enterprise = visible(session, actor, Enterprise, enterprise_id)
        stmt = stmt.where(ResponsibilityInterview.enterprise_id == enterprise.id)
    stmt = within_remit(stmt.limit(limit), remit_of(session, actor), ResponsibilityInterview)
    return list(session.scalars(stmt))


def strict_inspection(
    session: Session, enterprise_id: int, *, now: datetime | None = None
) -> StrictInspection:
    """Whether an enterprise is under strict inspection (a rule over all offices' orders, not a view)."""
    moment = now or utcnow()
    overdue = session.scalars(
        select(RectificationOrder.id)
        .where(
            RectificationOrder.enterprise_id == enterprise_id,
            RectificationOrder.status != RectificationStatus.CLOSED,
            RectificationOrder.deadline < beijing_today(moment),
        )
        .order_by(RectificationOrder.id)
    ).all()
    since = moment.astimezone(UTC) - timedelta(days=REPEAT_WINDOW_DAYS)
    recent = session.scalar(
        select(func.count(RectificationOrder.id)).where(
            RectificationOrder.enterprise_id == enterprise_id, RectificationOrder.issued_at >= since
        )
    )
    return StrictInspection(tuple(overdue), recent or 0)
