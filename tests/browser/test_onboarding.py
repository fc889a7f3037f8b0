"""Onboarding in a real browser: an empty instance is set up, its administrator invites an officer,
the officer opens the link in a fresh browser, chooses a password and signs in.

Screenshots go to ``build/screenshots/`` (or ``$SUYUAN_ARTEFACTS``) like the other browser tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
ARTEFACTS = Path(os.environ.get("SUYUAN_ARTEFACTS", Path(__file__).resolve().parents[2] / "build"))
SHOTS = ARTEFACTS / "screenshots"
ADMIN_PASSWORD = "harbour lights 2026"
OFFICER_PASSWORD = "plum blossom 1987"


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(base + "/login?next=/account/users")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_an_empty_instance_is_set_up_and_an_invited_officer_signs_in(
    browser: Any, live_server: str, session: Session
) -> None:
    admin = browser.new_context(**DESKTOP).new_page()
    admin.goto(live_server + "/login")
    admin.click("[data-test=needs-setup] a")
    admin.wait_for_load_state()
    assert admin.url.endswith("/setup")
    admin.fill("input[name=office_name]", "深圳海关前海办事处")
    admin.fill("input[name=office_code]", "SZ-QH")
    admin.fill("input[name=name]", "李主任")
    admin.fill("input[name=email]", "chief@office.example")
    admin.fill("input[name=password]", ADMIN_PASSWORD)
    admin.fill("input[name=confirm]", ADMIN_PASSWORD)
    _shot(admin, "onboarding-1-setup")
    admin.click("[data-test=setup-form] button[type=submit]")
    admin.wait_for_load_state()
    assert "/login" in admin.url

    _sign_in(admin, live_server, "chief@office.example", ADMIN_PASSWORD)
    assert admin.url.endswith("/account/users")
    assert "办事处管理员" in admin.locator("[data-test=users]").inner_text()
    admin.fill("[data-test=invite-form] input[name=email]", "officer@office.example")
    admin.fill("[data-test=invite-form] input[name=name]", "王检")
    admin.click("[data-test=invite-form] button[type=submit]")
    admin.wait_for_load_state()
    link = admin.locator("[data-test=invite-link]").inner_text().strip()
    assert "/invite/inv_" in link
    _shot(admin, "onboarding-2-invitation-link")

    officer = browser.new_context(**DESKTOP).new_page()
    officer.goto(live_server + "/invite/" + link.rsplit("/invite/", 1)[1])
    assert "officer@office.example" in officer.locator("[data-test=invitation]").inner_text()
    assert officer.locator("input[name=name]").input_value() == "王检"
    officer.fill("input[name=password]", OFFICER_PASSWORD)
    officer.fill("input[name=confirm]", OFFICER_PASSWORD)
    _shot(officer, "onboarding-3-accept")
    officer.click("[data-test=accept-form] button[type=submit]")
    officer.wait_for_load_state()
    assert "/login" in officer.url

    _sign_in(officer, live_server, "officer@office.example", OFFICER_PASSWORD)
    assert officer.url.endswith("/account/users")
    officer.goto(live_server + "/account")
    assert officer.locator("[data-test=kind]").inner_text().strip() == "监管人员"
    _shot(officer, "onboarding-4-officer-account")
