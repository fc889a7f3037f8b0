"""Every endpoint × every role (consumer, forged token, merchant A, merchant B, office A, office B): no leaks.

The world holds merchant A's objects (a released zone batch with codes, its entry declaration and report,
an order, a spot check, a complaint with a photo-less text, a recall on a second batch, a risk warning),
all within office A's remit; office B is a second office with its own regulator. Each route is called
with A's ids by each role. A refused call must answer 401, 403 or 404 (or send a page visitor to the
login page) and write nothing — the audit log's length is compared around it; an allowed call must not be
refused and never answer 5xx. Responses to merchant B, office B and the consumer must not contain A's
private markers (its lot, its order number, its complaint's contact, its USCC) unless the route is public
by design. A route missing from :data:`ACCESS` fails the test, so new endpoints must be placed.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from suyuan.runtime import Runtime
from suyuan.scanner.photos import clean_photo
from suyuan.trace import (
    accounts,
    ceb,
    complaints,
    enterprise_documents,
    major_cases,
    negative_list,
    recalls,
    rectification,
    risk_intake,
    risk_warnings,
    sanctions,
    supervision_lists,
)
from suyuan.trace.actors import OPERATOR
from suyuan.trace.model import AuditEntry, BatchReport, CebInventory, CebRefund, EntryLine, Issuance
from suyuan.trace.zone import buyer_restrictions, exits, spot_checks, warehouses
from tests.factories import (
    SECRET,
    World,
    code_urls,
    exit_filing,
    make_enterprise,
    make_product,
    make_second_office,
    make_world,
    make_zone_batch,
    product_filing,
)
from tests.trace.ceb_world import add_ceb_parties, sample, send, the_three, variant

# Refused roles first: they must write nothing. "forged" sends a well-formed but unknown API token.
# "regulator" is office A's officer, "regulator_b" an officer of another office (outside A's remit).
ROLES = ("consumer", "forged", "merchant_b", "regulator_b", "merchant_a", "regulator")
OUTSIDERS = ("consumer", "forged", "merchant_b", "regulator_b")  # must never see A's private markers
FORGED_TOKEN = "sy_" + "x" * 43
ANYONE = frozenset(ROLES)
SIGNED_IN = frozenset({"merchant_a", "merchant_b", "regulator", "regulator_b"})
MERCHANTS = frozenset({"merchant_a", "merchant_b"})
OWNER = frozenset({"merchant_a", "regulator"})  # A's object: its merchant and its office
A_ONLY = frozenset({"merchant_a"})
OFFICE = frozenset({"regulator"})  # A's object, for its office only
OFFICES = frozenset({"regulator", "regulator_b"})  # office work on nothing of A's (lists, filings, draws)
OFFICE_B = frozenset({"regulator_b"})  # what office A sent to office B (a major-case notice)
LOT_A, CONTACT_A = "LOTA7Q", "contact-a@example.cn"
CEB_ORDER_NO = "FKORD202511200001"  # the sample order of A's, imported as CEB messages (_ceb_objects)

# endpoint -> roles allowed. Public routes may show A's public data; the others must not leak it.
ACCESS: dict[str, frozenset[str]] = {
    # consumer face
    "consumer.home": ANYONE,
    "consumer.camera": ANYONE,
    "consumer.health": ANYONE,
    "consumer.jwks": ANYONE,
    "consumer.revocation_list": ANYONE,
    "consumer.audit_checkpoint_list": ANYONE,
    "consumer.resolve": ANYONE,
    "consumer.claim": ANYONE,
    "consumer.issuance_statement": ANYONE,
    "auth.login": ANYONE,
    "api.openapi": ANYONE,
    "api.scan.scan_image": ANYONE,
    "api.complaints.file_complaint": ANYONE,
    "api.complaints.complaint_status": ANYONE,
    "complaints.file_form": ANYONE,
    "complaints.lookup": ANYONE,
    "complaints.status": ANYONE,
    # registry
    "api.me": SIGNED_IN,
    "api.registry.list_enterprises": SIGNED_IN,
    "api.registry.file_enterprise": OFFICES,
    "api.registry.list_products": SIGNED_IN,
    "api.registry.file_product": MERCHANTS,
    "api.registry.get_product": OWNER,
    "api.registry.decide_admission": OFFICE,
    "api.registry.add_document": A_ONLY,
    # the contents of A's enterprise filing (R6): its staff and its office; document_id is A's licence
    "api.registry.enterprise_filing": OWNER,
    "api.registry.list_enterprise_documents": OWNER,
    "api.registry.add_enterprise_document": OWNER,  # a JSON body is a 415 to the owners, not a refusal
    "api.registry.enterprise_document": OWNER,
    "api.registry.list_negative": SIGNED_IN,
    "api.registry.add_negative": OFFICES,
    "api.audit.verify_audit": OFFICES,
    "api.reports.half_year": OFFICES,  # each office its own remit's figures: numbers, no names
    "api.reports.half_year_csv": OFFICES,
    "api.reports.half_year_xlsx": OFFICES,
    # batches, codes, labels
    "api.batches.list_batches": SIGNED_IN,
    "api.batches.register_batch": MERCHANTS,
    "api.batches.get_batch": OWNER,
    "api.batches.amend_batch": A_ONLY,
    "api.batches.release_batch": OFFICE,
    "api.batches.issue_codes": A_ONLY,
    "api.batches.list_codes": OWNER,
    "api.labels.batch_labels": OWNER,
    "api.labels.label_templates": ANYONE,
    # bonded zone
    "api.zone.list_entries": SIGNED_IN,
    "api.zone.declare_entry": MERCHANTS,
    "api.zone.get_entry": OWNER,
    "api.zone.record_quarantine": OFFICE,
    "api.zone.list_reports": OWNER,
    "api.zone.submit_report": A_ONLY,
    "api.zone.review_report": OFFICE,
    "api.zone.batch_ledger": OWNER,
    "api.zone.dispose_goods": OFFICE,
    "api.zone.list_spot_checks": SIGNED_IN,
    "api.zone.open_spot_check": OFFICE,
    "api.zone.draw_spot_checks": OFFICES,
    "api.zone.get_spot_check": OFFICE,  # a planned check stays secret from the merchant until decided
    "api.zone.record_sample": OFFICE,
    "api.zone.record_result": OFFICE,
    "api.zone.list_exits": SIGNED_IN,
    "api.zone.declare_exit": MERCHANTS,
    "api.zone.get_exit": OWNER,
    "api.zone.recheck_exit": A_ONLY,
    "api.zone.record_return": A_ONLY,
    "api.zone.anomalies": OFFICES,
    "api.zone.credit_profile": OWNER,
    "api.zone.record_credit_event": OFFICE,
    # complaints
    "api.complaints.list_complaints": SIGNED_IN,
    "api.complaints.get_complaint": OWNER,
    "api.complaints.answer_complaint": A_ONLY,
    "api.complaints.set_complaint_status": OFFICE,
    "api.complaints.complaint_photo": OWNER,
    # trace (docs/trace.md)
    "api.trace.batch_trace": OWNER,
    "api.trace.complaint_trace": OWNER,
    "api.trace.batch_trace_csv": OWNER,
    "api.trace.batch_trace_xlsx": OWNER,
    "api.trace.batch_epcis": OWNER,
    # recalls and warnings
    "api.recalls.recall_open": OWNER,
    "api.recalls.recall_get": OWNER,
    "api.recalls.recall_notifications": OWNER,
    "api.recalls.batch_destruction": OWNER,
    "api.recalls.recall_list": SIGNED_IN,
    "api.recalls.warning_list": SIGNED_IN,
    "api.recalls.recall_close": OFFICE,
    "api.recalls.recall_lift": OFFICE,
    "api.recalls.warning_publish": OFFICES,
    "api.recalls.warning_withdraw": OFFICE,
    "api.recalls.recall_returns": A_ONLY,
    "api.recalls.public_notices": ANYONE,
    "recall_pages.notices": ANYONE,
    "recall_pages.regulator_recalls": OFFICES,
    "recall_pages.regulator_recall": OFFICE,
    "recall_pages.close": OFFICE,
    "recall_pages.lift": OFFICE,
    "recall_pages.regulator_destruction": OFFICE,
    "recall_pages.warnings": OFFICES,
    "recall_pages.withdraw": OFFICE,
    "recall_pages.merchant_recall": A_ONLY,
    "recall_pages.merchant_recalls": MERCHANTS,
    "recall_pages.merchant_destruction": MERCHANTS,
    # pages
    "merchant.home": MERCHANTS,
    "merchant.labels": MERCHANTS,
    "merchant.label_preview": A_ONLY,
    "merchant.zone": MERCHANTS,
    "merchant.batch_ledger": A_ONLY,
    # the merchant's desk (suyuan/web/desk_*.py)
    "desk.products": MERCHANTS,
    "desk.new_product": MERCHANTS,
    "desk.product": A_ONLY,
    "desk.add_document": A_ONLY,
    "desk.register_batch": A_ONLY,
    "desk.batch": A_ONLY,
    "desk.issue_codes": A_ONLY,
    "desk.submit_report": A_ONLY,
    "desk.new_entry": MERCHANTS,
    "desk.entry_declaration": A_ONLY,
    "desk.new_exit": MERCHANTS,
    "desk.exit_declaration": A_ONLY,
    "desk.recheck_exit": A_ONLY,
    "desk.record_return": A_ONLY,
    "desk.label_proof": MERCHANTS,
    # the packing station of customs orders: inventory_id is A's sample order (imported as CEB messages,
    # packed by the zone warehouse); A is its seller and packs it too (a released order: 409, not refused)
    "desk.packing_queue": MERCHANTS,
    "desk.packing": A_ONLY,
    "desk.pack": A_ONLY,
    "desk.returns": MERCHANTS,
    "desk.proved_labels": MERCHANTS,
    "regulator.home": OFFICES,
    "regulator.zone": OFFICES,
    "regulator.find": OFFICE,
    "regulator.batch_ledger": OFFICE,
    "regulator.batch_list": OFFICES,
    "office_filings.filings": OFFICES,
    "office_filings.filing": OFFICE,
    "office_filings.decide_filing": OFFICE,
    "office_zone.entry_page": OFFICE,
    "office_zone.quarantine": OFFICE,
    "office_zone.quarantine_scopes": OFFICE,
    "office_zone.store_entry": OFFICE,
    "office_zone.batch_page": OFFICE,
    "office_zone.review": OFFICE,
    "office_zone.release": OFFICE,
    "office_zone.disposal": OFFICE,
    "office_zone.exit_page": OFFICE,
    "office_checks.checks": OFFICES,
    "office_checks.draw": OFFICES,
    "office_checks.check": OFFICE,
    "office_checks.sample": OFFICE,
    "office_checks.result": OFFICE,
    "office_enterprises.enterprises": OFFICES,
    "office_enterprises.file_enterprise": OFFICES,
    "office_credit.enterprise": OFFICE,
    "office_credit.record_event": OFFICE,
    "office_credit.add_document": OFFICE,  # an empty form is a 400 to A's office
    "filing_pages.filing": MERCHANTS,  # each merchant's own filing
    "filing_pages.add_document": MERCHANTS,
    "office_actions.recall": OFFICE,
    "office_actions.spot_check": OFFICE,
    "office_actions.warning": OFFICE,
    "complaints.merchant_list": MERCHANTS,
    "complaints.merchant_detail": A_ONLY,
    "complaints.merchant_answer": A_ONLY,
    "complaints.regulator_list": OFFICES,
    "complaints.regulator_detail": OFFICE,
    "complaints.regulator_status": OFFICE,
    "trace_pages.regulator_batch": OFFICE,
    "trace_pages.regulator_complaint": OFFICE,
    "trace_pages.merchant_batch": A_ONLY,
    # onboarding and accounts (account_pages): /setup is 404 once an office exists; the invitation link
    # is a forged one here (404 for all); admins' actions are refused to every role of this matrix, whose
    # users are not administrators (tests/web/test_account_pages.py covers administrators)
    "account_pages.setup": frozenset(),
    "account_pages.invite": frozenset(),
    "account_pages.account": SIGNED_IN,
    "account_pages.tokens": SIGNED_IN,
    "account_pages.revoke_token": SIGNED_IN,
    "account_pages.users": SIGNED_IN,
    "account_pages.invite_user": OFFICES,
    "account_pages.set_active": frozenset(),
    # accounts in the JSON API: an empty body is a 400 to any signed-in caller; merchant A revokes a
    # spare token of its own (token_id); nobody of the matrix administers anyone (user_id: A's staff)
    "api.accounts.list_users": SIGNED_IN,
    "api.accounts.invite_user": SIGNED_IN,
    "api.accounts.disable_user": frozenset(),
    "api.accounts.enable_user": frozenset(),
    "api.accounts.list_tokens": SIGNED_IN,
    "api.accounts.issue_token": SIGNED_IN,
    "api.accounts.revoke_token": A_ONLY,
    "api.accounts.change_password": SIGNED_IN,
    # supervision (issue 15): a positive-list entry, a warehouse and risk information (A's self-report) of
    # office A, and a negative-list rule (one national list: any office withdraws it)
    "api.supervision.list_entries": SIGNED_IN,
    "api.supervision.add_entry": OFFICES,
    "api.supervision.withdraw_entry": OFFICE,
    "api.supervision.withdraw_negative": OFFICES,
    "api.supervision.list_information": SIGNED_IN,
    "api.supervision.record_information": SIGNED_IN,
    "api.supervision.get_information": OWNER,
    "api.supervision.assess": OFFICE,
    "api.supervision.warn": OFFICE,
    "api.supervision.spot_check": OFFICE,
    "api.supervision.recall": OFFICE,
    "api.supervision.list_warehouses": SIGNED_IN,
    "api.supervision.designate_warehouse": OFFICES,
    "api.supervision.withdraw_warehouse": OFFICE,
    "api.supervision.store_entry": OWNER,
    "api.supervision.require_quarantine": OFFICE,
    "api.supervision.batch_supervision": OWNER,
    # customs (CEB) messages: merchants send (a JSON body is a 415, not a refusal); lists are remit-filtered
    "api.ceb.receive_message": MERCHANTS,
    "api.ceb.list_inventories": SIGNED_IN,
    "api.ceb.get_inventory": OWNER,
    "api.ceb.list_receipts": SIGNED_IN,
    "api.ceb.check_scan": A_ONLY,  # an empty body: 400 to A (it packs its own orders), 404/403 to others
    "api.ceb.pack": A_ONLY,
    # an empty body is a 400 to merchants (officers: 403); refund_id is a waiting CEB625 return of A's order
    "api.ceb.accept_disclosure": MERCHANTS,
    "api.ceb.conclude_refund": A_ONLY,
    "api.ceb.list_refunds": SIGNED_IN,  # remit-filtered: outsiders get an empty list (markers checked)
    # the platform's read-only view: only a platform's staff (none in this fixture; 403 to all here,
    # tests/web/test_platform_pages.py covers the platform's own)
    "api.platform.overview": frozenset(),
    "desk.platform": frozenset(),
    # sanctions, credit lists, the exit hold step (issue 15 part A)
    "credit_pages.public_credit": ANYONE,
    "api.enforcement.public_credit": ANYONE,
    "api.enforcement.list_sanctions": OWNER,
    "api.enforcement.sanction_enterprise": OFFICE,
    "api.enforcement.sanction_product": OFFICE,
    "api.enforcement.list_credit_entries": SIGNED_IN,
    "api.enforcement.add_to_list": OFFICE,
    "api.enforcement.remove_from_list": OFFICE,
    "api.enforcement.decide_held_exit": OFFICE,
    "api.enforcement.list_buyer_restrictions": OFFICES,
    "api.enforcement.restrict_buyer": OFFICES,
    "api.enforcement.lift_buyer_restriction": OFFICE,
    "office_buyers.desk": OFFICES,
    "office_buyers.restrict": OFFICES,
    "office_buyers.lift": OFFICE,
    "office_enforcement.desk": OFFICES,
    "office_enforcement.sanction": OFFICES,
    "office_enforcement.add_listing": OFFICES,
    "office_enforcement.remove_listing": OFFICE,
    "office_enforcement.decide_hold": OFFICE,
    # supervision pages (issue 15): the same objects of office A as the API rows above
    "office_risk.desk": OFFICES,
    "office_reports.report": OFFICES,
    "office_reports.download_csv": OFFICES,
    "office_reports.download_xlsx": OFFICES,
    "office_risk.record": OFFICES,
    "office_risk.information": OFFICE,
    "office_risk.assess": OFFICE,
    "office_risk.warning": OFFICE,
    "office_risk.spot_check": OFFICE,
    "office_risk.recall": OFFICE,
    "office_lists.desk": OFFICES,
    "office_lists.add_entry": OFFICES,
    "office_lists.withdraw_entry": OFFICE,
    "office_lists.add_negative": OFFICES,
    "office_lists.withdraw_negative": OFFICES,
    "office_warehouses.desk": OFFICES,
    "office_warehouses.designate": OFFICES,
    "office_warehouses.withdraw": OFFICE,
    # interviews and rectification orders (R52): order_id is an order to A with a report awaiting review
    # (rectification_report_id, with a PDF); a JSON body is a 415 to A, an empty form a 400 to its owners
    "api.rectification.overview": OWNER,
    "api.rectification.record_interview": OFFICE,
    "api.rectification.issue_order": OFFICE,
    "api.rectification.list_orders": SIGNED_IN,
    "api.rectification.get_order": OWNER,
    "api.rectification.submit_report": A_ONLY,
    "api.rectification.review_report": OFFICE,
    "api.rectification.report_file": OWNER,
    "rectification_pages.office_desk": OFFICES,
    "rectification_pages.record_interview": OFFICES,
    "rectification_pages.issue_order": OFFICES,
    "rectification_pages.office_order": OFFICE,
    "rectification_pages.review_report": OFFICE,
    "rectification_pages.merchant_desk": MERCHANTS,
    # major cases (R60): major_case_id is office A's report of A's recall, notice_id its notice to office B
    # (both offices see the report; only B acknowledges its notice); an empty body is a 400 to offices
    "api.major_cases.report_case": OFFICES,
    "api.major_cases.list_reports": OFFICES,
    "api.major_cases.get_report": OFFICES,
    "api.major_cases.list_notices": OFFICES,
    "api.major_cases.acknowledge": OFFICE_B,
    "office_major_cases.desk": OFFICES,
    "office_major_cases.report_case": OFFICES,
    "office_major_cases.acknowledge": OFFICE_B,
    "rectification_pages.merchant_order": A_ONLY,
    "rectification_pages.submit_report": A_ONLY,
    "desk.risk_reports": MERCHANTS,
    "desk.risk_report": A_ONLY,
    "desk.store_entry": A_ONLY,
}
PUBLIC = {endpoint for endpoint, roles in ACCESS.items() if roles == ANYONE}
QUERY = {"merchant.label_preview": "?batch={batch_id}", "regulator.find": "?q={batch_id}"}
BODY = {"api.zone.open_spot_check": ("batch_id",)}  # routes that name A's object in the JSON body
NOT_CALLED = {"static": "files", "auth.logout": "ends the session the other calls use"}


@dataclass
class Fixture:
    """Merchant A's objects, by the URL parameter names that address them."""

    params: dict[str, Any]
    markers: tuple[str, ...]


