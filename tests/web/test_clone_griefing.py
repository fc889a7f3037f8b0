"""Clone verdicts cannot be poisoned: invented devices, invented regions or a stranger's claim leave a
genuine code ``genuine`` for its buyer, while a real copy scanned by many browsers over days, or in many
regions a trusted proxy names, still turns ``suspect`` (docs/codes.md, "Clone detection and its limits").

Days pass by moving the recorded scans and claims back in time: the scan endpoint stamps the current time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.config import Settings
from suyuan.runtime import Runtime
from suyuan.trace.model import Claim, Scan
from suyuan.web import create_app
from tests.factories import code_urls, make_batch, make_world

JSON = {"Accept": "application/json"}


@pytest.fixture
def code(session: Session, runtime: Runtime) -> str:
    """The path of a fresh genuine code of a released batch."""
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=3)
    parts = urlsplit(code_urls(session, runtime.ring, batch, 1, 1)[0])
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def proxied_app(settings: Settings) -> Iterator[Flask]:
    """An installation behind one trusted reverse proxy, which states each request's region."""
    application = create_app(dataclasses.replace(settings, trusted_proxies=1), {"TESTING": True})
    yield application
    application.extensions["suyuan"].engine.dispose()


def verdict(client: FlaskClient, code: str, **headers: str) -> tuple[str, list[str]]:
    doc = client.get(code, headers={**JSON, **headers}).json
    assert doc is not None
    return doc["verdict"], doc["reasons"]


def browser(app: Flask, code: str) -> FlaskClient:
    """A phone's browser that opened the code's page once and so holds a server-issued device cookie."""
    phone = app.test_client()
    page = phone.get(code)
    assert page.status_code == 200 and "sy_did=" in page.headers["Set-Cookie"]
    return phone


def days_pass(session: Session, days: int = 1) -> None:
    """Move every recorded scan and claim ``days`` back, as if that much time had passed since."""
    for row in [*session.scalars(select(Scan)), *session.scalars(select(Claim))]:
        row.at -= timedelta(days=days)
    session.commit()


def test_invented_device_headers_do_not_make_a_genuine_code_suspect(
    app: Flask, client: FlaskClient, code: str
) -> None:
    buyer = browser(app, code)
    for i in range(1, 7):
        client.get(code, headers={**JSON, "X-Device-Id": f"p{i}"})
        client.get(code, headers={**JSON, "Cookie": f"sy_did=p{i}.forged-mac"})
    assert verdict(buyer, code) == ("genuine", [])
    assert verdict(app.test_client(), code) == ("genuine", [])


def test_a_burst_of_fresh_browsers_does_not_make_a_genuine_code_suspect(
    app: Flask, code: str, session: Session
) -> None:
    buyer = browser(app, code)
    days_pass(session)
    phones = [browser(app, code) for _ in range(12)]  # each a real, server-issued cookie, all today
    assert verdict(phones[-1], code) == ("genuine", [])
    assert verdict(buyer, code) == ("genuine", [])


def test_invented_region_headers_are_ignored_without_a_trusted_proxy(
    app: Flask, client: FlaskClient, code: str, session: Session
) -> None:
    buyer = browser(app, code)
    for region in ("CN-XJ", "CN-HL", "CN-YN", "US-CA"):
        client.get(code, headers={**JSON, "X-Suyuan-Region": region})
    assert verdict(buyer, code) == ("genuine", [])
    assert {scan.region for scan in session.scalars(select(Scan))} == {""}


def test_regions_from_a_trusted_proxy_in_one_burst_do_not_make_a_genuine_code_suspect(
    proxied_app: Flask, code: str
) -> None:
    buyer = browser(proxied_app, code)
    for region in ("CN-GD", "CN-XJ", "CN-HL", "CN-YN"):
        verdict(proxied_app.test_client(), code, **{"X-Suyuan-Region": region})
    assert verdict(buyer, code, **{"X-Suyuan-Region": "CN-GD"}) == ("genuine", [])


def test_a_strangers_claim_does_not_make_the_code_suspect_for_its_buyer(
    app: Flask, code: str, session: Session
) -> None:
    stranger = app.test_client()
    page = stranger.get(code).data.decode()  # someone who saw the label in a shop photo
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    full = "https://sy.example.cn" + code
    assert stranger.post("/01/x/claim", data={"code": full, "csrf_token": token}).status_code == 303
    buyer = browser(app, code)  # the real buyer opens the item right after
    assert verdict(buyer, code) == ("genuine", [])
    days_pass(session, 3)
    assert verdict(buyer, code) == ("genuine", [])  # the buyer was there within a day of the claim


def test_a_claim_needs_a_device_cookie_the_server_issued(client: FlaskClient, code: str, app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    full = "https://sy.example.cn" + code
    assert client.post("/01/x/claim", data={"code": full}, headers={"X-Device-Id": "me"}).status_code == 409
    client.set_cookie("sy_did", "invented.mac")
    assert client.post("/01/x/claim", data={"code": full}).status_code == 409


def test_a_copy_scanned_days_after_the_buyers_claim_is_suspect(
    app: Flask, code: str, session: Session
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    buyer = browser(app, code)
    assert buyer.post("/01/x/claim", data={"code": "https://sy.example.cn" + code}).status_code == 303
    days_pass(session, 2)
    assert verdict(browser(app, code), code) == ("suspect", ["claimed_by_other"])
    assert verdict(app.test_client(), code) == ("suspect", ["claimed_by_other"])  # cookieless, too
    assert verdict(buyer, code) == ("genuine", [])


def test_a_copy_scanned_by_many_browsers_over_days_turns_suspect(
    app: Flask, code: str, session: Session
) -> None:
    phones = []
    for _ in range(3):  # two new buyers of copies a day, three days running
        phones += [browser(app, code), browser(app, code)]
        days_pass(session)
    assert verdict(phones[0], code) == ("suspect", ["many_devices"])
    assert verdict(browser(app, code), code) == ("suspect", ["many_devices"])


def test_a_copy_scanned_in_many_regions_over_days_turns_suspect(
    proxied_app: Flask, code: str, session: Session
) -> None:
    for region in ("CN-GD", "CN-XJ"):  # one new region a day
        assert verdict(proxied_app.test_client(), code, **{"X-Suyuan-Region": region}) == ("genuine", [])
        days_pass(session)
    third = verdict(proxied_app.test_client(), code, **{"X-Suyuan-Region": "CN-HL"})
    assert third == ("suspect", ["many_regions"])
