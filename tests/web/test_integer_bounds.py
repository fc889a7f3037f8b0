"""Numbers too big for a database column never reach the database: 404 or 400, never a 500.

Every id, serial range and quantity column is a 32-bit ``INTEGER`` on PostgreSQL (64-bit on SQLite), so
2^31 broke PostgreSQL and 2^63 SQLite. Each way a number enters is tried with both: every ``<int:...>``
route of every blueprint (all its methods, and GET and POST, as the consumer, a merchant and an office),
JSON body fields, query parameters, page forms, and serials in scanned codes on every path that parses
them (scan page, JSON verdict, linkset, complaints, claims, the offline verifier).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from suyuan.runtime import Runtime
from suyuan.scanner.offline import parse_jwks, verify_offline
from suyuan.trace import keys
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.codes import CodeId, code_url, signed_message
from suyuan.trace.model import Batch, Scan
from suyuan.trace.verdicts import Reason
from suyuan.web.converters import BoundedIntConverter
from tests.factories import BASE, World, make_world, make_zone_batch

TOO_BIG = (2**31, 2**63, 2**64, 10**30)
SERIALS = ("2147483648", "999999999999", str(2**63), str(2**64), "99999999999999999999")
INT_ARGUMENT = re.compile(r"<int:\w+>")
OTHER_ARGUMENT = re.compile(r"<(?:\w+:)?\w+>")


@pytest.fixture
def world(session: Session, runtime: Runtime) -> tuple[World, Batch]:
    world = make_world(session, runtime.ring)
    return world, make_zone_batch(session, world, runtime.ring, quantity=5)


def bearer(world: World, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[who]}"} if who in world.tokens else {}


def int_rules(app: Flask) -> list[Rule]:
    """Every rule with an ``<int:...>`` argument; all of them go through the bounded converter."""
    assert app.url_map.converters["int"] is BoundedIntConverter
    rules = [rule for rule in app.url_map.iter_rules() if INT_ARGUMENT.search(rule.rule)]
    assert len(rules) >= 39
    return rules


def test_no_int_route_matches_ids_beyond_the_columns(app: Flask, client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    tokens = {who: bearer(world[0], who) for who in ("consumer", "merchant", "regulator")}
    for rule in int_rules(app):
        methods = (rule.methods or set()) - {"HEAD", "OPTIONS"} | {"GET", "POST"}
        for number in TOO_BIG:
            path = OTHER_ARGUMENT.sub("x", INT_ARGUMENT.sub(str(number), rule.rule))
            for method in sorted(methods):
                for who, headers in tokens.items():
                    response = client.open(path, method=method, headers=headers, json={})
                    # No rule matches: 404, or 405 when werkzeug first finds another method's rule there.
                    assert response.status_code in (404, 405), (rule.rule, method, who)


def test_the_largest_id_a_column_holds_reaches_the_database_without_error(
    app: Flask, client: FlaskClient, world
) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(world[0], "regulator")
    for rule in int_rules(app):
        path = OTHER_ARGUMENT.sub("x", INT_ARGUMENT.sub(str(MAX_INT), rule.rule))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers=headers, json={})
            assert response.status_code < 500, (rule.rule, method)


def body_cases(batch: Batch, number: int) -> list[tuple[str, str, str, dict[str, Any], str]]:
    """(who, method, path, body, the field the 400 must name) for every id or count a body carries."""
    line = {"batch_id": number, "quantity": 1, "unit_price": "1.00", "codes": ["x"]}
    exit_body = {
        "order_no": "O",
        "payment_ref": "P",
        "waybill_no": "W",
        "payment_amount": "1.00",
        "platform": "p",
        "buyer": {"id_number": "x", "name": "n", "address": "a"},
        "lines": [line],
    }
    warning = {"level": "warning", "title": "t", "body": "b"}
    return [
        (
            "merchant",
            "POST",
            "/api/v1/batches",
            {"product_id": number, "lot": "X1", "quantity": 1},
            "product_id",
        ),
        (
            "merchant",
            "POST",
            "/api/v1/batches",
            {"product_id": batch.product_id, "lot": "X1", "quantity": number},
            "quantity",
        ),
        ("merchant", "PATCH", f"/api/v1/batches/{batch.id}", {"quantity": number, "reason": "r"}, "quantity"),
        ("merchant", "POST", f"/api/v1/batches/{batch.id}/codes", {"count": number}, "count"),
        (
            "regulator",
            "POST",
            f"/api/v1/products/{batch.product_id}/admission",
            {"admit": True, "risk_class": number},
            "risk_class",
        ),
        ("merchant", "POST", "/api/v1/products", {"enterprise_id": number}, "enterprise_id"),
        ("merchant", "POST", "/api/v1/entry-declarations", {"enterprise_id": number}, "enterprise_id"),
        ("regulator", "POST", "/api/v1/spot-checks", {"batch_id": number}, "batch_id"),
        ("merchant", "POST", "/api/v1/exit-declarations", exit_body, "batch_id"),
        ("regulator", "POST", "/api/v1/warnings", {**warning, "product_id": number}, "product_id"),
        ("regulator", "POST", "/api/v1/warnings", {**warning, "batch_id": number}, "batch_id"),
        (
            "regulator",
            "POST",
            f"/api/v1/batches/{batch.id}/disposals",
            {"kind": "destruction", "quantity": number, "reason": "r"},
            "quantity",
        ),
    ]


def test_body_numbers_beyond_the_columns_are_400_naming_the_field(client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    w, batch = world
    for number in TOO_BIG:
        for who, method, path, data, name in body_cases(batch, number):
            response = client.open(path, method=method, json=data, headers=bearer(w, who))
            assert response.status_code == 400, (path, name, number, response.json)
            assert name in response.json["error"]["message"], (path, name, response.json)


def login(app: Flask, client: FlaskClient, email: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def test_query_numbers_beyond_the_columns_are_400(app: Flask, client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    w, batch = world
    merchant = bearer(w, "merchant")
    for number in (*TOO_BIG, -1, "1_000", "１２"):
        for path in (
            f"/api/v1/batches/{batch.id}/codes?format=csv&first={number}",
            f"/api/v1/batches/{batch.id}/codes?format=csv&first=1&last={number}",
            f"/api/v1/batches/{batch.id}/labels?first={number}",
            f"/api/v1/batches/{batch.id}/labels?dpi={number}",
            f"/api/v1/complaints?limit={number}",
        ):
            assert client.get(path, headers=merchant).status_code == 400, path
    login(app, client, "staff@a.example")
    for number in TOO_BIG:
        for path in (
            f"/merchant/labels/preview.png?batch={number}",
            f"/merchant/labels/preview.png?batch={batch.id}&first={number}",
            f"/merchant/zone/batches/{batch.id}/ledger?after={number}",
            f"/merchant/trace/batch/{batch.id}?orders_offset={number}",
            f"/merchant/?batch={number}",
        ):
            assert client.get(path).status_code == 400, path
        page = client.get(f"/merchant/labels?batch={number}")  # the form page shows what is wrong
        assert page.status_code == 200 and b"batch must be a whole number" in page.data
    client.post("/logout")
    login(app, client, "officer@test.example")
    for number in TOO_BIG:
        assert client.get(f"/regulator/zone/batches/{batch.id}/ledger?after={number}").status_code == 400
        assert client.get(f"/regulator/find?q={number}").status_code == 404


def test_page_forms_refuse_numbers_beyond_the_columns(app: Flask, client: FlaskClient, world) -> None:  # type: ignore[no-untyped-def]
    login(app, client, "officer@test.example")
    for number in TOO_BIG:
        for path, data in (
            ("/regulator/recalls", {"batch_id": number, "kind": "recall", "reason": "r"}),
            ("/regulator/warnings", {"level": "warning", "title": "t", "body": "b", "batch_id": number}),
        ):
            assert client.post(path, data=data).status_code < 500, path
    client.post("/logout")
    login(app, client, "staff@a.example")
    for number in TOO_BIG:
        data = {"recall_id": number, "quantity": number, "reason": "r"}
        assert client.post("/merchant/recalls/destruction", data=data).status_code < 500


def signed(runtime: Runtime, session: Session, batch: Batch, serial: str) -> str:
    """A code for ``serial`` of ``batch`` with a valid signature of the active key (never issued)."""
    key = keys.active_key(session)
    assert key is not None
    code = CodeId(batch.gtin, batch.lot, serial)
    return code_url(BASE, code, key.kid, runtime.ring.private_key(key).sign(signed_message(code, key.kid)))


def test_serials_beyond_the_issuance_columns_are_out_of_range_on_every_path(
    app: Flask, client: FlaskClient, runtime: Runtime, session: Session, world
) -> None:  # type: ignore[no-untyped-def]
    _, batch = world
    app.config["WTF_CSRF_ENABLED"] = False
    for serial in SERIALS:
        url = signed(runtime, session, batch, serial)
        path = url[len(BASE) :]
        doc = client.get(path, headers={"Accept": "application/json"})
        assert doc.status_code == 200 and doc.json["verdict"] == "counterfeit", serial
        assert doc.json["reasons"] == ["serial_out_of_range"], serial
        assert client.get(path).status_code == 200
        assert client.get(path, headers={"Accept": "application/linkset+json"}).status_code == 200
        assert client.get(
            path.split("?")[0] + "?s=1" + "0" * 155, headers={"Accept": "application/json"}
        ).json["reasons"] == ["bad_signature"]
        complaint = {"code": url, "category": "suspected_fake", "text": "fake?"}
        assert client.post("/api/v1/complaints", json=complaint).status_code == 201
        assert client.post("/01/x/claim", data={"code": url}).status_code == 409
        offline = verify_offline(url, parse_jwks(keys.jwks(session)))  # ranges are an online check
        assert offline.reasons == [Reason.OFFLINE_UNCHECKED]
    assert session.scalar(select(func.count()).select_from(Scan)) == 3 * len(SERIALS)
    too_long = client.get(
        f"/01/{batch.gtin}/10/{batch.lot}/21/{10**30}?s=1", headers={"Accept": "application/json"}
    )
    assert too_long.status_code == 400 and too_long.json["reasons"] == ["malformed_code"]