@pytest.fixture
def fixture(session: Session, runtime: Runtime) -> Fixture:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    batch = make_zone_batch(session, world, runtime.ring, quantity=20, lot=LOT_A)
    urls = code_urls(session, runtime.ring, batch)
    inventory_id, refund_id = _ceb_objects(session, runtime, world)  # before supervision tightens release
    order = exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:2])]), secret=SECRET
    )
    check = spot_checks.open_spot_check(session, world.regulator, batch.id)
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(photo, "PNG")
    complaint = complaints.file_complaint(
        session,
        runtime.ring,
        urls[5],
        "quality",
        "The powder smells wrong.",
        contact=CONTACT_A,
        photo=clean_photo(photo.getvalue()),
    )
    recalled = make_zone_batch(session, world, runtime.ring, quantity=5)
    recall = recalls.open_recall(session, world.regulator, recalled.id, "recall", "lab failure")
    warning = risk_warnings.publish_warning(
        session,
        world.regulator,
        risk_warnings.WarningFiling(level="warning", title="Counterfeit formula", body="Check the code."),
    )
    assert world.merchant_staff.user_id is not None
    spare_token, _secret = accounts.issue_token(session, OPERATOR, world.merchant_staff.user_id, "spare")
    listing = sanctions.add_to_list(
        session, world.regulator, world.merchant.id, "abnormal_operations", "no reply"
    )
    restriction = buyer_restrictions.restrict_buyer(
        session, world.regulator, order.buyer_hash, "watch", "probe"
    )
    # supervision objects of office A (issue 15), so their routes are tried against real ids
    list_entry = supervision_lists.add_entry(
        session, world.regulator, list_kind="positive", match="hs_prefix", value="0402", reason="probe"
    )
    rule = negative_list.add_entry(
        session, world.regulator, category="N1", kind="hs_prefix", value="9701", reason="probe"
    )
    report = risk_intake.record_information(
        session,
        world.merchant_staff,
        risk_intake.RiskReport(source="self_report", title="Dented tins", description="seen at packing"),
    )
    licence = enterprise_documents.add_document(
        session,
        world.merchant_staff,
        world.merchant.id,
        enterprise_documents.DocumentUpload("business_licence", "licence.pdf", b"%PDF-1.7 licence of A"),
    )
    rectify = rectification.issue_order(
        session,
        world.regulator,
        world.merchant.id,
        rectification.OrderTerms("标签不全", "补齐标签", date.today() + timedelta(days=30)),
    )
    rectified = rectification.submit_report(
        session,
        world.merchant_staff,
        rectify.id,
        "已整改",
        rectification.ReportFile("evidence.pdf", b"%PDF-1.7 evidence of A"),
    )
    store = make_enterprise(session, kind="warehouse")
    warehouse = warehouses.designate_warehouse(session, world.regulator, store.id)
    major = major_cases.report_major_case(session, world.regulator, "recall", recall.id, "重大召回")
    session.commit()
    path = urls[3].split("/01/", 1)[1]
    return Fixture(
        params={
            "batch_id": batch.id,
            "product_id": batch.product_id,
            "enterprise_id": world.merchant.id,
            "complaint_id": complaint.id,
            "reference": complaint.reference,
            "recall_id": recall.id,
            "warning_id": warning.id,
            "report_id": session.scalar(select(BatchReport.id).filter_by(batch_id=batch.id)),
            "spot_check_id": check.id,
            "entry_declaration_id": session.scalar(
                select(EntryLine.declaration_id).filter_by(batch_id=batch.id)
            ),
            "exit_declaration_id": order.id,
            "issuance_id": session.scalar(select(Issuance.id).filter_by(batch_id=batch.id)),
            "rest": path,
            "token": "inv_" + "f" * 43,  # a forged invitation link
            "user_id": world.merchant_staff.user_id,
            "token_id": spare_token.id,
            "list_entry_id": list_entry.id,
            "rule_id": rule.id,
            "information_id": report.id,
            "warehouse_id": warehouse.id,
            "document_id": licence.id,
            "entry_id": listing.id,
            "restriction_id": restriction.id,
            "order_id": rectify.id,
            "rectification_report_id": rectified.id,
            "major_case_id": major.id,
            "notice_id": major.notices[0].id,
            "inventory_id": inventory_id,
            "refund_id": refund_id,
            "tokens": world.tokens | {"regulator_b": other.tokens["regulator"]},
        },
        markers=(LOT_A, order.order_no, CONTACT_A, world.merchant.uscc, CEB_ORDER_NO),
    )


