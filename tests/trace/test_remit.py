"""The one visibility rule (suyuan.trace.remit): a record is its merchant's and its office's, no one else's.

Two offices, each with a merchant and a record of every kind (an enterprise, a product, a batch that came
in through an entry declaration with a reviewed report, an order, a decided spot check, a recall, a
complaint). A merchant sees its own, an office what lies within its remit, the operator everything;
for everyone else a record answers exactly like an unknown id, and lists never hold it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import batches, complaints, lookup, recalls, registry, risk_warnings, stats, tracing
from suyuan.trace.actors import ANONYMOUS, OPERATOR, Actor
from suyuan.trace.db import Base
from suyuan.trace.errors import InvalidInput, NotFound, PermissionDenied
from suyuan.trace.identifiers import complete_uscc
from suyuan.trace.model import (
    AuditEntry,
    Batch,
    BatchReport,
    Complaint,
    CreditEvent,
    Enterprise,
    EntryDeclaration,
    EntryLine,
    ExitDeclaration,
    Issuance,
    Product,
    Recall,
    SpotCheck,
)
from suyuan.trace.registry import EnterpriseFiling
from suyuan.trace.remit import OWNERS, visible
from suyuan.trace.zone import credit, entry, exits, inspection, ledger, spot_checks
from suyuan.trace.zone.inspection import ReportFiling
from tests.complaint_factories import unknown_gtin
from tests.factories import (
    REPORT_SHA,
    SECRET,
    World,
    code_urls,
    exit_filing,
    make_batch,
    make_second_office,
    make_world,
    make_zone_batch,
)


@dataclass
class Records:
    """One office's world and the id of its record of each kind, plus a batch awaiting release."""

    world: World
    ids: dict[type[Base], int]
    pending: Batch


@dataclass
class TwoOffices:
    """Office A (Qianhai, with merchants A and B) and office B (Nanshan, with its own merchant)."""

    a: Records
    b: Records


def _records(session: Session, runtime: Runtime, world: World) -> Records:
    """Every kind of record for the world's first merchant, built through the services."""
    ring, officer, staff = runtime.ring, world.regulator, world.merchant_staff
    batch = make_zone_batch(session, world, ring, quantity=20)
    urls = code_urls(session, ring, batch)
    order = exits.declare_exit(session, staff, ring, exit_filing([(batch, urls[:2])]), secret=SECRET)
    check = spot_checks.open_spot_check(session, officer, batch.id)
    spot_checks.record_sample(session, officer, check.id, channel="offline")
    spot_checks.record_result(session, officer, check.id, passed=True, lab="lab", report_sha256=REPORT_SHA)
    recalled = make_batch(session, world, ring, count=1)
    recall = recalls.open_recall(session, officer, recalled.id, "recall", "lab failure")
    complaint = complaints.file_complaint(session, ring, urls[5], "quality", "The powder smells wrong.")
    pending = make_zone_batch(session, world, ring, quantity=5, released=False)
    inspection.submit_report(
        session,
        staff,
        pending.id,
        ReportFiling("foreign_test_report", issuer="SGS NZ", issued_on=date(2026, 1, 5), sha256=REPORT_SHA),
    )
    session.commit()
    ids: dict[type[Base], int] = {
        Enterprise: world.merchant.id,
        Product: batch.product_id,
        Batch: batch.id,
        Issuance: _one(session, select(Issuance.id).filter_by(batch_id=batch.id)),
        BatchReport: _one(session, select(BatchReport.id).filter_by(batch_id=batch.id)),
        EntryDeclaration: _one(session, select(EntryLine.declaration_id).filter_by(batch_id=batch.id)),
        ExitDeclaration: order.id,
        SpotCheck: check.id,
        Recall: recall.id,
        Complaint: complaint.id,
        CreditEvent: _one(session, select(CreditEvent.id).filter_by(enterprise_id=world.merchant.id)),
    }
    return Records(world, ids, pending)


def _one(session: Session, stmt: Any) -> int:
    return int(session.scalars(stmt).first())


@pytest.fixture
def offices(session: Session, runtime: Runtime) -> TwoOffices:
    world = make_world(session, runtime.ring)
    a = _records(session, runtime, world)
    b = _records(session, runtime, make_second_office(session))
    return TwoOffices(a, b)


