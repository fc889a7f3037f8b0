"""The platform's read-only view on the web: the page ``/merchant/platform`` and the API's overview.

In both (``GET /api/v1/platform/overview`` for the API) a platform's staff see the admission decisions,
recalls, warnings and complaints of the goods sold on it, in Chinese, in Beijing time, without a
complainant's contact; another platform sees its own goods only; staff of a merchant, a warehouse or an
office are refused; and the platform can act on none of it.
World: tests/trace/platform_world.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import accounts
from suyuan.trace.actors import OPERATOR
from suyuan.trace.model import AuditEntry, Complaint, Recall, TokenScope
from suyuan.web.display import beijing
from tests.page_crawl import Crawl, Page, leaks, read_page
from tests.trace.platform_world import Q_ORDER, PlatformWorld, make_platform_world

ZH = {"Accept-Language": "zh-CN"}
P_STAFF, Q_STAFF = "ops@platform.example", "ops@q-platform.example"


@pytest.fixture
def pw(session: Session, runtime: Runtime) -> PlatformWorld:
    return make_platform_world(session, runtime.ring)


def login(app: Flask, client: FlaskClient, email: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def bearer(session: Session, user_id: int | None, scope: str = "write") -> dict[str, str]:
    assert user_id is not None
    secret = accounts.issue_token(session, OPERATOR, user_id, "test", scope=TokenScope(scope))[1]
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- the page ------------------------------------------------------------------------------------------


def test_the_platform_page_shows_its_goods_in_chinese_and_beijing_time(
    app: Flask, client: FlaskClient, pw: PlatformWorld
) -> None:
    login(app, client, P_STAFF)
    page = client.get("/merchant/platform", headers=ZH)
    assert page.status_code == 200
    html = page.text
    recall, complaint = pw.recalls["cream"], pw.complaints["cream"]
    assert f'data-recall="{recall.id}"' in html and f'data-recall="{pw.recalls["honey"].id}"' not in html
    assert f'data-recall="{pw.recalls["unsold"].id}"' not in html
    assert f'data-complaint="{complaint.id}"' in html and pw.inventory.order_no in html
    assert f'data-complaint="{pw.complaints["milk"].id}"' not in html
    assert "c@x.cn" not in html  # the complainant's contact is not the platform's
    assert (
        f'data-product="{pw.cw.cream.id}"' in html
        and f'data-product="{pw.honey_batch.product_id}"' not in html
    )
    assert beijing(recall.opened_at) in html and "召回" in html and "已准入" in html
    assert "订单回执" in html and "清单回执" in html and "已放行" in html
    assert 'data-test="units-sold-here">1<' in html
    text, _links = read_page(html)
    found = [str(leak) for leak in leaks(Crawl("platform", [Page("/merchant/platform", 200, text)]))]
    assert not found, found
    assert "<form" not in html.split('data-test="platform-view"', 1)[1]  # nothing to act on


def test_another_platform_sees_its_own_goods_only(app: Flask, client: FlaskClient, pw: PlatformWorld) -> None:
    login(app, client, Q_STAFF)
    html = client.get("/merchant/platform", headers=ZH).text
    assert f'data-recall="{pw.recalls["honey"].id}"' in html
    assert f'data-recall="{pw.recalls["cream"].id}"' not in html
    assert 'data-test="no-complaints"' in html and pw.inventory.order_no not in html
    assert Q_ORDER in html  # its own order's receipt


@pytest.mark.parametrize(
    "email",
    ["staff@a.example", "staff@b.example", "packer@warehouse.example"],
    ids=["seller", "other", "warehouse"],
)
def test_staff_of_other_enterprises_get_a_403_page(
    app: Flask, client: FlaskClient, pw: PlatformWorld, email: str
) -> None:
    login(app, client, email)
    page = client.get("/merchant/platform", headers=ZH)
    assert page.status_code == 403 and "电商平台企业" in page.text
    assert pw.inventory.order_no not in page.text


def test_the_menu_offers_the_page_to_a_platforms_staff_only(
    app: Flask, client: FlaskClient, pw: PlatformWorld
) -> None:
    login(app, client, P_STAFF)
    assert 'href="/merchant/platform"' in client.get("/merchant/packing", headers=ZH).text
    client.get("/logout")
    client.post("/logout")
    seller = app.test_client()
    login(app, seller, "staff@a.example")
    assert 'href="/merchant/platform"' not in seller.get("/merchant/packing", headers=ZH).text


# --- the API -------------------------------------------------------------------------------------------


def test_the_overview_answers_what_was_sold_on_the_callers_platform(
    client: FlaskClient, session: Session, pw: PlatformWorld
) -> None:
    p = client.get("/api/v1/platform/overview", headers=bearer(session, pw.cw.platform_staff.user_id, "read"))
    assert p.status_code == 200
    body = p.json
    assert body["platform"] == {"id": pw.cw.platform.id, "name": pw.cw.platform.name}
    assert {a["product_id"] for a in body["admissions"]} == {pw.cw.milk.id, pw.cw.cream.id}
    assert [(r["id"], r["units_sold_here"]) for r in body["recalls"]] == [(pw.recalls["cream"].id, 1)]
    assert {w["id"] for w in body["warnings"]} == {pw.warnings["cream"].id, pw.warnings["milk"].id}
    [complaint] = body["complaints"]
    assert complaint["order_no"] == pw.inventory.order_no and "contact" not in complaint
    assert "c@x.cn" not in p.text and "internal_reason" not in p.text
    q = client.get("/api/v1/platform/overview", headers=bearer(session, pw.q_staff.user_id)).json
    assert [r["id"] for r in q["recalls"]] == [pw.recalls["honey"].id] and q["complaints"] == []


@pytest.mark.parametrize("who", ["merchant", "merchant_b", "regulator"])
def test_the_overview_is_refused_to_anyone_but_a_platforms_staff(
    client: FlaskClient, pw: PlatformWorld, who: str
) -> None:
    answer = client.get(
        "/api/v1/platform/overview", headers={"Authorization": f"Bearer {pw.cw.world.tokens[who]}"}
    )
    assert answer.status_code == 403 and answer.json["error"]["code"] == "forbidden"
    assert client.get("/api/v1/platform/overview").status_code == 401


def _attempts(pw: PlatformWorld) -> list[tuple[str, dict[str, Any]]]:
    cream = pw.cw.cream_batch
    return [
        (f"/api/v1/batches/{cream.id}/recall", {"kind": "recall", "reason": "平台自行召回"}),
        (f"/api/v1/recalls/{pw.recalls['cream'].id}/close", {"note": "平台关闭"}),
        (f"/api/v1/complaints/{pw.complaints['cream'].id}/answer", {"text": "平台的答复，不应被接受。"}),
        (f"/api/v1/products/{pw.cw.cream.id}/admission", {"admit": False, "reason": "平台拒绝"}),
    ]


def test_seeing_is_not_acting_every_write_on_what_it_sees_is_refused(
    client: FlaskClient, session: Session, pw: PlatformWorld
) -> None:
    headers = bearer(session, pw.cw.platform_staff.user_id)
    before = (count(session, AuditEntry), count(session, Recall))
    statuses = []
    for path, body in _attempts(pw):
        answer = client.post(path, json=body, headers=headers)
        statuses.append(answer.status_code)
    assert all(s in (403, 404) for s in statuses), statuses
    assert (count(session, AuditEntry), count(session, Recall)) == before
    complaint = session.get(Complaint, pw.complaints["cream"].id)
    assert complaint is not None and complaint.status.value == "received"
