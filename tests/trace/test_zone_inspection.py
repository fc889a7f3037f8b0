"""Quarantine, report review and the release gate; supervised disposal of goods still in the zone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import scanning
from suyuan.trace.codes import parse_code
from suyuan.trace.errors import (
    InvalidInput,
    InvalidState,
    LedgerWouldGoNegative,
    NotFound,
    NotOnLedger,
    PermissionDenied,
    ReleaseConditionsNotMet,
)
from suyuan.trace.model import BatchStatus, LedgerKind, QuarantineStatus, ReportStatus
from suyuan.trace.model.types import utcnow
from suyuan.trace.verdicts import Reason, Verdict
from suyuan.trace.zone import entry, inspection, ledger
from suyuan.trace.zone.inspection import ReportFiling
from tests.factories import REPORT_SHA, code_urls, make_batch, make_world, make_zone_batch


def report(kind: str = "foreign_test_report", **overrides: object) -> ReportFiling:
    values: dict[str, object] = {
        "kind": kind,
        "issuer": "SGS NZ",
        "issued_on": date(2026, 1, 5),
        "sha256": REPORT_SHA,
    }
    return ReportFiling(**(values | overrides))  # type: ignore[arg-type]


@pytest.fixture
def unreleased(session: Session, runtime: Runtime):  # type: ignore[no-untyped-def]
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10, released=False)
    line = entry.entry_line_of(session, batch.id)
    assert line is not None
    return world, batch, line.declaration


def test_a_batch_is_sold_only_after_quarantine_and_an_accepted_report(session, runtime, unreleased) -> None:  # type: ignore[no-untyped-def]
    world, batch, declaration = unreleased
    url = code_urls(session, runtime.ring, batch, 1, 1)[0]
    assert scanning.check_code(session, runtime.ring, parse_code(url)).reasons == [Reason.NOT_RELEASED]
    with pytest.raises(ReleaseConditionsNotMet, match=r"quarantine of entry \d+ is pending"):
        inspection.release_batch(session, world.regulator, batch.id)
    inspection.record_quarantine(
        session, world.regulator, declaration.id, outcome="treated", treatment="fumigation"
    )
    assert declaration.quarantine_status is QuarantineStatus.PASSED
    with pytest.raises(ReleaseConditionsNotMet, match="no accepted"):
        inspection.release_batch(session, world.regulator, batch.id)
    submitted = inspection.submit_report(session, world.merchant_staff, batch.id, report())
    with pytest.raises(ReleaseConditionsNotMet, match="await the office's review"):
        inspection.release_batch(session, world.regulator, batch.id)
    inspection.review_report(session, world.regulator, submitted.id, accept=True)
    inspection.release_batch(session, world.regulator, batch.id)
    session.commit()
    assert batch.status is BatchStatus.RELEASED
    assert scanning.check_code(session, runtime.ring, parse_code(url)).verdict is Verdict.GENUINE


def test_a_self_test_alone_does_not_qualify_but_a_conformity_declaration_does(
    session, runtime, unreleased
) -> None:  # type: ignore[no-untyped-def]
    world, batch, declaration = unreleased
    inspection.record_quarantine(session, world.regulator, declaration.id, outcome="passed")
    own = inspection.submit_report(session, world.merchant_staff, batch.id, report("self_test_report"))
    inspection.review_report(session, world.regulator, own.id, accept=True)
    assert inspection.release_problems(session, batch) == [
        "no accepted, valid foreign test report or conformity declaration"
    ]
    declared = inspection.submit_report(
        session, world.merchant_staff, batch.id, report("conformity_declaration")
    )
    inspection.review_report(session, world.regulator, declared.id, accept=True)
    assert inspection.release_problems(session, batch) == []


def test_an_expired_report_does_not_count(session, runtime, unreleased) -> None:  # type: ignore[no-untyped-def]
    world, batch, declaration = unreleased
    inspection.record_quarantine(session, world.regulator, declaration.id, outcome="passed")
    soon = utcnow().date() + timedelta(days=1)
    accepted = inspection.submit_report(session, world.merchant_staff, batch.id, report(valid_until=soon))
    inspection.review_report(session, world.regulator, accepted.id, accept=True)
    assert inspection.release_problems(session, batch) == []
    assert inspection.release_problems(session, batch, soon + timedelta(days=1)) != []


def test_failed_quarantine_is_final_and_the_goods_can_only_be_disposed_of(
    session, runtime, unreleased
) -> None:  # type: ignore[no-untyped-def]
    world, batch, declaration = unreleased
    with pytest.raises(InvalidInput, match="say why"):
        inspection.record_quarantine(session, world.regulator, declaration.id, outcome="failed")
    inspection.record_quarantine(
        session, world.regulator, declaration.id, outcome="failed", scope="wood_packaging", note="live pests"
    )
    with pytest.raises(InvalidState, match="failed"):
        inspection.record_quarantine(session, world.regulator, declaration.id, outcome="passed")
    with pytest.raises(ReleaseConditionsNotMet, match="failed"):
        inspection.release_batch(session, world.regulator, batch.id)
    inspection.dispose_goods(
        session, world.regulator, batch.id, kind="return_shipment", quantity=4, reason="to NZ"
    )
    inspection.dispose_goods(
        session, world.regulator, batch.id, kind="destruction", quantity=6, reason="burnt"
    )
    report_ = ledger.ledger_report(session, world.regulator, batch.id)
    assert (report_.total(LedgerKind.RETURN_SHIPMENT), report_.total(LedgerKind.DESTRUCTION)) == (4, 6)
    assert (report_.in_zone, report_.balanced) == (0, True)
    with pytest.raises(LedgerWouldGoNegative):
        inspection.dispose_goods(
            session, world.regulator, batch.id, kind="destruction", quantity=1, reason="x"
        )


def test_reports_are_validated_and_reviewed_once(session, runtime, unreleased) -> None:  # type: ignore[no-untyped-def]
    world, batch, _ = unreleased
    for bad, message in [
        (report(kind="rumour"), "kind must be one of"),
        (report(sha256="abc"), "64 hex"),
        (report(issuer=""), "issuer is required"),
        (report(issued_on=utcnow().date() + timedelta(days=2)), "future"),
        (report(valid_until=date(2026, 1, 6)), "no longer valid"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            inspection.submit_report(session, world.merchant_staff, batch.id, bad)
    submitted = inspection.submit_report(session, world.merchant_staff, batch.id, report())
    with pytest.raises(InvalidInput, match="why"):
        inspection.review_report(session, world.regulator, submitted.id, accept=False)
    inspection.review_report(
        session, world.regulator, submitted.id, accept=False, note="wrong lot on the report"
    )
    assert submitted.status is ReportStatus.REJECTED
    with pytest.raises(InvalidState):
        inspection.review_report(session, world.regulator, submitted.id, accept=True)
    assert [r.id for r in inspection.reports_of(session, world.merchant_staff, batch.id)] == [submitted.id]


def test_who_may_do_what_in_inspection(session, runtime, unreleased) -> None:  # type: ignore[no-untyped-def]
    world, batch, declaration = unreleased
    with pytest.raises(PermissionDenied):
        inspection.record_quarantine(session, world.merchant_staff, declaration.id, outcome="passed")
    with pytest.raises(NotFound):
        inspection.submit_report(session, world.merchant_b_staff, batch.id, report())
    with pytest.raises(PermissionDenied):
        inspection.submit_report(session, world.regulator, batch.id, report())
    submitted = inspection.submit_report(session, world.merchant_staff, batch.id, report())
    with pytest.raises(PermissionDenied):
        inspection.review_report(session, world.merchant_staff, submitted.id, accept=True)
    with pytest.raises(PermissionDenied):
        inspection.dispose_goods(
            session, world.merchant_staff, batch.id, kind="destruction", quantity=1, reason="x"
        )
    assert [d.id for d in inspection.declarations_awaiting_quarantine(session, world.regulator)] == [
        declaration.id
    ]
    assert [r.id for r in inspection.pending_reports(session, world.regulator)] == [submitted.id]


def test_directly_registered_batches_keep_the_old_release_and_have_no_ledger(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    assert batch.status is BatchStatus.RELEASED
    with pytest.raises(NotOnLedger):
        inspection.dispose_goods(
            session, world.regulator, batch.id, kind="destruction", quantity=1, reason="x"
        )
    with pytest.raises(InvalidInput, match="kind"):
        inspection.dispose_goods(session, world.regulator, batch.id, kind="burial", quantity=1, reason="x")
