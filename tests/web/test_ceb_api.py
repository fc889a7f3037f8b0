"""Customs (CEB) messages over HTTP: every sample round-trips through ``POST /api/v1/ceb``, bad input is
answered with a receipt or a 4xx and writes nothing, and the packing station's JSON releases only the
right units (docs/ceb.md, docs/api.md)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import accounts, recalls
from suyuan.trace.actors import OPERATOR
from suyuan.trace.ceb.parsing import CEB_NS, MAX_BYTES
from suyuan.trace.model import (
    AuditEntry,
    CebInventory,
    CebMessage,
    CebOrder,
    CebReceipt,
    CebRefund,
    ExitDeclaration,
    ExitStatus,
    SoldCode,
    TokenScope,
)
from suyuan.trace.zone import ledger
from tests.trace.ceb_world import CebWorld, make_ceb_world, sample, variant
from tests.trace.test_ceb import LAUGHS, XXE

XML = {"Content-Type": "application/xml"}


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def cw(session: Session, runtime: Runtime) -> CebWorld:
    return make_ceb_world(session, runtime.ring)


def token_of(session: Session, user_id: int | None) -> dict[str, str]:
    assert user_id is not None
    secret = accounts.issue_token(session, OPERATOR, user_id, "test")[1]
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def platform(session: Session, cw: CebWorld) -> dict[str, str]:
    """The platform's staff: a party to every document of the sample order."""
    return token_of(session, cw.platform_staff.user_id)


@pytest.fixture
def packer(session: Session, cw: CebWorld) -> dict[str, str]:
    """The zone warehouse's staff, which packs the sample inventory (its areaCode)."""
    return token_of(session, cw.warehouse_staff.user_id)


def post(
    client: FlaskClient, raw: bytes, headers: dict[str, str], content_type: str = "application/xml"
) -> Any:
    return client.post("/api/v1/ceb", data=raw, headers=headers | {"Content-Type": content_type})


def statuses(response: Any) -> list[tuple[str, int]]:
    """(receipt type, returnStatus) of each entry of an XML answer."""
    root = etree.fromstring(response.data)
    kind = etree.QName(root).localname
    return [(kind, int(e.text or "0")) for e in root.iter(f"{{{CEB_NS}}}returnStatus")]


def send(client: FlaskClient, name: str, headers: dict[str, str]) -> list[tuple[str, int]]:
    response = post(client, sample(name), headers)
    assert response.status_code == 200, response.data
    assert response.content_type == "application/xml; charset=utf-8"
    return statuses(response)


def scans(cw: CebWorld) -> dict[str, Any]:
    return {"lines": [{"gnum": 1, "codes": cw.milk_urls[:2]}, {"gnum": 2, "codes": cw.cream_urls[:1]}]}


def matched(client: FlaskClient, headers: dict[str, str]) -> int:
    for name in ("CEB311Message.xml", "CEB411Message.xml", "CEB511Message.xml"):
        send(client, name, headers)
    assert send(client, "CEB621Message.xml", headers) == [("CEB622Message", 399)]
    listed = client.get("/api/v1/ceb/inventories?status=399", headers=headers).json["inventories"]
    return int(listed[0]["id"])


# --- every sample round-trips ----------------------------------------------------------------------


