"""Sanctions, credit lists and the exit hold through the API, the officer's desk, the public credit page
and the CLI: who may decide, hostile input writes nothing, the public sees public fields only."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import sanctions
from suyuan.trace.model import AuditEntry, ExitStatus, FilingStatus, Sanction
from suyuan.trace.zone import credit, exits
from tests.factories import SECRET, code_urls, exit_filing, make_second_office, make_world, make_zone_batch


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit_length(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_only_the_enterprises_office_sanctions_through_the_api(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    path, body = (
        f"/api/v1/enterprises/{world.merchant.id}/sanctions",
        {"action": "suspend", "reason": "fraud"},
    )
    before = audit_length(session)
    assert client.post(path, json=body, headers=bearer(world.tokens["merchant"])).status_code == 403
    assert client.post(path, json=body, headers=bearer(other.tokens["regulator"])).status_code == 404
    assert client.post(path, json=body).status_code == 401
    assert audit_length(session) == before
    answer = client.post(path, json=body, headers=bearer(world.tokens["regulator"]))
    assert answer.status_code == 201 and answer.get_json()["status"] == "suspended"
    listed = client.get(path, headers=bearer(world.tokens["merchant"])).get_json()
    assert listed["filing_status"] == "suspended" and listed["sanctions"][0]["reason"] == "fraud"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"action": "suspend"},
        {"action": "ban", "reason": "x"},
        {"action": "suspend", "reason": ""},
        {"action": "suspend", "reason": "x" * 2001},
        {"action": "suspend", "reason": "a\u0000b"},
        {"action": ["suspend"], "reason": "x"},
        {"action": "suspend", "reason": "x", "extra": 1},
    ],
)
def test_hostile_sanction_bodies_are_400_and_write_nothing(
    client: FlaskClient, session: Session, runtime: Runtime, body: dict[str, Any]
) -> None:
    world = make_world(session, runtime.ring)
    before = audit_length(session)
    answer = client.post(
        f"/api/v1/enterprises/{world.merchant.id}/sanctions",
        json=body,
        headers=bearer(world.tokens["regulator"]),
    )
    assert answer.status_code == 400
    assert audit_length(session) == before
    assert session.scalar(select(func.count()).select_from(Sanction)) == 0


def test_a_suspended_merchant_cannot_declare_an_exit_through_the_api(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=3)
    url = code_urls(session, runtime.ring, batch)[0]
    sanctions.sanction_enterprise(session, world.regulator, world.merchant.id, "suspend", "fraud")
    session.commit()
    body = {
        "order_no": "O-1",
        "payment_ref": "P-1",
        "waybill_no": "W-1",
        "payment_amount": "100.00",
        "buyer": {"id_number": "310115199003071239", "name": "陈小红"},
        "lines": [{"batch_id": batch.id, "quantity": 1, "unit_price": "100.00", "codes": [url]}],
    }
    answer = client.post("/api/v1/exit-declarations", json=body, headers=bearer(world.tokens["merchant"]))
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "filing_sanctioned"


def test_the_pudong_buyer_id_is_accepted_at_exit(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=3)
    url = code_urls(session, runtime.ring, batch)[0]
    body = {
        "order_no": "O-2",
        "payment_ref": "P-2",
        "waybill_no": "W-2",
        "payment_amount": "100.00",
        "buyer": {"id_number": "310115199003071239", "name": "陈小红"},
        "lines": [{"batch_id": batch.id, "quantity": 1, "unit_price": "100.00", "codes": [url]}],
    }
    assert (
        client.post(
            "/api/v1/exit-declarations", json=body, headers=bearer(world.tokens["merchant"])
        ).status_code
        == 201
    )
    body |= {"order_no": "O-3", "buyer": {"id_number": "310115199003071238", "name": "陈小红"}}
    assert (
        client.post(
            "/api/v1/exit-declarations", json=body, headers=bearer(world.tokens["merchant"])
        ).status_code
        == 400
    )


def test_a_held_order_is_202_and_the_office_releases_it(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    batch = make_zone_batch(session, world, runtime.ring, quantity=3)
    batch.exit_hold_required = True
    session.commit()
    held = exits.declare_exit(
        session,
        world.merchant_staff,
        runtime.ring,
        exit_filing([(batch, code_urls(session, runtime.ring, batch)[:1])]),
        secret=SECRET,
    )
    session.commit()
    assert held.status is ExitStatus.HELD
    path, body = f"/api/v1/exit-declarations/{held.id}/hold-decision", {"decision": "release"}
    assert client.post(path, json=body, headers=bearer(world.tokens["merchant"])).status_code == 403
    assert client.post(path, json=body, headers=bearer(other.tokens["regulator"])).status_code == 404
    assert (
        client.post(path, json={"decision": "wave"}, headers=bearer(world.tokens["regulator"])).status_code
        == 400
    )
    answer = client.post(path, json=body, headers=bearer(world.tokens["regulator"]))
    assert answer.status_code == 200 and answer.get_json()["status"] == "written_off"


def test_the_public_credit_page_and_api_show_public_fields_only(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    credit.record_credit_event(session, world.regulator, world.merchant.id, "violation", note="SECRET-NOTE-1")
    sanctions.sanction_enterprise(session, world.regulator, world.merchant.id, "suspend", "SECRET-REASON-2")
    sanctions.add_to_list(session, world.regulator, world.merchant.id, "serious_violators", "走私冻品")
    session.commit()
    page = client.get("/credit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert (
        "企业信用" in text
        and world.merchant.name in text
        and "走私冻品" in text
        and "严重违法失信名单" in text
    )
    data = client.get("/api/v1/public/credit").get_json()
    mine = next(e for e in data["enterprises"] if e["uscc"] == world.merchant.uscc)
    assert mine["grade"] == "C" and mine["filing_status"] == "suspended"  # the violation: 4 points
    assert mine["listings"][0]["list_kind"] == "serious_violators"
    for secret in ("SECRET-NOTE-1", "SECRET-REASON-2", "officer@test.example", "staff@a.example"):
        assert secret not in text and secret not in str(data)


def login(app: Flask, client: FlaskClient, email: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def test_the_officer_suspends_and_lists_on_the_desk_with_a_confirmation(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    login(app, client, "officer@test.example")
    assert client.get("/regulator/enforcement").status_code == 200
    form = {
        "sanction-target": "enterprise",
        "sanction-target_id": str(world.merchant.id),
        "sanction-action": "suspend",
        "sanction-reason": "虚假运单",
    }
    confirm = client.post("/regulator/enforcement/sanctions", data=form)
    assert confirm.status_code == 200 and world.merchant.filing_status is FilingStatus.FILED
    done = client.post("/regulator/enforcement/sanctions", data=form | {"sanction-confirmed": "yes"})
    assert done.status_code == 303
    session.expire_all()
    assert world.merchant.filing_status is FilingStatus.SUSPENDED
    listing = {
        "listing-enterprise_id": str(world.merchant.id),
        "listing-list_kind": "abnormal_operations",
        "listing-reason": "无法联系",
        "listing-confirmed": "yes",
    }
    assert client.post("/regulator/enforcement/lists", data=listing).status_code == 303
    page = client.get("/regulator/enforcement").get_data(as_text=True)
    assert "无法联系" in page and "虚假运单" in page


def test_the_merchant_cannot_open_the_enforcement_desk(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    login(app, client, "staff@a.example")
    assert client.get("/regulator/enforcement").status_code in (302, 403, 404)


def test_the_cli_sanctions_lists_and_decides_held_exits(run: Any, session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=3)
    batch.exit_hold_required = True
    session.commit()
    held = exits.declare_exit(
        session,
        world.merchant_staff,
        runtime.ring,
        exit_filing([(batch, code_urls(session, runtime.ring, batch)[:1])]),
        secret=SECRET,
    )
    session.commit()
    out = run("exit-hold", "list")
    assert out.exit_code == 0 and held.order_no in out.output
    out = run("exit-hold", "release", str(held.id), "--note", "checked")
    assert out.exit_code == 0 and "written_off" in out.output
    out = run("sanction", "enterprise", str(world.merchant.id), "suspend", "--reason", "fraud")
    assert out.exit_code == 0 and "suspended" in out.output
    assert (
        run("sanction", "enterprise", str(world.merchant.id), "suspend", "--reason", "again").exit_code == 2
    )
    out = run("credit-list", "add", str(world.merchant.id), "serious_violators", "--reason", "smuggling")
    assert out.exit_code == 0
    assert "smuggling" in run("credit-list", "list").output
    entry_id = out.output.split()[2].rstrip(":")
    assert run("credit-list", "remove", entry_id, "--reason", "rectified").exit_code == 0
    assert run("sanction", "product", "999999", "revoke", "--reason", "x").exit_code == 2
