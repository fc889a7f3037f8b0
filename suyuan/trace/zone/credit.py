"""Enterprise credit: events that count against a merchant roll up into a grade A-D (O15 §6(2)).

The grade lives on ``enterprise.credit_grade`` and drives supervision intensity: the spot-check rate
(:mod:`suyuan.trace.zone.spot_checks`). Rules (docs/zone.md), over the last :data:`WINDOW`:

* points per event: spot check failed 3, ordered recall 2, voluntary recall 1, complaint upheld 1,
  violation 4;
* D: 8 points or more; C: 3-7; B: 1-2 points, or no points but fewer than 3 passed spot checks;
  A: no points and at least 3 passed spot checks (a record of clean checks earns facilitation).

Events are append-only; the grade is recomputed after each event and each spot-check result, and
every change of grade is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.errors import InvalidInput
from suyuan.trace.fields import text
from suyuan.trace.model import (
    Batch,
    CreditEvent,
    CreditEventKind,
    Enterprise,
    EnterpriseKind,
    Product,
    SpotCheck,
    SpotCheckStatus,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.registry import get_enterprise
from suyuan.trace.remit import remit_of, within_remit

WINDOW = timedelta(days=365)
POINTS: dict[CreditEventKind, int] = {
    CreditEventKind.SPOT_CHECK_FAILED: 3,
    CreditEventKind.RECALL_ORDERED: 2,
    CreditEventKind.RECALL_VOLUNTARY: 1,
    CreditEventKind.COMPLAINT_UPHELD: 1,
    CreditEventKind.VIOLATION: 4,
}
GRADE_D_POINTS = 8
GRADE_C_POINTS = 3
GRADE_A_PASSED_CHECKS = 3
GRADES = ("A", "B", "C", "D")
HELD_GRADES = frozenset({"D"})
"""Grades under tightened supervision (CQ §2(2)3, R63): every exit of such a merchant waits for an
officer's release at exit, besides the higher spot-check rate (``spot_checks.GRADE_FACTOR``)."""


def grade_for(points: int, passed_checks: int) -> str:
    """The grade for ``points`` within the window and the number of spot checks passed in it."""
    if points >= GRADE_D_POINTS:
        return "D"
    if points >= GRADE_C_POINTS:
        return "C"
    if points == 0 and passed_checks >= GRADE_A_PASSED_CHECKS:
        return "A"
    return "B"


def record_credit_event(
    session: Session,
    actor: Actor,
    enterprise_id: int,
    kind: str,
    *,
    source: str = "",
    note: str = "",
    now: datetime | None = None,
) -> CreditEvent:
    """The office records an event against an enterprise (e.g. a violation or an upheld complaint)."""
    actor.require_regulator()
    enterprise = get_enterprise(session, actor, enterprise_id)
    try:
        event_kind = CreditEventKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in CreditEventKind)
        raise InvalidInput(f"kind must be one of: {allowed}", field="kind") from None
    source, note = text(source, "source", 64), text(note, "note", 2000)  # no control characters, no NUL
    if not note:
        raise InvalidInput("say what happened", field="note")
    return add_event(session, actor, enterprise, event_kind, source=source, note=note, now=now)


def add_event(
    session: Session,
    actor: Actor,
    enterprise: Enterprise,
    kind: CreditEventKind,
    *,
    source: str,
    note: str = "",
    now: datetime | None = None,
) -> CreditEvent:
    """Record an event raised by another use case (a failed spot check, a recall) and regrade."""
    event = CreditEvent(
        enterprise_id=enterprise.id,
        kind=kind,
        points=POINTS[kind],
        source=source,
        note=note,
        occurred_at=now or utcnow(),
        recorded_by=actor.label,
    )
    session.add(event)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="credit.event",
        subject=f"enterprise:{enterprise.id}",
        payload={"kind": kind.value, "points": event.points, "source": source},
    )
    regrade(session, actor, enterprise, now=now)
    return event


@dataclass(frozen=True)
class CreditProfile:
    """An enterprise's grade with what it rests on."""

    enterprise: Enterprise
    grade: str
    points: int
    passed_checks: int
    events: list[CreditEvent]


def credit_profile(
    session: Session, actor: Actor, enterprise_id: int, *, now: datetime | None = None
) -> CreditProfile:
    """The grade, the points and passed checks within the window, and every event (newest first)."""
    enterprise = get_enterprise(session, actor, enterprise_id)
    points, passed = _standing(session, enterprise.id, now or utcnow())
    events = list(
        session.scalars(
            select(CreditEvent).filter_by(enterprise_id=enterprise.id).order_by(CreditEvent.id.desc())
        )
    )
    return CreditProfile(enterprise, enterprise.credit_grade, points, passed, events)


def regrade(session: Session, actor: Actor, enterprise: Enterprise, *, now: datetime | None = None) -> str:
    """Recompute the grade from the events and spot checks in the window; audit a change."""
    if enterprise.kind is not EnterpriseKind.MERCHANT:
        return enterprise.credit_grade
    points, passed = _standing(session, enterprise.id, now or utcnow())
    grade = grade_for(points, passed)
    if grade != enterprise.credit_grade:
        old, enterprise.credit_grade = enterprise.credit_grade, grade
        audit.record(
            session,
            actor=actor.label,
            action="credit.graded",
            subject=f"enterprise:{enterprise.id}",
            payload={"grade": [old, grade], "points": points, "passed_checks": passed},
        )
    return grade


def _standing(session: Session, enterprise_id: int, now: datetime) -> tuple[int, int]:
    since = now - WINDOW
    points = session.scalar(
        select(func.coalesce(func.sum(CreditEvent.points), 0)).where(
            CreditEvent.enterprise_id == enterprise_id, CreditEvent.occurred_at > since
        )
    )
    passed = session.scalar(
        select(func.count())
        .select_from(SpotCheck)
        .join(Batch, Batch.id == SpotCheck.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .where(
            Product.enterprise_id == enterprise_id,
            SpotCheck.status == SpotCheckStatus.PASSED,
            SpotCheck.decided_at > since,
        )
    )
    return int(points or 0), int(passed or 0)


def regrade_all(session: Session, actor: Actor, *, now: datetime | None = None) -> dict[int, str]:
    """Regrade every merchant of the remit (run daily: events also fall out of the window, which no
    event reports)."""
    actor.require_regulator()
    stmt = select(Enterprise).filter_by(kind=EnterpriseKind.MERCHANT).order_by(Enterprise.id)
    merchants = session.scalars(within_remit(stmt, remit_of(session, actor), Enterprise))
    return {e.id: regrade(session, actor, e, now=now) for e in merchants}
