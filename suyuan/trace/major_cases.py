"""Major-case reporting (重大案件及时上报, G15 §3(5)) and its notice to the other offices (G15 §2(2)-(3)).

G15 §3(5): "major cases found in the work are to be reported promptly to the General Administration and
the local government"; §2(2)-(3) ask the bureaus to exchange what they find. Separate from
:mod:`suyuan.trace.rectification` and :mod:`suyuan.trace.sanctions` because marking a case major decides
nothing about the enterprise: it records the office's summary and who was told.

* **Marking.** An office marks one record of its remit as a major case with a summary: a complaint, a
  recall, risk information it received, or a spot check that **failed** (a planned, sampled or passed
  check is no case). A record outside the remit answers ``NotFound`` like an unknown id; each record is
  reported at most once (``Duplicate``). The report is the case's office's: the marking officer's office,
  or for the operator (the CLI) the office the record belongs to.
* **Recipients.** The operator, standing for the national level, sees every report. The report is sent
  as a notice to **every other office**: which bureaus a case touches is not known from the records (a
  lot's goods may be sold on any platform, and a platform's orders name only the seller's office), so
  the whole network is told, as a national notice would be. Chosen over guessing from the CEB orders,
  which would miss goods sold before the order messages arrive.
* **Acknowledgement.** An officer of a receiving office acknowledges its notice once (``InvalidState``
  on a second time); the reporting office sees who acknowledged and when, so the exchange is on record.

Merchants see none of this. Every decision validates its input before writing and appends its audit
entry in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, exists, or_, select, true
from sqlalchemy.orm import Session, selectinload

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.errors import Duplicate, InvalidInput, InvalidState, NotFound, PermissionDenied
from suyuan.trace.fields import choice, text
from suyuan.trace.model import (
    Batch,
    Complaint,
    Enterprise,
    MajorCaseKind,
    MajorCaseNotice,
    MajorCaseReport,
    Office,
    Product,
    Recall,
    RiskInformation,
    SpotCheck,
    SpotCheckStatus,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import visible

MAX_SUMMARY = 2000
"""The longest summary, in characters."""

_REPORT_LOADS = (
    selectinload(MajorCaseReport.office),
    selectinload(MajorCaseReport.enterprise),
    selectinload(MajorCaseReport.notices).selectinload(MajorCaseNotice.office),
)
"""What a list shows of each report, loaded with the list rather than row by row."""


def report_major_case(
    session: Session,
    actor: Actor,
    case_kind: str,
    case_id: int,
    summary: str,
    *,
    now: datetime | None = None,
) -> MajorCaseReport:
    """Mark a record of the office's remit as a major case and notify every other office; audited."""
    actor.require_regulator()
    kind = choice(MajorCaseKind, case_kind, "case_kind")
    words = text(summary, "summary", MAX_SUMMARY, required=True)
    office_id, enterprise_id = _case(session, actor, kind, case_id)
    earlier = session.scalar(
        select(MajorCaseReport.id).where(
            MajorCaseReport.case_kind == kind, MajorCaseReport.case_id == case_id
        )
    )
    if earlier is not None:
        raise Duplicate(f"{_noun(kind)} {case_id} was already reported as a major case (report {earlier})")
    report = MajorCaseReport(
        office_id=office_id,
        case_kind=kind,
        case_id=case_id,
        enterprise_id=enterprise_id,
        summary=words,
        reported_at=now or utcnow(),
        reported_by=actor.label,
    )
    session.add(report)
    session.flush()
    others = session.scalars(select(Office.id).where(Office.id != office_id).order_by(Office.id)).all()
    session.add_all(MajorCaseNotice(report_id=report.id, office_id=o, acknowledged_by="") for o in others)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="major_case.reported",
        subject=f"{kind.value}:{case_id}",
        payload={"report": report.id, "office": office_id, "notified": list(others), "summary": words},
    )
    return report


def acknowledge(
    session: Session, actor: Actor, notice_id: int, *, now: datetime | None = None
) -> MajorCaseNotice:
    """An officer of the receiving office acknowledges a major-case notice, once; audited."""
    actor.require_regulator()
    notice = get_notice(session, actor, notice_id)
    if actor.operator or notice.office_id != actor.office_id:
        raise PermissionDenied("only an officer of the receiving office acknowledges its notice")
    if notice.acknowledged_at is not None:
        raise InvalidState(f"major-case notice {notice.id} was already acknowledged")
    notice.acknowledged_at, notice.acknowledged_by = now or utcnow(), actor.label
    audit.record(
        session,
        actor=actor.label,
        action="major_case.acknowledged",
        subject=f"{notice.report.case_kind.value}:{notice.report.case_id}",
        payload={"report": notice.report_id, "notice": notice.id, "office": notice.office_id},
    )
    return notice


