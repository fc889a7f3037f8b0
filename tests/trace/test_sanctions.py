"""Sanctions and credit publicity (R64, R65): suspension and revocation block entry, exits and new codes;
sold goods keep scanning genuine; the credit lists; the public credit list; a failed check counts once."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import batches, issuance, sanctions, scanning
from suyuan.trace.codes import parse_code
from suyuan.trace.errors import (
    AdmissionSanctioned,
    FilingSanctioned,
    InvalidInput,
    InvalidState,
    NotFound,
    PermissionDenied,
)
from suyuan.trace.model import AuditEntry, CreditEvent, ExitStatus, FilingStatus, LineRefusal
from suyuan.trace.verdicts import Verdict
from suyuan.trace.zone import credit, exits, spot_checks
from tests.factories import (
    BASE,
    REPORT_SHA,
    SECRET,
    code_urls,
    declare,
    entry_line,
    exit_filing,
    make_product,
    make_second_office,
    make_world,
    make_zone_batch,
)


def sell(session: Session, runtime: Runtime, world, batch, urls: list[str]):  # type: ignore[no-untyped-def]
    declaration = exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls)]), secret=SECRET
    )
    session.commit()
    return declaration


def test_a_suspended_filing_blocks_entry_exits_and_codes_until_lifted(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10, codes=5)
    urls = code_urls(session, runtime.ring, batch)
    sold = sell(session, runtime, world, batch, urls[:1])
    sanction = sanctions.sanction_enterprise(
        session, world.regulator, world.merchant.id, "suspend", "false waybills (case 17.3)"
    )
    session.commit()
    assert world.merchant.filing_status is FilingStatus.SUSPENDED and sanction.office_id == world.office.id
    product = make_product(session, world)
    with pytest.raises(FilingSanctioned):
        declare(session, world, entry_line(product))
    with pytest.raises(FilingSanctioned):
        exits.declare_exit(
            session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[1:2])]), secret=SECRET
        )
    with pytest.raises(FilingSanctioned):
        issuance.issue_codes(session, world.merchant_staff, runtime.ring, batch.id, 1, BASE)
    session.rollback()
    # the unit sold before the suspension still scans genuine
    assert sold.status is ExitStatus.WRITTEN_OFF
    assert scanning.check_code(session, runtime.ring, parse_code(urls[0])).verdict is Verdict.GENUINE
    sanctions.sanction_enterprise(session, world.regulator, world.merchant.id, "lift", "rectified")
    session.commit()
    assert sell(session, runtime, world, batch, urls[1:2]).status is ExitStatus.WRITTEN_OFF
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("sanction.%"))).all()
    assert actions == ["sanction.suspend", "sanction.lift"]


def test_a_revocation_is_final_and_decisions_follow_the_states(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    with pytest.raises(InvalidState, match="cannot be lifted"):
        sanctions.sanction_enterprise(session, world.regulator, world.merchant.id, "lift", "nothing to lift")
    sanctions.sanction_enterprise(session, world.regulator, world.merchant.id, "revoke", "serious violation")
    for action in ("lift", "suspend", "revoke"):
        with pytest.raises(InvalidState):
            sanctions.sanction_enterprise(session, world.regulator, world.merchant.id, action, "again")
    assert [
        s.action.value for s in sanctions.list_sanctions(session, world.regulator, world.merchant.id)
    ] == ["revoke"]


@pytest.mark.parametrize(
    ("action", "reason"), [("ban", "x"), ("suspend", ""), ("suspend", "   "), ("suspend", "a\x00b")]
)
def test_hostile_decisions_are_refused_and_write_nothing(
    session: Session, runtime: Runtime, action: str, reason: str
) -> None:
    world = make_world(session, runtime.ring)
    with pytest.raises(InvalidInput):
        sanctions.sanction_enterprise(session, world.regulator, world.merchant.id, action, reason)
    session.rollback()
    assert world.merchant.filing_status is FilingStatus.FILED
    assert sanctions.list_sanctions(session, world.regulator, world.merchant.id) == []


def test_only_the_enterprises_own_office_sanctions(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    with pytest.raises(PermissionDenied):
        sanctions.sanction_enterprise(session, world.merchant_staff, world.merchant.id, "suspend", "self")
    with pytest.raises(NotFound):
        sanctions.sanction_enterprise(session, other.regulator, world.merchant.id, "suspend", "not mine")
    with pytest.raises(NotFound):
        sanctions.add_to_list(session, other.regulator, world.merchant.id, "serious_violators", "not mine")


def test_a_suspended_admission_blocks_the_products_goods_only(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10, codes=5)
    other = make_zone_batch(session, world, runtime.ring, quantity=10, codes=5)
    urls = code_urls(session, runtime.ring, batch)
    sanctions.sanction_product(session, world.regulator, batch.product_id, "suspend", "label defects")
    session.commit()
    with pytest.raises(AdmissionSanctioned):
        exits.declare_exit(
            session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:1])]), secret=SECRET
        )
    with pytest.raises(AdmissionSanctioned):
        issuance.issue_codes(session, world.merchant_staff, runtime.ring, batch.id, 1, BASE)
    with pytest.raises(AdmissionSanctioned):
        batches.register_batch(session, world.merchant_staff, batch.product_id, lot="NEW-1", quantity=5)
    session.rollback()
    refused = declare(session, world, entry_line(batch.product))
    assert refused.lines[0].refusal is LineRefusal.SANCTIONED
    assert sell(session, runtime, world, other, code_urls(session, runtime.ring, other)[:1]).status is (
        ExitStatus.WRITTEN_OFF
    )


def test_the_credit_lists_name_reason_date_and_office_and_keep_removals(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    entry = sanctions.add_to_list(
        session, world.regulator, world.merchant.id, "abnormal_operations", "no reply"
    )
    with pytest.raises(InvalidState, match="already on"):
        sanctions.add_to_list(session, world.regulator, world.merchant.id, "abnormal_operations", "again")
    sanctions.add_to_list(session, world.regulator, world.merchant.id, "serious_violators", "smuggling")
    public = {c.uscc: c for c in sanctions.public_credit(session)}[world.merchant.uscc]
    assert sorted(x.list_kind.value for x in public.listings) == ["abnormal_operations", "serious_violators"]
    assert public.listings[0].office == world.office.name and public.grade == "B"
    sanctions.remove_from_list(session, world.regulator, entry.id, "replied and rectified")
    with pytest.raises(InvalidState, match="already removed"):
        sanctions.remove_from_list(session, world.regulator, entry.id, "twice")
    public = {c.uscc: c for c in sanctions.public_credit(session)}[world.merchant.uscc]
    assert [x.list_kind.value for x in public.listings] == ["serious_violators"]
    assert len(sanctions.list_entries(session, world.regulator, include_removed=True)) == 2


def test_a_failed_spot_check_counts_once_against_credit(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    sell(session, runtime, world, batch, code_urls(session, runtime.ring, batch)[:2])
    check = spot_checks.open_spot_check(session, world.regulator, batch.id)
    spot_checks.record_sample(session, world.regulator, check.id, channel="offline", quantity=1)
    spot_checks.record_result(
        session,
        world.regulator,
        check.id,
        passed=False,
        lab="lab",
        report_sha256=REPORT_SHA,
        failed_items=["lead"],
    )
    session.commit()
    assert check.recall is not None  # the sold units are recalled ...
    events = session.scalars(select(CreditEvent).filter_by(enterprise_id=world.merchant.id)).all()
    assert [e.kind.value for e in events] == ["spot_check_failed"]  # ... but it counts once: 3 points
    assert credit.credit_profile(session, world.regulator, world.merchant.id).points == 3
