"""The bonded-zone pages: the merchant's desk, the office's desk and a batch's ledger."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.zone import exits, spot_checks
from suyuan.trace.zone.exits import Buyer
from suyuan.trace.zone.rules import AnomalyRules
from tests.factories import REPORT_SHA, SECRET, code_urls, exit_filing, id_number, make_world, make_zone_batch


def login(app: Flask, client: FlaskClient, email: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def test_the_merchant_desk_shows_stock_exits_to_rectify_and_results(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=8)
    theirs = make_zone_batch(session, world, runtime.ring, quantity=3, owner="merchant_b")
    urls = code_urls(session, runtime.ring, batch)
    exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:2])]), secret=SECRET
    )
    exits.declare_exit(
        session,
        world.merchant_staff,
        runtime.ring,
        exit_filing([(batch, urls[1:2])], order_no="AGAIN"),
        secret=SECRET,
    )
    session.commit()
    login(app, client, "staff@a.example")
    page = client.get("/merchant/zone?lang=en").data.decode()
    assert batch.lot in page and theirs.lot not in page and "6 / 8" in page
    assert "AGAIN" in page and "already_sold" in page and "Credit grade: B" in page
    assert 'data-test="zone"' in client.get("/merchant/").data.decode()
    ledger = client.get(f"/merchant/zone/batches/{batch.id}/ledger?lang=en").data.decode()
    assert "The ledger balances with the codes sold." in ledger and "-2" in ledger
    assert client.get(f"/merchant/zone/batches/{theirs.id}/ledger").status_code == 404
    assert client.get("/regulator/zone").status_code == 403


def test_the_office_desk_shows_waiting_work_checks_alerts_and_recalls(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    app.config["SUYUAN_ANOMALY_ORDERS_PER_BUYER"] = "1"
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=8)
    make_zone_batch(session, world, runtime.ring, quantity=3, released=False)
    urls = code_urls(session, runtime.ring, batch)
    buyer = Buyer(id_number(9), "周八")
    for i in range(2):
        exits.declare_exit(
            session,
            world.merchant_staff,
            runtime.ring,
            exit_filing([(batch, urls[i : i + 1])], buyer=buyer),
            secret=SECRET,
        )
    check = spot_checks.open_spot_check(session, world.regulator, batch.id)
    spot_checks.record_sample(session, world.regulator, check.id, channel="offline")
    spot_checks.record_result(
        session,
        world.regulator,
        check.id,
        passed=False,
        lab="lab",
        report_sha256=REPORT_SHA,
        failed_items=["lead"],
    )
    session.commit()
    login(app, client, "officer@test.example")
    page = client.get("/regulator/zone?lang=en").data.decode()
    assert "many_orders_one_buyer" in page and "周* #" in page
    assert "Entries awaiting quarantine" in page and "lead" in page and "units already sold" in page
    assert AnomalyRules().orders_per_buyer > 1
    assert 'data-test="zone"' in client.get("/regulator/").data.decode()
    ledger = client.get(f"/regulator/zone/batches/{batch.id}/ledger?lang=en").data.decode()
    assert "Spot-check samples" in ledger and "Exit blocked" in ledger
