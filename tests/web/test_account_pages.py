"""Onboarding and account pages: /setup, invitation links, /account, /account/tokens, /account/users.

Forms are posted with their real CSRF tokens (taken from the page, as a browser would); refused posts
must answer 4xx with a message and leave the audit log as it was.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import onboarding
from suyuan.trace.actors import OPERATOR
from suyuan.trace.model import AuditEntry, Invitation, Office, User
from suyuan.trace.model.types import utcnow
from tests.factories import World, make_second_office, make_world

GOOD = "plum blossom 1987"
EN = {"Accept-Language": "en"}
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path``, as a browser would submit it."""
    page = client.get(path, headers=EN).get_data(as_text=True)
    found = _CSRF.search(page)
    assert found, f"no CSRF token on {path}"
    return found.group(1) or found.group(2)


def post(client: FlaskClient, path: str, data: dict[str, Any], form_page: str | None = None) -> Any:
    """Post ``data`` with the CSRF token of ``form_page`` (default: ``path``)."""
    token = csrf(client, form_page or path)
    return client.post(path, data={"csrf_token": token, **data}, headers=EN)


def sign_in(client: FlaskClient, email: str, password: str) -> Any:
    return post(client, "/login", {"email": email, "password": password})


def audit_count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def promote(session: Session, email: str) -> None:
    session.execute(update(User).where(User.email == email).values(admin=True))
    session.commit()


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


SETUP = {
    "office_name": "深圳海关前海办事处",
    "office_code": "SZ-QH",
    "name": "李主任",
    "email": "chief@office.example",
    "password": GOOD,
    "confirm": GOOD,
}


# --- first run ---------------------------------------------------------------------------------------


def test_setup_creates_the_office_and_admin_once_then_is_gone(client: FlaskClient, session: Session) -> None:
    login = client.get("/login").get_data(as_text=True)
    assert 'data-test="needs-setup"' in login and "/setup" in login
    assert client.get("/setup").status_code == 200
    answer = post(client, "/setup", SETUP)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/login")
    assert client.get("/setup").status_code == 404
    assert post(client, "/setup", SETUP, form_page="/login").status_code == 404
    assert 'data-test="needs-setup"' not in client.get("/login").get_data(as_text=True)
    assert sign_in(client, "chief@office.example", GOOD).status_code == 302
    account = client.get("/account", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "办事处管理员" in account
    assert session.scalar(select(func.count()).select_from(Office)) == 1


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"password": "short", "confirm": "short"}, "at least 10 characters"),
        ({"password": "1234567890", "confirm": "1234567890"}, "too easy to guess"),
        ({"confirm": "something else"}, "passwords differ"),
        ({"office_code": "<script>"}, "office code"),
        ({"email": "nobody"}, ""),
        ({"name": "a\u0000b"}, ""),
    ],
)
def test_setup_refuses_weak_or_hostile_input_and_writes_nothing(
    client: FlaskClient, session: Session, change: dict[str, str], words: str
) -> None:
    answer = post(client, "/setup", SETUP | change)
    assert answer.status_code == 400
    assert words in answer.get_data(as_text=True)
    assert audit_count(session) == 0
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_setup_without_the_csrf_token_is_refused(client: FlaskClient, session: Session) -> None:
    assert client.post("/setup", data=SETUP).status_code == 400
    assert audit_count(session) == 0


# --- invitations through the pages -------------------------------------------------------------------


def _invite(client: FlaskClient, data: dict[str, str]) -> Any:
    return post(client, "/account/users/invite", data, form_page="/account/users")


def _link(answer: Any) -> str:
    found = re.search(r'data-test="invite-link">([^<]+)<', answer.get_data(as_text=True))
    assert found, answer.get_data(as_text=True)
    return "/invite/" + found.group(1).rsplit("/invite/", 1)[1]


def test_office_admin_invites_an_officer_who_joins_through_the_link(
    client: FlaskClient, app: Any, session: Session, world: World
) -> None:
    promote(session, "officer@test.example")
    sign_in(client, "officer@test.example", "password1")
    answer = _invite(client, {"email": "new.officer@office.example", "name": "新人"})
    assert answer.status_code == 201
    link = _link(answer)

    guest = app.test_client()
    page = guest.get(link, headers=EN)
    assert page.status_code == 200 and "new.officer@office.example" in page.get_data(as_text=True)
    weak = post(guest, link, {"name": "新人", "password": "password", "confirm": "password"})
    assert weak.status_code == 400 and "at least 10" in weak.get_data(as_text=True)
    done = post(guest, link, {"name": "新同事", "password": GOOD, "confirm": GOOD})
    assert done.status_code == 303
    assert sign_in(guest, "new.officer@office.example", GOOD).status_code == 302
    again = app.test_client().get(link, headers=EN)
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    listing = client.get("/account/users", headers=EN).get_data(as_text=True)
    assert "new.officer@office.example" in listing and "新同事" in listing


