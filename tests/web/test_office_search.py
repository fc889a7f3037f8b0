"""The officer's one search box: every identifier an officer holds finds the batch, in his remit only."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import complaints
from suyuan.trace.model import Batch
from suyuan.trace.zone import exits
from tests.factories import (
    SECRET,
    World,
    code_urls,
    exit_filing,
    make_second_office,
    make_world,
    make_zone_batch,
)

TRACE = "/regulator/trace/batch/"


def login(app: Flask, client: FlaskClient, email: str = "officer@test.example") -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def search(client: FlaskClient, q: str) -> tuple[int, str, str]:
    response = client.get("/regulator/find", query_string={"q": q})
    return response.status_code, response.headers.get("Location", ""), response.get_data(as_text=True)


def two_batches(session: Session, runtime: Runtime) -> tuple[World, Batch, Batch]:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10, lot="QH26A1", name="婴儿配方奶粉 金装")
    other = make_zone_batch(session, world, runtime.ring, quantity=5, owner="merchant_b", name="麦卢卡蜂蜜")
    return world, batch, other


def test_each_kind_of_identifier_opens_the_one_batch_it_names(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world, batch, _other = two_batches(session, runtime)
    urls = code_urls(session, runtime.ring, batch)
    order = exits.declare_exit(
        session,
        world.merchant_staff,
        runtime.ring,
        exit_filing([(batch, urls[:1])], order_no="QH-0042"),
        secret=SECRET,
    )
    complaint = complaints.file_complaint(session, runtime.ring, urls[3], "quality", "味道不对，疑似变质。")
    session.commit()
    login(app, client)
    target = TRACE + str(batch.id)
    for q in (
        str(batch.id),
        f"#{batch.id}",
        urls[2],
        urls[2].split("SY.EXAMPLE.CN", 1)[1],
        f"(01){batch.gtin}(10){batch.lot}",
        f"(01) {batch.gtin} (10) {batch.lot}",
        "qh26a1",
        batch.lot,
        complaint.reference,
        complaint.reference.lower().replace("-", ""),
        order.order_no,
        "金装",
        world.merchant.uscc,
        world.merchant.name,
    ):
        status, location, _page = search(client, q)
        assert (status, location) == (302, target), q


def test_several_hits_are_listed_with_what_they_matched(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    _world, batch, other = two_batches(session, runtime)
    login(app, client)
    status, _location, page = search(client, "Aotearoa")  # the supplier of both
    assert status == 200 and batch.lot in page and other.lot in page and "供货商" in page
    assert 'data-test="hit-count"' in page and "共有 2 个批次" in page
    status, _location, page = search(client, batch.gtin)  # a GTIN: its batches
    assert status == 302 or batch.lot in page


def test_nothing_found_or_malformed_input_is_said_in_chinese_on_the_page(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    two_batches(session, runtime)
    login(app, client)
    status, _location, page = search(client, "不存在的商品")
    assert (
        status == 404 and 'data-test="no-hits"' in page and "没有与" in page and "invalid_input" not in page
    )
    for q in ("", "(01)123", "https://sy.example.cn/01/04012345000015/10/L1", "x" * 600):
        status, _location, page = search(client, q)
        assert status == 400 and 'data-test="error"' in page, q
        assert "must" not in page and "URI" not in page and "invalid" not in page, q
    status, _location, page = search(client, "100%_")  # LIKE wildcards are taken literally
    assert status == 404


def test_the_search_finds_nothing_outside_the_office_remit(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world, batch, _other = two_batches(session, runtime)
    urls = code_urls(session, runtime.ring, batch)
    complaint = complaints.file_complaint(session, runtime.ring, urls[3], "quality", "味道不对，疑似变质。")
    make_second_office(session)
    session.commit()
    login(app, client, "officer@nanshan.example")
    for q in (str(batch.id), batch.lot, urls[2], complaint.reference, "金装", world.merchant.uscc):
        assert search(client, q)[0] == 404, q


def test_the_supplier_link_lists_its_batches_across_merchants(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    _world, batch, other = two_batches(session, runtime)
    login(app, client)
    trace = client.get(TRACE + str(batch.id)).get_data(as_text=True)
    link = f"/regulator/batches?supplier={batch.supplier_id}"
    assert link in trace
    page = client.get(link).get_data(as_text=True)
    assert batch.lot in page and other.lot in page and "Aotearoa Dairy Export Ltd" in page


def test_merchants_cannot_search(app: Flask, client: FlaskClient, session: Session, runtime: Runtime) -> None:
    two_batches(session, runtime)
    login(app, client, "staff@a.example")
    assert client.get("/regulator/find?q=QH26A1").status_code == 403


def test_a_batch_number_answers_alone_even_when_names_contain_it(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=5, lot="QH26B1")
    make_zone_batch(session, world, runtime.ring, quantity=5, name=f"奶粉 {batch.id} 段")  # a look-alike name
    session.commit()
    login(app, client)
    assert search(client, str(batch.id))[:2] == (302, TRACE + str(batch.id))