def _ceb_objects(session: Session, runtime: Runtime, world: World) -> tuple[int, int]:
    """A's customs objects, imported as real CEB messages through the domain (tests/trace/ceb_world.py):
    the sample order released at packing by the zone warehouse, and a waiting return (CEB625, 120) of one
    of its two milk tins. Returns (inventory id, return id)."""
    cw = add_ceb_parties(session, runtime.ring, world)
    the_three(session)
    assert send(session, sample("CEB621Message.xml")).status == 399
    inventory = session.scalars(select(CebInventory)).one()
    ceb.pack(
        session, cw.warehouse_staff, runtime.ring, inventory.id, {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]}
    )
    session.commit()
    partial = variant(
        sample("CEB625Message.xml"),
        ("<ceb:gnum>2</ceb:gnum>", "<ceb:gnum>1</ceb:gnum>"),
        (
            "<ceb:gcode>3304990099</ceb:gcode>\n\t\t\t<ceb:gname>保湿面霜 50克/瓶",
            "<ceb:gcode>1901101000</ceb:gcode>\n\t\t\t<ceb:gname>奶粉",
        ),
    )
    assert send(session, partial).status == 120
    return inventory.id, session.scalars(select(CebRefund)).one().id


def routes(app: Flask) -> Iterator[tuple[Rule, str]]:
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_is_placed_in_the_matrix(app: Flask) -> None:
    unplaced = {r.endpoint for r, _ in routes(app)} - ACCESS.keys() - NOT_CALLED.keys()
    assert not unplaced, f"add these endpoints to ACCESS: {sorted(unplaced)}"


