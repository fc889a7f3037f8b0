"""One consignment through the bonded zone, from entry declaration to write-off (SZ chapters 3-5).

Along the way: a refused entry line, quarantine and report review, sales, a quota refusal, a consumer
return, a failed spot check that recalls the units already sold, and the supervised destruction of
what is left. After every step both batches' ledgers balance and never go negative.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import audit, issuance, registry, scanning
from suyuan.trace.codes import parse_code
from suyuan.trace.errors import QuotaExceeded
from suyuan.trace.model import Batch, BatchStatus, EntryStatus, ExitStatus, LedgerKind, LineRefusal
from suyuan.trace.verdicts import Reason, Verdict
from suyuan.trace.zone import entry, exits, inspection, ledger, returns, spot_checks
from suyuan.trace.zone.entry import EntryFiling
from suyuan.trace.zone.exits import Buyer, ExitFiling
from suyuan.trace.zone.inspection import ReportFiling
from tests.factories import (
    BASE,
    REPORT_SHA,
    SECRET,
    code_urls,
    entry_line,
    exit_filing,
    id_number,
    invariant_holds,
    make_product,
    make_world,
    product_filing,
)


def test_a_consignment_from_entry_to_write_off(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    merchant, officer, ring = world.merchant_staff, world.regulator, runtime.ring
    formula, cream = make_product(session, world), make_product(session, world, category="cosmetic")
    unfiled = product_filing()
    checked: list[Batch] = []

    def ledgers_balance(expected: dict[str, int]) -> None:
        for batch, name in zip(checked, ("formula", "cream"), strict=True):
            report = ledger.ledger_report(session, officer, batch.id)
            assert invariant_holds(report), (name, report.as_json())
            assert report.in_zone == expected[name], (name, report.in_zone)

    def verdict(url: str) -> tuple[Verdict, list[Reason]]:
        check = scanning.check_code(session, ring, parse_code(url))
        return check.verdict, check.reasons

    def sell(filing: ExitFiling) -> exits.ExitDeclaration:
        declaration = exits.declare_exit(session, merchant, ring, filing, secret=SECRET)
        session.commit()
        return declaration

    # 1. Entry: two lines match admitted filings, one names a product never filed.
    declaration = entry.declare_entry(
        session,
        merchant,
        world.merchant.id,
        EntryFiling(
            reference="BL-2027-0601",
            transport_doc="MAEU 123456789",
            lines=(
                entry_line(formula, lot="F2706", quantity=50),
                entry_line(cream, lot="C2706", quantity=30),
                entry_line(formula, gtin=unfiled.gtin, lot="X1"),
            ),
        ),
    )
    session.commit()
    assert declaration.status is EntryStatus.PARTLY_ACCEPTED
    assert declaration.lines[2].refusal is LineRefusal.NOT_FILED
    checked.extend(line.batch for line in declaration.lines[:2] if line.batch)
    a, b = checked
    ledgers_balance({"formula": 50, "cream": 30})

    # 2. Labels: codes are issued, but a code scanned before release is suspect.
    for batch in checked:
        issuance.issue_codes(session, merchant, ring, batch.id, batch.quantity, BASE)
    a_urls, b_urls = code_urls(session, ring, a), code_urls(session, ring, b)
    assert verdict(a_urls[0]) == (Verdict.SUSPECT, [Reason.NOT_RELEASED])

    # 3. Quarantine and report review, then release for sale.
    inspection.record_quarantine(
        session, officer, declaration.id, outcome="passed", note="documents and goods"
    )
    for batch in checked:
        report = inspection.submit_report(
            session,
            merchant,
            batch.id,
            ReportFiling("foreign_test_report", issuer="SGS", issued_on=date(2026, 9, 2), sha256=REPORT_SHA),
        )
        inspection.review_report(session, officer, report.id, accept=True)
        inspection.release_batch(session, officer, batch.id)
    session.commit()
    assert verdict(a_urls[0]) == (Verdict.GENUINE, [])
    ledgers_balance({"formula": 50, "cream": 30})

    # 4. Two orders leave the zone and are written off.
    ann, bo = Buyer(id_number(1), "安娜", "A road 1"), Buyer(id_number(2), "伯", "B road 2")
    first = sell(exit_filing([(a, a_urls[0:2]), (b, b_urls[0:1])], buyer=ann, unit_price="300.00"))
    second = sell(exit_filing([(a, a_urls[2:5])], buyer=bo, unit_price="300.00"))
    assert (first.status, second.status) == (ExitStatus.WRITTEN_OFF, ExitStatus.WRITTEN_OFF)
    ledgers_balance({"formula": 45, "cream": 29})

    # 5. A quota refusal: six tins at RMB 1,000 is over RMB 5,000 for one order; nothing is written.
    with pytest.raises(QuotaExceeded):
        sell(exit_filing([(a, a_urls[5:11])], buyer=Buyer(id_number(3), "曹"), unit_price="1000.00"))
    session.rollback()
    ledgers_balance({"formula": 45, "cream": 29})

    # 6. A return: one tin of the second order comes back into the zone with its code.
    returns.record_return(session, merchant, second.id, a_urls[2:3], "dented tin")
    session.commit()
    ledgers_balance({"formula": 46, "cream": 29})

    # 7. A failed spot check blocks the formula's exit and recalls the tins already sold, at once.
    check = spot_checks.open_spot_check(session, officer, a.id)
    spot_checks.record_sample(session, officer, check.id, channel="offline", quantity=2)
    spot_checks.record_result(
        session,
        officer,
        check.id,
        passed=False,
        lab="CIQ lab",
        report_sha256=REPORT_SHA,
        failed_items=["protein"],
    )
    session.commit()
    assert a.status is BatchStatus.EXIT_BLOCKED and b.status is BatchStatus.RELEASED
    assert check.recall is not None and (check.recall.affected_units, check.recall.affected_orders) == (4, 2)
    assert [verdict(u)[0] for u in a_urls[:5]] == [
        Verdict.RECALLED,
        Verdict.RECALLED,
        Verdict.SUSPECT,  # returned: back in the zone
        Verdict.RECALLED,
        Verdict.RECALLED,
    ]
    assert verdict(a_urls[20]) == (Verdict.SUSPECT, [Reason.NOT_RELEASED])
    assert verdict(b_urls[0]) == (Verdict.GENUINE, [])
    blocked = sell(exit_filing([(a, a_urls[20:21])]))
    assert blocked.status is ExitStatus.RECTIFICATION_REQUIRED
    assert [f["problem"] for f in blocked.findings] == ["exit_blocked"]
    ledgers_balance({"formula": 44, "cream": 29})

    # 8. The office supervises destruction of the formula still in the zone; the cream sells out.
    inspection.dispose_goods(
        session, officer, a.id, kind="destruction", quantity=44, reason="failed spot check"
    )
    sell(exit_filing([(b, b_urls[1:16])], unit_price="100.00"))
    sell(exit_filing([(b, b_urls[16:30])], unit_price="100.00"))
    session.commit()
    ledgers_balance({"formula": 0, "cream": 0})
    final = ledger.ledger_report(session, officer, b.id)
    assert (final.entered, final.total(LedgerKind.WRITE_OFF), final.sold_units) == (30, 30, 30)
    assert world.merchant.credit_grade == "C"
    assert registry.get_enterprise(session, officer, world.merchant.id).credit_grade == "C"
    assert audit.verify_chain(session).ok
