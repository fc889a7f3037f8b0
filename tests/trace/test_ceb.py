"""Customs single-window messages: every sample round-trips, bad input is refused, documents match,
the packing station releases only the right units, returns come back onto the ledger."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import ceb, recalls, sanctions
from suyuan.trace.actors import OPERATOR
from suyuan.trace.ceb import PackingProblem, PackingRefused
from suyuan.trace.ceb.parsing import CEB_NS, MAX_BYTES, _import_schema
from suyuan.trace.errors import NotFound, PermissionDenied
from suyuan.trace.model import (
    AuditEntry,
    CebInventory,
    CebMessage,
    CebOrder,
    CebPayment,
    CebReceipt,
    CebRefund,
    CebWaybill,
    ExitDeclaration,
    ExitStatus,
    LedgerEntry,
    LedgerKind,
    SoldCode,
    SoldStatus,
    TradeMode,
)
from suyuan.trace.zone import ledger
from tests.factories import SECRET, code_urls, exit_filing, make_zone_batch
from tests.trace.ceb_world import DATA, CebWorld, make_ceb_world, sample, send, the_three, variant


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def cw(session: Session, runtime: Runtime) -> CebWorld:
    return make_ceb_world(session, runtime.ring)


def released(session: Session, runtime: Runtime, cw: CebWorld) -> CebInventory:
    """The sample order matched and packed (2 milk tins, 1 cream jar)."""
    the_three(session)
    assert send(session, sample("CEB621Message.xml")).status == 399
    inventory = session.scalars(select(CebInventory)).one()
    ceb.pack(
        session,
        cw.warehouse_staff,
        runtime.ring,
        inventory.id,
        {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]},
    )
    session.commit()
    return inventory


def validates(xml: str) -> bool:
    return bool(_import_schema().validate(etree.fromstring(xml.encode())))


# --- every sample round-trips ----------------------------------------------------------------------


def test_the_sample_order_goes_from_order_to_release_and_return(
    session: Session, runtime: Runtime, cw: CebWorld
) -> None:
    answers = the_three(session)
    assert [(r.message_type, r.status, r.refused) for r in answers] == [
        ("CEB312Message", 120, False),
        ("CEB412Message", 120, False),
        ("CEB512Message", 120, False),
    ]
    inventory_receipt = send(session, sample("CEB621Message.xml"))
    assert (inventory_receipt.message_type, inventory_receipt.status) == ("CEB622Message", 399)
    for receipt in [*answers, inventory_receipt]:
        assert validates(receipt.xml), receipt.xml
    inventory = session.scalars(select(CebInventory)).one()
    assert (inventory.trade_mode, inventory.ems_no, inventory.waiting_for) == ("1210", "T2200W000001", [])
    for name, status in (
        ("CEB622Message_s2.xml", 2),
        ("CEB622Message_s120.xml", 120),
        ("CEB622Message_s399.xml", 399),
    ):
        assert send(session, sample(name)).status == status
    session.refresh(inventory)
    assert (inventory.customs_status, inventory.invt_no) == (399, "22002025I900000001")

    ceb.pack(
        session, cw.warehouse_staff, runtime.ring, inventory.id, {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]}
    )
    session.commit()
    session.refresh(inventory)
    exit_ = session.get(ExitDeclaration, inventory.exit_declaration_id)
    assert inventory.status == 800 and exit_ is not None and exit_.status is ExitStatus.WRITTEN_OFF
    assert exit_.order_no == "FKORD202511200001" and exit_.total_fen == 71600
    assert count(session, SoldCode) == 3
    assert (
        ledger.balance(session, cw.milk_batch.id) == 18 and ledger.balance(session, cw.cream_batch.id) == 19
    )
    released_receipt = session.scalars(select(CebReceipt).where(CebReceipt.status == 800)).one()
    assert validates(released_receipt.xml) and "[Code:2600;Desc:放行]" in released_receipt.xml

    refund = send(session, sample("CEB625Message.xml"))
    assert (refund.message_type, refund.status) == ("CEB626Message", 399) and validates(refund.xml)
    assert ledger.balance(session, cw.cream_batch.id) == 20
    report = ledger.ledger_report(session, cw.world.regulator, cw.cream_batch.id)
    assert report.total(LedgerKind.CONSUMER_RETURN) == 1 and report.balanced
    statuses = {
        s.serial: s.status
        for s in session.scalars(select(SoldCode).where(SoldCode.batch_id == cw.cream_batch.id))
    }
    assert statuses == {"1": SoldStatus.RETURNED}
    assert send(session, sample("CEB622Message_s800.xml")).status == 800
    assert send(session, sample("CEB626Message_s399.xml")).status == 399


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("CEB312Message_s2.xml", 2),
        ("CEB312Message_s120.xml", 120),
        ("CEB312Message_neg.xml", -301010),
        ("CEB622Message_s2.xml", 2),
        ("CEB622Message_s120.xml", 120),
        ("CEB622Message_s399.xml", 399),
        ("CEB622Message_s800.xml", 800),
        ("CEB622Message_s899.xml", 899),
        ("CEB622Message_s100.xml", 100),
        ("CEB626Message_s399.xml", 399),
        ("CEB816Message.xml", 1),
    ],
)
def test_customs_receipts_are_recorded_with_their_status(
    session: Session, runtime: Runtime, cw: CebWorld, name: str, status: int
) -> None:
    receipt = send(session, sample(name))
    assert receipt.status == status and receipt.entries[0].recorded and not receipt.refused
    assert count(session, CebReceipt) == 1 and count(session, CebMessage) == 1


def test_a_customs_rejection_stops_the_packing_station(
    session: Session, runtime: Runtime, cw: CebWorld
) -> None:
    the_three(session)
    send(session, sample("CEB621Message.xml"))
    send(session, sample("CEB622Message_s100.xml"))
    inventory = session.scalars(select(CebInventory)).one()
    assert inventory.customs_status == 100
    with pytest.raises(ceb.NotReadyForPacking, match="customs answered 100"):
        ceb.pack(
            session,
            cw.warehouse_staff,
            runtime.ring,
            inventory.id,
            {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]},
        )


def test_the_dxp_envelope_carries_the_same_inventory(
    session: Session, runtime: Runtime, cw: CebWorld
) -> None:
    the_three(session)
    enveloped = send(session, sample("DxpMsg_CEB621Message.xml"))
    assert (enveloped.message_type, enveloped.status) == ("CEB622Message", 399)
    assert (
        session.scalars(select(CebMessage).where(CebMessage.message_type == "CEB621Message")).one().transport
        == "dxp"
    )
    bare = send(session, sample("CEB621Message.xml"))  # the same business message: the same receipt
    assert bare.xml == enveloped.xml and count(session, CebInventory) == 1


def test_gb18030_and_gbk_messages_are_read_in_their_declared_encoding(session: Session, cw: CebWorld) -> None:
    text = sample("CEB311Message.xml").decode().replace('encoding="UTF-8"', 'encoding="GB18030"')
    receipt = send(session, text.encode("gb18030"))
    assert receipt.status == 120
    order = session.scalars(select(CebOrder)).one()
    assert order.buyer_name_masked == "张*" and order.lines[0]["name"].startswith("婴幼儿配方奶粉")
    gbk = variant(sample("CEB411Message.xml")).decode().replace('encoding="UTF-8"', 'encoding="GBK"')
    assert send(session, gbk.encode("gbk")).status == 120


def test_personal_data_is_kept_only_hashed_masked_or_redacted(session: Session, cw: CebWorld) -> None:
    the_three(session)
    bodies = " ".join(m.body or "" for m in session.scalars(select(CebMessage)))
    for personal in ("310115199001010002", "张三", "13000000000", "示例路1号"):
        assert personal not in bodies
    order = session.scalars(select(CebOrder)).one()
    assert order.buyer_hash != "310115199001010002" and len(order.buyer_hash) == 64


# --- bad input: a receipt with 100, or a clear refusal; nothing half-written ---------------------


XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="x">&x;</ceb:CEB311Message>"""
LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="x">&lol4;</ceb:CEB311Message>"""


def _oversized() -> bytes:
    raw = sample("CEB311Message.xml")
    return raw.replace(b"<ceb:note>", b"<ceb:note>" + b" " * (MAX_BYTES + 1), 1)


@pytest.mark.parametrize(
    ("raw", "status", "reason"),
    [
        (b"<ceb:CEB311Message xmlns:ceb='http://www.chinaport.gov.cn/ceb'><ceb:Order>", -1, "malformed_xml"),
        (b"\xff\xfe not xml", -1, "malformed_xml"),
        (XXE, -1, "dtd_forbidden"),
        (LAUGHS, -1, "dtd_forbidden"),
        (
            sample("CEB311Message.xml").replace(
                b"http://www.chinaport.gov.cn/ceb", b"http://example.com/ceb"
            ),
            -1,
            "wrong_namespace",
        ),
        (b'<ceb:CEB999Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="x"/>', -1, "unknown_message"),
        (
            sample("CEB311Message.xml").replace(b"<ceb:orderNo>FKORD202511200001</ceb:orderNo>", b""),
            -2,
            "schema_invalid",
        ),
        (_oversized(), -1, "too_large"),
        (sample("DxpMsg_CEB621Message.xml").replace(b"<dxp:Data>\n", b"<dxp:Data>\n!!!"), -1, "bad_envelope"),
    ],
    ids=[
        "truncated",
        "binary",
        "xxe",
        "billion-laughs",
        "namespace",
        "unknown",
        "schema",
        "oversized",
        "envelope",
    ],
)
def test_unreadable_messages_get_a_format_receipt_and_nothing_else(
    session: Session, cw: CebWorld, raw: bytes, status: int, reason: str
) -> None:
    receipt = send(session, raw)
    assert receipt.message_type == "CEB900Message" and receipt.refused
    assert (receipt.status, receipt.entries[0].reason) in {(status, reason), (status, "bad_encoding")}
    assert validates(receipt.xml)
    assert b"passwd" not in receipt.xml.encode() and "lollol" not in receipt.xml
    message = session.scalars(select(CebMessage)).one()
    assert message.body is None and message.dedupe_key is None
    assert count(session, CebOrder) == 0 and count(session, CebReceipt) == 0


@pytest.mark.parametrize(
    ("replacements", "reason"),
    [
        ((("<ceb:acturalPaid>761.16", "<ceb:acturalPaid>761.17"),), "wrong_sum"),
        (
            (
                ("<ceb:totalPrice>396.00", "<ceb:totalPrice>395.00"),
                ("<ceb:goodsValue>716.00", "<ceb:goodsValue>715.00"),
                ("<ceb:acturalPaid>761.16", "<ceb:acturalPaid>760.16"),
            ),
            "wrong_sum",
        ),
        ((("<ceb:goodsValue>716.00", "<ceb:goodsValue>716.50"),), "wrong_sum"),
        ((("<ceb:barCode>9521234543213", "<ceb:barCode>9521234543237"),), "unknown_product"),
        ((("<ceb:barCode>9521234543213", "<ceb:barCode>9521234543210"),), "invalid_barcode"),
        ((("<ceb:buyerIdType>1", "<ceb:buyerIdType>2"),), "code_list"),
        ((("<ceb:country>609", "<ceb:country>ABC"),), "code_list"),
        (
            (("<ceb:buyerIdNumber>310115199001010002", "<ceb:buyerIdNumber>310115199001010003"),),
            "invalid_id_number",
        ),
        ((("<ceb:orderType>I", "<ceb:orderType>E"),), "code_list"),
        ((("<ceb:qty>2</ceb:qty>", "<ceb:qty>1.5</ceb:qty>"),), "bad_quantity"),
    ],
)
def test_orders_breaking_a_rule_get_100_and_write_nothing(
    session: Session, cw: CebWorld, replacements: tuple[tuple[str, str], ...], reason: str
) -> None:
    receipt = send(session, variant(sample("CEB311Message.xml"), *replacements))
    assert (receipt.message_type, receipt.status, receipt.entries[0].reason) == ("CEB312Message", 100, reason)
    assert receipt.refused and validates(receipt.xml)
    assert count(session, CebOrder) == 0 and count(session, CebReceipt) == 1


def test_an_unknown_enterprise_code_is_a_processing_error(session: Session, cw: CebWorld) -> None:
    receipt = send(
        session, variant(sample("CEB311Message.xml"), ("<ceb:ebcCode>31229AFK01", "<ceb:ebcCode>31229AFK99"))
    )
    assert (receipt.status, receipt.entries[0].reason) == (-10102, "unknown_enterprise")
    bad_uscc = variant(
        sample("CEB311Message.xml"), ("<ceb:ebpCode>91310115MA1FAKE00Y", "<ceb:ebpCode>91310115MA1FAKE00X")
    )
    assert send(session, bad_uscc).entries[0].reason == "invalid_enterprise_code"


def test_the_same_message_twice_gets_the_same_receipt_and_writes_nothing(
    session: Session, cw: CebWorld
) -> None:
    first = send(session, sample("CEB311Message.xml"))
    messages, receipts_ = count(session, CebMessage), count(session, CebReceipt)
    again = send(session, sample("CEB311Message.xml"))
    assert again.xml == first.xml and again.message_id == first.message_id
    assert (count(session, CebMessage), count(session, CebReceipt), count(session, CebOrder)) == (
        messages,
        receipts_,
        1,
    )


def test_one_message_may_carry_several_inventories_each_answered_on_its_own(
    session: Session, cw: CebWorld
) -> None:
    """The schema allows 100 inventories a message; each gets its receipt, the message one audit entry."""
    the_three(session)
    root = etree.fromstring(sample("CEB621Message.xml"))
    first = root.find(f"{{{CEB_NS}}}Inventory")
    assert first is not None
    second = etree.fromstring(etree.tostring(first))
    for name, value in (
        ("guid", "4A4B8C55-7D55-4E1B-9E0A-000000000621"),
        ("orderNo", "ORDER-NOT-YET"),
        ("copNo", "INV-NOT-YET"),
        ("logisticsNo", "WAYBILL-NOT-YET"),
    ):
        element = second.find(f"{{{CEB_NS}}}InventoryHead/{{{CEB_NS}}}{name}")
        assert element is not None
        element.text = value
    first.addnext(second)
    audit_before = count(session, AuditEntry)
    receipt = send(session, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    assert [entry.status for entry in receipt.entries] == [399, 120], receipt.entries[1].info
    assert "orderNo" in receipt.entries[1].info or "order" in receipt.entries[1].info
    assert validates(receipt.xml)
    rows = session.scalars(select(CebReceipt).where(CebReceipt.message_id == receipt.message_id)).all()
    assert sorted(row.status for row in rows) == [120, 399]
    assert all(validates(row.xml) for row in rows)
    assert count(session, CebInventory) == 2
    assert count(session, AuditEntry) == audit_before + 1
    message = session.get(CebMessage, receipt.message_id)
    assert message is not None and message.answer == receipt.xml and len(message.entries) == 2


def test_the_same_message_sent_twice_at_once_is_processed_once(runtime: Runtime, cw: CebWorld) -> None:
    """Two connections claim one guid: the second waits for the first and gets its very receipt."""
    with runtime.sessions() as session:
        the_three(session)  # commits as it goes
    raw, answers = sample("CEB621Message.xml"), []
    start = threading.Barrier(2)

    def importer() -> None:
        start.wait()
        with runtime.transaction() as session:
            answers.append(ceb.receive(session, OPERATOR, raw, secret=SECRET))

    threads = [threading.Thread(target=importer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answers) == 2
    assert answers[0].xml == answers[1].xml and answers[0].message_id == answers[1].message_id
    with runtime.sessions() as session:
        assert (count(session, CebMessage), count(session, CebInventory)) == (4, 1)


def test_a_guid_reused_with_other_content_is_refused(session: Session, cw: CebWorld) -> None:
    send(session, sample("CEB311Message.xml"))
    other = variant(sample("CEB311Message.xml"), ("<ceb:note>示例订单", "<ceb:note>changed"), new_guid=False)
    receipt = send(session, other)
    assert (receipt.message_type, receipt.status, receipt.entries[0].reason) == (
        "CEB900Message",
        -3,
        "guid_reused",
    )
    assert count(session, CebOrder) == 1


def test_a_second_order_with_the_same_number_is_a_processing_error(session: Session, cw: CebWorld) -> None:
    send(session, sample("CEB311Message.xml"))
    receipt = send(session, variant(sample("CEB311Message.xml")))
    assert (receipt.status, receipt.entries[0].reason) == (-301010, "duplicate_order")


def test_an_order_over_the_quota_is_rejected(session: Session, cw: CebWorld) -> None:
    raw = variant(
        sample("CEB311Message.xml"),
        ("<ceb:qty>2</ceb:qty>\n\t\t\t<ceb:price>198.00", "<ceb:qty>30</ceb:qty>\n\t\t\t<ceb:price>198.00"),
        ("<ceb:totalPrice>396.00", "<ceb:totalPrice>5940.00"),
        ("<ceb:goodsValue>716.00", "<ceb:goodsValue>6260.00"),
        ("<ceb:acturalPaid>761.16", "<ceb:acturalPaid>6305.16"),
    )
    receipt = send(session, raw)
    assert (receipt.status, receipt.entries[0].reason) == (100, "quota_exceeded")


def test_a_sender_who_is_not_a_party_is_rejected(session: Session, cw: CebWorld) -> None:
    receipt = send(session, sample("CEB311Message.xml"), cw.world.merchant_b_staff)
    assert (receipt.status, receipt.entries[0].reason) == (100, "not_a_party")
    with pytest.raises(PermissionDenied):
        send(session, sample("CEB311Message.xml"), cw.world.regulator)
    assert count(session, CebOrder) == 0


# --- three-document matching -----------------------------------------------------------------------


def test_an_inventory_waits_for_its_documents_and_matches_when_they_arrive(
    session: Session, cw: CebWorld
) -> None:
    first = send(session, sample("CEB621Message.xml"))
    assert first.status == 120 and "order, payment, waybill" in first.entries[0].info
    inventory = session.scalars(select(CebInventory)).one()
    assert inventory.waiting_for == ["order", "payment", "waybill"]
    send(session, sample("CEB311Message.xml"))
    send(session, sample("CEB511Message.xml"))
    session.refresh(inventory)
    assert (inventory.status, inventory.waiting_for) == (120, ["payment"])
    send(session, sample("CEB411Message.xml"))
    session.refresh(inventory)
    assert inventory.status == 399
    matched = session.scalars(
        select(CebReceipt).where(CebReceipt.subject == f"inventory:{inventory.id}", CebReceipt.status == 399)
    ).one()
    assert validates(matched.xml)


def test_a_payment_of_another_amount_is_rejected(session: Session, cw: CebWorld) -> None:
    send(session, sample("CEB311Message.xml"))
    receipt = send(
        session, variant(sample("CEB411Message.xml"), ("<ceb:amountPaid>761.16", "<ceb:amountPaid>716.00"))
    )
    assert (receipt.message_type, receipt.status, receipt.entries[0].reason) == (
        "CEB412Message",
        100,
        "payment_mismatch",
    )
    assert count(session, CebPayment) == 0


def test_a_waybill_to_another_consignee_is_rejected(session: Session, cw: CebWorld) -> None:
    send(session, sample("CEB311Message.xml"))
    send(session, sample("CEB621Message.xml"))
    receipt = send(
        session, variant(sample("CEB511Message.xml"), ("<ceb:consignee>张三", "<ceb:consignee>李四"))
    )
    assert (receipt.status, receipt.entries[0].reason) == (100, "consignee_mismatch")
    assert count(session, CebWaybill) == 0


def test_an_inventory_that_differs_from_its_order_is_rejected(session: Session, cw: CebWorld) -> None:
    the_three(session)
    raw = variant(
        sample("CEB621Message.xml"),
        ("<ceb:qty>2</ceb:qty>\n\t\t\t<ceb:unit>122", "<ceb:qty>3</ceb:qty>\n\t\t\t<ceb:unit>122"),
        ("<ceb:totalPrice>396.00", "<ceb:totalPrice>594.00"),
    )
    receipt = send(session, raw)
    assert (receipt.status, receipt.entries[0].reason) == (100, "lines_mismatch")
    assert count(session, CebInventory) == 0


def _direct_mail_inventory(session: Session) -> CebInventory:
    the_three(session)
    raw = variant(sample("CEB621Message.xml"), ("<ceb:tradeMode>1210", "<ceb:tradeMode>9610"))
    assert send(session, raw).status == 399
    return session.scalars(select(CebInventory)).one()


def test_a_9610_inventory_binds_its_units_to_the_buyer_without_write_off(
    session: Session, runtime: Runtime
) -> None:
    cw = make_ceb_world(session, runtime.ring, direct_mail=True)
    inventory = _direct_mail_inventory(session)
    ceb.pack(
        session, cw.warehouse_staff, runtime.ring, inventory.id, {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]}
    )
    session.commit()
    declaration = session.get(ExitDeclaration, inventory.exit_declaration_id)
    assert inventory.trade_mode == "9610" and inventory.status == 800 and declaration is not None
    assert declaration.status is ExitStatus.WRITTEN_OFF and declaration.trade_mode is TradeMode.DIRECT_MAIL
    sold = session.scalars(select(SoldCode).order_by(SoldCode.id)).all()
    assert [(s.batch_id, s.exit_declaration_id) for s in sold] == [
        (cw.milk_batch.id, declaration.id),
        (cw.milk_batch.id, declaration.id),
        (cw.cream_batch.id, declaration.id),
    ]
    assert count(session, LedgerEntry) == 0  # direct mail was never on the ledger, nothing is written off


def test_a_9610_inventory_refuses_bonded_units_and_a_1210_one_direct_mail_units(
    session: Session, runtime: Runtime, cw: CebWorld
) -> None:
    inventory = _direct_mail_inventory(session)
    scans = {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]}
    assert set(_refused(session, runtime, cw, scans)) == {"wrong_trade_mode"}
    answer = ceb.check_scan(session, cw.warehouse_staff, runtime.ring, inventory.id, 1, cw.milk_urls[0])
    assert answer.problem is PackingProblem.WRONG_TRADE_MODE
    assert ledger.balance(session, cw.milk_batch.id) == 20 and count(session, SoldCode) == 0


def test_units_of_a_suspended_product_are_refused_at_packing(
    session: Session, runtime: Runtime, cw: CebWorld
) -> None:
    _matched(session)
    sanctions.sanction_product(session, cw.world.regulator, cw.cream.id, "suspend", "lab failure")
    session.commit()
    assert _refused(session, runtime, cw, {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]}) == ["not_trading"]


# --- consumer disclosure (SZ Art. 11) -----------------------------------------------------------------


def test_a_disclosed_product_waits_for_the_buyers_acceptance(session: Session, runtime: Runtime) -> None:
    cw = make_ceb_world(session, runtime.ring, cream_disclosure=True)
    the_three(session)
    assert send(session, sample("CEB621Message.xml")).status == 120
    inventory = session.scalars(select(CebInventory)).one()
    assert inventory.waiting_for == ["disclosure_acceptance"]
    with pytest.raises(ceb.NotReadyForPacking, match="disclosure_acceptance"):
        ceb.pack(
            session,
            cw.warehouse_staff,
            runtime.ring,
            inventory.id,
            {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]},
        )
    session.rollback()
    ceb.accept_disclosure(session, cw.platform_staff, cw.platform.id, "FKORD202511200001")
    session.commit()
    session.refresh(inventory)
    assert inventory.status == 399
    ceb.pack(
        session, cw.warehouse_staff, runtime.ring, inventory.id, {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]}
    )
    session.commit()
    assert inventory.status == 800


def test_the_acceptance_can_ride_in_the_order_message(session: Session, runtime: Runtime) -> None:
    make_ceb_world(session, runtime.ring, cream_disclosure=True)
    raw = (
        sample("CEB311Message.xml")
        .replace(b"<ceb:name>EXAMPLE-EXT</ceb:name>", b"<ceb:name>SUYUAN-DISCLOSURE</ceb:name>")
        .replace(b"<ext:Note", b"<ext:Accepted")
        .replace(b"</ext:Note>", b"</ext:Accepted>")
        .replace(b"free-form extension payload (xs:any, processContents=skip)", b"1")
    )
    assert send(session, raw).status == 120
    send(session, sample("CEB411Message.xml"))
    send(session, sample("CEB511Message.xml"))
    assert send(session, sample("CEB621Message.xml")).status == 399
    assert session.scalars(select(CebOrder)).one().disclosure_source == "extension"


# --- the packing station ------------------------------------------------------------------------------


def _matched(session: Session) -> CebInventory:
    the_three(session)
    send(session, sample("CEB621Message.xml"))
    return session.scalars(select(CebInventory)).one()


def _refused(session: Session, runtime: Runtime, cw: CebWorld, scans: dict[int, list[str]]) -> list[str]:
    inventory = session.scalars(select(CebInventory)).one()
    with pytest.raises(PackingRefused) as excinfo:
        ceb.pack(session, cw.warehouse_staff, runtime.ring, inventory.id, scans)
    session.rollback()
    assert count(session, ExitDeclaration) == 0 and count(session, SoldCode) == 0
    assert session.scalars(select(CebInventory)).one().status == 399
    return [str(r.problem) for r in excinfo.value.refusals]


def test_packing_refuses_the_wrong_product(session: Session, runtime: Runtime, cw: CebWorld) -> None:
    _matched(session)
    assert _refused(session, runtime, cw, {1: [cw.milk_urls[0], cw.cream_urls[5]], 2: cw.cream_urls[:1]}) == [
        "wrong_product"
    ]


def test_packing_refuses_the_wrong_count(session: Session, runtime: Runtime, cw: CebWorld) -> None:
    _matched(session)
    assert _refused(session, runtime, cw, {1: cw.milk_urls[:1], 2: cw.cream_urls[:1]}) == ["wrong_count"]


def test_packing_refuses_a_counterfeit_and_a_duplicate(
    session: Session, runtime: Runtime, cw: CebWorld
) -> None:
    _matched(session)
    forged = cw.milk_urls[0].replace("?s=", "?s=1")
    problems = _refused(session, runtime, cw, {1: [forged, cw.cream_urls[1]], 2: [cw.cream_urls[1]]})
    assert problems == ["counterfeit", "wrong_product", "duplicate_code"]
    assert _refused(session, runtime, cw, {1: [cw.milk_urls[0], cw.milk_urls[0]], 2: cw.cream_urls[:1]}) == [
        "duplicate_code"
    ]


def test_packing_refuses_recalled_goods(session: Session, runtime: Runtime, cw: CebWorld) -> None:
    _matched(session)
    recalls.open_recall(
        session, cw.world.regulator, cw.milk_batch.id, "recall", "protein too low", "return it"
    )
    session.commit()
    assert _refused(session, runtime, cw, {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]}) == [
        "recalled",
        "recalled",
    ]


def test_packing_refuses_units_already_sold(session: Session, runtime: Runtime, cw: CebWorld) -> None:
    _matched(session)
    from suyuan.trace.zone import exits

    exits.declare_exit(
        session,
        cw.world.merchant_staff,
        runtime.ring,
        exit_filing([(cw.milk_batch, cw.milk_urls[:1])]),
        secret=SECRET,
    )
    session.commit()
    inventory = session.scalars(select(CebInventory)).one()
    with pytest.raises(PackingRefused) as excinfo:
        ceb.pack(
            session,
            cw.warehouse_staff,
            runtime.ring,
            inventory.id,
            {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]},
        )
    assert [r.problem for r in excinfo.value.refusals] == [PackingProblem.ALREADY_SOLD]


def test_each_scan_is_answered_on_the_spot(session: Session, runtime: Runtime, cw: CebWorld) -> None:
    inventory = _matched(session)
    good = ceb.check_scan(session, cw.warehouse_staff, runtime.ring, inventory.id, 1, cw.milk_urls[0])
    wrong = ceb.check_scan(session, cw.warehouse_staff, runtime.ring, inventory.id, 1, cw.cream_urls[0])
    again = ceb.check_scan(
        session, cw.warehouse_staff, runtime.ring, inventory.id, 1, cw.milk_urls[0], scanned=[cw.milk_urls[0]]
    )
    junk = ceb.check_scan(session, cw.warehouse_staff, runtime.ring, inventory.id, 1, "hello")
    assert (good.ok, wrong.problem, again.problem, junk.problem) == (
        True,
        "wrong_product",
        "duplicate_code",
        "unreadable",
    )
    with pytest.raises(NotFound):
        ceb.check_scan(session, cw.world.merchant_b_staff, runtime.ring, inventory.id, 1, cw.milk_urls[0])


def test_an_inventory_not_matched_cannot_be_packed(session: Session, runtime: Runtime, cw: CebWorld) -> None:
    send(session, sample("CEB621Message.xml"))
    inventory = session.scalars(select(CebInventory)).one()
    with pytest.raises(ceb.NotReadyForPacking, match="order, payment, waybill"):
        ceb.pack(
            session,
            cw.warehouse_staff,
            runtime.ring,
            inventory.id,
            {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]},
        )


# --- returns -----------------------------------------------------------------------------------------


def test_a_partial_return_waits_for_the_return_desk(session: Session, runtime: Runtime, cw: CebWorld) -> None:
    inventory = released(session, runtime, cw)
    raw = variant(
        sample("CEB625Message.xml"),
        ("<ceb:gnum>2</ceb:gnum>", "<ceb:gnum>1</ceb:gnum>"),
        (
            "<ceb:gcode>3304990099</ceb:gcode>\n\t\t\t<ceb:gname>保湿面霜 50克/瓶",
            "<ceb:gcode>1901101000</ceb:gcode>\n\t\t\t<ceb:gname>奶粉",
        ),
    )
    assert send(session, raw).status == 120
    refund = session.scalars(select(CebRefund)).one()
    with pytest.raises(Exception, match="not an unreturned unit"):
        ceb.conclude_refund(session, cw.warehouse_staff, refund.id, [cw.milk_urls[5]])
    session.rollback()
    ceb.conclude_refund(session, cw.warehouse_staff, refund.id, [cw.milk_urls[1]])
    session.commit()
    assert refund.status == 399 and ledger.balance(session, cw.milk_batch.id) == 19
    assert send(session, variant(raw)).status == 399  # the last unit of the line: determined, concluded
    assert ledger.balance(session, cw.milk_batch.id) == 20
    assert send(session, variant(raw)).entries[0].reason == "qty_exceeds"
    assert inventory.status == 800


def test_a_return_of_a_line_not_on_the_inventory_is_a_processing_error(
    session: Session, runtime: Runtime, cw: CebWorld
) -> None:
    released(session, runtime, cw)
    raw = variant(sample("CEB625Message.xml"), ("<ceb:gnum>2</ceb:gnum>", "<ceb:gnum>7</ceb:gnum>"))
    receipt = send(session, raw)
    assert (receipt.status, receipt.entries[0].reason) == (-625209, "line_not_in_inventory")


def test_a_return_before_release_is_rejected(session: Session, cw: CebWorld) -> None:
    _matched(session)
    receipt = send(session, sample("CEB625Message.xml"))
    assert (receipt.status, receipt.entries[0].reason) == (100, "not_released")


# --- platforms as parties ----------------------------------------------------------------------------


def test_the_platform_sees_the_receipts_of_its_orders_and_others_do_not(
    session: Session, runtime: Runtime, cw: CebWorld
) -> None:
    released(session, runtime, cw)
    seen_by_platform = ceb.list_receipts(session, cw.platform_staff)
    assert {r.status for r in seen_by_platform} >= {120, 399, 800}
    assert ceb.list_receipts(session, cw.world.merchant_b_staff) == []
    assert len(ceb.list_receipts(session, cw.world.regulator)) == len(
        ceb.list_receipts(session, cw.world.merchant_staff)
    )
    inventory = session.scalars(select(CebInventory)).one()
    assert ceb.get_inventory(session, cw.platform_staff, inventory.id).id == inventory.id
    other = make_zone_batch(session, cw.world, runtime.ring, quantity=5, owner="merchant_b")
    assert code_urls(session, runtime.ring, other)  # merchant B's goods exist but B sees none of this order


# --- the command line ---------------------------------------------------------------------------------


def test_the_cli_imports_files_and_exits_2_when_one_is_refused(
    settings: Any, session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from suyuan.cli import main

    make_ceb_world(session, runtime.ring)
    bad = tmp_path / "bad.xml"
    bad.write_bytes(XXE)
    env = {
        "SUYUAN_DATABASE_URL": settings.database_url,
        "SUYUAN_INSTANCE_DIR": str(settings.instance_dir),
        "SUYUAN_SECRET_KEY": SECRET,
        "SUYUAN_KEY_PASSPHRASE": "cli-passphrase",
    }
    files = [
        str(DATA / n)
        for n in ("CEB311Message.xml", "CEB411Message.xml", "CEB511Message.xml", "CEB621Message.xml")
    ]
    good = CliRunner().invoke(main, ["ceb", "import", *files], env=env)
    assert good.exit_code == 0, good.output
    assert [line.split("\t")[2] for line in good.output.splitlines()] == ["120", "120", "120", "399"]
    refused = CliRunner().invoke(main, ["ceb", "import", str(bad), files[0]], env=env)
    assert refused.exit_code == 2
    assert "CEB900Message\t-1\tdtd_forbidden" in refused.output and "CEB312Message\t120" in refused.output
