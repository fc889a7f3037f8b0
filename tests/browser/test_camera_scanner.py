"""The camera scanner in a real browser, reading labels from a fake camera, with no BarcodeDetector.

Chromium plays a y4m file as its camera (``--use-file-for-fake-video-capture``); the file is made here
from the QR code of a real issued code URL. BarcodeDetector is deleted before any page script runs, as
on iOS Safari, WeChat and desktop browsers, so the codes are read by the vendored zxing-wasm decoder.
Every request must stay on the live server: the decoder is ours, not a CDN's.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, REQUIRED, PolicyWatch
from tests.browser.test_complaint_to_recall import DESKTOP
from tests.factories import code_urls, id_number, make_batch, make_world, make_zone_batch

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "locale": "zh-CN"}
NO_BARCODE_DETECTOR = "delete window.BarcodeDetector; delete Window.prototype.BarcodeDetector;"
SIZE = (640, 480)


def label_frame(text: str) -> Image.Image:
    """A 640×480 camera frame: the QR code of ``text`` on a light label, on a darker desk."""
    symbol = Image.fromarray(zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode).to_image(scale=1))
    side = 320
    qr = symbol.convert("L").resize((side, side), Image.Resampling.NEAREST)
    frame = Image.new("L", SIZE, 90)
    left, top = (SIZE[0] - side) // 2, (SIZE[1] - side) // 2
    frame.paste(Image.new("L", (side + 60, side + 60), 235), (left - 30, top - 30))
    frame.paste(qr, (left, top))
    return frame.rotate(4, fillcolor=90)


def write_y4m(path: Path, frames: list[Image.Image], fps: int = 10) -> Path:
    """A y4m video of the frames (grey: luma from the image, neutral chroma), which chromium loops."""
    width, height = frames[0].size
    chroma = np.full(2 * (width // 2) * (height // 2), 128, dtype=np.uint8).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n" + np.asarray(frame.convert("L"), dtype=np.uint8).tobytes() + chroma)
    return path


@contextmanager
def camera_browser(video: Path) -> Iterator[Any]:
    """Headless chromium whose camera shows ``video`` and whose permission prompts say yes."""
    if not shutil.which(CHROMIUM):
        if REQUIRED:
            pytest.fail(f"SUYUAN_BROWSER_TESTS=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed; set SUYUAN_BROWSER_TESTS=1 in CI")
    from playwright.sync_api import sync_playwright

    camera = (
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*LAUNCH_ARGS, *camera]
        )
        watched = PolicyWatch(instance)
        try:
            yield watched
        finally:
            instance.close()
        assert not watched.violations, "Content-Security-Policy violations:\n" + "\n".join(watched.violations)


def camera_page(browser: Any, live_server: str, options: dict[str, Any]) -> tuple[Any, list[str]]:
    """A page with the camera allowed and no BarcodeDetector, and the list of URLs it requested."""
    context = browser.new_context(**options, permissions=["camera"])
    context.add_init_script(NO_BARCODE_DETECTOR)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    return context.new_page(), requested


def test_the_camera_page_reads_a_label_on_the_device_and_opens_its_verdict(
    live_server: str, session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=3)
    url = code_urls(session, runtime.ring, batch, 2, 2)[0]  # as printed: https://sy.example.cn/01/…
    assert not url.startswith(live_server)
    video = write_y4m(tmp_path / "label.y4m", [label_frame(url)] * 3)

    with camera_browser(video) as browser:
        page, requested = camera_page(browser, live_server, PHONE)
        page.goto(live_server + "/scan")  # the camera may read the label at once: check nothing here
        try:
            page.wait_for_url("**/01/**", timeout=30000)
        except Exception as timeout:  # say what the page said instead of a bare timeout
            said = page.text_content("[data-scanner-status]")
            raise AssertionError(f"no code read; the scanner says {said!r}") from timeout
        page.wait_for_load_state()
        verdict = page.locator("[data-verdict]")
        assert verdict.get_attribute("data-verdict") == "genuine" and "正品" in verdict.inner_text()
        assert batch.product.name in page.content()
        assert page.evaluate("'BarcodeDetector' in window") is False  # as on every page of the context
        assert page.url == live_server + urlsplit(url).path + "?" + urlsplit(url).query  # on our own origin
        assert any(u.endswith("/static/vendor/zxing-wasm/zxing_reader.wasm") for u in requested)
        assert all(u.startswith(live_server) for u in requested), "a request left the site"


def test_the_camera_page_refuses_a_foreign_code_and_keeps_scanning(live_server: str, tmp_path: Path) -> None:
    foreign = "https://sy.example.cn.evil.example/01/09421234560015/10/A/21/1?s=1"
    video = write_y4m(tmp_path / "foreign.y4m", [label_frame(foreign)] * 3)

    with camera_browser(video) as browser:
        page, _ = camera_page(browser, live_server, PHONE)
        page.goto(live_server + "/scan")
        message = page.locator("[data-test=scan-message]")
        message.wait_for(state="visible", timeout=30000)
        assert "这不是溯源码" in message.inner_text()
        assert "微信“扫一扫”" in page.locator("[data-test=direct-hint]").inner_text()
        assert page.evaluate("'BarcodeDetector' in window") is False
        assert page.url == live_server + "/scan"
        assert page.locator("[data-scanner-video]").is_visible()  # the camera keeps going
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the camera page is {width}px wide on a 390px phone"


def test_the_exit_form_scans_units_continuously_from_the_camera(
    live_server: str, session: Session, runtime: Runtime, tmp_path: Path
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10, codes=5, lot="L2612C")
    first, second = code_urls(session, runtime.ring, batch, 3, 4)
    # the camera shows one label for half a second, then the other, and again
    video = write_y4m(tmp_path / "two.y4m", [label_frame(first)] * 5 + [label_frame(second)] * 5)

    with camera_browser(video) as browser:
        page, requested = camera_page(browser, live_server, DESKTOP)
        page.goto(live_server + "/login")
        page.fill("input[name=email]", "staff@a.example")
        page.fill("input[name=password]", "password1")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(live_server + "/merchant/exits/new")
        page.fill("[data-test=order-no]", "QH-CAMERA-1")
        page.fill("[data-test=payment-ref]", "ALIPAY-78")
        page.fill("[data-test=waybill-no]", "SF-78")
        page.fill("[data-test=payment-amount]", "596.00")
        page.fill("[data-test=buyer-id]", id_number(78))
        page.fill("[data-test=buyer-name]", "陈小红")
        line = page.locator("[data-test=exit-line]").first
        line.locator("select").select_option(str(batch.id))
        line.locator("[data-test=quantity]").fill("2")
        line.locator("[data-test=unit-price]").fill("298.00")
        start = line.locator("[data-scanner-start]")
        assert start.inner_text() == "用摄像头扫码"
        start.click()
        codes = line.locator("[data-test=codes]")
        try:
            two_lines = "box => box.value.split('\\n').filter(l => l.trim()).length >= 2"
            page.wait_for_function(two_lines, arg=codes.element_handle(), timeout=30000)
        except Exception as timeout:
            said = line.locator("[data-scanner-status]").inner_text()
            raise AssertionError(f"two codes not read; the scanner says {said!r}") from timeout
        page.wait_for_timeout(1500)  # both labels pass the camera again: no repeats are added
        assert sorted(ln for ln in codes.input_value().splitlines() if ln) == sorted([first, second])
        assert "已扫描 2 个码" in line.inner_text()
        assert line.locator("[data-scanner-video]").is_visible()  # continuous: still scanning
        line.locator("[data-scanner-stop]").click()
        assert not line.locator("[data-scanner-video]").is_visible()
        page.click("[data-test=declare-exit]")
        page.wait_for_load_state()
        assert page.locator("[data-test=exit-status]").get_attribute("data-status") == "written_off"
        assert all(u.startswith(live_server) for u in requested), "a request left the site"