def test_the_sample_order_round_trips_from_order_to_release_and_return(
    client: FlaskClient, session: Session, cw: CebWorld, platform: dict[str, str], packer: dict[str, str]
) -> None:
    assert send(client, "CEB311Message.xml", platform) == [("CEB312Message", 120)]
    assert send(client, "CEB411Message.xml", platform) == [("CEB412Message", 120)]
    assert send(client, "CEB511Message.xml", platform) == [("CEB512Message", 120)]
    assert send(client, "CEB621Message.xml", platform) == [("CEB622Message", 399)]
    for name, status in (
        ("CEB622Message_s2.xml", 2),
        ("CEB622Message_s120.xml", 120),
        ("CEB622Message_s399.xml", 399),
    ):
        assert send(client, name, platform)[0][1] == status
    inventory = client.get("/api/v1/ceb/inventories", headers=platform).json["inventories"][0]
    assert (inventory["status"], inventory["invt_no"], inventory["waiting_for"]) == (
        399,
        "22002025I900000001",
        [],
    )

    packed = client.post(f"/api/v1/ceb/inventories/{inventory['id']}/packing", json=scans(cw), headers=packer)
    assert packed.status_code == 200, packed.json
    assert packed.json["status"] == 800 and packed.json["lines"][0]["codes"] == cw.milk_urls[:2]
    exit_ = session.get(ExitDeclaration, packed.json["exit_declaration_id"])
    assert exit_ is not None and exit_.status is ExitStatus.WRITTEN_OFF and count(session, SoldCode) == 3
    receipts = client.get(f"/api/v1/ceb/receipts?subject=inventory:{inventory['id']}", headers=platform).json
    assert next(r["status"] for r in receipts["receipts"] if r["issuer"] == "suyuan") == 800

    assert send(client, "CEB625Message.xml", platform) == [("CEB626Message", 399)]
    assert send(client, "CEB622Message_s800.xml", platform) == [("CEB622Message", 800)]
    assert send(client, "CEB626Message_s399.xml", platform) == [("CEB626Message", 399)]


def test_the_same_message_again_gets_the_same_receipt_and_the_envelope_the_same_answer(
    client: FlaskClient, session: Session, cw: CebWorld, platform: dict[str, str]
) -> None:
    for name in ("CEB311Message.xml", "CEB411Message.xml", "CEB511Message.xml"):
        send(client, name, platform)
    enveloped = post(client, sample("DxpMsg_CEB621Message.xml"), platform, "text/xml")
    bare = post(client, sample("CEB621Message.xml"), platform)
    assert enveloped.status_code == bare.status_code == 200 and enveloped.data == bare.data
    assert statuses(bare) == [("CEB622Message", 399)] and count(session, CebInventory) == 1


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("CEB312Message_s2.xml", 2),
        ("CEB312Message_s120.xml", 120),
        ("CEB312Message_neg.xml", -301010),
        ("CEB622Message_s100.xml", 100),
        ("CEB622Message_s899.xml", 899),
        ("CEB816Message.xml", 1),
    ],
)
def test_forwarded_customs_receipts_are_recorded(
    client: FlaskClient, session: Session, cw: CebWorld, platform: dict[str, str], name: str, status: int
) -> None:
    response = post(client, sample(name), platform)
    assert response.status_code == 200
    assert response.status_code == 200 and response.content_type.startswith("application/xml")
    session.expire_all()
    assert session.scalars(select(CebReceipt)).one().status == status


def test_a_gb18030_message_is_read_in_its_declared_encoding(
    client: FlaskClient, session: Session, cw: CebWorld, platform: dict[str, str]
) -> None:
    text = sample("CEB311Message.xml").decode().replace('encoding="UTF-8"', 'encoding="GB18030"')
    assert statuses(post(client, text.encode("gb18030"), platform)) == [("CEB312Message", 120)]
    assert session.scalars(select(CebOrder)).one().buyer_name_masked == "张*"


# --- bad input: 400 with the CEB900 receipt, or a 100 receipt; nothing half-written -----------------


