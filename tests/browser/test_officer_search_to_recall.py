"""The officer's desk in a real browser: a complaint reference in the search box, the trace, a recall.

An officer holding only the consumer's complaint reference (``TS-…``) types it into the console's
search box, lands on the batch's trace page, orders a recall from it (the batch already chosen), sees
the confirmation page, confirms, and lands on the recall; the consumer's scan now says ``recalled``.
Everything works without JavaScript and without a Content-Security-Policy violation.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import complaints
from suyuan.trace.model import Recall
from tests.factories import code_urls, make_world, make_zone_batch

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def test_a_complaint_reference_finds_the_batch_and_the_recall_is_confirmed(
    browser: Any, live_server: str, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10, lot="L2611S")
    url = code_urls(session, runtime.ring, batch, 4, 4)[0]
    complaint = complaints.file_complaint(
        session, runtime.ring, url, "suspected_fake", "标签模糊，疑似假冒。"
    )
    session.commit()

    officer = browser.new_context(**DESKTOP).new_page()
    officer.goto(live_server + "/login")
    officer.fill("input[name=email]", "officer@test.example")
    officer.fill("input[name=password]", "password1")
    officer.click("button[type=submit]")
    officer.wait_for_load_state()
    officer.goto(live_server + "/regulator/")
    officer.fill("[data-test=trace-form] input[name=q]", complaint.reference.lower())
    officer.click("[data-test=trace-form] button[type=submit]")
    officer.wait_for_load_state()
    assert urlsplit(officer.url).path == f"/regulator/trace/batch/{batch.id}"
    assert officer.locator("[data-test=batch-status]").get_attribute("data-status") == "released"

    officer.click("[data-test=action-recall]")
    officer.wait_for_load_state()
    form = officer.locator("[data-test=recall-form]")
    assert batch.lot in officer.locator("[data-test=action-batch]").inner_text()
    form.locator("select[name$=kind]").select_option("recall")
    form.locator("textarea[name=recall-reason]").fill("疑似混入仿冒品")
    form.locator("textarea[name=recall-instructions]").fill("请停止使用，联系购买平台退货")
    form.locator("button[type=submit]").click()
    officer.wait_for_load_state()
    assert officer.locator("[data-test=confirm]").is_visible()
    session.expire_all()
    assert session.scalar(select(Recall.id)) is None  # nothing before the confirmation
    officer.click("[data-test=confirm-button]")
    officer.wait_for_load_state()
    recall_id = session.scalar(select(Recall.id).filter_by(batch_id=batch.id))
    assert recall_id is not None and urlsplit(officer.url).path == f"/regulator/recalls/{recall_id}"

    consumer = browser.new_context(locale="zh-CN").new_page()
    parts = urlsplit(url)
    consumer.goto(f"{live_server}{parts.path}?{parts.query}")
    assert consumer.locator("[data-verdict]").get_attribute("data-verdict") == "recalled"
