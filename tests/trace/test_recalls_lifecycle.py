"""The recall lifecycle: open, refuse what adds nothing, escalate, lift, close, destroy, return, notify."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import accounts, audit, complaints, recall_units, recalls, scanning
from suyuan.trace.actors import ANONYMOUS, OPERATOR, Actor
from suyuan.trace.codes import parse_code
from suyuan.trace.errors import (
    AlreadyRecalled,
    InvalidInput,
    InvalidState,
    LedgerWouldGoNegative,
    NotFound,
    NotOnLedger,
    PermissionDenied,
    ReturnNotAllowed,
)
from suyuan.trace.model import (
    AuditEntry,
    BatchStatus,
    CreditEvent,
    LedgerEntry,
    Office,
    Recall,
    RecallStatus,
    SpotCheckStatus,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.verdicts import Reason, Verdict
from suyuan.trace.zone import exits, ledger, returns, spot_checks
from tests.factories import (
    REPORT_SHA,
    SECRET,
    code_urls,
    exit_filing,
    make_batch,
    make_world,
    make_zone_batch,
)


def verdict_of(session: Session, runtime: Runtime, url: str) -> tuple[Verdict, list[Reason]]:
    check = scanning.check_code(session, runtime.ring, parse_code(url))
    return check.verdict, check.reasons


def counts(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (Recall, AuditEntry, CreditEvent, LedgerEntry)
    )


def other_office_regulator(session: Session) -> Actor:
    office = Office(code="SZ-NS", name="深圳海关南山办事处", name_en="Nanshan Office")
    session.add(office)
    session.flush()
    user = accounts.create_user(
        session,
        OPERATOR,
        email="officer@nanshan.example",
        name="Officer NS",
        role="regulator",
        password="password1",
        office_id=office.id,
    )
    session.commit()
    return Actor.for_user(user)


def test_a_recall_puts_its_notice_on_every_code_in_both_languages(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=4)
    recall = recalls.open_recall(
        session,
        world.regulator,
        batch.id,
        "recall",
        "检出沙门氏菌",
        "请停止食用并退回购买平台",
        instructions_en="Stop eating it and return it to the platform",
    )
    session.commit()
    for url in code_urls(session, runtime.ring, batch):
        check = scanning.check_code(session, runtime.ring, parse_code(url))
        assert (check.verdict, check.reasons, check.recall) == (
            Verdict.RECALLED,
            [Reason.BATCH_RECALLED],
            recall,
        )
    assert (recall.instructions_en, recall.voluntary, recall.status) == (
        "Stop eating it and return it to the platform",
        False,
        RecallStatus.OPEN,
    )
    assert audit.verify_chain(session).ok


def test_a_double_recall_is_refused_and_writes_nothing(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    first = recalls.open_recall(session, world.merchant_staff, batch.id, "recall", "mislabelled allergen")
    session.commit()
    before = counts(session)
    for actor, kind in ((world.regulator, "recall"), (world.merchant_staff, "stop_sale")):
        with pytest.raises(AlreadyRecalled, match=rf"already recalled \(recall #{first.id}, open"):
            recalls.open_recall(session, actor, batch.id, kind, "again")
        session.rollback()
    assert counts(session) == before


def test_another_merchants_batch_does_not_exist_for_it(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    theirs = make_batch(session, world, runtime.ring, count=1, owner="merchant_b")
    before = counts(session)
    with pytest.raises(NotFound):
        recalls.open_recall(session, world.merchant_staff, theirs.id, "recall", "not mine")
    with pytest.raises(NotFound):  # outside its office's remit the batch does not exist for it either
        recalls.open_recall(session, other_office_regulator(session), theirs.id, "recall", "not my office")
    session.rollback()
    assert counts(session)[0] == before[0] and theirs.status is BatchStatus.RELEASED


def test_a_stop_sale_escalated_to_a_recall_is_closed_by_it(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    stop = recalls.open_recall(session, world.merchant_staff, batch.id, "stop_sale", "label misprint")
    recall = recalls.open_recall(session, world.regulator, batch.id, "recall", "toxic ink on the label")
    session.commit()
    assert (stop.status, stop.close_note, recall.status) == (
        RecallStatus.CLOSED,
        f"escalated to recall #{recall.id}",
        RecallStatus.OPEN,
    )
    assert recalls.current_recall(session, batch) == recall
    with pytest.raises(InvalidState, match="closed"):
        recalls.lift_stop_sale(session, world.regulator, stop.id, "too late")
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq.desc()).limit(5)).all()
    assert "recall.escalated" in actions


def test_lifting_a_stop_sale_puts_the_codes_back_to_genuine(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=2)
    url = code_urls(session, runtime.ring, batch)[0]
    stop = recalls.open_recall(session, world.regulator, batch.id, "stop_sale", "under investigation")
    session.commit()
    assert verdict_of(session, runtime, url) == (Verdict.RECALLED, [Reason.BATCH_STOP_SALE])
    with pytest.raises(PermissionDenied):
        recalls.lift_stop_sale(session, world.merchant_staff, stop.id, "we would like to sell")
    with pytest.raises(NotFound):
        recalls.lift_stop_sale(session, other_office_regulator(session), stop.id, "not mine")
    with pytest.raises(InvalidInput, match="note is required"):
        recalls.lift_stop_sale(session, world.regulator, stop.id, "  ")
    recalls.lift_stop_sale(session, world.regulator, stop.id, "lab found nothing")
    session.commit()
    assert (batch.status, stop.status, stop.close_note) == (
        BatchStatus.RELEASED,
        RecallStatus.CLOSED,
        "lifted: lab found nothing",
    )
    assert verdict_of(session, runtime, url) == (Verdict.GENUINE, [])
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert last.action == "recall.lifted" and '"released"' in last.payload
    with pytest.raises(InvalidState, match="already closed"):
        recalls.lift_stop_sale(session, world.regulator, stop.id, "twice")


def test_a_lifted_stop_sale_restores_the_earlier_status_not_simply_released(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    waiting = make_batch(session, world, runtime.ring, count=1, released=False)
    stop = recalls.open_recall(session, world.regulator, waiting.id, "stop_sale", "tip-off")
    recalls.lift_stop_sale(session, world.regulator, stop.id, "tip-off unfounded")
    assert waiting.status is BatchStatus.IN_ZONE

    batch = make_zone_batch(session, world, runtime.ring, quantity=5)
    stop = recalls.open_recall(session, world.regulator, batch.id, "stop_sale", "complaints about taste")
    check = spot_checks.open_spot_check(session, world.regulator, batch.id, note="taste")
    spot_checks.record_sample(session, world.regulator, check.id, channel="offline", quantity=1)
    spot_checks.record_result(
        session,
        world.regulator,
        check.id,
        passed=False,
        lab="CIQ lab",
        report_sha256=REPORT_SHA,
        failed_items=["acidity"],
    )
    assert (check.status, batch.status) == (SpotCheckStatus.FAILED, BatchStatus.STOPPED)
    recalls.lift_stop_sale(session, world.regulator, stop.id, "sales may resume, exit may not")
    assert batch.status is BatchStatus.EXIT_BLOCKED


def test_closing_a_recall_reports_what_is_still_outstanding(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    urls = code_urls(session, runtime.ring, batch)
    exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:3])]), secret=SECRET
    )
    recall = recalls.open_recall(session, world.regulator, batch.id, "recall", "glass splinters")
    recall_units.record_destruction(session, world.merchant_staff, batch.id, 4, "incinerated at the zone")
    session.commit()
    units = recall_units.recall_accounting(session, recall)
    assert units.as_json() == {
        "on_ledger": True,
        "quantity": 10,
        "codes_issued": 10,
        "with_consumers": 3,
        "returned": 0,
        "destroyed": 4,
        "in_zone": 3,
        "outstanding": 6,
    }
    with pytest.raises(PermissionDenied):
        recalls.close_recall(session, world.merchant_staff, recall.id, "done")
    recalls.close_recall(session, world.regulator, recall.id, "3 units could not be traced")
    session.commit()
    assert (recall.status, recall.closed_by, recall.close_note) == (
        RecallStatus.CLOSED,
        world.regulator.label,
        "3 units could not be traced",
    )
    assert recall.closed_at is not None and batch.status is BatchStatus.RECALLED
    assert verdict_of(session, runtime, urls[5])[0] is Verdict.RECALLED  # the goods stay bad
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    assert last.action == "recall.closed" and '"outstanding": 6' in last.payload
    with pytest.raises(InvalidState, match="already closed"):
        recalls.close_recall(session, world.regulator, recall.id, "again")


def test_a_stop_sale_is_lifted_or_escalated_never_closed(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    stop = recalls.open_recall(session, world.regulator, batch.id, "stop_sale", "pending tests")
    with pytest.raises(InvalidState, match="lifts it or escalates it"):
        recalls.close_recall(session, world.regulator, stop.id, "done")
    recall = recalls.open_recall(session, world.regulator, batch.id, "recall", "tests failed")
    with pytest.raises(InvalidState, match="not a stop-sale"):
        recalls.lift_stop_sale(session, world.regulator, recall.id, "no")


def test_destruction_never_exceeds_the_zone_and_refusals_write_nothing(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=5)
    other = make_zone_batch(session, world, runtime.ring, quantity=5)
    direct = make_batch(session, world, runtime.ring, count=1)
    with pytest.raises(InvalidState, match="no open recall"):
        recall_units.record_destruction(session, world.regulator, batch.id, 1, "not recalled")
    recall = recalls.open_recall(session, world.regulator, batch.id, "recall", "mould")
    other_recall = recalls.open_recall(session, world.regulator, other.id, "recall", "mould")
    recalls.open_recall(session, world.regulator, direct.id, "recall", "mould")
    session.commit()
    before = counts(session)
    refusals: list[tuple[type[Exception], Actor, int, int, dict[str, int]]] = [
        (LedgerWouldGoNegative, world.regulator, batch.id, 6, {}),
        (NotOnLedger, world.merchant_staff, direct.id, 1, {}),
        (NotFound, world.merchant_b_staff, batch.id, 1, {}),
        (InvalidInput, world.regulator, batch.id, 1, {"recall_id": other_recall.id}),
        (InvalidInput, world.regulator, batch.id, 0, {}),
    ]
    for error, actor, batch_id, quantity, extra in refusals:
        with pytest.raises(error):
            recall_units.record_destruction(session, actor, batch_id, quantity, "burnt", **extra)
        session.rollback()
    assert counts(session) == before
    recall_units.record_destruction(session, world.regulator, batch.id, 5, "burnt", recall_id=recall.id)
    session.commit()
    assert ledger.balance(session, batch.id) == 0
    with pytest.raises(LedgerWouldGoNegative):
        recall_units.record_destruction(session, world.merchant_staff, batch.id, 1, "one more")


def test_recalled_units_come_back_after_the_return_window(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=6)
    other = make_zone_batch(session, world, runtime.ring, quantity=2)
    urls, other_urls = code_urls(session, runtime.ring, batch), code_urls(session, runtime.ring, other)
    order = exits.declare_exit(
        session,
        world.merchant_staff,
        runtime.ring,
        exit_filing([(batch, urls[:2]), (other, other_urls[:1])]),
        secret=SECRET,
    )
    order.written_off_at = utcnow() - timedelta(days=200)
    recall = recalls.open_recall(session, world.regulator, batch.id, "recall", "foreign body")
    session.commit()
    with pytest.raises(ReturnNotAllowed, match="return window"):
        returns.record_return(session, world.merchant_staff, order.id, urls[:1], "ordinary return")
    with pytest.raises(InvalidInput, match="not of the recalled batch"):
        recall_units.record_recall_return(
            session, world.merchant_staff, recall.id, order.id, other_urls[:1], "wrong batch"
        )
    recall_units.record_recall_return(session, world.merchant_staff, recall.id, order.id, urls[:1], "recall")
    session.commit()
    units = recall_units.recall_accounting(session, recall)
    assert (units.returned, units.with_consumers, units.in_zone) == (1, 1, 5)
    assert ledger.ledger_report(session, world.regulator, batch.id).balanced


def test_the_notification_list_names_sources_and_contacts_only_within_the_remit(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=4)
    urls = code_urls(session, runtime.ring, batch)
    claimed = scanning.claim_code(
        session, runtime.ring, parse_code(urls[0]), device="d" * 32, contact="buyer@example.cn"
    )
    scanning.claim_code(session, runtime.ring, parse_code(urls[1]), device="e" * 32)
    filed = complaints.file_complaint(
        session,
        runtime.ring,
        urls[2],
        "quality",
        "the powder smells odd",
        "13800138000",
        device_hash="f" * 32,
    )
    complaints.file_complaint(session, runtime.ring, urls[3], "quality", "no contact left here")
    recall = recalls.open_recall(session, world.regulator, batch.id, "recall", "odd smell")
    session.commit()
    expected = [
        recalls.Notification("complaint", filed.reference, "13800138000"),
        recalls.Notification("claim", claimed.serial, "buyer@example.cn"),
    ]
    assert recalls.recall_notifications(session, world.regulator, recall.id) == expected
    assert recalls.recall_notifications(session, world.merchant_staff, recall.id) == expected
    for actor, error in (
        (world.merchant_b_staff, NotFound),
        (ANONYMOUS, NotFound),
        (other_office_regulator(session), NotFound),
    ):
        with pytest.raises(error):
            recalls.recall_notifications(session, actor, recall.id)
    claims = session.scalars(select(AuditEntry.payload).where(AuditEntry.action == "code.claimed")).all()
    assert all("buyer@example.cn" not in p for p in claims)


def test_a_claim_contact_is_one_short_line(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    url = code_urls(session, runtime.ring, make_batch(session, world, runtime.ring, count=1))[0]
    for bad in ("x" * 201, "line\nbreak"):
        with pytest.raises(InvalidInput, match="contact"):
            scanning.claim_code(session, runtime.ring, parse_code(url), device="d" * 32, contact=bad)