@pytest.mark.parametrize(
    ("raw", "status", "reason"),
    [
        (b"<ceb:CEB311Message xmlns:ceb='http://www.chinaport.gov.cn/ceb'><ceb:Order>", -1, "malformed_xml"),
        (XXE, -1, "dtd_forbidden"),
        (LAUGHS, -1, "dtd_forbidden"),
        (
            sample("CEB311Message.xml").replace(
                b"http://www.chinaport.gov.cn/ceb", b"http://example.com/ceb"
            ),
            -1,
            "wrong_namespace",
        ),
        (
            sample("CEB311Message.xml").replace(b"<ceb:orderNo>FKORD202511200001</ceb:orderNo>", b""),
            -2,
            "schema_invalid",
        ),
    ],
    ids=["malformed", "xxe", "billion-laughs", "namespace", "schema"],
)
def test_an_unreadable_message_is_a_400_with_the_format_receipt(
    client: FlaskClient,
    session: Session,
    cw: CebWorld,
    platform: dict[str, str],
    raw: bytes,
    status: int,
    reason: str,
) -> None:
    response = post(client, raw, platform)
    assert response.status_code == 400 and response.content_type == "application/xml; charset=utf-8"
    root = etree.fromstring(response.data)
    assert etree.QName(root).localname == "CEB900Message"
    assert root.findtext(f".//{{{CEB_NS}}}returnStatus") == str(status)
    assert f"[{reason}]" in (root.findtext(f".//{{{CEB_NS}}}returnInfo") or "")
    assert b"passwd" not in response.data and b"lollol" not in response.data
    assert count(session, CebOrder) == 0 and count(session, CebReceipt) == 0
    assert session.scalars(select(CebMessage)).one().body is None  # only the refusal is kept


@pytest.mark.parametrize(
    ("replacement", "reason"),
    [
        (("<ceb:acturalPaid>761.16", "<ceb:acturalPaid>761.17"), "wrong_sum"),
        (("<ceb:barCode>9521234543213", "<ceb:barCode>9521234543237"), "unknown_product"),
    ],
    ids=["wrong-sum", "unknown-product"],
)
def test_a_rule_broken_is_a_200_with_a_100_receipt_and_nothing_stored(
    client: FlaskClient,
    session: Session,
    cw: CebWorld,
    platform: dict[str, str],
    replacement: tuple[str, str],
    reason: str,
) -> None:
    response = post(client, variant(sample("CEB311Message.xml"), replacement), platform)
    assert response.status_code == 200 and statuses(response) == [("CEB312Message", 100)]
    assert session.scalars(select(CebReceipt)).one().reason == reason
    assert count(session, CebOrder) == 0


def test_a_guid_reused_with_other_content_is_a_400(
    client: FlaskClient, session: Session, cw: CebWorld, platform: dict[str, str]
) -> None:
    send(client, "CEB311Message.xml", platform)
    other = variant(sample("CEB311Message.xml"), ("<ceb:note>", "<ceb:note>again "), new_guid=False)
    response = post(client, other, platform)
    assert response.status_code == 400 and statuses(response) == [("CEB900Message", -3)]
    assert count(session, CebOrder) == 1


def test_a_second_order_with_the_same_number_is_a_processing_error(
    client: FlaskClient, session: Session, cw: CebWorld, platform: dict[str, str]
) -> None:
    send(client, "CEB311Message.xml", platform)
    response = post(client, variant(sample("CEB311Message.xml")), platform)
    assert response.status_code == 200 and statuses(response) == [("CEB312Message", -301010)]


def test_an_oversized_message_is_a_413_before_it_is_read(
    client: FlaskClient, session: Session, cw: CebWorld, platform: dict[str, str]
) -> None:
    response = post(client, b"<" + b" " * MAX_BYTES, platform)
    assert response.status_code == 413 and response.json["error"]["code"] == "request_entity_too_large"
    assert count(session, CebMessage) == 0


def test_another_content_type_is_a_415(
    client: FlaskClient, session: Session, cw: CebWorld, platform: dict[str, str]
) -> None:
    assert post(client, sample("CEB311Message.xml"), platform, "application/json").status_code == 415
    assert client.post("/api/v1/ceb", json={"a": 1}, headers=platform).status_code == 415
    assert count(session, CebMessage) == 0


def test_anonymous_callers_and_officers_may_not_send_messages(
    client: FlaskClient, session: Session, cw: CebWorld
) -> None:
    assert client.post("/api/v1/ceb", data=sample("CEB311Message.xml"), headers=XML).status_code == 401
    officer = {"Authorization": f"Bearer {cw.world.tokens['regulator']}"}
    assert post(client, sample("CEB311Message.xml"), officer).status_code == 403
    assert count(session, CebMessage) == 0


