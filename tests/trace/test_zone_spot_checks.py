"""Risk-based spot checks; a failed one blocks exit and recalls the units already sold, at once."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import scanning
from suyuan.trace.codes import parse_code
from suyuan.trace.errors import InvalidInput, InvalidState, NotFound, PermissionDenied
from suyuan.trace.model import (
    BatchStatus,
    CreditEventKind,
    LedgerKind,
    RecallScope,
    SampleChannel,
    SpotCheckStatus,
)
from suyuan.trace.verdicts import Reason, Verdict
from suyuan.trace.zone import credit, exits, ledger, returns, spot_checks
from suyuan.trace.zone.spot_checks import draw_fraction, sampling_rate
from tests.factories import (
    REPORT_SHA,
    SECRET,
    code_urls,
    exit_filing,
    make_batch,
    make_world,
    make_zone_batch,
)


def verdict(session: Session, runtime: Runtime, url: str) -> tuple[Verdict, list[Reason]]:
    check = scanning.check_code(session, runtime.ring, parse_code(url))
    return check.verdict, check.reasons


def test_the_sampling_rate_follows_risk_class_and_credit_grade() -> None:
    assert [sampling_rate(2, g) for g in "ABCD"] == [0.1, 0.2, 0.4, 0.8]
    assert [sampling_rate(3, g) for g in "ABCD"] == [0.025, 0.05, 0.1, 0.2]
    assert sampling_rate(None, "B") == 0.2  # an unknown class is supervised as key
    assert sampling_rate(2, "?") == 0.8  # an unknown grade is treated as the worst


def test_a_draw_selects_by_rate_and_is_reproducible_from_its_seed(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    candidates = [make_zone_batch(session, world, runtime.ring, quantity=2, codes=0) for _ in range(12)]
    world.merchant.credit_grade = "D"
    make_batch(session, world, runtime.ring, count=0)  # directly registered: not on the ledger, never drawn
    drawn = spot_checks.draw_spot_checks(session, world.regulator, seed="round-2027-06")
    expected = [b.id for b in candidates if draw_fraction("round-2027-06", b.id) < 0.8]
    assert [c.batch_id for c in drawn] == expected and 0 < len(expected) < 12
    assert all((c.rate, c.draw, c.status) == (0.8, "round-2027-06", SpotCheckStatus.PLANNED) for c in drawn)
    again = spot_checks.draw_spot_checks(session, world.regulator, seed="round-2027-06")
    assert again == []  # batches with an open check are not drawn twice


def test_a_failed_spot_check_blocks_exit_and_recalls_the_sold_units_at_once(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    urls = code_urls(session, runtime.ring, batch)
    sold = exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:3])]), secret=SECRET
    )
    check = spot_checks.open_spot_check(session, world.regulator, batch.id, note="complaint about taste")
    spot_checks.record_sample(session, world.regulator, check.id, channel="offline", quantity=2)
    spot_checks.record_result(
        session,
        world.regulator,
        check.id,
        passed=False,
        lab="CIQ Shenzhen lab",
        report_sha256=REPORT_SHA,
        failed_items=["melamine"],
    )
    session.commit()
    assert (check.status, batch.status) == (SpotCheckStatus.FAILED, BatchStatus.EXIT_BLOCKED)
    assert check.recall is not None and check.recall.scope is RecallScope.SOLD_UNITS
    assert (check.recall.affected_units, check.recall.affected_orders) == (3, 1)
    assert verdict(session, runtime, urls[0]) == (Verdict.RECALLED, [Reason.BATCH_RECALLED])
    assert verdict(session, runtime, urls[5]) == (Verdict.SUSPECT, [Reason.NOT_RELEASED])
    blocked = exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[5:6])]), secret=SECRET
    )
    assert [f["problem"] for f in blocked.findings] == ["exit_blocked"]
    returns.record_return(session, world.merchant_staff, sold.id, urls[:1], "recalled unit brought back")
    assert verdict(session, runtime, urls[0]) == (Verdict.SUSPECT, [Reason.NOT_RELEASED])
    assert verdict(session, runtime, urls[1])[0] is Verdict.RECALLED
    report = ledger.ledger_report(session, world.regulator, batch.id)
    assert (report.total(LedgerKind.SAMPLE), report.in_zone, report.balanced) == (2, 6, True)
    kinds = [e.kind for e in credit.credit_profile(session, world.regulator, world.merchant.id).events]
    assert kinds == [CreditEventKind.SPOT_CHECK_FAILED]  # the failure counts once, not again as a recall
    assert world.merchant.credit_grade == "C"


def test_a_check_failed_before_any_sale_blocks_exit_without_a_recall(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=5, released=False)
    check = spot_checks.open_spot_check(session, world.regulator, batch.id)
    spot_checks.record_sample(session, world.regulator, check.id, channel="offline")
    spot_checks.record_result(
        session,
        world.regulator,
        check.id,
        passed=False,
        lab="lab",
        report_sha256=REPORT_SHA,
        failed_items=["lead"],
    )
    assert (batch.status, check.recall) == (BatchStatus.EXIT_BLOCKED, None)
    assert world.merchant.credit_grade == "C"


def test_an_online_sample_is_a_bought_unit_and_does_not_touch_the_ledger(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=5)
    check = spot_checks.open_spot_check(session, world.regulator, batch.id)
    with pytest.raises(InvalidInput, match="names the order"):
        spot_checks.record_sample(session, world.regulator, check.id, channel="online")
    spot_checks.record_sample(session, world.regulator, check.id, channel="online", order_ref="ORD-SAMPLE-1")
    assert (check.channel, check.order_ref) == (SampleChannel.ONLINE, "ORD-SAMPLE-1")
    assert ledger.balance(session, batch.id) == 5
    spot_checks.record_result(
        session, world.regulator, check.id, passed=True, lab="lab", report_sha256=REPORT_SHA
    )
    assert (check.status, batch.status) == (SpotCheckStatus.PASSED, BatchStatus.RELEASED)


def test_spot_checks_move_through_their_states_once(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=5)
    check = spot_checks.open_spot_check(session, world.regulator, batch.id)
    with pytest.raises(InvalidState, match="already has an open"):
        spot_checks.open_spot_check(session, world.regulator, batch.id)
    with pytest.raises(InvalidState, match="not sampled"):
        spot_checks.record_result(
            session, world.regulator, check.id, passed=True, lab="lab", report_sha256=REPORT_SHA
        )
    with pytest.raises(InvalidInput, match="quantity"):
        spot_checks.record_sample(session, world.regulator, check.id, channel="offline", quantity=0)
    spot_checks.record_sample(session, world.regulator, check.id, channel="offline")
    with pytest.raises(InvalidState, match="not planned"):
        spot_checks.record_sample(session, world.regulator, check.id, channel="offline")
    for kwargs, message in [
        ({"passed": False}, "lists what failed"),
        ({"passed": True, "failed_items": ["x"]}, "no failed items"),
        ({"passed": True, "report_sha256": "zz"}, "64 hex"),
        ({"passed": True, "lab": ""}, "lab is required"),
    ]:
        args = {"lab": "lab", "report_sha256": REPORT_SHA} | kwargs
        with pytest.raises(InvalidInput, match=message):
            spot_checks.record_result(session, world.regulator, check.id, **args)  # type: ignore[arg-type]


def test_merchants_see_only_results_of_their_own_goods_and_never_act(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=5)
    check = spot_checks.open_spot_check(session, world.regulator, batch.id)
    with pytest.raises(NotFound):
        spot_checks.get_spot_check(session, world.merchant_staff, check.id)
    assert spot_checks.list_spot_checks(session, world.merchant_staff) == []
    with pytest.raises(PermissionDenied):
        spot_checks.record_sample(session, world.merchant_staff, check.id, channel="offline")
    with pytest.raises(PermissionDenied):
        spot_checks.draw_spot_checks(session, world.merchant_staff)
    spot_checks.record_sample(session, world.regulator, check.id, channel="offline")
    spot_checks.record_result(
        session, world.regulator, check.id, passed=True, lab="lab", report_sha256=REPORT_SHA
    )
    assert spot_checks.get_spot_check(session, world.merchant_staff, check.id) is check
    assert spot_checks.list_spot_checks(session, world.merchant_b_staff) == []
    assert [c.id for c in spot_checks.list_spot_checks(session, world.regulator)] == [check.id]


def test_three_passed_checks_and_a_clean_record_earn_grade_a(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    for _ in range(3):
        batch = make_zone_batch(session, world, runtime.ring, quantity=2, codes=0)
        check = spot_checks.open_spot_check(session, world.regulator, batch.id)
        spot_checks.record_sample(session, world.regulator, check.id, channel="offline")
        spot_checks.record_result(
            session, world.regulator, check.id, passed=True, lab="lab", report_sha256=REPORT_SHA
        )
    assert world.merchant.credit_grade == "A"
    assert sampling_rate(2, world.merchant.credit_grade) == 0.1
