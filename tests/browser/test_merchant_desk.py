"""The merchant's desk in a real browser: issue codes, print with proof, declare an exit by scanning.

The merchant signs in, issues 10 more codes for a released zone batch (and sees the new serial range),
runs the print proof from the labels page (and sees "已校验 N/N 个码" on the page), then declares an
order's exit by typing two code URLs into the code box each followed by Enter, as a keyboard-wedge
scanner does — Enter must start a new line, not submit — and sees the order written off.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from tests.browser.test_complaint_to_recall import DESKTOP, _shot
from tests.factories import code_urls, id_number, make_world, make_zone_batch


def test_a_merchant_issues_codes_proves_labels_and_declares_an_exit_by_scanning(
    browser: Any, live_server: str, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=40, codes=20, lot="L2612S")
    page = browser.new_context(**DESKTOP).new_page()
    page.goto(live_server + "/login")
    page.fill("input[name=email]", "staff@a.example")
    page.fill("input[name=password]", "password1")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server}/merchant/batches/{batch.id}")
    page.fill("[data-test=count]", "10")
    page.click("[data-test=issue]")
    page.wait_for_load_state()
    assert "已签发序号 21–30（共 10 个码）" in page.locator("[data-test=flash]").inner_text()
    _shot(page, "desk-1-codes-issued")

    page.goto(f"{live_server}/merchant/labels?batch={batch.id}&first=21&last=30")
    page.click("[data-test=prove]")
    page.wait_for_load_state()
    result = page.locator("[data-test=proof-result]")
    assert result.get_attribute("data-passed") == "yes"
    assert "已校验 10/10 个码" in result.inner_text()
    assert page.locator("[data-test=proved-download]").is_visible()
    _shot(page, "desk-2-print-proof")

    urls = code_urls(session, runtime.ring, batch, 21, 22)
    page.goto(live_server + "/merchant/exits/new")
    page.fill("[data-test=order-no]", "QH-BROWSER-1")
    page.fill("[data-test=payment-ref]", "ALIPAY-77")
    page.fill("[data-test=waybill-no]", "SF-77")
    page.fill("[data-test=payment-amount]", "596.00")
    page.fill("[data-test=buyer-id]", id_number(77))
    page.fill("[data-test=buyer-name]", "陈小红")
    line = page.locator("[data-test=exit-line]").first
    line.locator("select").select_option(str(batch.id))
    line.locator("[data-test=quantity]").fill("2")
    line.locator("[data-test=unit-price]").fill("298.00")
    codes = line.locator("[data-test=codes]")
    codes.click()
    for url in urls:  # a keyboard-wedge scanner: the characters, then Enter
        page.keyboard.type(url)
        page.keyboard.press("Enter")
    assert page.url.endswith("/merchant/exits/new")  # Enter did not submit the form
    assert [ln for ln in codes.input_value().splitlines() if ln] == urls
    assert "已扫描 2 个码" in line.inner_text()
    _shot(page, "desk-3-exit-scanned")
    page.click("[data-test=declare-exit]")
    page.wait_for_load_state()
    status = page.locator("[data-test=exit-status]")
    assert status.get_attribute("data-status") == "written_off"
    assert "已放行并核销" in status.inner_text()
    _shot(page, "desk-4-exit-written-off")