def test_forged_and_expired_links_answer_clear_4xx_pages(
    client: FlaskClient, session: Session, world: World
) -> None:
    forged = client.get("/invite/inv_" + "Z" * 43, headers=EN)
    assert forged.status_code == 404 and "not valid" in forged.get_data(as_text=True)
    assert client.get("/invite/%00%0a<script>", headers=EN).status_code == 404
    made = onboarding.invite_user(session, OPERATOR, email="late@a.example", enterprise_id=world.merchant.id)
    session.commit()
    session.execute(update(Invitation).values(expires_at=utcnow()))
    session.commit()
    expired = client.get(f"/invite/{made.token}", headers=EN)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    before = audit_count(session)
    data = {"name": "x", "password": GOOD, "confirm": GOOD}
    assert post(client, f"/invite/{made.token}", data, form_page="/login").status_code == 410
    assert audit_count(session) == before


def test_an_officer_invites_enterprise_admins_but_not_officers(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, "officer@test.example", "password1")
    before = audit_count(session)
    refused = _invite(client, {"email": "o2@office.example"})
    assert refused.status_code == 403
    assert audit_count(session) == before
    answer = _invite(client, {"email": "boss@a.example", "enterprise_id": str(world.merchant.id)})
    assert answer.status_code == 201
    boss = session.scalar(select(User).filter_by(email="boss@a.example"))
    assert boss is not None and boss.admin and boss.enterprise_id == world.merchant.id


def test_an_office_cannot_invite_into_another_offices_enterprise(
    client: FlaskClient, session: Session, world: World
) -> None:
    other = make_second_office(session)
    sign_in(client, "officer@test.example", "password1")
    before = audit_count(session)
    answer = _invite(client, {"email": "x@ns.example", "enterprise_id": str(other.merchant.id)})
    assert answer.status_code == 404
    assert audit_count(session) == before


def test_staff_cannot_invite_and_nobody_but_admins_disables(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, "staff@a.example", "password1")
    before = audit_count(session)
    assert _invite(client, {"email": "friend@a.example"}).status_code == 403
    assert _invite(client, {}).status_code == 403  # whatever the body
    other = session.scalar(select(User.id).filter_by(email="staff@b.example"))
    disable = post(client, "/account/users/active", {"user_id": other, "active": 0}, "/account/users")
    assert disable.status_code == 403
    assert audit_count(session) == before


def test_enterprise_admin_cannot_touch_another_enterprises_users(
    client: FlaskClient, session: Session, world: World
) -> None:
    promote(session, "staff@a.example")
    sign_in(client, "staff@a.example", "password1")
    other = session.scalar(select(User.id).filter_by(email="staff@b.example"))
    before = audit_count(session)
    answer = post(client, "/account/users/active", {"user_id": other, "active": 0}, "/account/users")
    assert answer.status_code == 404
    answer = _invite(client, {"email": "spy@a.example", "enterprise_id": str(world.merchant_b.id)})
    assert answer.status_code == 201  # the enterprise named is ignored: a merchant invites to its own
    spy = session.scalar(select(User).filter_by(email="spy@a.example"))
    assert spy is not None and spy.enterprise_id == world.merchant.id
    assert audit_count(session) == before + 2  # user.created, user.invited; nothing of B's


def test_hostile_invitation_input_is_refused_whole(
    client: FlaskClient, session: Session, world: World
) -> None:
    promote(session, "officer@test.example")
    sign_in(client, "officer@test.example", "password1")
    before = audit_count(session)
    for data in (
        {"email": "a@b.cn", "name": "line\nbreak"},
        {"email": "x" * 300 + "@b.cn"},
        {"email": "not an email"},
        {"email": "a@b.cn", "enterprise_id": "99999999999"},
        {"email": "a@b.cn", "enterprise_id": "-1"},
    ):
        answer = _invite(client, data)
        assert 400 <= answer.status_code < 500, data
    assert audit_count(session) == before
    assert session.scalar(select(func.count()).select_from(User).filter_by(email="a@b.cn")) == 0