def test_another_enterprise_is_answered_not_a_party_and_sees_nothing(
    client: FlaskClient, session: Session, cw: CebWorld, platform: dict[str, str]
) -> None:
    inventory_id = matched(client, platform)
    other = {"Authorization": f"Bearer {cw.world.tokens['merchant_b']}"}
    response = post(
        client, variant(sample("CEB311Message.xml"), ("FKORD202511200001", "FKORD202511200002")), other
    )
    assert response.status_code == 200 and statuses(response) == [("CEB312Message", 100)]
    assert client.get("/api/v1/ceb/inventories", headers=other).json == {"inventories": []}
    assert client.get("/api/v1/ceb/receipts", headers=other).json == {"receipts": []}
    assert client.get(f"/api/v1/ceb/inventories/{inventory_id}", headers=other).status_code == 404
    packing = client.post(f"/api/v1/ceb/inventories/{inventory_id}/packing", json=scans(cw), headers=other)
    assert packing.status_code == 404 and count(session, ExitDeclaration) == 0


# --- the packing station over JSON -------------------------------------------------------------------


def test_each_scan_is_checked_on_the_spot_without_writing(
    client: FlaskClient, session: Session, cw: CebWorld, platform: dict[str, str], packer: dict[str, str]
) -> None:
    inventory_id = matched(client, platform)
    url = f"/api/v1/ceb/inventories/{inventory_id}/scan-check"
    good = client.post(url, json={"gnum": 1, "url": cw.milk_urls[0]}, headers=packer).json
    wrong = client.post(url, json={"gnum": 1, "url": cw.cream_urls[0]}, headers=packer).json
    again = client.post(
        url, json={"gnum": 1, "url": cw.milk_urls[0], "scanned": [cw.milk_urls[0]]}, headers=packer
    )
    assert (good["ok"], wrong["problem"], again.json["problem"]) == (True, "wrong_product", "duplicate_code")
    assert client.get(f"/api/v1/ceb/inventories/{inventory_id}", headers=packer).json["status"] == 399


@pytest.mark.parametrize("case", ["wrong_product", "wrong_count", "recalled", "counterfeit"])
def test_a_refused_release_lists_the_refusals_and_writes_nothing(
    client: FlaskClient,
    session: Session,
    runtime: Runtime,
    cw: CebWorld,
    platform: dict[str, str],
    packer: dict[str, str],
    case: str,
) -> None:
    inventory_id = matched(client, platform)
    body = scans(cw)
    if case == "wrong_product":
        body["lines"][0]["codes"] = [cw.milk_urls[0], cw.cream_urls[5]]
    elif case == "wrong_count":
        body["lines"][0]["codes"] = cw.milk_urls[:1]
    elif case == "counterfeit":
        body["lines"][0]["codes"] = [cw.milk_urls[0], cw.milk_urls[1].replace("?s=", "?s=1")]
    else:
        recalls.open_recall(session, cw.world.regulator, cw.cream_batch.id, "recall", "mould", "return it")
        session.commit()
    before = count(session, CebReceipt)
    response = client.post(f"/api/v1/ceb/inventories/{inventory_id}/packing", json=body, headers=packer)
    assert response.status_code == 409 and response.json["error"]["code"] == "packing_refused"
    assert [r["problem"] for r in response.json["refusals"]] == [case]
    assert count(session, ExitDeclaration) == 0 and count(session, SoldCode) == 0
    assert count(session, CebReceipt) == before
    assert session.get(CebInventory, inventory_id).status == 399  # type: ignore[union-attr]


def test_an_inventory_not_matched_cannot_be_packed(
    client: FlaskClient, session: Session, cw: CebWorld, platform: dict[str, str], packer: dict[str, str]
) -> None:
    send(client, "CEB621Message.xml", platform)
    inventory = session.scalars(select(CebInventory)).one()
    response = client.post(f"/api/v1/ceb/inventories/{inventory.id}/packing", json=scans(cw), headers=packer)
    assert response.status_code == 409 and response.json["error"]["code"] == "inventory_not_ready"


