"""Recalls and stop-sales: codes answer ``recalled`` as soon as the recall commits."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import recalls, scanning
from suyuan.trace.codes import parse_code
from suyuan.trace.errors import InvalidInput, InvalidState, NotFound
from suyuan.trace.model import BatchStatus, CreditEventKind, RecallKind, RecallScope
from suyuan.trace.verdicts import Reason, Verdict
from suyuan.trace.zone import credit, exits
from tests.factories import SECRET, code_urls, exit_filing, make_batch, make_world, make_zone_batch


def reasons(session: Session, runtime: Runtime, url: str) -> tuple[Verdict, list[Reason]]:
    check = scanning.check_code(session, runtime.ring, parse_code(url))
    return check.verdict, check.reasons


def test_an_ordered_recall_turns_every_code_of_the_batch_recalled(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=3)
    recall = recalls.open_recall(
        session, world.regulator, batch.id, "recall", "salmonella found", "return to the shop for a refund"
    )
    session.commit()
    assert (recall.kind, recall.scope, recall.voluntary, batch.status) == (
        RecallKind.RECALL,
        RecallScope.BATCH,
        False,
        BatchStatus.RECALLED,
    )
    for url in code_urls(session, runtime.ring, batch):
        assert reasons(session, runtime, url) == (Verdict.RECALLED, [Reason.BATCH_RECALLED])
    events = credit.credit_profile(session, world.regulator, world.merchant.id).events
    assert [e.kind for e in events] == [CreditEventKind.RECALL_ORDERED]
    assert [r.id for r in recalls.recalls_of(session, world.merchant_staff, batch.id)] == [recall.id]
    assert [r.id for r in recalls.list_recalls(session, world.merchant_b_staff)] == []


def test_a_merchant_stops_sales_voluntarily_and_may_not_touch_others(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    with pytest.raises(NotFound):
        recalls.open_recall(session, world.merchant_b_staff, batch.id, "stop_sale", "not mine")
    stop = recalls.open_recall(session, world.merchant_staff, batch.id, "stop_sale", "label misprint")
    assert (stop.voluntary, batch.status) == (True, BatchStatus.STOPPED)
    url = code_urls(session, runtime.ring, batch)[0]
    assert reasons(session, runtime, url) == (Verdict.RECALLED, [Reason.BATCH_STOP_SALE])
    recalls.open_recall(session, world.regulator, batch.id, "recall", "escalated")
    assert batch.status is BatchStatus.RECALLED
    with pytest.raises(InvalidState, match="already recalled"):
        recalls.open_recall(session, world.regulator, batch.id, "stop_sale", "weaker")
    kinds = [e.kind for e in credit.credit_profile(session, world.regulator, world.merchant.id).events]
    assert kinds == [CreditEventKind.RECALL_ORDERED, CreditEventKind.RECALL_VOLUNTARY]


def test_a_recall_of_sold_units_leaves_unsold_codes_not_released(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=6)
    urls = code_urls(session, runtime.ring, batch)
    exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:2])]), secret=SECRET
    )
    recall = recalls.open_recall(
        session, world.merchant_staff, batch.id, "recall", "customer reports", scope="sold_units"
    )
    assert (recall.affected_units, recall.affected_orders, batch.status) == (2, 1, BatchStatus.EXIT_BLOCKED)
    assert [reasons(session, runtime, u)[0] for u in urls[:3]] == [Verdict.RECALLED] * 2 + [Verdict.SUSPECT]


@pytest.mark.parametrize(
    ("kind", "reason", "scope", "message"),
    [
        ("withdrawal", "x", "batch", "kind must be one of"),
        ("recall", " ", "batch", "reason is required"),
        ("recall", "x", "everything", "scope must be one of"),
        ("stop_sale", "x", "sold_units", "whole batch"),
        ("recall", "x" * 2001, "batch", "longer than 2000"),
    ],
)
def test_bad_recalls_are_refused(
    session: Session, runtime: Runtime, kind: str, reason: str, scope: str, message: str
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=0)
    with pytest.raises(InvalidInput, match=message):
        recalls.open_recall(session, world.regulator, batch.id, kind, reason, scope=scope)
    assert batch.status is BatchStatus.RELEASED