def _url(rule: Rule, params: dict[str, Any]) -> str:
    values = {}
    for name in rule.arguments:
        if name == "declaration_id":
            key = "entry_declaration_id" if "entry" in rule.rule else "exit_declaration_id"
            values[name] = params[key]
        else:
            values[name] = params[name]
    url = rule.build(values, append_unknown=False)
    assert url is not None
    return url[1] + QUERY.get(rule.endpoint, "").format(**params)


def _call(
    client: FlaskClient, method: str, url: str, role: str, tokens: dict[str, str], json: dict[str, Any]
) -> Any:
    headers = {}
    if url.startswith("/api/") and role == "forged":
        headers["Authorization"] = "Bearer " + FORGED_TOKEN
    elif url.startswith("/api/") and role != "consumer":
        headers["Authorization"] = "Bearer " + tokens["merchant" if role == "merchant_a" else role]
    if method == "GET":
        return client.get(url, headers=headers)
    if url.startswith("/api/"):
        return client.open(url, method=method, json=json, headers=headers)
    return client.open(url, method=method, data={}, headers=headers)


def _refused(response: Any) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code in (302, 303) and "/login" in response.headers.get("Location", "")


EMAILS = {
    "merchant_a": "staff@a.example",
    "merchant_b": "staff@b.example",
    "regulator": "officer@test.example",
    "regulator_b": "officer@nanshan.example",
}


