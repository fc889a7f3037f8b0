"""The packing station pages: the queue, one order's lines, each scan checked, the release all or nothing,
refusals said in the reader's language, another enterprise's order a 404 (docs/ceb.md, packing station)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import recalls
from suyuan.trace.model import CebInventory, ExitDeclaration, ExitStatus, SoldCode
from suyuan.trace.zone import exits, ledger
from tests.factories import SECRET, exit_filing
from tests.trace.ceb_world import CebWorld, make_ceb_world, sample, send, the_three


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def cw(session: Session, runtime: Runtime) -> CebWorld:
    return make_ceb_world(session, runtime.ring)


@pytest.fixture
def inventory(session: Session, cw: CebWorld) -> CebInventory:
    """The sample order, matched (399): 2 milk tins on line 1, 1 cream jar on line 2."""
    the_three(session)
    assert send(session, sample("CEB621Message.xml")).status == 399
    return session.scalars(select(CebInventory)).one()


def login(app: Flask, client: FlaskClient, email: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


ZH = {"Accept-Language": "zh-CN"}


def form(codes: dict[int, list[str]], button: str = "release") -> dict[str, Any]:
    data: dict[str, Any] = {button: "x"}
    for index, (gnum, urls) in enumerate(codes.items()):
        data[f"lines-{index}-gnum"] = str(gnum)
        data[f"lines-{index}-codes"] = "\r\n".join(urls) + "\r\n"
    return data


def test_the_queue_lists_the_orders_the_warehouse_packs(
    app: Flask, client: FlaskClient, cw: CebWorld, inventory: CebInventory
) -> None:
    login(app, client, "packer@warehouse.example")
    page = client.get("/merchant/packing", headers=ZH)
    assert page.status_code == 200 and inventory.order_no in page.text and "打包" in page.text
    station = client.get(f"/merchant/packing/{inventory.id}", headers=ZH).text
    assert 'data-test="codes-1"' in station and 'data-test="codes-2"' in station
    assert "packing_scan.js" in station and "<script>" not in station


def test_the_warehouse_releases_the_order_and_the_units_are_written_off(
    app: Flask, client: FlaskClient, session: Session, cw: CebWorld, inventory: CebInventory
) -> None:
    login(app, client, "packer@warehouse.example")
    checked = client.post(
        f"/merchant/packing/{inventory.id}", data=form({1: cw.milk_urls[:2], 2: cw.cream_urls[:1]}, "check")
    )
    assert checked.status_code == 200 and checked.text.count('data-ok="true"') == 3
    assert count(session, ExitDeclaration) == 0  # checking writes nothing
    released = client.post(
        f"/merchant/packing/{inventory.id}", data=form({1: cw.milk_urls[:2], 2: cw.cream_urls[:1]})
    )
    assert released.status_code == 303
    page = client.get(released.headers["Location"], headers=ZH)
    assert 'data-test="released"' in page.text and 'data-status="800"' in page.text
    session.expire_all()
    packed = session.get(CebInventory, inventory.id)
    assert packed is not None and packed.status == 800
    exit_ = session.get(ExitDeclaration, packed.exit_declaration_id)
    assert exit_ is not None and exit_.status is ExitStatus.WRITTEN_OFF and count(session, SoldCode) == 3
    assert ledger.balance(session, cw.milk_batch.id) == 18
    assert "/merchant/packing" in client.get("/merchant/packing", headers=ZH).text  # empty queue renders


@pytest.mark.parametrize("case", ["wrong_product", "wrong_count", "recalled", "already_sold", "counterfeit"])
def test_each_refusal_is_said_in_chinese_and_nothing_is_written(
    app: Flask,
    client: FlaskClient,
    session: Session,
    runtime: Runtime,
    cw: CebWorld,
    inventory: CebInventory,
    case: str,
) -> None:
    codes = {1: cw.milk_urls[:2], 2: cw.cream_urls[:1]}
    words = {
        "wrong_product": "商品不符",
        "wrong_count": "数量不符",
        "recalled": "召回",
        "already_sold": "已售出",
        "counterfeit": "假冒",
    }
    if case == "wrong_product":
        codes[1] = [cw.milk_urls[0], cw.cream_urls[5]]
    elif case == "wrong_count":
        codes[1] = cw.milk_urls[:1]
    elif case == "counterfeit":
        codes[1] = [cw.milk_urls[0], cw.milk_urls[1].replace("?s=", "?s=1")]
    elif case == "recalled":
        recalls.open_recall(session, cw.world.regulator, cw.cream_batch.id, "recall", "mould", "return it")
        session.commit()
    else:
        exits.declare_exit(
            session,
            cw.world.merchant_staff,
            runtime.ring,
            exit_filing([(cw.milk_batch, cw.milk_urls[1:2])]),
            secret=SECRET,
        )
        session.commit()
    exits_before, sold_before = count(session, ExitDeclaration), count(session, SoldCode)
    login(app, client, "packer@warehouse.example")
    refused = client.post(f"/merchant/packing/{inventory.id}", data=form(codes), headers=ZH)
    assert refused.status_code == 409
    assert words[case] in refused.text and 'class="bad"' in refused.text
    assert (count(session, ExitDeclaration), count(session, SoldCode)) == (exits_before, sold_before)
    assert session.get(CebInventory, inventory.id).status == 399  # type: ignore[union-attr]
    checked = client.post(f"/merchant/packing/{inventory.id}", data=form(codes, "check"), headers=ZH)
    assert checked.status_code == 200 and words[case] in checked.text


def test_another_enterprise_gets_404_and_an_officer_no_station(
    app: Flask, client: FlaskClient, session: Session, cw: CebWorld, inventory: CebInventory
) -> None:
    login(app, client, "staff@b.example")
    assert client.get(f"/merchant/packing/{inventory.id}").status_code == 404
    assert (
        client.post(f"/merchant/packing/{inventory.id}", data=form({1: cw.milk_urls[:2]})).status_code == 404
    )
    assert inventory.order_no not in client.get("/merchant/packing").text
    assert count(session, ExitDeclaration) == 0
