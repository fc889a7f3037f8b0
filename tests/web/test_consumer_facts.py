"""What the consumer reads around a verdict: facts in Beijing time and by country name, the scan-count
warning, the product link, risk warnings, the public recall notice (never the internal reason), the
stop-sale headline; and error pages in Chinese."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import recalls, risk_warnings
from suyuan.trace.risk_warnings import WarningFiling
from tests.factories import code_urls, make_batch, make_world

EN = {"Accept-Language": "en"}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_the_scan_page_says_how_often_and_since_when_in_beijing_time_and_names_the_country(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    url = path_of(code_urls(session, runtime.ring, batch)[0])
    first = client.get(url).data.decode()
    assert "您是第 1 次查询此码" in first and "新西兰" in first and ">NZ<" not in first
    second = client.get(url).data.decode()
    assert "您是第 2 次查询，首次查询时间" in second and "（北京时间）；如非本人查询，请谨防假冒" in second
    assert "UTC" not in second
    assert f'href="/01/{batch.gtin}#certification"' in second
    english = client.get(url, headers=EN).data.decode()
    assert "New Zealand" in english and "Beijing time" in english


def test_times_are_shown_in_beijing_time(app: Flask) -> None:
    from datetime import UTC, datetime

    from suyuan.web.display import beijing, beijing_date

    assert beijing(datetime(2026, 12, 31, 17, 30, tzinfo=UTC)) == "2027-01-01 01:30"
    assert beijing_date("2026-12-31T16:00:00+00:00") == "2027-01-01"
    assert beijing(None) == "-"


def test_risk_warnings_covering_the_product_are_on_its_scan_page_in_the_readers_language(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    filing = WarningFiling(
        "warning", "警惕仿冒奶粉标签", "请扫码核验。", "Beware of fake labels", "Scan first.", "1901"
    )
    risk_warnings.publish_warning(session, world.regulator, filing)
    session.commit()
    url = path_of(code_urls(session, runtime.ring, batch)[0])
    assert "警惕仿冒奶粉标签" in client.get(url).data.decode()
    assert "Beware of fake labels" in client.get(url, headers=EN).data.decode()
    forged = url.replace("/21/1?", "/21/99999?")  # counterfeit: the buyer needs the warning most
    assert "警惕仿冒奶粉标签" in client.get(forged).data.decode()


def test_a_stop_sale_is_headlined_as_such_with_the_public_notice_and_never_the_internal_reason(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    recalls.open_recall(
        session,
        world.regulator,
        batch.id,
        "stop_sale",
        "边角毛刺超标，正在复检。",
        "暂停使用。",
        reason_en="Rough edges; re-testing.",
        instructions_en="Stop using it.",
        internal_reason="投诉 TS-SECRET 引发，内部调查中",
    )
    session.commit()
    url = path_of(code_urls(session, runtime.ring, batch)[0])
    zh = client.get(url).data.decode()
    assert '<h1 data-test="verdict-title">暂停销售</h1>' in zh and "已召回</h1>" not in zh
    assert "边角毛刺超标" in zh and "Rough edges" not in zh and "TS-SECRET" not in zh
    en = client.get(url, headers=EN).data.decode()
    assert "Sales stopped</h1>" in en and "Rough edges; re-testing." in en and "边角毛刺超标" not in en
    assert "TS-SECRET" not in client.get("/notices").data.decode()
    batch_page = client.get(f"/01/{batch.gtin}/10/{batch.lot}").data.decode()
    assert "边角毛刺超标" in batch_page and "TS-SECRET" not in batch_page


def test_the_recall_desk_takes_the_notice_in_two_languages_and_an_internal_reason(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    import re

    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=1)
    app.config["WTF_CSRF_ENABLED"] = False
    assert (
        client.post("/login", data={"email": "officer@test.example", "password": "password1"}).status_code
        == 302
    )
    desk = client.get("/regulator/recalls").data.decode()
    assert (
        'name="recall-reason_en"' in desk and 'name="recall-internal_reason"' in desk and "公开通知" in desk
    )
    form = {
        "recall-batch_id": batch.id,
        "recall-kind": "recall",
        "recall-reason": "铅超标",
        "recall-reason_en": "Too much lead",
        "recall-internal_reason": "实验室报告 LAB-7",
        "recall-confirmed": "yes",
    }
    assert client.post("/regulator/recalls", data=form).status_code == 303
    recall_id = re.search(r'data-recall="(\d+)"', client.get("/regulator/recalls").data.decode())[1]  # type: ignore[index]
    detail = client.get(f"/regulator/recalls/{recall_id}").data.decode()
    assert (
        "LAB-7" in detail
        and "Too much lead" in detail
        and "user:" not in detail
        and "(recalled)" not in detail
    )
    scan = client.get(path_of(code_urls(session, runtime.ring, batch)[0])).data.decode()
    assert "铅超标" in scan and "LAB-7" not in scan


def test_error_pages_are_in_chinese_without_werkzeugs_english(client: FlaskClient) -> None:
    missing = client.get("/no/such/page")
    page = missing.data.decode()
    assert missing.status_code == 404 and "页面不存在" in page and 'data-error="not_found"' in page
    assert "not_found" not in page.replace('data-error="not_found"', "") and "requested URL" not in page
    wrong_method = client.post("/notices")
    assert wrong_method.status_code == 405 or wrong_method.status_code == 400
    assert "Method Not Allowed" not in wrong_method.data.decode() and "CSRF" not in wrong_method.data.decode()
    english = client.get("/no/such/page", headers=EN).data.decode()
    assert "404 · Page not found" in english
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and (api.json or {})["error"]["code"] == "not_found"  # JSON unchanged