def test_a_disabled_user_cannot_sign_in_and_loses_their_session(
    client: FlaskClient, app: Any, session: Session, world: World
) -> None:
    promote(session, "staff@a.example")
    clerk = onboarding.invite_user(
        session, OPERATOR, email="clerk@a.example", enterprise_id=world.merchant.id
    )
    onboarding.accept_invitation(session, clerk.token, name="店员", password=GOOD)
    session.commit()
    victim = app.test_client()
    assert sign_in(victim, "clerk@a.example", GOOD).status_code == 302
    assert victim.get("/account").status_code == 200
    sign_in(client, "staff@a.example", "password1")
    answer = post(client, "/account/users/active", {"user_id": clerk.user.id, "active": 0}, "/account/users")
    assert answer.status_code == 303
    assert victim.get("/account").status_code == 302  # back to the login form
    refused = sign_in(app.test_client(), "clerk@a.example", GOOD)
    assert refused.status_code == 200 and "Wrong e-mail or password" in refused.get_data(as_text=True)
    own = post(
        client,
        "/account/users/active",
        {"user_id": world.merchant_staff.user_id, "active": 0},
        "/account/users",
    )
    assert own.status_code == 409  # nobody disables themselves


# --- one's own account -------------------------------------------------------------------------------


def test_changing_the_password_signs_out_other_devices_only(
    client: FlaskClient, app: Any, session: Session, world: World
) -> None:
    other_device = app.test_client()
    sign_in(other_device, "staff@a.example", "password1")
    sign_in(client, "staff@a.example", "password1")
    wrong = post(client, "/account", {"current": "nope", "password": GOOD, "confirm": GOOD})
    assert wrong.status_code == 400 and "current password is wrong" in wrong.get_data(as_text=True)
    weak = post(
        client, "/account", {"current": "password1", "password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"}
    )
    assert weak.status_code == 400
    done = post(client, "/account", {"current": "password1", "password": GOOD, "confirm": GOOD})
    assert done.status_code == 303
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302
    assert sign_in(app.test_client(), "staff@a.example", GOOD).status_code == 302


def test_account_pages_need_a_sign_in(client: FlaskClient, world: World) -> None:
    for path in ("/account", "/account/tokens", "/account/users"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]


# --- API tokens --------------------------------------------------------------------------------------


def _token(answer: Any) -> str:
    found = re.search(r'data-test="token-value">([^<]+)<', answer.get_data(as_text=True))
    assert found
    return found.group(1)


def test_tokens_are_shown_once_scoped_and_revocable(
    client: FlaskClient, session: Session, world: World
) -> None:
    sign_in(client, "staff@a.example", "password1")
    made = post(client, "/account/tokens", {"name": "报表", "scope": "read"})
    assert made.status_code == 201
    plain = _token(made)
    listing = client.get("/account/tokens", headers=EN).get_data(as_text=True)
    assert plain not in listing and plain[:10] in listing and "read only" in listing
    bearer = {"Authorization": f"Bearer {plain}"}
    assert client.application.test_client().get("/api/v1/me", headers=bearer).status_code == 200
    write = client.application.test_client().post("/api/v1/products", json={}, headers=bearer)
    assert write.status_code == 403 and write.json["error"]["code"] == "read_only_token"

    token_id = int(re.findall(r'name="token_id" value="(\d+)"', listing)[0])
    others = make_world_b_token(session, world)
    assert post(client, "/account/tokens/revoke", {"token_id": others}, "/account/tokens").status_code == 404
    revoked = post(client, "/account/tokens/revoke", {"token_id": token_id}, "/account/tokens")
    assert revoked.status_code == 303
    assert client.application.test_client().get("/api/v1/me", headers=bearer).status_code == 401


def make_world_b_token(session: Session, world: World) -> int:
    """The id of merchant B's token (issued by make_world)."""
    from suyuan.trace.model import ApiToken

    found = session.scalar(select(ApiToken.id).where(ApiToken.user_id == world.merchant_b_staff.user_id))
    assert found is not None
    return found


def test_a_write_token_may_write(client: FlaskClient, world: World) -> None:
    sign_in(client, "staff@a.example", "password1")
    plain = _token(post(client, "/account/tokens", {"name": "ERP", "scope": "write"}))
    answer = client.application.test_client().post(
        "/api/v1/products", json={}, headers={"Authorization": f"Bearer {plain}"}
    )
    assert answer.status_code not in (401, 403)


def test_a_hostile_token_name_is_refused(client: FlaskClient, session: Session, world: World) -> None:
    sign_in(client, "staff@a.example", "password1")
    before = audit_count(session)
    assert post(client, "/account/tokens", {"name": "x\ty", "scope": "write"}).status_code == 400
    assert post(client, "/account/tokens", {"name": "x" * 101, "scope": "write"}).status_code == 400
    assert post(client, "/account/tokens", {"name": "ok", "scope": "root"}).status_code == 400
    assert audit_count(session) == before