def test_every_endpoint_for_every_role(app: Flask, session: Session, fixture: Fixture) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF has its own tests; here the roles are under test
    clients = {role: app.test_client() for role in ROLES}
    for role, email in EMAILS.items():
        answer = clients[role].post("/login", data={"email": email, "password": "password1"})
        assert answer.status_code in (302, 303), role
    tokens = fixture.params["tokens"]
    wrong: list[str] = []
    for rule, method in sorted(routes(app), key=lambda rm: (rm[0].rule, rm[1])):
        if rule.endpoint in NOT_CALLED or rule.endpoint not in ACCESS:  # unplaced: the test above fails
            continue
        url = _url(rule, fixture.params)
        json = {name: fixture.params[name] for name in BODY.get(rule.endpoint, ())}
        for role in ROLES:
            before = session.scalar(select(func.count()).select_from(AuditEntry))
            response = _call(clients[role], method, url, role, tokens, json)
            session.expire_all()
            label = f"{method} {url} as {role}: {response.status_code}"
            if response.status_code >= 500:
                wrong.append(f"{label} (server error)")
            elif role in ACCESS[rule.endpoint]:
                if _refused(response):
                    wrong.append(f"{label} (should be allowed)")
            else:
                if not _refused(response):
                    wrong.append(f"{label} (should be refused)")
                if session.scalar(select(func.count()).select_from(AuditEntry)) != before:
                    wrong.append(f"{label} (a refused call wrote to the audit log)")
            if role in OUTSIDERS and rule.endpoint not in PUBLIC:
                body = response.get_data()  # bytes: a leaked download need not be text
                wrong.extend(f"{label} leaks {m!r}" for m in fixture.markers if m.encode() in body)
    assert not wrong, "\n".join(wrong)