# --- the buyer's disclosure acceptance, a separate call (SZ Art. 11) -------------------------------------

ACCEPT = "/api/v1/ceb/disclosure-acceptances"
ORDER_NO = "FKORD202511200001"


@pytest.fixture
def disclosed(session: Session, runtime: Runtime) -> CebWorld:
    """The sample world whose cream was admitted with a consumer disclosure."""
    return make_ceb_world(session, runtime.ring, cream_disclosure=True)


def waiting_for_acceptance(client: FlaskClient, headers: dict[str, str]) -> int:
    for name in ("CEB311Message.xml", "CEB411Message.xml", "CEB511Message.xml"):
        send(client, name, headers)
    assert send(client, "CEB621Message.xml", headers) == [("CEB622Message", 120)]
    inventory = client.get("/api/v1/ceb/inventories", headers=headers).json["inventories"][0]
    assert inventory["waiting_for"] == ["disclosure_acceptance"]
    return int(inventory["id"])


@pytest.mark.parametrize("who", ["platform", "seller"])
def test_the_platform_or_the_seller_records_the_acceptance_and_the_order_matches(
    client: FlaskClient, session: Session, disclosed: CebWorld, who: str
) -> None:
    platform = token_of(session, disclosed.platform_staff.user_id)
    waiting_for_acceptance(client, platform)
    if who == "platform":
        headers, body = platform, {"order_no": ORDER_NO}
    else:
        headers = {"Authorization": f"Bearer {disclosed.world.tokens['merchant']}"}
        body = {"order_no": f" {ORDER_NO} ", "platform_id": disclosed.platform.id}
    answer = client.post(ACCEPT, json=body, headers=headers)
    assert answer.status_code == 200, answer.json
    assert (answer.json["order_no"], answer.json["disclosure_source"]) == (ORDER_NO, "call")
    assert answer.json["inventory"]["status"] == 399 and answer.json["inventory"]["waiting_for"] == []
    again = client.post(ACCEPT, json=body, headers=headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_state"


def test_an_acceptance_may_come_before_the_inventory(
    client: FlaskClient, session: Session, disclosed: CebWorld
) -> None:
    platform = token_of(session, disclosed.platform_staff.user_id)
    send(client, "CEB311Message.xml", platform)
    answer = client.post(ACCEPT, json={"order_no": ORDER_NO}, headers=platform)
    assert answer.status_code == 200 and answer.json["inventory"] is None
    for name in ("CEB411Message.xml", "CEB511Message.xml"):
        send(client, name, platform)
    assert send(client, "CEB621Message.xml", platform) == [("CEB622Message", 399)]  # nothing to wait for


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"order_no": ""},
        {"order_no": "   "},
        {"order_no": "x" * 61},
        {"order_no": "FK\u0000ORD"},
        {"order_no": "FK\nORD"},
        {"order_no": 202511200001},
        {"order_no": ["FKORD202511200001"]},
        {"order_no": ORDER_NO, "platform_id": "1"},
        {"order_no": ORDER_NO, "platform_id": True},
        {"order_no": ORDER_NO, "platform_id": 2**40},
        {"order_no": ORDER_NO, "accepted": True},
    ],
    ids=lambda b: repr(b)[:40],
)
def test_a_malformed_acceptance_is_a_400_and_records_nothing(
    client: FlaskClient, session: Session, disclosed: CebWorld, body: dict[str, Any]
) -> None:
    platform = token_of(session, disclosed.platform_staff.user_id)
    waiting_for_acceptance(client, platform)
    answer = client.post(ACCEPT, json=body, headers=platform)
    assert answer.status_code == 400 and answer.json["error"]["code"] == "invalid_input", answer.json
    for raw in (b"{", b"[]", b"\xff\xfe"):
        broken = client.post(ACCEPT, data=raw, headers=platform | {"Content-Type": "application/json"})
        assert broken.status_code == 400
    assert (
        client.post(
            ACCEPT, data=b"{" + b" " * 70_000 + b"}", headers=platform | {"Content-Type": "application/json"}
        ).status_code
        == 413
    )
    session.expire_all()
    assert session.scalars(select(CebOrder)).one().disclosure_accepted_at is None


