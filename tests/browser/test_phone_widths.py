"""Every crawled page fits a 390 px phone: nothing makes the page wider than the screen.

The pages are those of tests/page_crawl.py (the demo world; consumer, merchant and officer). Each is
opened in chromium at phone size (390×844, touch) and at desktop size (1366×900), screenshotted under
``build/screenshots/pages/`` (or ``$SUYUAN_ARTEFACTS``) for review, and on the phone its document may
not scroll sideways: ``document.documentElement.scrollWidth <= 390``. Wide tables scroll inside their
card instead (static/style.css).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from tests.page_crawl import crawl_roles, load_demo_world

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}
ARTEFACTS = Path(os.environ.get("SUYUAN_ARTEFACTS", Path(__file__).resolve().parents[2] / "build"))
SHOTS = ARTEFACTS / "screenshots" / "pages"


def _name(role: str, n: int, path: str, size: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", path.split("?s=")[0]).strip("-")[:60] or "home"
    return f"{role}-{n:02d}-{slug}-{size}.png"


def _open(browser: Any, options: dict[str, Any], base: str, login: tuple[str, str] | None) -> Any:
    page = browser.new_context(**options).new_page()
    if login is not None:
        page.goto(base + "/login")
        page.fill("input[name=email]", login[0])
        page.fill("input[name=password]", login[1])
        page.click("button[type=submit]")
        page.wait_for_load_state()
    return page


def test_no_crawled_page_is_wider_than_a_phone(
    browser: Any, live_server: str, app: Flask, session: Session, runtime: Runtime
) -> None:
    world = load_demo_world(session, runtime)
    crawls = crawl_roles(app.test_client, world)
    SHOTS.mkdir(parents=True, exist_ok=True)
    too_wide: list[str] = []
    for crawled in crawls:
        login = None if crawled.role == "consumer" else world.logins[crawled.role]
        phone = _open(browser, PHONE, live_server, login)
        desktop = _open(browser, DESKTOP, live_server, login)
        for n, visited in enumerate(crawled.pages, start=1):
            phone.goto(live_server + visited.path)
            width = phone.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                too_wide.append(f"{crawled.role} {visited.path}: {width} px")
            phone.screenshot(path=str(SHOTS / _name(crawled.role, n, visited.path, "phone")), full_page=True)
            desktop.goto(live_server + visited.path)
            desktop.screenshot(
                path=str(SHOTS / _name(crawled.role, n, visited.path, "desktop")), full_page=True
            )
    assert sum(len(c.pages) for c in crawls) > 20
    assert not too_wide, "pages wider than a 390 px phone:\n" + "\n".join(too_wide)
