"""Trace to the batch: what the document shows after a whole life in the zone, and who may see it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import complaints, tracing
from suyuan.trace.actors import ANONYMOUS
from suyuan.trace.errors import InvalidInput, NotFound
from suyuan.trace.model.types import utcnow
from suyuan.trace.tracing import TraceOptions
from suyuan.trace.zone import spot_checks
from tests.complaint_factories import forged_lot, make_other_office
from tests.scan_history import add_scans
from tests.trace_world import UNITS, TracedWorld, build_traced_world


@pytest.fixture
def traced(session: Session, runtime: Runtime) -> TracedWorld:
    return build_traced_world(session, runtime.ring)


def test_the_trace_follows_a_batch_from_entry_to_recall(session: Session, traced: TracedWorld) -> None:
    doc = tracing.trace_batch(session, traced.world.regulator, traced.batch.id)
    assert doc.subject == "batch" and doc.product and doc.batch and doc.entry and doc.ledger
    assert (doc.product.gtin, doc.batch.lot, doc.batch.status) == (traced.batch.gtin, "T2706", "recalled")
    assert doc.batch.traceability_lot_code == f"(01){traced.batch.gtin}(10)T2706"
    assert doc.supplier and doc.supplier.country == "NZ"
    assert (doc.entry.reference, doc.entry.transport_doc) == ("BL-TRACE-0601", "MAEU 987654321")
    assert [q.outcome for q in doc.entry.quarantine] == ["passed"]
    assert [r.status for r in doc.reports] == ["accepted"]
    assert [(c.status, c.failed_items) for c in doc.spot_checks] == [("failed", ["protein"])]
    assert [(r.scope, r.status) for r in doc.recalls] == [("sold_units", "closed"), ("batch", "open")]
    assert (doc.ledger.entered, doc.ledger.written_off, doc.ledger.returned_in) == (UNITS, 5, 1)
    assert (doc.ledger.sampled, doc.ledger.destroyed, doc.ledger.in_zone) == (2, UNITS - 6, 0)


def test_codes_are_ranges_and_counts_never_a_row_per_code(session: Session, traced: TracedWorld) -> None:
    codes = tracing.trace_batch(session, traced.world.regulator, traced.batch.id).codes
    assert codes is not None
    assert (codes.issued, codes.sold, codes.returned, codes.in_zone) == (UNITS, 4, 1, UNITS - 4)
    assert [(i.first_serial, i.last_serial, i.count) for i in codes.issuances] == [(1, UNITS, UNITS)]


def test_orders_say_where_the_units_went_with_masked_buyers(session: Session, traced: TracedWorld) -> None:
    doc = tracing.trace_batch(session, traced.world.regulator, traced.batch.id)
    orders = doc.orders
    assert orders is not None
    assert (orders.total, orders.shipped, orders.units_shipped) == (2, 2, 5)
    assert [(o.order_no, o.units, o.buyer) for o in orders.items] == [
        (traced.orders[1].order_no, 3, "伯*"),
        (traced.orders[0].order_no, 2, "安*"),
    ]
    text = json.dumps(doc.as_json(), ensure_ascii=False)
    assert "安娜" not in text and "13800138000" not in text and "A road 1" not in text


def test_orders_come_a_page_at_a_time(session: Session, traced: TracedWorld) -> None:
    first = tracing.trace_batch(
        session, traced.world.regulator, traced.batch.id, TraceOptions(orders_limit=1)
    )
    assert first.orders and [o.order_no for o in first.orders.items] == [traced.orders[1].order_no]
    assert first.orders.next_offset == 1
    second = tracing.trace_batch(
        session, traced.world.regulator, traced.batch.id, TraceOptions(orders_offset=1, orders_limit=1)
    )
    assert second.orders and [o.order_no for o in second.orders.items] == [traced.orders[0].order_no]
    assert second.orders.next_offset is None and second.orders.total == 2


@pytest.mark.parametrize(
    "options", [{"orders_limit": 1001}, {"orders_limit": -1}, {"orders_offset": -5}, {"top": 0}, {"top": 101}]
)
def test_out_of_range_options_are_refused(options: dict[str, int]) -> None:
    with pytest.raises(InvalidInput):
        TraceOptions(**options)


def test_scans_are_counted_by_verdict_region_and_day_including_forged_codes_of_the_lot(
    session: Session, traced: TracedWorld
) -> None:
    scans = tracing.trace_batch(session, traced.world.regulator, traced.batch.id).scans
    assert scans is not None
    assert (scans.total, scans.distinct_codes) == (5, 3)
    assert scans.by_verdict == {"genuine": 3, "counterfeit": 1, "recalled": 1}
    assert [(r.region, r.scans) for r in scans.by_region] == [("CN-GD", 3), ("CN-BJ", 1), ("CN-SH", 1)]
    assert len(scans.by_day) == 90 and scans.by_day[-1].scans == 5 and sum(d.scans for d in scans.by_day) == 5


def test_old_scans_count_in_totals_but_not_in_the_days_and_suspects_rank_first(
    session: Session, traced: TracedWorld
) -> None:
    add_scans(session, traced.batch, utcnow() - timedelta(days=200), count=2, region="CN-ZJ")
    add_scans(session, traced.batch, utcnow(), count=3, verdict="suspect", region="")
    add_scans(session, traced.batch, utcnow(), count=1, verdict="suspect", region="")
    scans = tracing.trace_batch(session, traced.world.regulator, traced.batch.id, TraceOptions(top=2)).scans
    assert scans is not None
    assert scans.total == 5 + 2 + 4 and sum(d.scans for d in scans.by_day) == 5 + 4
    assert [(s.serial, s.suspect_scans) for s in scans.suspect_codes] == [("1", 2), ("2", 1)]
    assert [(r.region, r.scans) for r in scans.by_region] == [("unknown", 4), ("CN-GD", 3), ("other", 4)]


def test_the_batch_trace_lists_its_complaints_without_contacts(session: Session, traced: TracedWorld) -> None:
    doc = tracing.trace_batch(session, traced.world.regulator, traced.batch.id)
    assert doc.complaints is not None
    assert {c.reference for c in doc.complaints.items} == {
        traced.complaint.reference,
        traced.sibling.reference,
    }
    assert traced.unknown_complaint.reference not in json.dumps(doc.as_json())


def test_a_complaint_traces_to_its_batch_and_leaves_itself_out_of_the_siblings(
    session: Session, traced: TracedWorld
) -> None:
    doc = tracing.trace_complaint(session, traced.world.regulator, traced.complaint.id)
    assert doc.subject == "complaint" and doc.complaint and doc.batch
    assert (doc.complaint.reference, doc.batch.id) == (traced.complaint.reference, traced.batch.id)
    assert doc.complaints and [c.reference for c in doc.complaints.items] == [traced.sibling.reference]
    assert "13800138000" not in json.dumps(doc.as_json(), ensure_ascii=False)


def test_a_complaint_on_a_code_that_matched_nothing_gives_only_what_matched(
    session: Session, runtime: Runtime, traced: TracedWorld
) -> None:
    nothing = tracing.trace_complaint(session, traced.world.regulator, traced.unknown_complaint.id)
    assert nothing.complaint and nothing.product is None and nothing.batch is None and nothing.scans is None
    fake_lot = complaints.file_complaint(
        session, runtime.ring, forged_lot(traced.urls[7], traced.batch), "suspected_fake", "Lot not on tin."
    )
    session.commit()
    doc = tracing.trace_complaint(session, traced.world.regulator, fake_lot.id)
    assert doc.product and doc.product.gtin == traced.batch.gtin and doc.supplier
    assert doc.batch is None and doc.orders is None and doc.codes is None


def test_merchants_trace_their_own_batches_and_complaints_only(session: Session, traced: TracedWorld) -> None:
    mine = tracing.trace_batch(session, traced.world.merchant_staff, traced.batch.id)
    assert mine.batch and mine.batch.id == traced.batch.id
    assert tracing.trace_complaint(session, traced.world.merchant_staff, traced.complaint.id).batch
    for actor, batch_id in (
        (traced.world.merchant_b_staff, traced.batch.id),
        (traced.world.merchant_staff, traced.other_batch.id),
        (ANONYMOUS, traced.batch.id),
    ):
        with pytest.raises(NotFound):
            tracing.trace_batch(session, actor, batch_id)
    for actor in (traced.world.merchant_b_staff, ANONYMOUS):
        with pytest.raises(NotFound):
            tracing.trace_complaint(session, actor, traced.complaint.id)
    with pytest.raises(NotFound):  # unassigned complaints are the offices' to triage
        tracing.trace_complaint(session, traced.world.merchant_staff, traced.unknown_complaint.id)


def test_another_office_sees_neither_the_batch_nor_its_complaints(
    session: Session, traced: TracedWorld
) -> None:
    other = make_other_office(session)
    with pytest.raises(NotFound):
        tracing.trace_batch(session, other.regulator, traced.batch.id)
    with pytest.raises(NotFound):
        tracing.trace_complaint(session, other.regulator, traced.complaint.id)
    assert tracing.trace_complaint(session, other.regulator, traced.unknown_complaint.id).complaint


def test_unknown_ids_are_not_found(session: Session, traced: TracedWorld) -> None:
    with pytest.raises(NotFound):
        tracing.trace_batch(session, traced.world.regulator, 999_999)
    with pytest.raises(NotFound):
        tracing.trace_complaint(session, traced.world.regulator, 999_999)


def test_a_planned_spot_check_stays_hidden_from_the_merchant(
    session: Session, runtime: Runtime, traced: TracedWorld
) -> None:
    batch = traced.other_batch
    spot_checks.open_spot_check(session, traced.world.regulator, batch.id)
    session.commit()
    assert len(tracing.trace_batch(session, traced.world.regulator, batch.id).spot_checks) == 1
    assert tracing.trace_batch(session, traced.world.merchant_b_staff, batch.id).spot_checks == []


def test_as_json_is_plain_json(session: Session, traced: TracedWorld) -> None:
    data = tracing.trace_batch(session, traced.world.regulator, traced.batch.id).as_json()
    assert json.loads(json.dumps(data)) == data
    assert data["batch"]["production_date"] == "2026-09-01" and data["scans"]["by_day"][0]["scans"] == 0
