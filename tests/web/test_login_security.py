"""Signing in under attack: open redirects, guessing passwords, telling accounts apart, stolen cookies.

Each test performs the attack of the December security review (findings 9, 11, 13) and asserts that
it is refused; throttle counts live in the database, so these run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.trace import accounts
from suyuan.trace.model import ThrottleBucket, User
from suyuan.web import create_app
from tests.factories import make_world

EN = {"Accept-Language": "en"}
# The 14 `next=` values of the review (row 9) and a few more: each must leave the user on this site.
HOSTILE_NEXT = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\r/evil.example",
    "/\n/evil.example",
    "/\x0b/evil.example",
    "/\x0c/evil.example",
    " //evil.example",
    "/\t\\evil.example",
    "/\u3000/evil.example",
    "/\u200b/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
]


@pytest.fixture
def world(app: Flask, session: Session, runtime: Runtime) -> Any:
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF of the form has its own tests (test_pages.py)
    return make_world(session, runtime.ring)


def sign_in(
    client: FlaskClient, email: str, password: str = "password1", path: str = "/login", **kw: Any
) -> Any:
    return client.post(path, data={"email": email, "password": password}, **kw)


def browser_target(location: str, base: str = "https://sy.example.cn/login") -> tuple[str, str]:
    """Where a browser goes for ``location``: it drops tabs and newlines and reads ``\\`` as ``/``."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("\x00- ").replace("\\", "/")
    target = urlsplit(urljoin(base, cleaned))
    return target.scheme, target.netloc


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_sign_in_never_redirects_off_site(client: FlaskClient, world: Any, target: str) -> None:
    response = sign_in(client, "staff@a.example", path="/login?next=" + quote(target, safe=""))
    location = response.headers["Location"]
    assert response.status_code == 302
    assert browser_target(location) == ("https", "sy.example.cn"), location
    assert not re.search(r"[\x00-\x20\\]", location)


def test_a_path_on_this_site_is_kept_as_the_next_page(client: FlaskClient, world: Any) -> None:
    response = sign_in(client, "staff@a.example", path="/login?next=" + quote("/merchant/labels?batch=1"))
    assert response.headers["Location"] == "/merchant/labels?batch=1"


def test_a_cleaned_next_path_is_what_is_redirected_to(client: FlaskClient, world: Any) -> None:
    response = sign_in(client, "staff@a.example", path="/login?next=" + quote("/merchant/\t"))
    assert response.headers["Location"] == "/merchant/"


def test_login_is_throttled_after_repeated_failures_per_account(client: FlaskClient, world: Any) -> None:
    for _ in range(10):
        assert sign_in(client, "staff@a.example", "wrong-password").status_code == 200
    refused = sign_in(client, "staff@a.example", headers=EN)  # even the right password now
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "Too many sign-in attempts" in refused.get_data(as_text=True)
    assert "session" not in refused.headers.get("Set-Cookie", "")
    assert client.get("/merchant/").status_code == 302  # not signed in
    assert sign_in(client, "staff@b.example").status_code == 302  # other accounts are not locked


