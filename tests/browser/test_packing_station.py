"""The packing station in a real browser: a warehouse worker scans the units of a customs order.

The sample order is matched (399). The worker opens it from the queue and types code URLs into each line's
box, each followed by Enter, as a keyboard-wedge scanner does: Enter starts a new line and never submits,
each scan is checked on the spot (``static/packing_scan.js``, through the JSON API): a unit of the wrong
product is refused with the red cue and taken out of the box, the right ones get the green cue; the
release writes the order off.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.model import CebInventory, ExitDeclaration, ExitStatus
from tests.browser.test_complaint_to_recall import DESKTOP, _shot
from tests.trace.ceb_world import make_ceb_world, sample, send, the_three


def test_a_worker_scans_an_order_a_wrong_unit_is_refused_and_the_order_is_released(
    browser: Any, live_server: str, session: Session, runtime: Runtime
) -> None:
    cw = make_ceb_world(session, runtime.ring)
    the_three(session)
    assert send(session, sample("CEB621Message.xml")).status == 399
    inventory = session.scalars(select(CebInventory)).one()
    page = browser.new_context(**DESKTOP).new_page()
    page.goto(live_server + "/login")
    page.fill("input[name=email]", "packer@warehouse.example")
    page.fill("input[name=password]", "password1")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(live_server + "/merchant/packing")
    page.click(f"text={inventory.order_no}")
    page.wait_for_load_state()
    assert page.url.endswith(f"/merchant/packing/{inventory.id}")

    milk = page.locator("[data-test=codes-1]")
    milk.click()
    page.keyboard.type(cw.cream_urls[0])  # the wrong product for the milk line
    page.keyboard.press("Enter")
    refused = page.locator("[data-test=results-1] [data-test=scan-result][data-ok=false]")
    refused.wait_for()
    assert "bad" in (refused.get_attribute("class") or "") and "商品不符" in refused.inner_text()
    assert cw.cream_urls[0] not in milk.input_value()  # taken out of the box
    for url in cw.milk_urls[:2]:
        page.keyboard.type(url)
        page.keyboard.press("Enter")
    accepted = page.locator("[data-test=results-1] [data-test=scan-result][data-ok=true]")
    accepted.nth(1).wait_for()
    assert accepted.count() == 2 and "ok" in (accepted.first.get_attribute("class") or "")
    page.locator("[data-test=codes-2]").click()
    page.keyboard.type(cw.cream_urls[0])
    page.keyboard.press("Enter")
    page.locator("[data-test=results-2] [data-test=scan-result][data-ok=true]").wait_for()
    assert page.url.endswith(f"/merchant/packing/{inventory.id}")  # Enter never submitted the form
    assert [ln for ln in milk.input_value().splitlines() if ln] == cw.milk_urls[:2]
    _shot(page, "packing-1-scanned")

    page.click("[data-test=release]")
    page.wait_for_load_state()
    status = page.locator("[data-test=inventory-status]")
    assert status.get_attribute("data-status") == "800" and "已放行并核销" in status.inner_text()
    _shot(page, "packing-2-released")
    session.expire_all()
    packed = session.get(CebInventory, inventory.id)
    assert packed is not None and packed.exit_declaration_id is not None
    exit_ = session.get(ExitDeclaration, packed.exit_declaration_id)
    assert exit_ is not None and exit_.status is ExitStatus.WRITTEN_OFF
