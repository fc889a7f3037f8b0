"""Recalls, destruction, notifications and warnings over HTTP: who may do what; 4xx write nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import scanning
from suyuan.trace.codes import parse_code
from suyuan.trace.model import AuditEntry, CreditEvent, ExitDeclaration, LedgerEntry, Recall, RiskWarning
from suyuan.trace.model.types import utcnow
from suyuan.trace.zone import exits
from tests.factories import SECRET, code_urls, exit_filing, make_batch, make_world, make_zone_batch


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def written(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (Recall, AuditEntry, CreditEvent, LedgerEntry, RiskWarning)
    )


def scan_json(client: FlaskClient, url: str) -> Any:
    response = client.get(path_of(url), headers={"Accept": "application/json"})
    assert response.headers["Cache-Control"] == "no-store"  # nothing may hold an old verdict
    return response.json


def test_a_recall_over_http_turns_every_code_recalled_at_once(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=5)
    urls = code_urls(session, runtime.ring, batch)
    assert scan_json(client, urls[0])["verdict"] == "genuine"
    response = client.post(
        f"/api/v1/batches/{batch.id}/recall",
        json={
            "kind": "recall",
            "reason": "检出沙门氏菌",
            "instructions": "请停止食用",
            "instructions_en": "Stop eating it",
        },
        headers=auth(world.tokens["regulator"]),
    )
    assert response.status_code == 201, response.json
    created = response.json
    assert (created["kind"], created["status"], created["voluntary"], created["batch_status"]) == (
        "recall",
        "open",
        False,
        "recalled",
    )
    for url in urls:
        document = scan_json(client, url)
        assert (document["verdict"], document["reasons"]) == ("recalled", ["batch_recalled"])
        assert document["recall"] == {
            "kind": "recall",
            "scope": "batch",
            "status": "open",
            "reason": "检出沙门氏菌",
            "instructions": "请停止食用",
            "instructions_en": "Stop eating it",
            "opened_at": created["opened_at"],
        }
    assert client.get("/api/v1/audit/verify", headers=auth(world.tokens["regulator"])).json["ok"]


def test_a_stop_sale_lifted_over_http_scans_genuine_again(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=2)
    url = code_urls(session, runtime.ring, batch)[0]
    merchant, officer = auth(world.tokens["merchant"]), auth(world.tokens["regulator"])
    stop = client.post(
        f"/api/v1/batches/{batch.id}/recall", json={"kind": "stop_sale", "reason": "label"}, headers=merchant
    )
    assert stop.status_code == 201 and stop.json["voluntary"] is True
    assert scan_json(client, url)["reasons"] == ["batch_stop_sale"]
    lift = f"/api/v1/recalls/{stop.json['id']}/lift"
    assert client.post(lift, json={"note": "fine"}, headers=merchant).json["error"]["code"] == "forbidden"
    assert client.post(lift, json={}, headers=officer).status_code == 400
    lifted = client.post(lift, json={"note": "relabelled"}, headers=officer)
    assert lifted.status_code == 200 and lifted.json["close_note"] == "lifted: relabelled"
    document = scan_json(client, url)
    assert (document["verdict"], document["recall"]) == ("genuine", None)
    assert client.post(lift, json={"note": "again"}, headers=officer).status_code == 409


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("merchant_b", {"kind": "recall", "reason": "not mine"}, 404, "not_found"),
        (None, {"kind": "recall", "reason": "anonymous"}, 401, "unauthorized"),
        ("regulator", {"kind": "withdrawal", "reason": "x"}, 400, "invalid_input"),
        ("regulator", {"kind": "recall"}, 400, "invalid_input"),
        ("regulator", {"kind": "recall", "reason": "x", "urgent": True}, 400, "invalid_input"),
        ("regulator", {"kind": "recall", "reason": 42}, 400, "invalid_input"),
        ("regulator", {"kind": "recall", "reason": "x" * 2001}, 400, "invalid_input"),
        ("regulator", {"kind": "stop_sale", "reason": "x", "scope": "sold_units"}, 400, "invalid_input"),
        ("regulator", ["kind", "recall"], 400, "invalid_input"),
    ],
)
def test_refused_recalls_write_nothing(
    client: FlaskClient,
    session: Session,
    runtime: Runtime,
    who: str | None,
    body: Any,
    status: int,
    code: str,
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    before = written(session)
    headers = auth(world.tokens[who]) if who else {}
    response = client.post(f"/api/v1/batches/{batch.id}/recall", json=body, headers=headers)
    assert (response.status_code, response.json["error"]["code"]) == (status, code)
    assert written(session) == before


def test_a_double_recall_is_409_and_writes_nothing(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    path = f"/api/v1/batches/{batch.id}/recall"
    first = client.post(path, json={"kind": "recall", "reason": "a"}, headers=auth(world.tokens["merchant"]))
    assert first.status_code == 201
    before = written(session)
    again = client.post(path, json={"kind": "recall", "reason": "b"}, headers=auth(world.tokens["regulator"]))
    assert again.status_code == 409 and again.json["error"]["code"] == "already_recalled"
    assert f"recall #{first.json['id']}" in again.json["error"]["message"]
    assert written(session) == before


def test_close_list_and_read_a_recall_with_its_units(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=8)
    urls = code_urls(session, runtime.ring, batch)
    exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:2])]), secret=SECRET
    )
    session.commit()
    officer, merchant_b = auth(world.tokens["regulator"]), auth(world.tokens["merchant_b"])
    recall = client.post(
        f"/api/v1/batches/{batch.id}/recall", json={"kind": "recall", "reason": "mould"}, headers=officer
    ).json
    one = client.get(f"/api/v1/recalls/{recall['id']}", headers=auth(world.tokens["merchant"])).json
    assert one["units"]["with_consumers"] == 2 and one["units"]["outstanding"] == 8
    assert client.get(f"/api/v1/recalls/{recall['id']}", headers=merchant_b).status_code == 404
    assert client.get("/api/v1/recalls", headers=merchant_b).json["recalls"] == []
    assert [r["id"] for r in client.get("/api/v1/recalls?status=open", headers=officer).json["recalls"]] == [
        recall["id"]
    ]
    assert client.get("/api/v1/recalls?status=maybe", headers=officer).status_code == 400
    close = f"/api/v1/recalls/{recall['id']}/close"
    assert client.post(close, json={"note": "x"}, headers=merchant_b).status_code == 404
    closed = client.post(close, json={"note": "2 units untraced"}, headers=officer)
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert closed.json["units"]["outstanding"] == 8
    assert client.get("/api/v1/recalls?status=open", headers=officer).json["recalls"] == []


def test_destruction_over_http_never_exceeds_the_ledger(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=4)
    direct = make_batch(session, world, runtime.ring, count=1)
    merchant = auth(world.tokens["merchant"])
    for target in (batch, direct):
        client.post(
            f"/api/v1/batches/{target.id}/recall", json={"kind": "recall", "reason": "x"}, headers=merchant
        )
    before = written(session)
    refusals = [
        (batch.id, {"quantity": 5, "reason": "burnt"}, merchant, 409, "ledger_would_go_negative"),
        (direct.id, {"quantity": 1, "reason": "burnt"}, merchant, 409, "not_on_ledger"),
        (batch.id, {"quantity": True, "reason": "burnt"}, merchant, 400, "invalid_input"),
        (batch.id, {"quantity": 1}, merchant, 400, "invalid_input"),
        (batch.id, {"quantity": 1, "reason": "x", "recall_id": 999}, merchant, 400, "invalid_input"),
        (batch.id, {"quantity": 1, "reason": "x"}, auth(world.tokens["merchant_b"]), 404, "not_found"),
    ]
    for batch_id, body, headers, status, code in refusals:
        response = client.post(f"/api/v1/batches/{batch_id}/destruction", json=body, headers=headers)
        assert (response.status_code, response.json["error"]["code"]) == (status, code), body
    assert written(session) == before
    done = client.post(
        f"/api/v1/batches/{batch.id}/destruction", json={"quantity": 4, "reason": "burnt"}, headers=merchant
    )
    assert done.status_code == 201 and (done.json["quantity"], done.json["in_zone"]) == (-4, 0)


def test_recalled_units_are_returned_through_the_recall(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=3)
    urls = code_urls(session, runtime.ring, batch)
    order = exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:2])]), secret=SECRET
    )
    order.written_off_at = utcnow() - timedelta(days=90)
    session.commit()
    merchant = auth(world.tokens["merchant"])
    recall = client.post(
        f"/api/v1/batches/{batch.id}/recall", json={"kind": "recall", "reason": "x"}, headers=merchant
    ).json
    path = f"/api/v1/recalls/{recall['id']}/returns"
    body = {"exit_declaration_id": order.id, "codes": urls[:1], "reason": "recall"}
    assert client.post(path, json=body | {"codes": "nope"}, headers=merchant).status_code == 400
    returned = client.post(path, json=body, headers=merchant)
    assert returned.status_code == 201, returned.json
    assert client.get(f"/api/v1/recalls/{recall['id']}", headers=merchant).json["units"]["returned"] == 1
    assert session.get(ExitDeclaration, order.id) is not None


def test_the_notification_list_over_http(client: FlaskClient, session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=2)
    url = code_urls(session, runtime.ring, batch)[0]
    client.set_cookie("sy_did", "buyer-phone-1")
    page = client.get(path_of(url)).data.decode()
    assert 'name="contact"' in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    claimed = client.post(
        f"/01/{batch.gtin}/claim", data={"csrf_token": token, "code": url, "contact": "wechat: buyer_1"}
    )
    assert claimed.status_code == 303
    recall = client.post(
        f"/api/v1/batches/{batch.id}/recall",
        json={"kind": "recall", "reason": "x"},
        headers=auth(world.tokens["regulator"]),
    ).json
    path = f"/api/v1/recalls/{recall['id']}/notifications"
    listed = client.get(path, headers=auth(world.tokens["merchant"])).json
    assert listed["notifications"] == [{"source": "claim", "reference": "1", "contact": "wechat: buyer_1"}]
    assert client.get(path, headers=auth(world.tokens["merchant_b"])).status_code == 404
    assert client.get(path).status_code == 401
    device = scanning.device_hash("test-secret-key", "buyer-phone-1")
    assert device not in client.get(path, headers=auth(world.tokens["regulator"])).data.decode()
    assert parse_code(url).code.serial == "1"


def test_warnings_and_the_public_notice_board(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    officer, merchant = auth(world.tokens["regulator"]), auth(world.tokens["merchant"])
    warning = {
        "level": "warning",
        "title": "劣质插头",
        "body": "勿使用",
        "hs_prefix": "8536",
        "batch_id": batch.id,
    }
    assert client.post("/api/v1/warnings", json=warning, headers=merchant).status_code == 403
    assert client.post("/api/v1/warnings", json=warning | {"extra": 1}, headers=officer).status_code == 400
    assert (
        client.post("/api/v1/warnings", json=warning | {"batch_id": "1"}, headers=officer).status_code == 400
    )
    published = client.post("/api/v1/warnings", json=warning, headers=officer)
    assert published.status_code == 201 and published.json["product"]["gtin"] == batch.gtin
    client.post(
        f"/api/v1/batches/{batch.id}/recall",
        json={"kind": "stop_sale", "reason": "plug overheats", "instructions": "停止使用"},
        headers=officer,
    )
    assert [w["title"] for w in client.get("/api/v1/warnings", headers=merchant).json["warnings"]] == [
        "劣质插头"
    ]
    assert client.get("/api/v1/warnings").status_code == 401
    board = client.get("/api/v1/public/notices")
    assert board.status_code == 200 and board.headers["Access-Control-Allow-Origin"] == "*"
    (public_warning,) = board.json["warnings"]
    (public_recall,) = board.json["recalls"]
    assert public_warning["title"] == "劣质插头" and public_warning["lot"] == batch.lot
    assert not {"id", "published_by", "office_id", "batch_id"} & set(public_warning)
    assert (public_recall["kind"], public_recall["lot"], public_recall["instructions"]) == (
        "stop_sale",
        batch.lot,
        "停止使用",
    )
    assert not {"id", "batch_id", "opened_by", "affected_units", "source"} & set(public_recall)
    withdraw = f"/api/v1/warnings/{published.json['id']}/withdraw"
    assert client.post(withdraw, headers=merchant).status_code == 403
    assert client.post(withdraw, json={"note": "fixed"}, headers=officer).json["active"] is False
    assert client.post(withdraw, headers=officer).status_code == 409
    assert client.get("/api/v1/public/notices").json["warnings"] == []
