"""Credit: events roll up into a grade A-D that drives the spot-check rate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.errors import InvalidInput, NotFound, PermissionDenied
from suyuan.trace.model import AuditEntry, ExitStatus
from suyuan.trace.model.types import utcnow
from suyuan.trace.zone import credit, exits
from tests.factories import SECRET, code_urls, exit_filing, make_enterprise, make_world, make_zone_batch


@pytest.mark.parametrize(
    ("points", "passed", "grade"),
    [(0, 0, "B"), (0, 2, "B"), (0, 3, "A"), (1, 5, "B"), (2, 0, "B"), (3, 0, "C"), (7, 9, "C"), (8, 0, "D")],
)
def test_the_grade_rules(points: int, passed: int, grade: str) -> None:
    assert credit.grade_for(points, passed) == grade


def test_events_regrade_the_merchant_and_every_change_is_audited(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    credit.record_credit_event(
        session, world.regulator, world.merchant.id, "complaint_upheld", note="mislabelled"
    )
    assert world.merchant.credit_grade == "B"
    credit.record_credit_event(session, world.regulator, world.merchant.id, "violation", note="false invoice")
    assert world.merchant.credit_grade == "C"
    credit.record_credit_event(session, world.regulator, world.merchant.id, "violation", note="again")
    assert world.merchant.credit_grade == "D"
    graded = session.scalars(select(AuditEntry).filter_by(action="credit.graded")).all()
    assert [entry.payload for entry in graded] == [
        '{"grade": ["B", "C"], "passed_checks": 0, "points": 5}',
        '{"grade": ["C", "D"], "passed_checks": 0, "points": 9}',
    ]
    profile = credit.credit_profile(session, world.merchant_staff, world.merchant.id)
    assert (profile.grade, profile.points, len(profile.events)) == ("D", 9, 3)


def test_old_events_fall_out_of_the_window(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    long_ago = utcnow() - timedelta(days=400)
    credit.record_credit_event(
        session, world.regulator, world.merchant.id, "violation", note="x", now=long_ago
    )
    credit.record_credit_event(
        session, world.regulator, world.merchant.id, "violation", note="y", now=long_ago
    )
    assert world.merchant.credit_grade == "D"
    assert credit.regrade(session, world.regulator, world.merchant) == "B"


def test_only_the_office_records_events_and_only_known_kinds(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    with pytest.raises(PermissionDenied):
        credit.record_credit_event(session, world.merchant_staff, world.merchant.id, "violation", note="x")
    with pytest.raises(InvalidInput, match="kind must be one of"):
        credit.record_credit_event(session, world.regulator, world.merchant.id, "gossip", note="x")
    with pytest.raises(InvalidInput, match="say what happened"):
        credit.record_credit_event(session, world.regulator, world.merchant.id, "violation", note=" ")
    with pytest.raises(NotFound):
        credit.credit_profile(session, world.merchant_b_staff, world.merchant.id)
    platform = make_enterprise(session, kind="platform")
    credit.record_credit_event(session, world.regulator, platform.id, "violation", note="x")
    assert platform.credit_grade == "B"  # grades drive merchants' spot checks; others keep the default


def test_a_grade_d_merchants_exits_wait_for_the_office(session: Session, runtime: Runtime) -> None:
    """R63: the grade ties to supervision beyond the sampling rate: grade D holds every exit."""
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=4)
    urls = code_urls(session, runtime.ring, batch)
    world.merchant.credit_grade = "D"
    session.commit()
    held = exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:1])]), secret=SECRET
    )
    assert held.status is ExitStatus.HELD
    world.merchant.credit_grade = "C"
    session.commit()
    passed = exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[1:2])]), secret=SECRET
    )
    assert passed.status is ExitStatus.WRITTEN_OFF
