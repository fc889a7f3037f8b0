"""Recall pages: the consumer notice in both languages, the public board, the office and merchant desks."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import audit, recalls, risk_warnings
from suyuan.trace.model import AuditEntry, BatchStatus, LedgerEntry, Recall, RecallStatus, RiskWarning
from suyuan.trace.risk_warnings import WarningFiling
from tests.factories import code_urls, make_batch, make_world, make_zone_batch

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def login(app: Flask, client: FlaskClient, email: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True  # every post below must carry the form's token


def token(page: str, prefix: str) -> str:
    found = re.search(rf'name="{prefix}-csrf_token"[^>]*value="([^"]+)"', page)
    assert found, f"no {prefix} form on the page"
    return found.group(1)


def written(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (Recall, AuditEntry, LedgerEntry, RiskWarning)
    )


def test_the_scan_page_shows_kind_reason_and_instructions_in_the_pages_language(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=2)
    only_zh = make_batch(session, world, runtime.ring, count=1)
    recalls.open_recall(
        session,
        world.regulator,
        batch.id,
        "recall",
        "检出沙门氏菌 / salmonella",
        "请停止食用，退回购买平台",
        instructions_en="Stop eating it; return it to the platform",
    )
    recalls.open_recall(
        session, world.merchant_staff, only_zh.id, "stop_sale", "标签错误", "暂停销售，请勿购买"
    )
    session.commit()
    url = path_of(code_urls(session, runtime.ring, batch)[0])
    zh = client.get(url).data.decode()
    assert 'data-verdict="recalled"' in zh and 'data-kind="recall"' in zh and "召回通知" in zh
    assert "检出沙门氏菌 / salmonella" in zh and "请停止食用，退回购买平台" in zh and "Stop eating" not in zh
    en = client.get(url + "&lang=en").data.decode()
    assert (
        "Recall notice" in en and "Stop eating it; return it to the platform" in en and "请停止食用" not in en
    )
    assert "Ordered by the inspection office." in en
    fallback = client.get(path_of(code_urls(session, runtime.ring, only_zh)[0]) + "&lang=en")
    page = fallback.data.decode()
    assert 'data-kind="stop_sale"' in page and "Stop-sale notice" in page and "暂停销售，请勿购买" in page
    assert "Announced by the merchant." in page
    assert fallback.headers["Cache-Control"] == "no-store"


def test_recall_texts_are_escaped_on_the_scan_page_and_the_notice_board(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    recalls.open_recall(session, world.regulator, batch.id, "recall", XSS, XSS, instructions_en=XSS)
    risk_warnings.publish_warning(session, world.regulator, WarningFiling("danger", XSS, XSS, XSS, XSS))
    session.commit()
    for path in (path_of(code_urls(session, runtime.ring, batch)[0]), "/notices", "/notices?lang=en"):
        page = client.get(path).data.decode()
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page, path


def test_the_public_notice_board_lists_active_warnings_and_open_recalls(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    lifted = make_batch(session, world, runtime.ring, count=1)
    recalls.open_recall(
        session, world.regulator, batch.id, "recall", "霉变", "退货", instructions_en="Return it"
    )
    stop = recalls.open_recall(session, world.regulator, lifted.id, "stop_sale", "待查")
    recalls.lift_stop_sale(session, world.regulator, stop.id, "查无问题")
    gone = risk_warnings.publish_warning(session, world.regulator, WarningFiling("notice", "旧提示", "旧"))
    risk_warnings.withdraw_warning(session, world.regulator, gone.id)
    risk_warnings.publish_warning(
        session,
        world.regulator,
        WarningFiling("danger", "电热水壶起火", "立即停用", "Kettles catch fire", "Stop"),
    )
    session.commit()
    zh = client.get("/notices").data.decode()
    assert "电热水壶起火" in zh and "旧提示" not in zh and batch.lot in zh and lifted.lot not in zh
    assert "退货" in zh and batch.gtin in zh
    en = client.get("/notices?lang=en").data.decode()
    assert "Kettles catch fire" in en and "Return it" in en and "Recalls and risk warnings" in en
    assert 'href="/notices"' in client.get("/").data.decode()


def test_the_office_orders_a_recall_with_a_form_and_csrf_is_required(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=3)
    url = path_of(code_urls(session, runtime.ring, batch)[0])
    login(app, client, "officer@test.example")
    page = client.get("/regulator/recalls").data.decode()
    assert f'value="{batch.id}"' in page
    form = {"recall-batch_id": batch.id, "recall-kind": "recall", "recall-reason": "铅超标"}
    before = written(session)
    assert client.post("/regulator/recalls", data=form).status_code == 400  # no CSRF token
    assert written(session) == before
    form |= {"recall-csrf_token": token(page, "recall"), "recall-instructions": "停止使用"}
    form |= {"recall-instructions_en": "Stop using it"}
    confirm = client.post("/regulator/recalls", data=form)  # the desk confirms before deciding too
    assert confirm.status_code == 200 and 'data-test="confirm"' in confirm.data.decode()
    assert "确认召回或停售" in confirm.data.decode() and written(session) == before
    assert client.get(url, headers={"Accept": "application/json"}).json["verdict"] != "recalled"
    form |= {"recall-confirmed": "yes"}
    response = client.post("/regulator/recalls", data=form)
    assert response.status_code == 303
    assert client.get(url, headers={"Accept": "application/json"}).json["verdict"] == "recalled"
    listing = client.get("/regulator/recalls").data.decode()  # the flash was translated when posted
    assert "铅超标" in listing and "措施已生效" in listing
    assert "Order a recall or stop-sale" in client.get("/regulator/recalls?lang=en").data.decode()
    again = client.post("/regulator/recalls", data=form)
    assert again.status_code == 409 and "already recalled" in again.data.decode()
    assert client.get("/merchant/recalls").status_code == 403


def test_the_office_lifts_a_stop_sale_and_closes_a_recall_on_the_recall_page(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    stopped = make_batch(session, world, runtime.ring, count=1)
    recalled = make_zone_batch(session, world, runtime.ring, quantity=4)
    stop = recalls.open_recall(session, world.merchant_staff, stopped.id, "stop_sale", "待检")
    recall = recalls.open_recall(session, world.regulator, recalled.id, "recall", "霉变")
    url = path_of(code_urls(session, runtime.ring, stopped)[0])
    session.commit()
    login(app, client, "officer@test.example")
    page = client.get(f"/regulator/recalls/{stop.id}").data.decode()
    assert 'data-test="lift-form"' in page and 'data-test="notifications"' in page
    lifted = client.post(
        f"/regulator/recalls/{stop.id}/lift",
        data={"note-csrf_token": token(page, "note"), "note-note": "合格"},
    )
    assert lifted.status_code == 303
    assert client.get(url, headers={"Accept": "application/json"}).json["verdict"] == "genuine"
    page = client.get(f"/regulator/recalls/{recall.id}").data.decode()
    destroy = {"destroy-csrf_token": token(page, "destroy"), "destroy-recall_id": recall.id}
    before = written(session)
    too_many = client.post(
        f"/regulator/recalls/{recall.id}/destruction",
        data=destroy | {"destroy-quantity": 5, "destroy-reason": "焚烧"},
    )
    assert too_many.status_code == 409 and "超过区内结存" in too_many.data.decode()  # said in Chinese
    assert written(session) == before
    done = client.post(
        f"/regulator/recalls/{recall.id}/destruction",
        data=destroy | {"destroy-quantity": 4, "destroy-reason": "焚烧"},
    )
    assert done.status_code == 303
    closed = client.post(
        f"/regulator/recalls/{recall.id}/close",
        data={"note-csrf_token": token(page, "note"), "note-note": "全部销毁"},
    )
    assert closed.status_code == 303
    session.expire_all()
    assert session.get(Recall, recall.id).status is RecallStatus.CLOSED  # type: ignore[union-attr]
    assert "全部销毁" in client.get(f"/regulator/recalls/{recall.id}").data.decode()
    assert audit.verify_chain(session).ok


def test_a_merchant_recalls_its_own_batches_only_and_records_destruction(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    mine = make_zone_batch(session, world, runtime.ring, quantity=3)
    theirs = make_batch(session, world, runtime.ring, count=1, owner="merchant_b")
    their_recall = recalls.open_recall(session, world.merchant_b_staff, theirs.id, "recall", "theirs")
    session.commit()
    login(app, client, "staff@a.example")
    page = client.get("/merchant/recalls").data.decode()
    assert f'value="{mine.id}"' in page and f'value="{theirs.id}"' not in page and "theirs" not in page
    form = {
        "recall-csrf_token": token(page, "recall"),
        "recall-kind": "recall",
        "recall-reason": "包装破损",
        "recall-confirmed": "yes",
    }
    before = written(session)
    refused = client.post("/merchant/recalls", data=form | {"recall-batch_id": theirs.id})
    assert refused.status_code == 404 and written(session) == before
    assert client.post("/merchant/recalls", data=form | {"recall-batch_id": mine.id}).status_code == 303
    session.expire_all()
    assert mine.status is BatchStatus.RECALLED
    (own,) = [r for r in session.scalars(select(Recall).filter_by(batch_id=mine.id))]
    assert own.voluntary
    page = client.get("/merchant/recalls").data.decode()
    destroy = {
        "destroy-csrf_token": token(page, "destroy"),
        "destroy-recall_id": own.id,
        "destroy-reason": "销毁",
    }
    assert (
        client.post("/merchant/recalls/destruction", data=destroy | {"destroy-quantity": 9}).status_code
        == 409
    )
    assert (
        client.post("/merchant/recalls/destruction", data=destroy | {"destroy-quantity": 3}).status_code
        == 303
    )
    assert client.get(f"/merchant/recalls/{their_recall.id}").status_code == 404
    stolen = client.post(
        "/merchant/recalls/destruction",
        data=destroy | {"destroy-recall_id": their_recall.id, "destroy-quantity": 1},
    )
    assert stolen.status_code == 404
    assert 'data-test="notifications"' in client.get(f"/merchant/recalls/{own.id}").data.decode()
    assert client.get("/regulator/recalls").status_code == 403


def test_the_office_publishes_and_withdraws_warnings_that_merchants_see(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    login(app, client, "officer@test.example")
    page = client.get("/regulator/warnings").data.decode()
    form = {
        "warning-csrf_token": token(page, "warning"),
        "warning-level": "danger",
        "warning-title": "假冒面霜",
        "warning-body": "含汞",
        "warning-title_en": "Fake face cream",
    }
    assert client.post("/regulator/warnings", data=form | {"warning-hs_prefix": "x"}).status_code == 400
    assert written(session)[3] == 0
    assert client.post("/regulator/warnings", data=form).status_code == 303
    listing = client.get("/regulator/warnings?lang=en").data.decode()
    assert "Fake face cream" in listing and 'data-test="withdraw"' in listing
    (warning,) = session.scalars(select(RiskWarning)).all()
    assert client.post(f"/regulator/warnings/{warning.id}/withdraw").status_code == 400
    withdraw_token = token(listing, f"withdraw{warning.id}")
    withdrawn = client.post(
        f"/regulator/warnings/{warning.id}/withdraw",
        data={f"withdraw{warning.id}-csrf_token": withdraw_token},
    )
    assert withdrawn.status_code == 303
    assert "假冒面霜" not in client.get("/notices").data.decode()
    client.post("/logout", data={"csrf_token": withdraw_token})
    login(app, client, "staff@a.example")
    assert client.get("/regulator/warnings").status_code == 403
    risk_warnings.publish_warning(session, world.regulator, WarningFiling("warning", "新提示", "注意"))
    session.commit()
    assert "新提示" in client.get("/merchant/recalls").data.decode()