def get_report(session: Session, actor: Actor, report_id: int) -> MajorCaseReport:
    """A report the actor may see (its office's, one sent to its office, or any for the operator)."""
    found = None
    if _office_or_operator(actor) and _is_id(report_id):
        found = session.scalar(
            select(MajorCaseReport).where(MajorCaseReport.id == report_id, _seen_by(actor))
        )
    if found is None:
        raise NotFound(f"major-case report {report_id} does not exist")
    return found


def get_notice(session: Session, actor: Actor, notice_id: int) -> MajorCaseNotice:
    """A notice to the actor's office (any for the operator); others answer ``NotFound``."""
    found = None
    if _office_or_operator(actor) and _is_id(notice_id):
        found = session.get(MajorCaseNotice, notice_id)
    if found is None or not (actor.operator or found.office_id == actor.office_id):
        raise NotFound(f"major-case notice {notice_id} does not exist")
    return found


def list_reports(session: Session, actor: Actor, *, limit: int = 500) -> list[MajorCaseReport]:
    """Reports the actor's office made (every report for the operator), newest first."""
    if not _office_or_operator(actor):
        raise PermissionDenied("only inspection offices see major-case reports")
    stmt = select(MajorCaseReport).options(*_REPORT_LOADS).order_by(MajorCaseReport.id.desc()).limit(limit)
    if not actor.operator:
        stmt = stmt.where(MajorCaseReport.office_id == actor.office_id)
    return list(session.scalars(stmt))


def list_notices(session: Session, actor: Actor, *, limit: int = 500) -> list[MajorCaseNotice]:
    """Notices received by the actor's office (every notice for the operator), newest first."""
    if not _office_or_operator(actor):
        raise PermissionDenied("only inspection offices receive major-case notices")
    loads = [selectinload(MajorCaseNotice.report).options(*_REPORT_LOADS)]
    stmt = select(MajorCaseNotice).options(*loads).order_by(MajorCaseNotice.id.desc()).limit(limit)
    if not actor.operator:
        stmt = stmt.where(MajorCaseNotice.office_id == actor.office_id)
    return list(session.scalars(stmt))


def _case(session: Session, actor: Actor, kind: MajorCaseKind, case_id: int) -> tuple[int, int | None]:
    """The office a case belongs to and the enterprise it concerns, found within the actor's remit."""
    if not _is_id(case_id):
        raise NotFound(f"{_noun(kind)} {case_id} does not exist")
    office_id: int | None
    if kind is MajorCaseKind.COMPLAINT:
        complaint = visible(session, actor, Complaint, case_id)
        enterprise_id, office_id = complaint.enterprise_id, complaint.office_id
    elif kind is MajorCaseKind.SPOT_CHECK:
        check = visible(session, actor, SpotCheck, case_id)
        if check.status is not SpotCheckStatus.FAILED:
            raise InvalidState(f"spot check {case_id} has not failed ({check.status.value}): it is no case")
        enterprise_id, office_id = check.batch.product.enterprise_id, check.office_id
    elif kind is MajorCaseKind.RECALL:
        enterprise_id, office_id = visible(session, actor, Recall, case_id).batch.product.enterprise_id, None
    else:
        enterprise_id, office_id = _risk_information(session, actor, case_id)
    if not actor.operator:
        return actor.office_id or 0, enterprise_id
    if office_id is None and enterprise_id is not None:
        office_id = session.scalar(select(Enterprise.office_id).where(Enterprise.id == enterprise_id))
    if office_id is None:
        raise InvalidInput(f"{_noun(kind)} {case_id} belongs to no office to report it", field="case_id")
    return office_id, enterprise_id


def _risk_information(session: Session, actor: Actor, case_id: int) -> tuple[int | None, int]:
    """The enterprise risk information concerns (if it names one) and the office that received it."""
    information = session.get(RiskInformation, case_id)
    if information is None or not (actor.operator or information.office_id == actor.office_id):
        raise NotFound(f"risk information {case_id} does not exist")
    enterprise_id = information.enterprise_id
    if enterprise_id is None and information.batch_id is not None:
        enterprise_id = session.scalar(
            select(Product.enterprise_id)
            .join(Batch, Batch.product_id == Product.id)
            .where(Batch.id == information.batch_id)
        )
    if enterprise_id is None and information.product_id is not None:
        enterprise_id = session.scalar(
            select(Product.enterprise_id).where(Product.id == information.product_id)
        )
    return enterprise_id, information.office_id


def _seen_by(actor: Actor) -> ColumnElement[bool]:
    if actor.operator:
        return true()
    sent_here = exists().where(
        MajorCaseNotice.report_id == MajorCaseReport.id, MajorCaseNotice.office_id == actor.office_id
    )
    return or_(MajorCaseReport.office_id == actor.office_id, sent_here)


def _office_or_operator(actor: Actor) -> bool:
    return actor.operator or (actor.is_regulator and actor.office_id is not None)


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_INT


def _noun(kind: MajorCaseKind) -> str:
    return kind.value.replace("_", " ")
