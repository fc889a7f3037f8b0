"""The merchant dashboard, the regulator console, the trace entry and the top-bar menu."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import recalls
from suyuan.trace.model import Office
from suyuan.trace.model.types import utcnow
from tests.factories import World, code_urls, make_batch, make_world
from tests.scan_history import add_scans

HOSTILE = "<script>alert('region')</script>"


def login(client: FlaskClient, email: str) -> None:
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def charts_in(page: str) -> list[ET.Element]:
    """Every chart figure of a page, parsed as XML (so each must be well-formed)."""
    return [ET.fromstring(m) for m in re.findall(r'<figure class="chart".*?</figure>', page, re.S)]


@pytest.fixture
def world(app: Flask, session: Session, runtime: Runtime) -> World:
    app.config["WTF_CSRF_ENABLED"] = False
    return make_world(session, runtime.ring)


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    for path in ("/merchant/", "/merchant/?batch=1", "/regulator/", "/regulator/find?q=1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_merchant_a_sees_its_own_batches_and_scans_not_b_s(
    client: FlaskClient, session: Session, runtime: Runtime, world: World
) -> None:
    mine = make_batch(session, world, runtime.ring, count=7)
    theirs = make_batch(session, world, runtime.ring, count=2, owner="merchant_b")
    add_scans(session, mine, utcnow(), count=3, region="深圳")
    add_scans(session, theirs, utcnow(), count=9, region="Hangzhou-B-only")
    login(client, "staff@a.example")

    page = client.get("/merchant/").data.decode()

    assert mine.lot in page and theirs.lot not in page and "7 / 1000" in page
    assert "Hangzhou-B-only" not in page and "深圳" in page
    figures = charts_in(page)
    assert [f.get("data-chart") for f in figures] == ["line", "bar", "bar"]
    assert 'data-test="count-codes"><strong>7<' in page
    for link in ("/merchant/labels", "/merchant/zone", "/merchant/complaints", "/merchant/recalls"):
        assert f'href="{link}' in page


def test_the_batch_filter_narrows_the_charts_and_refuses_others_batches(
    client: FlaskClient, session: Session, runtime: Runtime, world: World
) -> None:
    first = make_batch(session, world, runtime.ring, count=5)
    second = make_batch(session, world, runtime.ring, count=5)
    theirs = make_batch(session, world, runtime.ring, count=5, owner="merchant_b")
    add_scans(session, first, utcnow(), count=2, region="Region-One")
    add_scans(session, second, utcnow() - timedelta(days=1), count=4, region="Region-Two")
    login(client, "staff@a.example")

    page = client.get(f"/merchant/?batch={second.id}&days=7").data.decode()
    assert "Region-Two" in page and "Region-One" not in page
    assert len(charts_in(page)[0].findall("details/table/tbody/tr")) == 7
    assert f'<option value="{second.id}" selected>' in page

    assert client.get(f"/merchant/?batch={theirs.id}").status_code == 404
    assert client.get("/merchant/?batch=999999").status_code == 404
    for bad in ("batch=abc", "batch=-1", "batch=99999999999999999999", "days=0", "days=400", "days=x"):
        response = client.get(f"/merchant/?{bad}")
        assert response.status_code == 400, bad


def test_hostile_region_names_are_escaped_on_the_dashboard(
    client: FlaskClient, session: Session, runtime: Runtime, world: World
) -> None:
    batch = make_batch(session, world, runtime.ring, count=5)
    add_scans(session, batch, utcnow(), count=2, region=HOSTILE)
    login(client, "staff@a.example")
    page = client.get("/merchant/").data.decode()
    assert HOSTILE not in page and "&lt;script&gt;alert(" in page
    charts_in(page)


def test_the_dashboard_counts_complaints_and_recalls_and_links_to_them(
    client: FlaskClient, session: Session, runtime: Runtime, world: World
) -> None:
    batch = make_batch(session, world, runtime.ring, count=5)
    recalls.open_recall(session, world.merchant_staff, batch.id, "stop_sale", "Packaging defect found")
    session.commit()
    login(client, "staff@a.example")
    page = client.get("/merchant/?lang=en").data.decode()
    assert 'data-test="count-recalls"><strong>1<' in page
    assert 'data-test="complaint-counts"' in page and "Sale stopped" in page


def test_the_regulator_console_shows_queues_credit_charts_and_the_audit_chain(
    client: FlaskClient, session: Session, runtime: Runtime, world: World
) -> None:
    batch = make_batch(session, world, runtime.ring, count=5)
    add_scans(session, batch, utcnow(), count=6, region="前海")
    login(client, "officer@test.example")

    page = client.get("/regulator/").data.decode()

    assert "监管控制台" in page and "哈希链完整" in page
    for test_id in (
        "count-complaints",
        "count-recalls",
        "count-warnings",
        "trace-form",
        "credit",
        "anomalies",
    ):
        assert f'data-test="{test_id}"' in page, test_id
    assert world.merchant.name in page and world.merchant_b.name in page
    assert len(charts_in(page)) == 3 and "前海" in page
    for link in ("/regulator/complaints", "/regulator/recalls", "/regulator/warnings", "/regulator/zone"):
        assert f'href="{link}' in page
    english = client.get("/regulator/?lang=en").data.decode()
    assert "Regulator console" in english and "Scans per day, last 30 days" in english


def test_merchants_cannot_open_the_console_or_the_trace_entry(
    client: FlaskClient, session: Session, runtime: Runtime, world: World
) -> None:
    login(client, "staff@a.example")
    assert client.get("/regulator/").status_code == 403
    assert client.get("/regulator/find?q=1").status_code == 403


def test_the_trace_entry_finds_the_batch_of_an_id_a_code_or_a_lot_link(
    client: FlaskClient, session: Session, runtime: Runtime, world: World
) -> None:
    batch = make_batch(session, world, runtime.ring, count=3)
    code = code_urls(session, runtime.ring, batch, 2, 2)[0]
    forged = code[:-4] + "1234"
    lot_link = f"https://sy.example.cn/01/{batch.gtin}/10/{batch.lot}"
    login(client, "officer@test.example")
    target = f"/regulator/trace/batch/{batch.id}"
    path_only = code.split("SY.EXAMPLE.CN", 1)[1]
    for q in (str(batch.id), code, forged, lot_link, path_only, f"  {code}  "):
        response = client.get("/regulator/find", query_string={"q": q})
        assert response.status_code == 302 and response.headers["Location"] == target, q


@pytest.mark.parametrize(
    ("q", "status"),
    [
        ("", 400),
        ("not a code", 404),  # free text: a name that matches nothing
        ("https://sy.example.cn/01/04012345000015/10/L1", 400),  # a wrong check digit
        ("https://sy.example.cn/01/09421234500011", 400),  # a GTIN alone names no batch
        ("x" * 600, 400),
        ("999999", 404),
        ("0", 404),
        ("99999999999999999999999", 404),
        ("https://sy.example.cn/01/04012345000016/10/NOPE", 404),
    ],
)
def test_the_trace_entry_answers_bad_or_unknown_input_with_4xx(
    client: FlaskClient, world: World, q: str, status: int
) -> None:
    login(client, "officer@test.example")
    assert client.get("/regulator/find", query_string={"q": q}).status_code == status


def test_the_trace_entry_hides_batches_of_other_offices(
    client: FlaskClient, session: Session, runtime: Runtime, world: World
) -> None:
    from suyuan.trace import accounts
    from suyuan.trace.actors import OPERATOR

    batch = make_batch(session, world, runtime.ring, count=3)
    other = Office(code="SH-WGQ", name="上海外高桥办事处")
    session.add(other)
    session.flush()
    accounts.create_user(
        session,
        OPERATOR,
        email="officer@sh.example",
        name="SH",
        role="regulator",
        password="password1",
        office_id=other.id,
    )
    session.commit()
    login(client, "officer@sh.example")
    assert client.get("/regulator/find", query_string={"q": str(batch.id)}).status_code == 404
    page = client.get("/regulator/").data.decode()
    assert world.merchant.name not in page.split('id="credit"')[1].split("</section>")[0]


def test_the_menu_follows_the_role_and_marks_the_current_page(
    client: FlaskClient, session: Session, runtime: Runtime, world: World
) -> None:
    public = client.get("/").data.decode()
    assert _nav(public) == ["notices", "scan"] and 'data-test="sign-out"' not in public

    login(client, "staff@a.example")
    page = client.get("/merchant/").data.decode()
    assert _nav(page) == [
        "dashboard",
        "products",
        "labels",
        "zone",
        "packing",
        "returns",
        "complaints",
        "recalls",
        "risk",
        "rectification",
        "users",
        "account",
    ]
    assert 'data-nav="dashboard" aria-current="page"' in page and 'data-test="sign-out"' in page
    zone = client.get("/merchant/zone").data.decode()
    assert 'data-nav="zone" aria-current="page"' in zone and 'data-nav="dashboard" aria-current' not in zone

    client.post("/logout")
    login(client, "officer@test.example")
    console = client.get("/regulator/").data.decode()
    assert _nav(console) == [
        "console",
        "complaints",
        "zone",
        "enterprises",
        "filings",
        "spot_checks",
        "recalls",
        "warnings",
        "risk",
        "lists",
        "warehouses",
        "enforcement",
        "rectification",
        "buyers",
        "half_year_report",
        "major_cases",
        "users",
        "account",
    ]
    account = client.get("/account").data.decode()
    assert 'data-nav="account" aria-current="page"' in account
    assert 'data-nav="users" aria-current' not in account


def test_the_language_switch_keeps_the_filter(
    client: FlaskClient, session: Session, runtime: Runtime, world: World
) -> None:
    batch = make_batch(session, world, runtime.ring, count=3)
    login(client, "staff@a.example")
    page = client.get(f"/merchant/?batch={batch.id}&days=7").data.decode()
    switch = re.search(r'<a href="([^"]+)" lang="en" data-test="lang-switch">', page)
    assert switch is not None
    english = client.get(switch.group(1).replace("&amp;", "&")).data.decode()
    assert "Merchant dashboard" in english and "Scans per day, last 7 days" in english
    assert f'<option value="{batch.id}" selected>' in english
    assert "商户" not in english.split("<main>")[1]  # zh strings do not leak into the English page


def _nav(page: str) -> list[str]:
    nav = page.split('data-test="nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'data-nav="([a-z_]+)"', nav)
