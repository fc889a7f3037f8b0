"""The multi-party flow in a real browser: a consumer complains, the office traces it and recalls the batch.

A consumer scans a genuine code on a phone and files a complaint; an officer signs in, finds the
complaint in the queue, traces it to its batch and orders a recall with instructions; the consumer's
page for the same code now says ``recalled`` with those instructions, in Chinese and in English.
Screenshots of each page are saved under ``build/screenshots/`` (or ``$SUYUAN_ARTEFACTS``) for review.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from tests.factories import code_urls, make_world, make_zone_batch

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
ARTEFACTS = Path(os.environ.get("SUYUAN_ARTEFACTS", Path(__file__).resolve().parents[2] / "build"))
SHOTS = ARTEFACTS / "screenshots"


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_complaint_is_traced_to_its_batch_and_the_recall_reaches_the_consumer(
    browser: Any, live_server: str, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10, lot="L2611Q")
    code = live_server + _path(code_urls(session, runtime.ring, batch, 3, 3)[0])

    consumer = browser.new_context(**PHONE).new_page()
    consumer.goto(code)
    assert consumer.locator("[data-verdict]").get_attribute("data-verdict") == "genuine"
    _shot(consumer, "1-consumer-scan-genuine")
    consumer.select_option("[data-test=complaint-category]", "quality")
    consumer.fill("[data-test=complaint-text]", "奶粉结块，有异味 <script>alert(1)</script>")
    consumer.fill("[data-test=complaint-contact]", "13800000000")
    consumer.click("[data-test=complaint-submit]")
    consumer.wait_for_load_state()
    reference = consumer.locator("[data-test=reference]").inner_text().strip()
    assert reference.startswith("TS-")
    assert consumer.locator("[data-test=status]").get_attribute("data-status") == "received"
    _shot(consumer, "2-consumer-complaint-received")

    officer = browser.new_context(**DESKTOP).new_page()
    officer.on("dialog", lambda dialog: (dialog.dismiss(), pytest_fail_on_dialog(dialog)))
    officer.goto(live_server + "/login")
    officer.fill("input[name=email]", "officer@test.example")
    officer.fill("input[name=password]", "password1")
    officer.click("button[type=submit]")
    officer.wait_for_load_state()
    officer.goto(live_server + "/regulator/complaints")
    _shot(officer, "3-regulator-complaint-queue")
    officer.click(f"text={reference}")
    officer.wait_for_load_state()
    assert "<script>alert(1)</script>" in officer.locator("main").inner_text()  # shown as text, not run
    _shot(officer, "4-regulator-complaint")
    officer.click("a[href*='/regulator/trace/complaint/']")
    officer.wait_for_load_state()
    assert officer.locator("[data-test=batch-status]").get_attribute("data-status") == "released"
    assert reference in officer.locator("[data-test=trace-complaint]").inner_text()
    _shot(officer, "5-regulator-trace")

    officer.goto(live_server + "/regulator/recalls")
    form = officer.locator("[data-test=recall-form]")
    form.locator("select[name$=batch_id]").select_option(str(batch.id))
    form.locator("select[name$=kind]").select_option("recall")
    form.locator("textarea[name$=-reason]").fill("抽检发现阪崎肠杆菌")
    form.locator("textarea[name$=reason_en]").fill("Cronobacter found")
    form.locator("textarea[name$=internal_reason]").fill(f"投诉 {reference} 经溯源确认")
    form.locator("textarea[name$=-instructions]").fill("请停止食用，凭购买记录到原平台退款")
    form.locator("textarea[name$=instructions_en]").fill("Stop using it; the platform refunds you")
    form.locator("button[type=submit]").click()
    officer.wait_for_load_state()
    assert officer.locator("[data-test=confirm]").is_visible()  # nothing in force before this
    officer.click("[data-test=confirm-button]")
    officer.wait_for_load_state()
    _shot(officer, "6-regulator-recall-ordered")

    consumer.goto(code)
    assert consumer.locator("[data-verdict]").get_attribute("data-verdict") == "recalled"
    assert "请停止食用" in consumer.locator("[data-test=recall-instructions]").inner_text()
    _shot(consumer, "7-consumer-scan-recalled-zh")
    consumer.click("[data-test=lang-switch]")
    consumer.wait_for_load_state()
    assert "the platform refunds you" in consumer.locator("[data-test=recall-instructions]").inner_text()
    assert consumer.locator("[data-test=recall-reason]").inner_text() == "Cronobacter found"
    assert reference not in consumer.locator("main").inner_text()  # the internal reason stays internal
    _shot(consumer, "8-consumer-scan-recalled-en")


def pytest_fail_on_dialog(dialog: Any) -> None:
    """An alert() would mean injected script ran: the XSS payload must only ever be text."""
    raise AssertionError(f"a script opened a dialog: {dialog.message}")