UNKNOWN_ENTERPRISE = 987_654


def _product_body(enterprise_id: int) -> dict[str, Any]:
    filing = product_filing()
    data = {k: v for k, v in filing.__dict__.items() if k != "documents"}
    return data | {"enterprise_id": enterprise_id, "documents": []}


def _entry_body(enterprise_id: int, gtin: str) -> dict[str, Any]:
    line = {"gtin": gtin, "lot": "X1", "quantity": 1, "supplier_name": "S", "supplier_country": "NZ"}
    return {"enterprise_id": enterprise_id, "reference": "ENT-PROBE", "lines": [line]}


def _answer(response: Any, enterprise_id: int) -> tuple[int, str, str]:
    error = response.json["error"]
    return response.status_code, error["code"], error["message"].replace(str(enterprise_id), "<id>")


def test_another_tenants_enterprise_answers_exactly_like_an_unknown_one(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    """Security review row 33: an enterprise id outside the caller's remit must not be told apart
    from one that does not exist (credit profile, product filing, entry declaration)."""
    world = make_world(session, runtime.ring)
    office_b = make_second_office(session)
    gtin = make_product(session, world).gtin
    theirs = world.merchant.id
    probes = [
        ("GET", "/api/v1/enterprises/{id}/credit", lambda _id: None),
        ("POST", "/api/v1/products", _product_body),
        ("POST", "/api/v1/entry-declarations", lambda enterprise_id: _entry_body(enterprise_id, gtin)),
    ]
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    for token in (world.tokens["merchant_b"], office_b.tokens["merchant"], office_b.tokens["regulator"]):
        headers = {"Authorization": f"Bearer {token}"}
        for method, path, body in probes:
            answers = [
                _answer(client.open(path.format(id=i), method=method, json=body(i), headers=headers), i)
                for i in (theirs, UNKNOWN_ENTERPRISE)
            ]
            assert answers[0] == answers[1], (method, path)
            office_filing = method == "POST" and token == office_b.tokens["regulator"]  # 403: merchants file
            assert answers[0][0] == (403 if office_filing else 404), (method, path)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before