def audit_length(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_every_kind_of_record_is_owned_somewhere() -> None:
    assert set(OWNERS) >= {
        Enterprise,
        Product,
        Batch,
        Issuance,
        BatchReport,
        EntryDeclaration,
        ExitDeclaration,
        SpotCheck,
        Recall,
        Complaint,
        CreditEvent,
    }


def test_a_record_is_seen_by_its_merchant_its_office_and_the_operator_only(
    session: Session, offices: TwoOffices
) -> None:
    a, b = offices.a.world, offices.b.world
    for model, record_id in offices.a.ids.items():
        for actor in (a.merchant_staff, a.regulator, OPERATOR):
            assert visible(session, actor, model, record_id).id == record_id, (model, actor.label)
        for actor in (a.merchant_b_staff, b.regulator, b.merchant_staff, ANONYMOUS):
            with pytest.raises(NotFound) as refused:
                visible(session, actor, model, record_id)
            unknown = f"{OWNERS[model].noun} {record_id} does not exist"
            assert refused.value.message == unknown, (model, actor.label)


def test_the_getters_of_every_module_go_through_the_rule(session: Session, offices: TwoOffices) -> None:
    ids, outsider = offices.a.ids, offices.b.world.regulator
    getters: list[tuple[Callable[[Session, Actor, int], object], type[Base]]] = [
        (registry.get_enterprise, Enterprise),
        (registry.get_product, Product),
        (batches.get_batch, Batch),
        (tracing.traceable_batch, Batch),
        (inspection.reports_of, Batch),
        (ledger.ledger_report, Batch),
        (recalls.recalls_of, Batch),
        (inspection.get_report, BatchReport),
        (entry.get_entry, EntryDeclaration),
        (exits.get_exit, ExitDeclaration),
        (spot_checks.get_spot_check, SpotCheck),
        (recalls.get_recall, Recall),
        (recalls.recall_notifications, Recall),
        (complaints.get_complaint, Complaint),
        (tracing.trace_complaint, Complaint),
        (credit.credit_profile, Enterprise),
    ]
    for getter, model in getters:
        getter(session, offices.a.world.regulator, ids[model])
        with pytest.raises(NotFound, match=f"^{OWNERS[model].noun} {ids[model]} does not exist$"):
            getter(session, outsider, ids[model])


def _ids(rows: Any) -> set[int]:
    return {row.id for row in rows}


def test_lists_hold_the_remit_only_and_the_operator_sees_all(session: Session, offices: TwoOffices) -> None:
    lists: list[tuple[Callable[[Session, Actor], Any], type[Base]]] = [
        (registry.list_enterprises, Enterprise),
        (registry.list_products, Product),
        (batches.list_batches, Batch),
        (entry.list_entries, EntryDeclaration),
        (exits.list_exits, ExitDeclaration),
        (spot_checks.list_spot_checks, SpotCheck),
        (recalls.list_recalls, Recall),
        (complaints.list_complaints, Complaint),
    ]
    a, b = offices.a, offices.b
    for list_of, model in lists:
        seen_a, seen_b = (_ids(list_of(session, r.world.regulator)) for r in (a, b))
        assert a.ids[model] in seen_a and a.ids[model] not in seen_b, list_of.__name__
        assert b.ids[model] in seen_b and b.ids[model] not in seen_a, list_of.__name__
        assert {a.ids[model], b.ids[model]} <= _ids(list_of(session, OPERATOR)), list_of.__name__
        assert b.ids[model] not in _ids(list_of(session, a.world.merchant_staff)), list_of.__name__


def test_the_office_desks_and_counts_hold_the_remit_only(session: Session, offices: TwoOffices) -> None:
    a, b = offices.a, offices.b
    for mine, theirs in ((a, b), (b, a)):
        officer = mine.world.regulator
        waiting = _ids(inspection.declarations_awaiting_quarantine(session, officer))
        pending_line = session.scalars(select(EntryLine).filter_by(batch_id=mine.pending.id)).one()
        theirs_line = session.scalars(select(EntryLine).filter_by(batch_id=theirs.pending.id)).one()
        assert pending_line.declaration_id in waiting and theirs_line.declaration_id not in waiting
        reviews = {r.batch_id for r in inspection.pending_reports(session, officer)}
        assert reviews == {mine.pending.id}
        stock = {batch.id for batch, _balance in ledger.ledgered_batches(session, officer)}
        assert mine.ids[Batch] in stock and theirs.ids[Batch] not in stock
        issued = stats.issued_by_batch(session, officer)
        assert mine.ids[Batch] in issued and theirs.ids[Batch] not in issued
        counts = stats.dashboard_counts(session, officer)
        assert sum(counts.batches.values()) == len(batches.list_batches(session, officer))
        assert sum(counts.complaints.values()) == 1 and counts.recalls_open == 1


def test_a_complaint_no_office_could_be_found_for_is_every_offices(
    session: Session, runtime: Runtime, offices: TwoOffices
) -> None:
    a, b = offices.a.world, offices.b.world
    batch = session.get(Batch, offices.a.ids[Batch])
    assert batch is not None
    url = code_urls(session, runtime.ring, batch)[0]
    stray = complaints.file_complaint(
        session, runtime.ring, unknown_gtin(url, batch), "other", "Whose is this?"
    )
    session.commit()
    assert stray.office_id is None
    for officer in (a.regulator, b.regulator):
        assert complaints.get_complaint(session, officer, stray.id) is stray
        assert stray.id in _ids(complaints.list_complaints(session, officer))
    for merchant in (a.merchant_staff, a.merchant_b_staff, b.merchant_staff):
        with pytest.raises(NotFound):
            complaints.get_complaint(session, merchant, stray.id)


def test_a_planned_spot_check_is_its_offices_until_decided(session: Session, offices: TwoOffices) -> None:
    a = offices.a.world
    planned = spot_checks.open_spot_check(session, a.regulator, offices.a.pending.id)
    session.commit()
    assert visible(session, a.regulator, SpotCheck, planned.id) is planned
    with pytest.raises(NotFound):
        visible(session, a.merchant_staff, SpotCheck, planned.id)
    assert planned.id not in _ids(spot_checks.list_spot_checks(session, a.merchant_staff))
    assert offices.a.ids[SpotCheck] in _ids(spot_checks.list_spot_checks(session, a.merchant_staff))


def test_another_office_acts_on_nothing_outside_its_remit(session: Session, offices: TwoOffices) -> None:
    ids, outsider = offices.a.ids, offices.b.world.regulator
    pending = offices.a.pending.id
    attempts: list[Callable[[], object]] = [
        lambda: registry.decide_admission(session, outsider, ids[Product], admit=False, reason="not mine"),
        lambda: inspection.release_batch(session, outsider, pending),
        lambda: spot_checks.open_spot_check(session, outsider, pending),
        lambda: recalls.open_recall(session, outsider, ids[Batch], "stop_sale", "not mine"),
        lambda: recalls.close_recall(session, outsider, ids[Recall], "not mine"),
        lambda: inspection.dispose_goods(
            session, outsider, ids[Batch], kind="destruction", quantity=1, reason="not mine"
        ),
        lambda: inspection.review_report(
            session, outsider, _one(session, select(BatchReport.id).filter_by(batch_id=pending)), accept=True
        ),
        lambda: spot_checks.record_sample(session, outsider, ids[SpotCheck], channel="offline"),
        lambda: credit.record_credit_event(session, outsider, ids[Enterprise], "violation", note="not mine"),
        lambda: complaints.set_status(session, outsider, ids[Complaint], "triaged"),
    ]
    before = audit_length(session)
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
        session.rollback()
    assert audit_length(session) == before


def test_a_regulator_files_enterprises_with_its_own_office_only(
    session: Session, offices: TwoOffices
) -> None:
    filing = EnterpriseFiling(
        kind="merchant", name="越界企业", uscc=complete_uscc("91440300", "MA5FXXXX"), office_code="SZ-QH"
    )
    with pytest.raises(PermissionDenied, match="its own office"):
        registry.file_enterprise(session, offices.b.world.regulator, filing)


@pytest.mark.parametrize("record_id", [0, -1, 2**31, 2**63, 2**64])
def test_ids_no_column_can_hold_answer_not_found(session: Session, runtime: Runtime, record_id: int) -> None:
    world = make_world(session, runtime.ring)
    for actor in (world.regulator, OPERATOR):
        with pytest.raises(NotFound, match=f"^batch {record_id} does not exist$"):
            batches.get_batch(session, actor, record_id)


def test_a_warning_names_goods_of_its_offices_remit_and_only_that_office_withdraws_it(
    session: Session, offices: TwoOffices
) -> None:
    a, b, ids = offices.a.world, offices.b.world, offices.a.ids
    filing = risk_warnings.WarningFiling(level="warning", title="Counterfeit formula", body="Check the code.")
    before = audit_length(session)
    for goods in ({"batch_id": ids[Batch]}, {"product_id": ids[Product]}):
        noun, record_id = next(iter(goods.items()))
        with pytest.raises(InvalidInput, match=f"^{noun.removesuffix('_id')} {record_id} does not exist$"):
            risk_warnings.publish_warning(
                session, b.regulator, risk_warnings.WarningFiling(**vars(filing) | goods)
            )
        session.rollback()
    assert audit_length(session) == before
    warning = risk_warnings.publish_warning(session, a.regulator, filing)
    session.commit()
    assert risk_warnings.get_warning(session, b.regulator, warning.id) is warning  # published to all
    with pytest.raises(PermissionDenied):
        risk_warnings.withdraw_warning(session, b.regulator, warning.id)


def test_a_lot_outside_the_remit_looks_like_a_lot_nobody_registered(
    session: Session, runtime: Runtime, offices: TwoOffices
) -> None:
    batch = session.get(Batch, offices.a.ids[Batch])
    assert batch is not None
    url = code_urls(session, runtime.ring, batch)[0]
    assert lookup.batch_for_reference(session, offices.a.world.regulator, url) is batch
    with pytest.raises(NotFound) as outside:
        lookup.batch_for_reference(session, offices.b.world.regulator, url)
    with pytest.raises(NotFound) as unknown:
        lookup.batch_for_reference(session, offices.b.world.regulator, url.replace(batch.lot, "NOSUCH"))
    assert outside.value.message == unknown.value.message.replace("NOSUCH", batch.lot)
    assert f"batch {batch.id}" not in outside.value.message
