"""Acting on order monitoring through the API and the officer's buyer desk (R66/R67): who may decide,
hostile input writes nothing, a blocked buyer's exit is refused, a watched buyer's is held."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.model import AuditEntry, BuyerRestriction, ExitDeclaration, ExitStatus
from suyuan.trace.zone import exits
from suyuan.trace.zone.exits import Buyer
from tests.factories import (
    SECRET,
    World,
    code_urls,
    exit_filing,
    id_number,
    make_second_office,
    make_world,
    make_zone_batch,
)

BUYER = Buyer(id_number(7), "王五", address="深圳市龙岗区仓库9号")
ALERTS = {"SUYUAN_ANOMALY_ORDERS_PER_BUYER": 1}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def zone(session: Session, runtime: Runtime) -> tuple[World, list[str], str]:
    """Two orders of one buyer (an alert at a threshold of 1), the unsold codes, the buyer reference."""
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    urls = code_urls(session, runtime.ring, batch)
    orders = [
        exits.declare_exit(
            session,
            world.merchant_staff,
            runtime.ring,
            exit_filing([(batch, [url])], buyer=BUYER),
            secret=SECRET,
        )
        for url in urls[:2]
    ]
    session.commit()
    session.info["batch"] = batch
    return world, urls[2:], orders[0].buyer_hash


def _exit_body(batch_id: int, url: str) -> dict[str, Any]:
    return {
        "order_no": f"ORD-{url[-8:]}",
        "payment_ref": f"PAY-{url[-8:]}",
        "waybill_no": f"WB-{url[-8:]}",
        "payment_amount": "100.00",
        "platform": "前海跨境购",
        "buyer": {"id_number": BUYER.id_number, "name": BUYER.name, "address": BUYER.address},
        "lines": [{"batch_id": batch_id, "quantity": 1, "unit_price": "100.00", "codes": [url]}],
    }


def test_the_office_blocks_a_buyer_from_an_alert_and_their_next_exit_is_refused(
    app: Flask, client: FlaskClient, session: Session, zone: tuple[World, list[str], str]
) -> None:
    world, urls, buyer = zone
    app.config.update(ALERTS)
    app.extensions.pop("suyuan_zone_rules", None)
    officer, merchant = bearer(world.tokens["regulator"]), bearer(world.tokens["merchant"])
    alerts = client.get("/api/v1/anomalies", headers=officer).get_json()["anomalies"]
    assert buyer in {a["buyer"] for a in alerts}
    body = {"buyer": buyer, "level": "block", "reason": "拆单规避限额", "rule": "many_orders_one_buyer"}
    made = client.post("/api/v1/buyer-restrictions", json=body, headers=officer)
    assert made.status_code == 201 and made.get_json()["buyer"].startswith("王* #")
    before = count(session, ExitDeclaration)
    batch = session.info["batch"]
    refused = client.post("/api/v1/exit-declarations", json=_exit_body(batch.id, urls[0]), headers=merchant)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "buyer_blocked"
    assert count(session, ExitDeclaration) == before
    restriction_id = made.get_json()["id"]
    lifted = client.post(
        f"/api/v1/buyer-restrictions/{restriction_id}/lift", json={"reason": "已整改"}, headers=officer
    )
    assert lifted.status_code == 200 and lifted.get_json()["lift_reason"] == "已整改"
    allowed = client.post("/api/v1/exit-declarations", json=_exit_body(batch.id, urls[0]), headers=merchant)
    assert allowed.status_code == 201, allowed.get_json()
    listed = client.get("/api/v1/buyer-restrictions?state=all", headers=officer).get_json()["restrictions"]
    assert [r["lifted_by"] is not None for r in listed] == [True]


def test_a_watched_buyers_exit_through_the_api_waits_for_the_office(
    client: FlaskClient, session: Session, zone: tuple[World, list[str], str]
) -> None:
    world, urls, buyer = zone
    officer = bearer(world.tokens["regulator"])
    body = {"buyer": buyer, "level": "watch", "reason": "观察"}
    assert client.post("/api/v1/buyer-restrictions", json=body, headers=officer).status_code == 201
    batch = session.info["batch"]
    held = client.post(
        "/api/v1/exit-declarations",
        json=_exit_body(batch.id, urls[1]),
        headers=bearer(world.tokens["merchant"]),
    )
    assert held.status_code == 202 and held.get_json()["status"] == ExitStatus.HELD.value


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"level": "block", "reason": "x"},
        {"buyer": "zz", "level": "block", "reason": "x"},
        {"buyer": "a" * 65, "level": "block", "reason": "x"},
        {"buyer": "BUYER", "level": "ban", "reason": "x"},
        {"buyer": "BUYER", "level": "block", "reason": ""},
        {"buyer": "BUYER", "level": "block", "reason": "x" * 2001},
        {"buyer": "BUYER", "level": "block", "reason": "a\u0000b"},
        {"buyer": "BUYER", "level": "block", "reason": "x", "rule": "made_up"},
        {"buyer": "BUYER", "level": "block", "reason": "x", "extra": 1},
        {"buyer": ["BUYER"], "level": "block", "reason": "x"},
    ],
)
def test_hostile_restriction_bodies_are_400_and_write_nothing(
    client: FlaskClient, session: Session, zone: tuple[World, list[str], str], body: dict[str, Any]
) -> None:
    world, _, buyer = zone
    body = {k: ([buyer] if v == ["BUYER"] else buyer if v == "BUYER" else v) for k, v in body.items()}
    audit = count(session, AuditEntry)
    answer = client.post("/api/v1/buyer-restrictions", json=body, headers=bearer(world.tokens["regulator"]))
    assert answer.status_code == 400, answer.get_json()
    assert (count(session, AuditEntry), count(session, BuyerRestriction)) == (audit, 0)


def test_only_the_buyers_office_restricts_and_lifts(
    client: FlaskClient, session: Session, zone: tuple[World, list[str], str]
) -> None:
    world, _, buyer = zone
    other = make_second_office(session)
    body = {"buyer": buyer, "level": "block", "reason": "x"}
    assert (
        client.post(
            "/api/v1/buyer-restrictions", json=body, headers=bearer(world.tokens["merchant"])
        ).status_code
        == 403
    )
    assert client.post("/api/v1/buyer-restrictions", json=body).status_code == 401
    assert (
        client.post(
            "/api/v1/buyer-restrictions", json=body, headers=bearer(other.tokens["regulator"])
        ).status_code
        == 404
    )
    assert count(session, BuyerRestriction) == 0
    made = client.post(
        "/api/v1/buyer-restrictions", json=body, headers=bearer(world.tokens["regulator"])
    ).get_json()
    lift = f"/api/v1/buyer-restrictions/{made['id']}/lift"
    assert (
        client.post(lift, json={"reason": "x"}, headers=bearer(other.tokens["regulator"])).status_code == 404
    )
    assert client.get("/api/v1/buyer-restrictions", headers=bearer(other.tokens["regulator"])).get_json() == {
        "restrictions": []
    }
    again = client.post("/api/v1/buyer-restrictions", json=body, headers=bearer(world.tokens["regulator"]))
    assert again.status_code == 409
    assert (
        client.get(
            "/api/v1/buyer-restrictions?state=nope", headers=bearer(world.tokens["regulator"])
        ).status_code
        == 400
    )


def login(app: Flask, client: FlaskClient, email: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def test_the_officer_watches_and_lifts_on_the_buyer_desk_with_a_confirmation(
    app: Flask, client: FlaskClient, session: Session, zone: tuple[World, list[str], str]
) -> None:
    _world, _, buyer = zone
    app.config.update(ALERTS)
    app.extensions.pop("suyuan_zone_rules", None)
    login(app, client, "officer@test.example")
    page = client.get("/regulator/buyers").get_data(as_text=True)
    assert "重点关注的购买人" in page and f"#{buyer[:8]}" in page and "同一购买人订单过多" in page
    form = {
        "restrict-buyer": buyer,
        "restrict-rule": "many_orders_one_buyer",
        "restrict-label": f"王* #{buyer[:8]}",
        "restrict-level": "watch",
        "restrict-reason": "三天两单",
    }
    confirm = client.post("/regulator/buyers/restrictions", data=form)
    assert confirm.status_code == 200 and "确认限制购买人" in confirm.get_data(as_text=True)
    assert count(session, BuyerRestriction) == 0
    done = client.post("/regulator/buyers/restrictions", data=form | {"restrict-confirmed": "yes"})
    assert done.status_code == 303
    restriction = session.scalars(select(BuyerRestriction)).one()
    page = client.get("/regulator/buyers").get_data(as_text=True)
    assert "已限制该购买人" in page and "三天两单" in page and "重点关注：出区须关员放行" in page
    bad = client.post("/regulator/buyers/restrictions", data=form | {"restrict-level": "ban"})
    assert bad.status_code == 400 and count(session, BuyerRestriction) == 1
    lift = {f"lift-{restriction.id}-reason": "已核实为自用", f"lift-{restriction.id}-confirmed": "yes"}
    assert client.post(f"/regulator/buyers/restrictions/{restriction.id}/lift", data=lift).status_code == 303
    page = client.get("/regulator/buyers").get_data(as_text=True)
    assert "已核实为自用" in page and "已解除" in page


def test_the_buyer_desk_is_the_offices_alone(
    app: Flask, client: FlaskClient, session: Session, zone: tuple[World, list[str], str]
) -> None:
    world, _, buyer = zone
    made = client.post(
        "/api/v1/buyer-restrictions",
        json={"buyer": buyer, "level": "block", "reason": "x"},
        headers=bearer(world.tokens["regulator"]),
    ).get_json()
    make_second_office(session)
    login(app, client, "officer@nanshan.example")
    assert "王* #" not in client.get("/regulator/buyers").get_data(as_text=True)
    lift = {f"lift-{made['id']}-reason": "x", f"lift-{made['id']}-confirmed": "yes"}
    assert client.post(f"/regulator/buyers/restrictions/{made['id']}/lift", data=lift).status_code == 404
    client.post("/logout")
    login(app, client, "staff@a.example")
    assert client.get("/regulator/buyers").status_code in (302, 403, 404)
