"""Signing in and the merchant and regulator pages: each role sees its own page only."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from tests.factories import make_batch, make_world


def login(client: FlaskClient, email: str, password: str = "password1") -> int:
    return client.post("/login", data={"email": email, "password": password}).status_code


def test_pages_need_a_sign_in(client: FlaskClient) -> None:
    for path in ("/merchant/", "/regulator/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_merchant_staff_see_their_batches_but_not_the_regulator_console(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    world = make_world(session, runtime.ring)
    mine = make_batch(session, world, runtime.ring, count=7)
    theirs = make_batch(session, world, runtime.ring, count=2, owner="merchant_b")
    assert login(client, "staff@a.example") == 302
    page = client.get("/merchant/").data.decode()
    assert mine.lot in page and theirs.lot not in page and "7 / 1000" in page
    assert client.get("/regulator/").status_code == 403


def test_the_regulator_console_shows_the_audit_chain(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    make_world(session, runtime.ring)
    assert login(client, "officer@test.example") == 302
    page = client.get("/regulator/").data.decode()
    assert 'data-test="audit"' in page and "哈希链完整" in page


def test_wrong_passwords_and_forged_forms_do_not_sign_in(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    assert login(client, "staff@a.example") == 400  # no CSRF token: refused
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/login", data={"email": "staff@a.example", "password": "wrong-password"})
    assert response.status_code == 200 and "错误" in response.data.decode()
    assert client.get("/merchant/").status_code == 302


def test_open_redirects_after_login_are_refused(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    make_world(session, runtime.ring)
    response = client.post(
        "/login?next=//evil.example/", data={"email": "staff@a.example", "password": "password1"}
    )
    assert response.headers["Location"] == "/merchant/"
