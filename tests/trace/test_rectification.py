"""Responsibility interviews, rectification orders and strict inspection of repeat offenders (R52, G15 §2(3)).

An office interviews and orders enterprises in its remit; the enterprise reports; the office accepts
(closed) or rejects with a reason (open again); an order past its deadline without an accepted report is
overdue; an overdue order or two orders within a year put the enterprise under strict inspection, which
draws its goods as key supervision and holds their release for a passed spot check.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import recalls, rectification, risk_intake
from suyuan.trace.errors import (
    FileRejected,
    FileTooLarge,
    InvalidInput,
    InvalidState,
    NotFound,
    PermissionDenied,
)
from suyuan.trace.model import (
    AuditEntry,
    RectificationOrder,
    RectificationReport,
    RectificationReportFile,
    RectificationStatus,
    ReportDecision,
    SpotCheckStatus,
)
from suyuan.trace.rectification import InterviewRecord, OrderTerms, ReportFile
from suyuan.trace.zone import inspection, spot_checks
from tests.factories import make_batch, make_second_office, make_world

NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)  # 12:00 in Beijing
TODAY = date(2026, 12, 4)
PDF = b"%PDF-1.7\n% rectification evidence\n%%EOF\n"


def terms(**overrides: object) -> OrderTerms:
    values: dict[str, object] = {
        "matter": "标签中文信息不全",
        "requirements": "补齐中文标签并提交整改报告",
        "deadline": TODAY + timedelta(days=10),
    }
    values.update(overrides)
    return OrderTerms(**values)  # type: ignore[arg-type]


def interview() -> InterviewRecord:
    return InterviewRecord(
        held_on=TODAY,
        place="前海办事处302会议室",
        participants="王科长;企业质量负责人李四",
        matter="多次投诉标签问题",
        commitments="一周内完成标签整改",
    )


def actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("rectification.%"))))


def test_an_interview_is_recorded_for_an_enterprise_in_the_office_remit(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    record = rectification.record_interview(session, world.regulator, world.merchant.id, interview(), now=NOW)
    assert record.office_id == world.office.id and record.commitments == "一周内完成标签整改"
    assert actions(session) == ["rectification.interview_recorded"]
    assert rectification.list_interviews(session, world.merchant_staff) == [record]
    assert rectification.list_interviews(session, world.merchant_b_staff) == []


def test_an_interview_in_the_future_or_without_commitments_is_refused(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    future = InterviewRecord(TODAY + timedelta(days=1), "电话", "王科长", "事项", "承诺")
    with pytest.raises(InvalidInput, match="held_on"):
        rectification.record_interview(session, world.regulator, world.merchant.id, future, now=NOW)
    blank = InterviewRecord(TODAY, "电话", "王科长", "事项", "  ")
    with pytest.raises(InvalidInput, match="commitments"):
        rectification.record_interview(session, world.regulator, world.merchant.id, blank, now=NOW)
    assert actions(session) == []


def test_an_order_is_reported_rejected_with_a_reason_reported_again_and_closed(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    order = rectification.issue_order(session, world.regulator, world.merchant.id, terms(), now=NOW)
    assert order.status is RectificationStatus.OPEN and not rectification.is_overdue(order, NOW)
    first = rectification.submit_report(session, world.merchant_staff, order.id, "已更换标签", now=NOW)
    assert order.status is RectificationStatus.REPORTED and first.file_name is None
    with pytest.raises(InvalidInput, match="reason"):
        rectification.review_report(session, world.regulator, first.id, accept=False, reason=" ")
    rectification.review_report(session, world.regulator, first.id, accept=False, reason="缺少照片", now=NOW)
    assert first.decision is ReportDecision.REJECTED and first.rejection_reason == "缺少照片"
    assert order.status is RectificationStatus.OPEN
    second = rectification.submit_report(
        session,
        world.merchant_staff,
        order.id,
        "附照片",
        ReportFile("整改照片.png", b"\x89PNG\r\n\x1a\nrest"),
        now=NOW,
    )
    assert second.media_type == "image/png" and second.file_name == "整改照片.png" and second.size == 12
    assert rectification.report_file(session, second) == b"\x89PNG\r\n\x1a\nrest"
    rectification.review_report(session, world.regulator, second.id, accept=True, now=NOW)
    assert order.status is RectificationStatus.CLOSED and order.closed_at == NOW
    assert [r.id for r in order.reports] == [second.id, first.id]
    assert actions(session) == [
        "rectification.order_issued",
        "rectification.report_submitted",
        "rectification.report_rejected",
        "rectification.report_submitted",
        "rectification.report_accepted",
    ]


def test_a_closed_order_takes_no_report_and_a_decided_report_no_second_decision(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    order = rectification.issue_order(session, world.regulator, world.merchant.id, terms(), now=NOW)
    report = rectification.submit_report(session, world.merchant_staff, order.id, "已整改", now=NOW)
    with pytest.raises(InvalidState, match="awaiting"):
        rectification.submit_report(session, world.merchant_staff, order.id, "再次", now=NOW)
    rectification.review_report(session, world.regulator, report.id, accept=True, now=NOW)
    with pytest.raises(InvalidState, match="closed"):
        rectification.submit_report(session, world.merchant_staff, order.id, "再次", now=NOW)
    with pytest.raises(InvalidState, match="already accepted"):
        rectification.review_report(session, world.regulator, report.id, accept=False, reason="x")


def test_a_merchant_cannot_order_or_review_and_an_office_cannot_report(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    with pytest.raises(PermissionDenied):
        rectification.issue_order(session, world.merchant_staff, world.merchant.id, terms(), now=NOW)
    with pytest.raises(PermissionDenied):
        rectification.record_interview(session, world.merchant_staff, world.merchant.id, interview(), now=NOW)
    order = rectification.issue_order(session, world.regulator, world.merchant.id, terms(), now=NOW)
    with pytest.raises(PermissionDenied):
        rectification.submit_report(session, world.regulator, order.id, "代为整改", now=NOW)
    report = rectification.submit_report(session, world.merchant_staff, order.id, "已整改", now=NOW)
    with pytest.raises(PermissionDenied):
        rectification.review_report(session, world.merchant_staff, report.id, accept=True)


def test_another_office_or_merchant_finds_nothing(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    with pytest.raises(NotFound, match="enterprise"):
        rectification.issue_order(session, other.regulator, world.merchant.id, terms(), now=NOW)
    with pytest.raises(NotFound, match="enterprise"):
        rectification.issue_order(session, world.regulator, other.merchant.id, terms(), now=NOW)
    order = rectification.issue_order(session, world.regulator, world.merchant.id, terms(), now=NOW)
    for actor in (other.regulator, world.merchant_b_staff):
        with pytest.raises(NotFound, match=f"rectification order {order.id} does not exist"):
            rectification.get_order(session, actor, order.id)
    with pytest.raises(NotFound):
        rectification.submit_report(session, world.merchant_b_staff, order.id, "冒名", now=NOW)
    report = rectification.submit_report(session, world.merchant_staff, order.id, "已整改", now=NOW)
    with pytest.raises(NotFound, match="rectification report"):
        rectification.review_report(session, other.regulator, report.id, accept=True)
    assert rectification.list_orders(session, other.regulator) == []
    assert rectification.list_orders(session, world.merchant_staff) == [order]


def test_deadlines_and_texts_are_checked_before_anything_is_written(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    for bad in (TODAY - timedelta(days=1), TODAY + timedelta(days=400)):
        with pytest.raises(InvalidInput, match="deadline"):
            rectification.issue_order(
                session, world.regulator, world.merchant.id, terms(deadline=bad), now=NOW
            )
    with pytest.raises(InvalidInput, match="requirements"):
        rectification.issue_order(
            session, world.regulator, world.merchant.id, terms(requirements=""), now=NOW
        )
    with pytest.raises(InvalidInput, match="matter is longer"):
        rectification.issue_order(
            session, world.regulator, world.merchant.id, terms(matter="x" * 4001), now=NOW
        )
    session.flush()
    assert session.scalar(select(func.count(RectificationOrder.id))) == 0
    assert actions(session) == []


def test_a_report_file_is_checked_like_a_filing_document(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    order = rectification.issue_order(session, world.regulator, world.merchant.id, terms(), now=NOW)
    cases = [
        (ReportFile("x.html", b"<html>"), FileRejected, "PDF, JPEG or PNG"),
        (ReportFile("empty.pdf", b""), FileRejected, "empty"),
        (ReportFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)), FileTooLarge, "larger than 10 MB"),
    ]
    for attachment, error, message in cases:
        with pytest.raises(error, match=message):
            rectification.submit_report(session, world.merchant_staff, order.id, "报告", attachment, now=NOW)
    session.flush()
    assert session.scalar(select(func.count(RectificationReport.id))) == 0
    assert session.scalar(select(func.count(RectificationReportFile.report_id))) == 0
    assert order.status is RectificationStatus.OPEN
    named = rectification.submit_report(
        session, world.merchant_staff, order.id, "报告", ReportFile("../../etc/report.html", PDF), now=NOW
    )
    assert named.file_name == "report.html.pdf" and named.media_type == "application/pdf"


def test_an_order_names_its_cause_only_among_the_enterprise_records(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=0, released=False)
    other_batch = make_batch(session, world, runtime.ring, count=0, released=False, owner="merchant_b")
    check = spot_checks.open_spot_check(session, world.regulator, batch.id)
    order = rectification.issue_order(
        session,
        world.regulator,
        world.merchant.id,
        terms(cause_kind="spot_check", cause_id=check.id),
        now=NOW,
    )
    assert order.spot_check_id == check.id and order.cause_id == check.id
    recall = recalls.open_recall(session, world.regulator, batch.id, "stop_sale", "标签问题")
    linked = rectification.issue_order(
        session, world.regulator, world.merchant.id, terms(cause_kind="recall", cause_id=recall.id), now=NOW
    )
    assert linked.recall_id == recall.id
    info = risk_intake.record_information(
        session,
        world.regulator,
        risk_intake.RiskReport(
            source="incident", title="标签", description="中文标签缺失", batch_id=batch.id
        ),
    )
    by_info = rectification.issue_order(
        session,
        world.regulator,
        world.merchant.id,
        terms(cause_kind="risk_information", cause_id=info.id),
        now=NOW,
    )
    assert by_info.risk_information_id == info.id
    other_check = spot_checks.open_spot_check(session, world.regulator, other_batch.id)
    with pytest.raises(NotFound, match="spot check"):  # the other merchant's check is no cause of this one
        rectification.issue_order(
            session,
            world.regulator,
            world.merchant.id,
            terms(cause_kind="spot_check", cause_id=other_check.id),
            now=NOW,
        )
    with pytest.raises(NotFound, match="complaint 999"):
        rectification.issue_order(
            session, world.regulator, world.merchant.id, terms(cause_kind="complaint", cause_id=999), now=NOW
        )
    with pytest.raises(InvalidInput, match="cause_kind must be one of"):
        rectification.issue_order(
            session, world.regulator, world.merchant.id, terms(cause_kind="rumour", cause_id=1), now=NOW
        )
    with pytest.raises(InvalidInput, match="go together"):
        rectification.issue_order(session, world.regulator, world.merchant.id, terms(cause_id=1), now=NOW)


def test_an_order_past_its_deadline_without_an_accepted_report_is_overdue(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    order = rectification.issue_order(
        session, world.regulator, world.merchant.id, terms(deadline=TODAY), now=NOW
    )
    assert not rectification.is_overdue(order, NOW)  # the deadline day itself still counts
    late = NOW + timedelta(days=1)
    assert rectification.is_overdue(order, late)
    rectification.submit_report(session, world.merchant_staff, order.id, "已整改", now=late)
    assert rectification.is_overdue(order, late)  # reported, not yet accepted
    assert rectification.strict_inspection(session, world.merchant.id, now=late).overdue_orders == (order.id,)
    rectification.review_report(session, world.regulator, order.reports[0].id, accept=True, now=late)
    assert not rectification.is_overdue(order, late)
    assert not rectification.strict_inspection(session, world.merchant.id, now=late).applies


def test_two_orders_within_a_year_put_the_enterprise_under_strict_inspection(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    first = rectification.issue_order(session, world.regulator, world.merchant.id, terms(), now=NOW)
    rectification.submit_report(session, world.merchant_staff, first.id, "已整改", now=NOW)
    rectification.review_report(session, world.regulator, first.reports[0].id, accept=True, now=NOW)
    assert not rectification.strict_inspection(session, world.merchant.id, now=NOW).applies
    later = NOW + timedelta(days=100)
    second = rectification.issue_order(
        session, world.regulator, world.merchant.id, terms(deadline=TODAY + timedelta(days=110)), now=later
    )
    strict = rectification.strict_inspection(session, world.merchant.id, now=later)
    assert strict.applies and strict.recent_orders == 2 and strict.overdue_orders == ()
    assert not rectification.strict_inspection(session, world.merchant_b.id, now=later).applies
    rectification.submit_report(session, world.merchant_staff, second.id, "已整改", now=later)
    rectification.review_report(session, world.regulator, second.reports[0].id, accept=True, now=later)
    a_year_on = NOW + timedelta(days=366)  # the first order aged out of the window
    assert rectification.strict_inspection(session, world.merchant.id, now=a_year_on).recent_orders == 1
    assert not rectification.strict_inspection(session, world.merchant.id, now=a_year_on).applies


def test_strict_inspection_draws_goods_as_key_supervision_and_holds_release_for_a_passed_check(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=0, released=False)
    batch.product.risk_class = 3
    assert spot_checks.batch_rate(session, batch, "B") == pytest.approx(0.05)
    assert inspection.release_gaps(session, batch) == []
    rectification.issue_order(session, world.regulator, world.merchant.id, terms())
    rectification.issue_order(session, world.regulator, world.merchant.id, terms())
    assert spot_checks.batch_rate(session, batch, "B") == pytest.approx(0.20)
    assert spot_checks.batch_rate(session, batch, "D") == pytest.approx(0.80)
    assert inspection.release_gaps(session, batch) == [inspection.ReleaseGap.INSPECTION_REQUIRED]
    check = spot_checks.open_spot_check(session, world.regulator, batch.id)
    check.status = SpotCheckStatus.PASSED
    session.flush()
    assert inspection.release_gaps(session, batch) == []
