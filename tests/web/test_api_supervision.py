"""The supervision API (issue 15 part B): who may act, hostile bodies refused with nothing written, and the
chain from risk information to its measures and back."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import negative_list
from suyuan.trace.model import AuditEntry, RiskInformation, SupervisedWarehouse, SupervisionListEntry
from tests.factories import make_batch, make_enterprise, make_second_office, make_world


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_lists_are_kept_by_offices_and_withdrawn_by_their_own(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    body = {"list_kind": "key_supervision", "match": "hs_prefix", "value": "1901"}
    assert (
        client.post(
            "/api/v1/supervision-lists", json=body, headers=auth(world.tokens["merchant"])
        ).status_code
        == 403
    )
    made = client.post("/api/v1/supervision-lists", json=body, headers=auth(world.tokens["regulator"]))
    assert made.status_code == 201
    entry_id = made.json["id"]
    outsider = client.post(
        f"/api/v1/supervision-lists/{entry_id}/withdraw", headers=auth(other.tokens["regulator"])
    )
    assert outsider.status_code == 404
    listed = client.get("/api/v1/supervision-lists", headers=auth(world.tokens["merchant"])).json["entries"]
    assert [e["id"] for e in listed] == [entry_id]
    assert (
        client.get("/api/v1/supervision-lists", headers=auth(other.tokens["regulator"])).json["entries"] == []
    )
    done = client.post(
        f"/api/v1/supervision-lists/{entry_id}/withdraw",
        json={"note": "over"},
        headers=auth(world.tokens["regulator"]),
    )
    assert (done.status_code, done.json["active"], done.json["withdrawal_note"]) == (200, False, "over")
    again = client.post(
        f"/api/v1/supervision-lists/{entry_id}/withdraw", headers=auth(world.tokens["regulator"])
    )
    assert again.status_code == 409


def test_a_negative_rule_is_withdrawn_through_the_api(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    rule = negative_list.add_entry(
        session, world.regulator, category="N1", kind="keyword", value="象牙", reason="x"
    )
    session.commit()
    url = f"/api/v1/negative-list/{rule.id}/withdraw"
    assert client.post(url, headers=auth(world.tokens["merchant"])).status_code == 403
    answer = client.post(url, headers=auth(world.tokens["regulator"]))
    assert (answer.status_code, answer.json["active"]) == (200, False)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/supervision-lists", {"list_kind": "grey", "match": "hs_prefix", "value": "12"}),
        ("/api/v1/supervision-lists", {"list_kind": "positive", "match": "hs_prefix", "value": "1"}),
        ("/api/v1/supervision-lists", {"list_kind": "positive", "match": "hs_prefix", "value": 12}),
        (
            "/api/v1/supervision-lists",
            {"list_kind": "positive", "match": "category", "value": "x", "extra": 1},
        ),
        ("/api/v1/risk-information", {"source": "incident", "title": "", "description": "d"}),
        ("/api/v1/risk-information", {"source": "incident", "title": "a\nb", "description": "d"}),
        ("/api/v1/risk-information", {"source": "rumour", "title": "t", "description": "d"}),
        (
            "/api/v1/risk-information",
            {"source": "incident", "title": "t", "description": "d", "batch_id": True},
        ),
        (
            "/api/v1/risk-information",
            {"source": "incident", "title": "t", "description": "d", "hs_prefix": "x"},
        ),
        ("/api/v1/warehouses", {"enterprise_id": "1"}),
        ("/api/v1/warehouses", {}),
    ],
)
def test_hostile_bodies_are_refused_and_nothing_is_written(
    client: FlaskClient, session: Session, runtime: Runtime, path: str, body: dict[str, Any]
) -> None:
    world = make_world(session, runtime.ring)
    before = count(session, AuditEntry)
    answer = client.post(path, json=body, headers=auth(world.tokens["regulator"]))
    assert answer.status_code == 400, answer.json
    assert count(session, AuditEntry) == before
    assert (
        count(session, SupervisionListEntry)
        + count(session, RiskInformation)
        + count(session, SupervisedWarehouse)
        == 0
    )


def test_a_self_report_becomes_a_warning_that_tightens_control_shown_on_the_batch(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    batch = make_batch(session, world, runtime.ring, count=1)
    report = {"source": "self_report", "title": "自报", "description": "原料问题", "batch_id": batch.id}
    made = client.post("/api/v1/risk-information", json=report, headers=auth(world.tokens["merchant"]))
    assert made.status_code == 201
    info = made.json["id"]
    merchant_b = client.get(f"/api/v1/risk-information/{info}", headers=auth(world.tokens["merchant_b"]))
    assert merchant_b.status_code == 404
    assessment = {"level": "high", "rationale": "婴幼儿食品"}
    url = f"/api/v1/risk-information/{info}"
    assert (
        client.post(url + "/assessment", json=assessment, headers=auth(world.tokens["merchant"])).status_code
        == 403
    )
    assert (
        client.post(url + "/assessment", json=assessment, headers=auth(other.tokens["regulator"])).status_code
        == 404
    )
    assert (
        client.post(url + "/assessment", json=assessment, headers=auth(world.tokens["regulator"])).status_code
        == 201
    )
    warning = {
        "level": "danger",
        "title": "加严",
        "body": "加严",
        "require_inspection": True,
        "hold_exits": True,
    }
    warned = client.post(url + "/warning", json=warning, headers=auth(world.tokens["regulator"]))
    assert (warned.status_code, warned.json["batch_id"], warned.json["hold_exits"]) == (201, batch.id, True)
    detail = client.get(url, headers=auth(world.tokens["merchant"])).json
    assert [(m["kind"], m["target_id"]) for m in detail["measures"]] == [("warning", warned.json["id"])]
    seen = client.get(f"/api/v1/batches/{batch.id}/supervision", headers=auth(world.tokens["regulator"])).json
    assert (seen["require_inspection"], seen["hold_exits"], seen["tightening_warnings"]) == (
        True,
        True,
        [warned.json["id"]],
    )
    assert seen["bonded"] is False


def test_warehouses_are_designated_by_the_office_and_named_by_the_merchant(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    store = make_enterprise(session, kind="warehouse")
    session.commit()
    body = {"enterprise_id": store.id}
    assert (
        client.post("/api/v1/warehouses", json=body, headers=auth(world.tokens["merchant"])).status_code
        == 403
    )
    made = client.post("/api/v1/warehouses", json=body, headers=auth(world.tokens["regulator"]))
    assert made.status_code == 201
    listed = client.get("/api/v1/warehouses", headers=auth(world.tokens["merchant"])).json["warehouses"]
    assert [w["id"] for w in listed] == [made.json["id"]]


def test_the_officers_batch_page_shows_tightened_control(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    from dataclasses import replace as _replace

    from suyuan.trace import risk_warnings

    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1, released=False)
    filing = risk_warnings.WarningFiling(level="danger", title="加严", body="加严", batch_id=batch.id)
    tightening = _replace(filing, sampling_factor=3, hold_exits=True)
    risk_warnings.publish_warning(session, world.regulator, tightening)
    session.commit()
    client.application.config["WTF_CSRF_ENABLED"] = False
    client.post("/login", data={"email": "officer@test.example", "password": "password1"})
    page = client.get(f"/regulator/zone/batches/{batch.id}").get_data(as_text=True)
    assert 'data-test="tightened"' in page and "×3" in page and "加严管控" in page
