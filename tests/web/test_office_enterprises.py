"""The office files an enterprise from its desk and invites the enterprise's first administrator at once.

Filing and invitation are one unit of work: a refused filing (a USCC already filed, a bad check
character, no signed commitment) or a refused invitation (an e-mail already taken) writes nothing. The
link is shown once on the answer and lets the invitee become the enterprise's administrator.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.identifiers import complete_uscc
from suyuan.trace.model import AuditEntry, Enterprise, User
from tests.factories import make_world


def login(app: Flask, client: FlaskClient, email: str = "officer@test.example") -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def audit_length(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


USCC = complete_uscc("91440300", "MA5G123X")
WRONG_CHECK = USCC[:-1] + ("0" if USCC[-1] != "0" else "1")


def filing(**overrides: str) -> dict[str, str]:
    data = {
        "kind": "merchant",
        "name": "前海优选跨境贸易有限公司",
        "uscc": USCC,
        "commitment_signed": "y",
        "email": "Boss@Youxuan.example",
        "admin_name": "周经理",
    }
    return data | overrides


def test_an_officer_files_an_enterprise_and_gets_its_administrators_link_once(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    login(app, client)
    answer = client.post("/regulator/enterprises", data=filing())
    assert answer.status_code == 201
    page = answer.get_data(as_text=True)
    link = re.search(r'data-test="invite-link">([^<]+)<', page)
    assert link is not None and "/invite/inv_" in link.group(1)
    enterprise = session.scalar(select(Enterprise).filter_by(name="前海优选跨境贸易有限公司"))
    assert enterprise is not None
    admin = session.scalar(select(User).filter_by(email="boss@youxuan.example"))
    assert admin is not None and admin.admin and admin.enterprise_id == enterprise.id
    listed = client.get("/regulator/enterprises").get_data(as_text=True)
    assert "前海优选跨境贸易有限公司" in listed and "/invite/inv_" not in listed  # the link was shown once
    invitation = client.get("/invite/" + link.group(1).rsplit("/invite/", 1)[1])
    assert "boss@youxuan.example" in invitation.get_data(as_text=True)


def test_a_refused_filing_or_invitation_writes_nothing(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    login(app, client)
    before = audit_length(session)
    refusals = [
        (filing(uscc=world.merchant.uscc), 409),  # already filed
        (filing(uscc=WRONG_CHECK), 400),  # a wrong check character
        (filing(email="staff@a.example"), 409),  # the administrator's e-mail is another's account
        (filing(kind="bank"), 400),
        ({k: v for k, v in filing().items() if k != "commitment_signed"}, 400),
        (filing(name=""), 400),
    ]
    for data, status in refusals:
        answer = client.post("/regulator/enterprises", data=data)
        assert answer.status_code == status, (data, answer.status_code)
        assert 'data-test="error"' in answer.get_data(as_text=True)
    assert audit_length(session) == before


def test_merchants_do_not_file_enterprises(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    login(app, client, "staff@a.example")
    before = audit_length(session)
    answer = client.post("/regulator/enterprises", data=filing())
    assert answer.status_code in (302, 303, 403)
    assert audit_length(session) == before
