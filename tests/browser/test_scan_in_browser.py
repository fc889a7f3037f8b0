"""A consumer opens a code on a phone-sized browser, switches language and claims the item."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.model import Claim
from tests.factories import code_urls, make_batch, make_world

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "locale": "zh-CN"}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_consumer_sees_genuine_then_claims_and_a_copy_turns_suspect(
    browser: Any, live_server: str, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=3)
    code = live_server + _path(code_urls(session, runtime.ring, batch, 1, 1)[0])

    buyer = browser.new_context(**PHONE)
    page = buyer.new_page()
    page.goto(code)
    verdict = page.locator("[data-verdict]")
    assert verdict.get_attribute("data-verdict") == "genuine"
    assert "正品" in verdict.inner_text()
    assert page.locator("[data-test=scan-count]").inner_text().startswith("您是第 1 次查询")
    page.click("[data-test=lang-switch]")
    assert "Genuine" in page.locator("[data-verdict]").inner_text()
    page.click("[data-test=claim]")
    page.wait_for_load_state()
    assert "You registered this item as bought." in page.content()
    box = page.locator("[data-verdict]").bounding_box()
    assert (
        box is not None and box["y"] < 200 and box["width"] <= 390
    )  # the verdict comes first, fits the phone

    claim = session.scalars(select(Claim)).one()
    claim.at -= timedelta(days=2)  # the copy is scanned days after the buyer's claim (docs/codes.md)
    session.commit()
    copycat = browser.new_context(**PHONE).new_page()
    copycat.goto(code)
    assert copycat.locator("[data-verdict]").get_attribute("data-verdict") == "suspect"
    assert copycat.locator("[data-reason=claimed_by_other]").count() == 1
    buyer.close()


def test_a_tampered_code_shows_counterfeit(
    browser: Any, live_server: str, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=3)
    forged = _path(code_urls(session, runtime.ring, batch, 2, 2)[0]).replace("/21/2?", "/21/3?")
    page = browser.new_context(**PHONE).new_page()
    page.goto(live_server + forged)
    assert page.locator("[data-verdict]").get_attribute("data-verdict") == "counterfeit"
    assert page.locator("[data-reason=bad_signature]").count() == 1


def test_camera_page_falls_back_to_a_photo_upload_and_opens_the_one_code_found(
    browser: Any, live_server: str, session: Session, runtime: Runtime, tmp_path: Any
) -> None:
    from tests.scanner.test_scan_verify import photo_of

    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=2)
    url = code_urls(session, runtime.ring, batch, 1, 1)[0]
    photo = tmp_path / "label.jpg"
    photo.write_bytes(photo_of(url))
    page = browser.new_context(**PHONE).new_page()  # no camera here: the upload is the way
    page.goto(live_server + "/")
    page.click("[data-test=scan-link]")
    page.set_input_files("[data-test=photo]", str(photo))
    try:
        page.wait_for_url("**/01/**", timeout=30000)
    except Exception as timeout:  # say what the page said instead of a bare timeout
        said = page.text_content("[data-test=status]")
        raise AssertionError(f"no verdict page; the page says {said!r}") from timeout
    assert page.url == live_server + _path(url)
    verdict = page.locator("[data-verdict]")
    assert verdict.get_attribute("data-verdict") == "genuine" and batch.product.name in page.content()


def test_a_photo_of_several_codes_lists_product_and_verdict_colour(
    browser: Any, live_server: str, session: Session, runtime: Runtime, tmp_path: Any
) -> None:
    from tests.scanner.test_scan_verify import photo_of

    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=2)
    url = code_urls(session, runtime.ring, batch, 1, 1)[0]
    forged = url.replace("/21/1?", "/21/2?")
    photo = tmp_path / "labels.jpg"
    photo.write_bytes(photo_of(url, forged, "https://elsewhere.example/x"))
    page = browser.new_context(**PHONE).new_page()
    page.goto(live_server + "/scan")
    page.set_input_files("[data-test=photo]", str(photo))
    hits = page.locator("[data-test=results] li")
    hits.nth(2).wait_for(timeout=30000)
    by_verdict = {hits.nth(i).get_attribute("data-verdict"): hits.nth(i) for i in range(3)}
    assert set(by_verdict) == {"genuine", "counterfeit", "foreign"}
    genuine, foreign = by_verdict["genuine"], by_verdict["foreign"]
    assert batch.product.name in genuine.inner_text() and "正品" in genuine.inner_text()
    assert "假冒" in by_verdict["counterfeit"].inner_text()
    assert genuine.locator("a").get_attribute("href") == _path(url)
    assert "这不是溯源码" in foreign.inner_text() and foreign.locator("a").count() == 0
    colours = {v: h.evaluate("e => getComputedStyle(e).backgroundColor") for v, h in by_verdict.items()}
    assert colours["genuine"] == "rgb(26, 127, 55)" and colours["counterfeit"] == "rgb(198, 40, 40)"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
