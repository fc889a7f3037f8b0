"""Accounts and lookups by what people hold, through the JSON API.

Users, invitations, tokens and the password as ``/account/*`` pages and the CLI offer them, with the
same rules (the domain decides); the one-time secrets are answered once. Bad input is a 4xx that writes
nothing (the audit log's length is compared). A batch is found by GTIN + lot and an order by its number,
within the caller's remit only.
"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import accounts
from suyuan.trace.model import AuditEntry, User
from suyuan.trace.zone import exits
from tests.factories import (
    SECRET,
    World,
    code_urls,
    exit_filing,
    make_second_office,
    make_world,
    make_zone_batch,
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def audit_length(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def office_admin(session: Session, world: World) -> None:
    officer = session.get(User, world.regulator.user_id)
    assert officer is not None
    officer.admin = True
    session.commit()


def test_an_officer_invites_an_enterprise_admin_whose_link_then_sets_a_password(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    body = {"email": "Boss@A.example", "name": "王总", "enterprise_id": world.merchant.id, "admin": True}
    answer = client.post("/api/v1/users", json=body, headers=bearer(world.tokens["regulator"]))
    assert answer.status_code == 201, answer.get_json()
    made = answer.get_json()
    assert made["user"] | {"id": 0, "created_at": "", "invitation_expires_at": ""} == {
        "id": 0,
        "email": "boss@a.example",
        "name": "王总",
        "kind": "enterprise_admin",
        "status": "invited",
        "admin": True,
        "office_id": None,
        "enterprise_id": world.merchant.id,
        "created_at": "",
        "invitation_expires_at": "",
    }
    link = made["invitation_url"]
    assert "/invite/inv_" in link
    page = client.get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert page.status_code == 200 and "boss@a.example" in page.get_data(as_text=True)
    listed = client.get("/api/v1/users?enterprises=1", headers=bearer(world.tokens["regulator"])).get_json()
    assert "boss@a.example" in [u["email"] for u in listed["users"]]
    mine = client.get("/api/v1/users", headers=bearer(world.tokens["merchant"])).get_json()["users"]
    assert {u["email"] for u in mine} == {"staff@a.example", "boss@a.example"}


def test_who_may_invite_whom_is_the_domains_rule_and_a_refusal_writes_nothing(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    other = make_second_office(session)
    before = audit_length(session)
    refusals: list[tuple[str, dict[str, Any], int]] = [
        ("merchant", {"email": "x@a.example"}, 403),  # staff invite nobody
        ("regulator", {"email": "x@office.example"}, 403),  # an officer adds no officers
        ("regulator", {"email": "x@a.example", "enterprise_id": world.merchant.id}, 403),  # staff: theirs
        ("merchant_b", {"email": "x@a.example", "enterprise_id": world.merchant.id, "admin": True}, 404),
        ("regulator", {"email": "not an address", "enterprise_id": world.merchant.id, "admin": True}, 400),
        ("regulator", {"email": "x@a.example", "office_id": 1, "enterprise_id": 1}, 400),
        ("regulator", {"email": "x@a.example", "admin": "yes"}, 400),
        ("regulator", {"email": "x" * 255}, 400),
        ("regulator", {}, 400),
    ]
    for who, body, status in refusals:
        answer = client.post("/api/v1/users", json=body, headers=bearer(world.tokens[who]))
        assert answer.status_code == status, (who, body, answer.get_json())
    outsider = {"email": "x@a.example", "enterprise_id": world.merchant.id, "admin": True}
    answer = client.post("/api/v1/users", json=outsider, headers=bearer(other.tokens["regulator"]))
    assert answer.status_code == 404
    assert (
        client.get("/api/v1/users?enterprises=1", headers=bearer(world.tokens["merchant"])).status_code == 403
    )
    assert (
        client.get("/api/v1/users?enterprises=yes", headers=bearer(world.tokens["regulator"])).status_code
        == 400
    )
    assert audit_length(session) == before


def test_an_office_admin_disables_a_user_whose_tokens_stop_working_and_re_enables_them(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    staff_id = world.merchant_staff.user_id
    assert (
        client.post(
            f"/api/v1/users/{staff_id}/disable", headers=bearer(world.tokens["regulator"])
        ).status_code
        == 403
    )
    office_admin(session, world)
    answer = client.post(f"/api/v1/users/{staff_id}/disable", headers=bearer(world.tokens["regulator"]))
    assert answer.status_code == 200 and answer.get_json()["status"] == "disabled"
    assert client.get("/api/v1/me", headers=bearer(world.tokens["merchant"])).status_code == 401
    answer = client.post(f"/api/v1/users/{staff_id}/enable", headers=bearer(world.tokens["regulator"]))
    assert answer.get_json()["status"] == "active"
    assert (
        client.get("/api/v1/me", headers=bearer(world.tokens["merchant"])).status_code == 401
    )  # stays revoked
    own = client.post(
        f"/api/v1/users/{world.regulator.user_id}/disable", headers=bearer(world.tokens["regulator"])
    )
    assert own.status_code == 409
    assert (
        client.post("/api/v1/users/999999/disable", headers=bearer(world.tokens["regulator"])).status_code
        == 404
    )


def test_a_token_is_shown_once_listed_without_its_secret_and_revoked_for_good(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    made = client.post(
        "/api/v1/tokens", json={"name": "报表脚本", "scope": "read"}, headers=bearer(world.tokens["merchant"])
    )
    assert made.status_code == 201
    secret, record = made.get_json()["secret"], made.get_json()["token"]
    assert secret.startswith(record["prefix"]) and record["scope"] == "read"
    listed = client.get("/api/v1/tokens", headers=bearer(secret)).get_json()["tokens"]
    assert secret not in str(listed) and record["id"] in [t["id"] for t in listed]
    refused = client.post("/api/v1/tokens", json={"name": "more"}, headers=bearer(secret))
    assert refused.status_code == 403  # a read-only token changes nothing, itself included
    theirs = client.post(f"/api/v1/tokens/{record['id']}/revoke", headers=bearer(world.tokens["merchant_b"]))
    assert theirs.status_code == 404
    revoked = client.post(f"/api/v1/tokens/{record['id']}/revoke", headers=bearer(world.tokens["merchant"]))
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    before = audit_length(session)
    for body in ({}, {"name": "x" * 101}, {"name": "a\nb"}, {"name": "x", "scope": "admin"}, {"name": 5}):
        answer = client.post("/api/v1/tokens", json=body, headers=bearer(world.tokens["merchant"]))
        assert answer.status_code == 400, body
    assert audit_length(session) == before


def test_a_password_change_needs_the_current_password_and_a_strong_new_one(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    before = audit_length(session)
    for body in (
        {"current": "wrong password", "new": "harbour lights at dusk"},
        {"current": "password1", "new": "short"},
        {"current": "password1", "new": "1234567890"},
        {"current": "password1"},
    ):
        answer = client.post("/api/v1/account/password", json=body, headers=bearer(world.tokens["merchant"]))
        assert answer.status_code == 400, body
    assert audit_length(session) == before
    body = {"current": "password1", "new": "harbour lights at dusk"}
    answer = client.post("/api/v1/account/password", json=body, headers=bearer(world.tokens["merchant"]))
    assert answer.status_code == 200
    session.expire_all()
    assert accounts.authenticate_password(session, "staff@a.example", "harbour lights at dusk") is not None


def test_a_batch_is_found_by_gtin_and_lot_and_an_order_by_its_number_within_the_remit(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10, lot="L2612A")
    make_zone_batch(session, world, runtime.ring, quantity=10, lot="L2612B")
    urls = code_urls(session, runtime.ring, batch)
    exits.declare_exit(
        session,
        world.merchant_staff,
        runtime.ring,
        exit_filing([(batch, urls[:1])], order_no="QH-20261204-7"),
        secret=SECRET,
    )
    session.commit()
    gtin13 = batch.gtin[1:] if batch.gtin.startswith("0") else batch.gtin
    for token in ("merchant", "regulator"):
        found = client.get(f"/api/v1/batches?gtin={gtin13}&lot=L2612A", headers=bearer(world.tokens[token]))
        assert [b["id"] for b in found.get_json()["batches"]] == [batch.id]
        orders = client.get(
            "/api/v1/exit-declarations?order_no=qh-20261204-7", headers=bearer(world.tokens[token])
        )
        assert [o["order_no"] for o in orders.get_json()["exit_declarations"]] == ["QH-20261204-7"]
    outsider = bearer(world.tokens["merchant_b"])
    assert (
        client.get(f"/api/v1/batches?gtin={batch.gtin}&lot=L2612A", headers=outsider).get_json()["batches"]
        == []
    )
    assert client.get("/api/v1/exit-declarations?order_no=QH-20261204-7", headers=outsider).get_json() == {
        "exit_declarations": []
    }
    mine = bearer(world.tokens["merchant"])
    by_gtin = client.get(f"/api/v1/batches?gtin={batch.gtin}", headers=mine).get_json()["batches"]
    assert [b["lot"] for b in by_gtin] == ["L2612A"]  # the other lot is another product's
    assert [
        b["lot"] for b in client.get("/api/v1/batches?lot=L2612B", headers=mine).get_json()["batches"]
    ] == ["L2612B"]
    for query in (
        "gtin=123",
        "gtin=%2009421234500010",
        f"gtin={batch.gtin[:-1]}{(int(batch.gtin[-1]) + 1) % 10}",
        "lot=" + "L" * 21,
    ):
        assert client.get(f"/api/v1/batches?{query}", headers=mine).status_code == 400, query
    assert client.get("/api/v1/exit-declarations?order_no=" + "9" * 65, headers=mine).status_code == 400