def test_nobody_else_may_accept_and_learns_nothing(
    client: FlaskClient, session: Session, disclosed: CebWorld
) -> None:
    platform = token_of(session, disclosed.platform_staff.user_id)
    waiting_for_acceptance(client, platform)
    body = {"order_no": ORDER_NO, "platform_id": disclosed.platform.id}
    other = {"Authorization": f"Bearer {disclosed.world.tokens['merchant_b']}"}
    officer = {"Authorization": f"Bearer {disclosed.world.tokens['regulator']}"}
    packer = token_of(session, disclosed.warehouse_staff.user_id)
    unknown = client.post(ACCEPT, json={"order_no": "FKORD-NOPE"}, headers=platform)
    refused = [client.post(ACCEPT, json=body, headers=h) for h in (other, packer)]
    assert [r.status_code for r in refused] == [404, 404] and unknown.status_code == 404
    assert refused[0].json["error"]["message"] == f"order {ORDER_NO} does not exist"
    assert client.post(ACCEPT, json=body, headers=officer).status_code == 403
    assert client.post(ACCEPT, json=body).status_code == 401
    reader = token_of_scope(session, disclosed.platform_staff.user_id, "read")
    assert client.post(ACCEPT, json={"order_no": ORDER_NO}, headers=reader).status_code == 403
    session.expire_all()
    assert session.scalars(select(CebOrder)).one().disclosure_accepted_at is None
    assert session.scalars(select(CebInventory)).one().status == 120


def token_of_scope(session: Session, user_id: int | None, scope: str) -> dict[str, str]:
    assert user_id is not None
    secret = accounts.issue_token(session, OPERATOR, user_id, scope, scope=TokenScope(scope))[1]
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


# --- the return desk: concluding a waiting return (CEB625) -------------------------------------------


def partial_return(
    client: FlaskClient, cw: CebWorld, platform: dict[str, str], packer: dict[str, str]
) -> int:
    """The sample order released, then one of its two milk tins returned: the return waits (120)."""
    inventory_id = matched(client, platform)
    packed = client.post(f"/api/v1/ceb/inventories/{inventory_id}/packing", json=scans(cw), headers=packer)
    assert packed.status_code == 200
    raw = variant(
        sample("CEB625Message.xml"),
        ("<ceb:gnum>2</ceb:gnum>", "<ceb:gnum>1</ceb:gnum>"),
        (
            "<ceb:gcode>3304990099</ceb:gcode>\n\t\t\t<ceb:gname>保湿面霜 50克/瓶",
            "<ceb:gcode>1901101000</ceb:gcode>\n\t\t\t<ceb:gname>奶粉",
        ),
    )
    assert statuses(post(client, raw, platform)) == [("CEB626Message", 120)]
    receipts = client.get("/api/v1/ceb/receipts", headers=platform).json["receipts"]
    subject = next(r["subject"] for r in receipts if r["receipt_type"] == "CEB626Message")
    return int(subject.removeprefix("ceb_refund:"))


def conclude(refund_id: int) -> str:
    return f"/api/v1/ceb/refunds/{refund_id}/conclusion"


