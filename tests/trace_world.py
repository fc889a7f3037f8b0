"""A batch with a whole life behind it, built through the zone workflow, for the trace tests.

Entry (with its bill of lading) → quarantine → report accepted → release → two orders leave the zone →
one unit comes back → scans (genuine, then a forged code of the same lot) → complaints (on a code of
the batch, and on a code of a GTIN nobody filed) → a failed spot check that blocks exit and recalls
the units sold → the office's recall of the whole batch → supervised destruction of what is left.
Another merchant's batch stands beside it for the authorisation tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from suyuan.trace import complaints, issuance, recalls, scanning
from suyuan.trace.codes import parse_code
from suyuan.trace.keys import KeyRing
from suyuan.trace.model import Batch, Complaint, ExitDeclaration
from suyuan.trace.zone import entry, exits, inspection, ledger, returns, spot_checks
from suyuan.trace.zone.entry import EntryFiling
from suyuan.trace.zone.exits import Buyer
from suyuan.trace.zone.inspection import ReportFiling
from tests.complaint_factories import unknown_gtin
from tests.factories import (
    BASE,
    REPORT_SHA,
    SECRET,
    World,
    code_urls,
    entry_line,
    exit_filing,
    id_number,
    make_product,
    make_world,
    make_zone_batch,
)

UNITS = 40


@dataclass
class TracedWorld:
    """The world, the traced batch with its code URLs and orders, its complaints, and merchant B's batch."""

    world: World
    batch: Batch
    urls: list[str]
    orders: list[ExitDeclaration]
    complaint: Complaint
    sibling: Complaint
    unknown_complaint: Complaint
    other_batch: Batch


def build_traced_world(session: Session, ring: KeyRing) -> TracedWorld:
    """Run one lot through its life (see the module docstring); every step committed."""
    world = make_world(session, ring)
    merchant, officer = world.merchant_staff, world.regulator
    product = make_product(session, world)
    declaration = entry.declare_entry(
        session,
        merchant,
        world.merchant.id,
        EntryFiling(
            reference="BL-TRACE-0601",
            transport_doc="MAEU 987654321",
            lines=(entry_line(product, lot="T2706", quantity=UNITS),),
        ),
    )
    batch = declaration.lines[0].batch
    assert batch is not None
    issuance.issue_codes(session, merchant, ring, batch.id, UNITS, BASE)
    inspection.record_quarantine(session, officer, declaration.id, outcome="passed", note="goods")
    report = inspection.submit_report(
        session,
        merchant,
        batch.id,
        ReportFiling("foreign_test_report", issuer="SGS NZ", issued_on=date(2026, 1, 5), sha256=REPORT_SHA),
    )
    inspection.review_report(session, officer, report.id, accept=True)
    inspection.release_batch(session, officer, batch.id)
    session.commit()
    urls = code_urls(session, ring, batch)
    orders = [
        exits.declare_exit(
            session,
            merchant,
            ring,
            exit_filing([(batch, urls[0:2])], buyer=Buyer(id_number(11), "安娜", "A road 1")),
            secret=SECRET,
        ),
        exits.declare_exit(
            session,
            merchant,
            ring,
            exit_filing([(batch, urls[2:5])], buyer=Buyer(id_number(12), "伯", "B road 2")),
            secret=SECRET,
        ),
    ]
    session.commit()
    returns.record_return(session, merchant, orders[1].id, urls[2:3], "dented tin")
    session.commit()
    _scan(session, ring, urls[0], "dev-a", "CN-GD")
    _scan(session, ring, urls[0], "dev-b", "CN-BJ")
    _scan(session, ring, urls[1], "dev-c", "CN-GD")
    _scan(session, ring, urls[3].replace("?s=", "?s=1"), "dev-d", "CN-SH")
    complaint = complaints.file_complaint(
        session, ring, urls[0], "quality", "The powder smells sour.", contact="13800138000"
    )
    sibling = complaints.file_complaint(session, ring, urls[1], "labelling", "No Chinese label on the tin.")
    unknown = complaints.file_complaint(
        session, ring, unknown_gtin(urls[5], batch), "suspected_fake", "Bought at a market stall."
    )
    session.commit()
    check = spot_checks.open_spot_check(session, officer, batch.id)
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
    _scan(session, ring, urls[0], "dev-a", "CN-GD")
    recalls.open_recall(
        session, officer, batch.id, "recall", "protein below the label claim", "退回购买平台 / return it"
    )
    held = ledger.balance(session, batch.id)
    inspection.dispose_goods(
        session, officer, batch.id, kind="destruction", quantity=held, reason="failed spot check"
    )
    session.commit()
    other = make_zone_batch(session, world, ring, quantity=10, owner="merchant_b")
    return TracedWorld(world, batch, urls, orders, complaint, sibling, unknown, other)


def _scan(session: Session, ring: KeyRing, url: str, device: str, region: str) -> None:
    scanning.record_scan(session, ring, parse_code(url), device=device, region=region)
    session.commit()
