"""Major-case reporting and the notice to the other offices (R60, R55; G15 §3(5), §2(2)-(3)).

An office marks a complaint, recall, risk information or failed spot check of its remit as a major case
with a summary; the operator sees every report and every other office gets a notice, which an officer
acknowledges once. Records outside the remit answer like unknown ids; nothing is half-written.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import complaints, major_cases, recalls, risk_intake
from suyuan.trace.actors import OPERATOR
from suyuan.trace.errors import Duplicate, InvalidInput, InvalidState, NotFound, PermissionDenied
from suyuan.trace.model import AuditEntry, MajorCaseKind, MajorCaseNotice, MajorCaseReport, SpotCheck
from suyuan.trace.zone import spot_checks
from tests.factories import (
    REPORT_SHA,
    World,
    code_urls,
    make_batch,
    make_second_office,
    make_world,
    make_zone_batch,
)

NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("major_case.%"))))


def failed_check(session: Session, runtime: Runtime, world: World) -> SpotCheck:
    batch = make_zone_batch(session, world, runtime.ring, quantity=5)
    check = spot_checks.open_spot_check(session, world.regulator, batch.id)
    spot_checks.record_sample(session, world.regulator, check.id, channel="offline", quantity=1)
    return spot_checks.record_result(
        session,
        world.regulator,
        check.id,
        passed=False,
        lab="CIQ lab",
        report_sha256=REPORT_SHA,
        failed_items=["铅"],
    )


def test_a_failed_spot_check_is_reported_and_every_other_office_is_notified(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    check = failed_check(session, runtime, world)
    report = major_cases.report_major_case(
        session, world.regulator, "spot_check", check.id, "  婴幼儿奶粉抽检不合格,已销往多地  ", now=NOW
    )
    assert (report.office_id, report.case_kind, report.summary) == (
        world.office.id,
        MajorCaseKind.SPOT_CHECK,
        "婴幼儿奶粉抽检不合格,已销往多地",
    )
    assert report.enterprise_id == world.merchant.id
    assert [n.office_id for n in report.notices] == [other.office.id]
    assert actions(session) == ["major_case.reported"]
    # the reporting office, the receiving office and the operator see the report; the receiver its notice
    for actor in (world.regulator, other.regulator, OPERATOR):
        assert major_cases.get_report(session, actor, report.id) is report
    assert major_cases.list_reports(session, world.regulator) == [report]
    assert major_cases.list_reports(session, other.regulator) == []
    assert major_cases.list_reports(session, OPERATOR) == [report]
    assert [n.report_id for n in major_cases.list_notices(session, other.regulator)] == [report.id]
    assert major_cases.list_notices(session, world.regulator) == []


def test_the_receiving_office_acknowledges_once(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    batch = make_batch(session, world, runtime.ring, count=0, released=False)
    recall = recalls.open_recall(session, world.regulator, batch.id, "stop_sale", "标签问题")
    report = major_cases.report_major_case(
        session, world.regulator, "recall", recall.id, "大范围召回", now=NOW
    )
    notice = report.notices[0]
    with pytest.raises(NotFound, match=f"major-case notice {notice.id} does not exist"):
        major_cases.acknowledge(session, world.regulator, notice.id)  # the sender is no receiver
    with pytest.raises(PermissionDenied):
        major_cases.acknowledge(session, OPERATOR, notice.id)
    major_cases.acknowledge(session, other.regulator, notice.id, now=NOW)
    assert notice.acknowledged_at == NOW and notice.acknowledged_by == other.regulator.label
    with pytest.raises(InvalidState, match="already acknowledged"):
        major_cases.acknowledge(session, other.regulator, notice.id)
    assert actions(session) == ["major_case.reported", "major_case.acknowledged"]


def test_complaints_and_risk_information_are_cases_too(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=2)
    url = code_urls(session, runtime.ring, batch, 1, 1)[0]
    complaint = complaints.file_complaint(session, runtime.ring, url, category="quality", text="奶粉结块发臭")
    by_complaint = major_cases.report_major_case(
        session, world.regulator, "complaint", complaint.id, "群体投诉"
    )
    assert by_complaint.enterprise_id == world.merchant.id
    info = risk_intake.record_information(
        session,
        world.regulator,
        risk_intake.RiskReport(
            source="incident", title="标签", description="中文标签缺失", batch_id=batch.id
        ),
    )
    by_info = major_cases.report_major_case(session, world.regulator, "risk_information", info.id, "境外通报")
    assert by_info.enterprise_id == world.merchant.id and by_info.office_id == world.office.id


def test_another_office_a_merchant_or_a_second_marking_is_refused(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    check = failed_check(session, runtime, world)
    with pytest.raises(NotFound, match=f"spot check {check.id} does not exist"):
        major_cases.report_major_case(session, other.regulator, "spot_check", check.id, "越权")
    with pytest.raises(PermissionDenied):
        major_cases.report_major_case(session, world.merchant_staff, "spot_check", check.id, "商户")
    with pytest.raises(PermissionDenied):
        major_cases.list_notices(session, world.merchant_staff)
    report = major_cases.report_major_case(session, world.regulator, "spot_check", check.id, "首次")
    with pytest.raises(NotFound, match="major-case report"):
        major_cases.get_report(session, world.merchant_staff, report.id)
    with pytest.raises(Duplicate, match=f"already reported as a major case \\(report {report.id}\\)"):
        major_cases.report_major_case(session, world.regulator, "spot_check", check.id, "再次")
    assert session.scalar(select(func.count()).select_from(MajorCaseReport)) == 1


def test_bad_input_writes_nothing(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    make_second_office(session)
    batch = make_batch(session, world, runtime.ring, count=0, released=False)
    planned = spot_checks.open_spot_check(session, world.regulator, batch.id)
    with pytest.raises(InvalidState, match="has not failed"):
        major_cases.report_major_case(session, world.regulator, "spot_check", planned.id, "未出结果")
    recall = recalls.open_recall(session, world.regulator, batch.id, "stop_sale", "标签问题")
    with pytest.raises(InvalidInput, match="summary is longer than 2000"):
        major_cases.report_major_case(session, world.regulator, "recall", recall.id, "长" * 2001)
    with pytest.raises(InvalidInput, match="summary is required"):
        major_cases.report_major_case(session, world.regulator, "recall", recall.id, "   ")
    with pytest.raises(InvalidInput, match="case_kind must be one of"):
        major_cases.report_major_case(session, world.regulator, "rumour", recall.id, "传闻")
    with pytest.raises(NotFound, match="complaint 999 does not exist"):
        major_cases.report_major_case(session, world.regulator, "complaint", 999, "不存在")
    for table in (MajorCaseReport, MajorCaseNotice):
        assert session.scalar(select(func.count()).select_from(table)) == 0
    assert actions(session) == []


def test_the_operator_reports_for_the_case_office(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    batch = make_batch(session, world, runtime.ring, count=0, released=False)
    recall = recalls.open_recall(session, world.regulator, batch.id, "stop_sale", "标签问题")
    report = major_cases.report_major_case(session, OPERATOR, "recall", recall.id, "总署关注")
    assert report.office_id == world.office.id
    assert [n.office_id for n in report.notices] == [other.office.id]