def test_the_warehouse_concludes_a_waiting_return_and_the_unit_is_back_on_the_ledger(
    client: FlaskClient, session: Session, cw: CebWorld, platform: dict[str, str], packer: dict[str, str]
) -> None:
    refund_id = partial_return(client, cw, platform, packer)
    assert ledger.balance(session, cw.milk_batch.id) == 18
    answer = client.post(conclude(refund_id), json={"codes": [cw.milk_urls[1]]}, headers=packer)
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert (body["status"], body["order_no"], body["lines"]) == (
        399,
        ORDER_NO,
        [{"gnum": 1, "qty": 1, "product_id": cw.milk.id}],
    )
    assert body["consumer_return_id"] is not None
    session.expire_all()
    assert ledger.balance(session, cw.milk_batch.id) == 19
    sold = session.scalars(select(SoldCode).where(SoldCode.batch_id == cw.milk_batch.id)).all()
    assert sorted(s.status.value for s in sold) == ["returned", "sold"]
    receipts = client.get(f"/api/v1/ceb/receipts?subject=ceb_refund:{refund_id}", headers=platform).json
    assert 399 in {r["status"] for r in receipts["receipts"]}
    again = client.post(conclude(refund_id), json={"codes": [cw.milk_urls[0]]}, headers=packer)
    assert again.status_code == 409 and ledger.balance(session, cw.milk_batch.id) == 19


@pytest.mark.parametrize(
    "codes",
    [
        ["not a code"],
        ["https://sy.example.cn/01/09521234543213/10/X/21/1?s=AAAA"],
        "https://sy.example.cn/01/09521234543213",
        [],
        [1],
        ["x" * 2001],
    ],
    ids=["garbage", "forged", "not-a-list", "empty", "number", "oversized"],
)
def test_a_hostile_conclusion_is_a_400_and_writes_nothing(
    client: FlaskClient,
    session: Session,
    cw: CebWorld,
    platform: dict[str, str],
    packer: dict[str, str],
    codes: Any,
) -> None:
    refund_id = partial_return(client, cw, platform, packer)
    before = count(session, AuditEntry)
    answer = client.post(conclude(refund_id), json={"codes": codes}, headers=packer)
    assert answer.status_code == 400, answer.json
    assert count(session, AuditEntry) == before and ledger.balance(session, cw.milk_batch.id) == 18


@pytest.mark.parametrize(
    "which", ["unsold-unit", "kept-unit-of-another-line", "two-for-one"], ids=lambda x: x
)
def test_units_that_are_not_the_returned_ones_are_refused(
    client: FlaskClient,
    session: Session,
    cw: CebWorld,
    platform: dict[str, str],
    packer: dict[str, str],
    which: str,
) -> None:
    refund_id = partial_return(client, cw, platform, packer)
    codes = {
        "unsold-unit": [cw.milk_urls[5]],
        "kept-unit-of-another-line": [cw.cream_urls[0]],
        "two-for-one": cw.milk_urls[:2],
    }[which]
    answer = client.post(conclude(refund_id), json={"codes": codes}, headers=packer)
    assert answer.status_code == 400 and answer.json["error"]["code"] == "invalid_input"
    session.expire_all()
    assert ledger.balance(session, cw.milk_batch.id) == 18
    assert session.scalars(select(CebRefund)).one().status == 120


def test_a_second_party_may_not_conclude_the_return(
    client: FlaskClient, session: Session, cw: CebWorld, platform: dict[str, str], packer: dict[str, str]
) -> None:
    refund_id = partial_return(client, cw, platform, packer)
    other = {"Authorization": f"Bearer {cw.world.tokens['merchant_b']}"}
    officer = {"Authorization": f"Bearer {cw.world.tokens['regulator']}"}
    body = {"codes": [cw.milk_urls[1]]}
    assert client.post(conclude(refund_id), json=body, headers=other).status_code == 404
    assert (
        client.post(conclude(refund_id), json=body, headers=platform).status_code == 404
    )  # it does not pack
    assert client.post(conclude(refund_id), json=body, headers=officer).status_code == 403
    assert client.post(conclude(refund_id + 1000), json=body, headers=packer).status_code == 404
    assert client.post(conclude(refund_id), json={"junk": 1}, headers=other).status_code == 404  # id first
    session.expire_all()
    assert ledger.balance(session, cw.milk_batch.id) == 18
    assert session.scalars(select(CebRefund)).one().status == 120