def test_login_is_throttled_per_client_address_across_accounts(client: FlaskClient, world: Any) -> None:
    for n in range(30):
        forged = {"X-Forwarded-For": f"198.51.100.{n}"}  # no trusted proxy: the header is ignored
        assert sign_in(client, f"guess{n}@a.example", "x", headers=forged).status_code == 200
    refused = sign_in(client, "staff@a.example", headers={"X-Forwarded-For": "198.51.100.99"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(settings: Settings, world: Any) -> None:
    app = create_app(replace(settings, trusted_proxies=1), {"TESTING": True, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    attacker, neighbour = {"X-Forwarded-For": "198.51.100.7"}, {"X-Forwarded-For": "198.51.100.8"}
    for n in range(30):
        assert sign_in(client, f"guess{n}@a.example", "x", headers=attacker).status_code == 200
    assert sign_in(client, "staff@a.example", headers=attacker).status_code == 429
    assert sign_in(client, "staff@a.example", headers=neighbour).status_code == 302


def test_successful_sign_ins_do_not_count_towards_the_limit(client: FlaskClient, world: Any) -> None:
    for _ in range(9):
        sign_in(client, "staff@a.example", "wrong-password")
    for _ in range(3):
        assert sign_in(client, "staff@a.example").status_code == 302
    assert sign_in(client, "staff@a.example", "wrong-password").status_code == 200  # the 10th failure
    assert sign_in(client, "staff@a.example").status_code == 429


def test_throttle_buckets_hold_keyed_hashes_not_addresses_or_e_mails(
    client: FlaskClient, world: Any, session: Session
) -> None:
    sign_in(client, "staff@a.example", "wrong-password")
    keys = session.scalars(select(ThrottleBucket.key)).all()
    assert len(keys) == 2
    for key in keys:
        assert re.fullmatch(r"login-(account|address):[0-9a-f]{64}", key)
        assert "127.0.0.1" not in key and "staff" not in key


def test_unknown_and_inactive_accounts_cost_the_same_password_check(
    client: FlaskClient, world: Any, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real_check: Callable[[str, str], bool] = accounts.check_password_hash

    def recording_check(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$", 1)[0])
        return real_check(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", recording_check)  # Werkzeug's, not ours
    known = session.scalars(select(User).filter_by(email="staff@a.example")).one()
    method = known.password_hash.split("$", 1)[0]
    session.execute(update(User).where(User.email == "staff@b.example").values(active=False))
    session.commit()
    for email in ("staff@a.example", "nobody@a.example", "staff@b.example"):
        assert sign_in(client, email, "wrong-password").status_code == 200
    assert checked == [method, method, method]


def test_an_unknown_account_pays_for_a_full_password_check(
    client: FlaskClient, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "PASSWORD_METHOD", "pbkdf2:sha256:300000")  # one check takes ~0.1 s
    start = time.perf_counter()
    assert sign_in(client, "nobody@a.example", "wrong-password").status_code == 200
    assert time.perf_counter() - start > 0.03  # not the review's 4 ms early return (a lower bound only)


def test_a_session_cookie_is_dead_after_logout(app: Flask, client: FlaskClient, world: Any) -> None:
    assert sign_in(client, "staff@a.example").status_code == 302
    stolen = client.get_cookie("session")
    assert stolen is not None
    other_device = app.test_client()
    assert sign_in(other_device, "staff@a.example").status_code == 302

    logout = client.post("/logout")
    assert logout.status_code == 302 and "session=;" in logout.headers.get("Set-Cookie", "")
    replay = app.test_client()
    replay.set_cookie("session", stolen.value, domain="localhost")
    assert replay.get("/merchant/").status_code == 302  # to the login form
    assert other_device.get("/merchant/").status_code == 302  # sign-out ends every session of the user
    assert sign_in(client, "staff@a.example").status_code == 302  # signing in again works
    assert client.get("/merchant/").status_code == 200


def test_ending_sessions_revokes_every_cookie_of_the_user(
    client: FlaskClient, world: Any, session: Session
) -> None:
    sign_in(client, "staff@a.example")
    assert client.get("/merchant/").status_code == 200
    user = session.scalars(select(User).filter_by(email="staff@a.example")).one()
    accounts.end_sessions(session, user)  # as a password change will
    session.commit()
    assert user.session_generation == 1
    assert client.get("/merchant/").status_code == 302


def test_a_session_ends_twelve_hours_after_sign_in(client: FlaskClient, world: Any) -> None:
    sign_in(client, "staff@a.example")
    with client.session_transaction() as cookie:
        cookie["signed_in_at"] -= 12 * 3600 + 1
    assert client.get("/merchant/").status_code == 302
    assert client.get_cookie("session") is not None


def test_a_session_cookie_without_a_generation_is_refused(client: FlaskClient, world: Any) -> None:
    sign_in(client, "staff@a.example")
    with client.session_transaction() as cookie:
        del cookie["generation"]  # the cookie of a version before sessions had generations
    assert client.get("/merchant/").status_code == 302


def test_the_session_cookie_has_a_lifetime(client: FlaskClient, world: Any) -> None:
    response = sign_in(client, "staff@a.example")
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
