"""The packing station in a real browser: a warehouse worker scans the units of a customs order.

The sample order is matched (399). The worker opens it from the queue and types code URLs into each line's
box, each followed by Enter, as a keyboard-wedge scanner does: Enter starts a new line and never submits,
each scan is checked on the spot (``static/packing_scan.js``, through the JSON API): a unit of the wrong
product is refused with the red cue and taken out of the box, the right ones get the green cue; the
release writes the order off. A second worker packs a line with the station's camera instead (the fake
video technique of tests/browser/test_camera_scanner.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.model import CebInventory, ExitDeclaration, ExitStatus
from tests.browser.test_camera_scanner import camera_browser, camera_page, label_frame, write_y4m
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


def test_a_line_is_packed_by_the_camera_and_a_wrong_unit_in_view_is_refused_once(
    live_server: str, session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    """The cream line is scanned with the station's camera: the fake camera shows a milk tin (the wrong
    product for that line), then the cream jar, again and again. The milk code is refused once with the
    red cue and not taken again while in view; the cream code goes into the line's box, is accepted with
    the green cue, and the order is released with it."""
    cw = make_ceb_world(session, runtime.ring)
    the_three(session)
    assert send(session, sample("CEB621Message.xml")).status == 399
    inventory = session.scalars(select(CebInventory)).one()
    wrong, right = cw.milk_urls[5], cw.cream_urls[0]
    video = write_y4m(tmp_path / "parcel.y4m", [label_frame(wrong)] * 5 + [label_frame(right)] * 5)

    with camera_browser(video) as browser:
        page, requested = camera_page(browser, live_server, DESKTOP)
        page.goto(live_server + "/login")
        page.fill("input[name=email]", "packer@warehouse.example")
        page.fill("input[name=password]", "password1")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(live_server + f"/merchant/packing/{inventory.id}")
        page.locator("[data-test=codes-1]").click()
        for url in cw.milk_urls[:2]:  # the milk line by the keyboard wedge, as before
            page.keyboard.type(url)
            page.keyboard.press("Enter")
        page.locator("[data-test=results-1] [data-test=scan-result][data-ok=true]").nth(1).wait_for()

        camera = page.locator("[data-test=scanner-2]")
        assert camera.locator("[data-scanner-start]").inner_text() == "用摄像头扫码"
        assert not camera.locator("[data-scanner-stop]").is_visible()  # until the camera is open
        camera.locator("[data-scanner-start]").click()
        accepted = page.locator("[data-test=results-2] [data-test=scan-result][data-ok=true]")
        refused = page.locator("[data-test=results-2] [data-test=scan-result][data-ok=false]")
        try:
            accepted.wait_for(timeout=30000)
            refused.wait_for(timeout=10000)
        except Exception as timeout:
            said = camera.locator("[data-scanner-status]").inner_text()
            raise AssertionError(
                f"the camera's codes were not checked; the scanner says {said!r}"
            ) from timeout
        page.wait_for_timeout(4000)  # both labels pass the camera again, past the scanner's 3 s dedupe
        assert refused.count() == 1 and "商品不符" in refused.inner_text()
        assert accepted.count() == 1
        box = page.locator("[data-test=codes-2]")
        assert [ln for ln in box.input_value().splitlines() if ln.strip()] == [right]
        assert camera.locator("[data-scanner-video]").is_visible()  # continuous: still scanning
        camera.locator("[data-scanner-stop]").click()
        assert not camera.locator("[data-scanner-video]").is_visible()
        assert camera.locator("[data-scanner-start]").is_visible()
        assert not camera.locator("[data-scanner-stop]").is_visible()
        _shot(page, "packing-3-camera")

        page.click("[data-test=release]")
        page.wait_for_load_state()
        assert page.locator("[data-test=inventory-status]").get_attribute("data-status") == "800"
        assert all(u.startswith(live_server) for u in requested), "a request left the site"
    session.expire_all()
    packed = session.get(CebInventory, inventory.id)
    assert packed is not None and packed.lines[1]["codes"] == [right]
