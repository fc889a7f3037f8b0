"""The bonded-zone API: the workflow end to end over HTTP, who may do what, and 4xx that write nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.trace.model import AuditEntry, ExitDeclaration, LedgerEntry, SoldCode
from suyuan.web import create_app
from tests.factories import REPORT_SHA, code_urls, id_number, make_product, make_world, make_zone_batch


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def order(
    batch_id: int, urls: list[str], *, order_no: str = "ORD-1", price: str = "100.00", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_no": order_no,
        "payment_ref": f"PAY-{order_no}",
        "waybill_no": f"WB-{order_no}",
        "payment_amount": f"{float(price) * len(urls):.2f}",
        "platform": "前海跨境购",
        "buyer": {"id_number": id_number(5), "name": "王小明", "address": "深圳市福田区1号"},
        "lines": [{"batch_id": batch_id, "quantity": len(urls), "unit_price": price, "codes": urls}],
    }
    return body | extra


def test_the_zone_workflow_over_http(client: FlaskClient, session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    merchant, officer = auth(world.tokens["merchant"]), auth(world.tokens["regulator"])
    product = make_product(session, world)
    declared = client.post(
        "/api/v1/entry-declarations",
        json={
            "reference": "BL-1",
            "lines": [
                {
                    "gtin": product.gtin,
                    "lot": "H1",
                    "quantity": 10,
                    "supplier_name": product.supplier.name,
                    "supplier_country": product.supplier.country,
                    "expiry_date": "2099-01-01",
                },
                {
                    "gtin": product.gtin,
                    "lot": "H2",
                    "quantity": 5,
                    "supplier_name": "Nobody",
                    "supplier_country": "FR",
                },
            ],
        },
        headers=merchant,
    )
    assert declared.status_code == 201, declared.json
    assert declared.json["status"] == "partly_accepted"
    assert [ln["refusal"] for ln in declared.json["lines"]] == [None, "supplier_mismatch"]
    entry_id, batch_id = declared.json["id"], declared.json["lines"][0]["batch_id"]

    quarantine = client.post(
        f"/api/v1/entry-declarations/{entry_id}/quarantine", json={"outcome": "passed"}, headers=officer
    )
    assert quarantine.json["quarantine_status"] == "passed"
    report = client.post(
        f"/api/v1/batches/{batch_id}/reports",
        json={
            "kind": "foreign_test_report",
            "issuer": "SGS",
            "issued_on": "2026-01-02",
            "sha256": REPORT_SHA,
        },
        headers=merchant,
    )
    assert report.status_code == 201, report.json
    review = client.post(
        f"/api/v1/reports/{report.json['id']}/review", json={"accept": True}, headers=officer
    )
    assert review.json["status"] == "accepted"
    assert (
        client.post(f"/api/v1/batches/{batch_id}/codes", json={"count": 10}, headers=merchant).status_code
        == 201
    )
    assert client.post(f"/api/v1/batches/{batch_id}/release", headers=officer).status_code == 200

    csv = client.get(f"/api/v1/batches/{batch_id}/codes?format=csv", headers=merchant).data.decode()
    urls = [row.split(",", 1)[1] for row in csv.split()[1:]]
    sold = client.post("/api/v1/exit-declarations", json=order(batch_id, urls[:2]), headers=merchant)
    assert sold.status_code == 201, sold.json
    assert sold.json["status"] == "written_off" and sold.json["buyer"]["name"] == "王**"
    assert id_number(5) not in sold.data.decode()

    ledger = client.get(f"/api/v1/batches/{batch_id}/ledger", headers=officer).json
    assert (ledger["entered"], ledger["written_off"], ledger["in_zone"], ledger["balanced"]) == (
        10,
        2,
        8,
        True,
    )
    assert [m["kind"] for m in ledger["movements"]] == ["entry", "write_off"]

    back = client.post(
        f"/api/v1/exit-declarations/{sold.json['id']}/returns",
        json={"codes": urls[:1], "reason": "torn box"},
        headers=merchant,
    )
    assert back.status_code == 201 and back.json["value"] == "100.00"

    check = client.post("/api/v1/spot-checks", json={"batch_id": batch_id}, headers=officer).json
    client.post(
        f"/api/v1/spot-checks/{check['id']}/sample",
        json={"channel": "offline", "quantity": 1},
        headers=officer,
    )
    result = client.post(
        f"/api/v1/spot-checks/{check['id']}/result",
        json={"passed": False, "lab": "CIQ lab", "report_sha256": REPORT_SHA, "failed_items": ["E. coli"]},
        headers=officer,
    )
    assert result.json["status"] == "failed" and result.json["recall"]["affected_units"] == 1
    assert client.get(path_of(urls[1]), headers={"Accept": "application/json"}).json["verdict"] == "recalled"
    page = client.get(path_of(urls[1]), headers={"Accept-Language": "en"}).data.decode()
    assert "Recall notice" in page and "exit blocked after a failed spot check" in page
    assert client.get(path_of(urls[0]), headers={"Accept": "application/json"}).json["reasons"] == [
        "not_released"
    ]
    assert client.get(f"/api/v1/spot-checks/{check['id']}", headers=merchant).json["status"] == "failed"

    profile = client.get(f"/api/v1/enterprises/{world.merchant.id}/credit", headers=merchant).json
    # one failure, one event: the recall it opened does not count against credit a second time (issue 15)
    assert profile["grade"] == "C" and [e["kind"] for e in profile["events"]] == ["spot_check_failed"]
    assert client.get("/api/v1/anomalies", headers=officer).json == {"anomalies": []}
    listed = client.get("/api/v1/exit-declarations", headers=merchant).json["exit_declarations"]
    assert [d["order_no"] for d in listed] == ["ORD-1"]
    assert client.get("/api/v1/entry-declarations", headers=auth(world.tokens["merchant_b"])).json == {
        "entry_declarations": []
    }


@pytest.fixture
def zone(session: Session, runtime: Runtime):  # type: ignore[no-untyped-def]
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    return world, batch, code_urls(session, runtime.ring, batch)


def test_a_failed_exit_check_is_422_stored_for_rectification_then_rechecked(client, session, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    merchant = auth(world.tokens["merchant"])
    body = order(batch.id, urls[:2])
    body["lines"][0]["quantity"], body["payment_amount"] = 3, "300.00"
    failed = client.post("/api/v1/exit-declarations", json=body, headers=merchant)
    assert failed.status_code == 422
    assert failed.json["error"]["code"] == "exit_check_failed"
    assert "quantity_mismatch" in failed.json["error"]["message"]
    declaration = failed.json["declaration"]
    assert declaration["status"] == "rectification_required"
    assert [f["problem"] for f in declaration["findings"]] == ["quantity_mismatch"]
    assert count(session, SoldCode) == 0 and count(session, LedgerEntry) == 1
    still = client.post(
        f"/api/v1/exit-declarations/{declaration['id']}/recheck",
        json={"lines": [{"batch_id": batch.id, "quantity": 2, "unit_price": "100.00", "codes": urls[:2]}]},
        headers=merchant,
    )
    assert still.status_code == 422  # the payment still says RMB 300
    assert [f["problem"] for f in still.json["declaration"]["findings"]] == ["payment_mismatch"]
    fixed = client.post(
        f"/api/v1/exit-declarations/{declaration['id']}/recheck",
        json={
            "lines": [{"batch_id": batch.id, "quantity": 2, "unit_price": "100.00", "codes": urls[:2]}],
            "payment_amount": "200.00",
        },
        headers=merchant,
    )
    assert fixed.status_code == 200 and fixed.json["status"] == "written_off" and fixed.json["attempts"] == 3


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        (
            {"lines": [{"batch_id": 1, "quantity": 1, "unit_price": "1", "codes": ["x"], "colour": "red"}]},
            400,
            "invalid_input",
        ),
        ({"buyer": {"id_number": "123", "name": "x"}}, 400, "invalid_input"),
        ({"buyer": {"name": "x"}}, 400, "invalid_input"),
        ({"payment_amount": True}, 400, "invalid_input"),
        ({"lines": "all of them"}, 400, "invalid_input"),
        ({"surprise": 1}, 400, "invalid_input"),
        ({"order_no": 7}, 400, "invalid_input"),
    ],
)
def test_malformed_exit_bodies_are_400_and_write_nothing(client, session, zone, change, status, code) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    before = (count(session, ExitDeclaration), count(session, AuditEntry))
    response = client.post(
        "/api/v1/exit-declarations",
        json=order(batch.id, urls[:1]) | change,
        headers=auth(world.tokens["merchant"]),
    )
    assert (response.status_code, response.json["error"]["code"]) == (status, code), response.json
    assert (count(session, ExitDeclaration), count(session, AuditEntry)) == before


def test_duplicate_orders_quota_breaches_and_foreign_batches_write_nothing(client, session, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    merchant = auth(world.tokens["merchant"])
    assert (
        client.post("/api/v1/exit-declarations", json=order(batch.id, urls[:1]), headers=merchant).status_code
        == 201
    )
    before = (count(session, ExitDeclaration), count(session, LedgerEntry), count(session, AuditEntry))
    again = client.post("/api/v1/exit-declarations", json=order(batch.id, urls[1:2]), headers=merchant)
    assert (again.status_code, again.json["error"]["code"]) == (409, "duplicate_order")
    quota = client.post(
        "/api/v1/exit-declarations",
        json=order(batch.id, urls[1:3], order_no="BIG", price="2600.00"),
        headers=merchant,
    )
    assert (quota.status_code, quota.json["error"]["code"]) == (422, "quota_exceeded")
    foreign = client.post(
        "/api/v1/exit-declarations",
        json=order(batch.id, urls[1:2], order_no="F"),
        headers=auth(world.tokens["merchant_b"]),
    )
    assert foreign.status_code == 404
    assert (
        count(session, ExitDeclaration),
        count(session, LedgerEntry),
        count(session, AuditEntry),
    ) == before


def test_quotas_come_from_the_app_config(
    settings: Settings, session: Session, runtime: Runtime, zone
) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls = zone
    app: Flask = create_app(settings, {"TESTING": True, "SUYUAN_QUOTA_PER_ORDER_CNY": "150"})
    response = app.test_client().post(
        "/api/v1/exit-declarations", json=order(batch.id, urls[:2]), headers=auth(world.tokens["merchant"])
    )
    assert (response.status_code, response.json["error"]["code"]) == (422, "quota_exceeded")
    assert "RMB 150.00" in response.json["error"]["message"]


def test_merchants_cannot_do_the_offices_work(client, session, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, _ = zone
    merchant = auth(world.tokens["merchant"])
    for path, body in [
        ("/api/v1/entry-declarations/1/quarantine", {"outcome": "passed"}),
        ("/api/v1/spot-checks", {"batch_id": batch.id}),
        ("/api/v1/spot-checks/draw", {"seed": "x"}),
        (f"/api/v1/batches/{batch.id}/disposals", {"kind": "destruction", "quantity": 1, "reason": "x"}),
        (f"/api/v1/enterprises/{world.merchant.id}/credit-events", {"kind": "violation", "note": "x"}),
    ]:
        assert client.post(path, json=body, headers=merchant).status_code == 403, path
    assert client.get("/api/v1/anomalies", headers=merchant).status_code == 403
    other = auth(world.tokens["merchant_b"])
    assert client.get(f"/api/v1/batches/{batch.id}/ledger", headers=other).status_code == 404
    assert client.get(f"/api/v1/batches/{batch.id}/reports", headers=other).status_code == 404
    assert client.get(f"/api/v1/enterprises/{world.merchant.id}/credit", headers=other).status_code == 404


def test_the_office_draws_checks_disposes_goods_and_records_credit(client, session, zone) -> None:  # type: ignore[no-untyped-def]
    world, batch, _ = zone
    officer = auth(world.tokens["regulator"])
    drawn = client.post("/api/v1/spot-checks/draw", json={"seed": "s-1"}, headers=officer)
    assert drawn.status_code == 201 and isinstance(drawn.json["spot_checks"], list)
    assert client.post("/api/v1/spot-checks/draw", headers=officer).status_code == 201
    disposed = client.post(
        f"/api/v1/batches/{batch.id}/disposals",
        json={"kind": "return_shipment", "quantity": 4, "reason": "label wrong"},
        headers=officer,
    )
    assert disposed.status_code == 201 and disposed.json["in_zone"] == 6
    too_many = client.post(
        f"/api/v1/batches/{batch.id}/disposals",
        json={"kind": "destruction", "quantity": 7, "reason": "x"},
        headers=officer,
    )
    assert (too_many.status_code, too_many.json["error"]["code"]) == (409, "ledger_would_go_negative")
    event = client.post(
        f"/api/v1/enterprises/{world.merchant.id}/credit-events",
        json={"kind": "violation", "note": "false waybill"},
        headers=officer,
    )
    assert event.status_code == 201 and event.json["points"] == 4 and event.json["grade"] == "C"
    page = client.get(f"/api/v1/batches/{batch.id}/ledger?limit=1", headers=officer).json
    assert len(page["movements"]) == 1 and page["next_after"] == page["movements"][0]["id"]


def test_an_order_of_disclosed_goods_is_409_until_the_buyer_accepts(client, session, zone) -> None:  # type: ignore[no-untyped-def]
    from suyuan.trace.model import AdmissionStatus

    world, batch, urls = zone
    batch.product.admission_status = AdmissionStatus.ADMITTED_WITH_DISCLOSURE
    batch.product.consumer_disclosure = "本品缺少自由销售证明 / lacks a free-sale certificate"
    session.commit()
    merchant = auth(world.tokens["merchant"])
    refused = client.post("/api/v1/exit-declarations", json=order(batch.id, urls[:1]), headers=merchant)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "disclosure_not_accepted"
    assert count(session, ExitDeclaration) == 0
    bad = client.post(
        "/api/v1/exit-declarations",
        json=order(batch.id, urls[:1], disclosure_accepted="yes"),
        headers=merchant,
    )
    assert bad.status_code == 400 and count(session, ExitDeclaration) == 0
    accepted = order(batch.id, urls[:1], disclosure_accepted=True)
    assert client.post("/api/v1/exit-declarations", json=accepted, headers=merchant).status_code == 201
