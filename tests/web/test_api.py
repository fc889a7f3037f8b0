"""The JSON API: authentication, who may see what, strict bodies, and 4xx errors that write nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.model import AuditEntry, Issuance, Product
from suyuan.web.openapi import openapi_document
from tests.factories import make_batch, make_product, make_world, product_filing


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def filing_json(**overrides: Any) -> dict[str, Any]:
    filing = product_filing(**overrides)
    data = {k: v for k, v in filing.__dict__.items() if k != "documents"}
    data["documents"] = [
        {"kind": d.kind, "number": d.number, "valid_until": d.valid_until.isoformat()}
        for d in filing.documents
        if d.valid_until
    ]
    return data


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    "header", [None, "Bearer nope", "Bearer sy_" + "x" * 43, "Basic abc", "Bearer " + "y" * 5000]
)
def test_the_api_needs_a_valid_token(
    client: FlaskClient, session: Session, runtime: Runtime, header: str | None
) -> None:
    make_world(session, runtime.ring)
    response = client.get("/api/v1/batches", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_a_merchant_files_a_product_and_the_office_admits_it(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    created = client.post("/api/v1/products", json=filing_json(), headers=auth(world.tokens["merchant"]))
    assert created.status_code == 201, created.json
    assert created.json["admission_status"] == "filed"
    pid = created.json["id"]
    admitted = client.post(
        f"/api/v1/products/{pid}/admission",
        json={"admit": True, "risk_class": 2},
        headers=auth(world.tokens["regulator"]),
    )
    assert admitted.status_code == 200 and admitted.json["admission_status"] == "admitted"
    assert admitted.json["risk_class"] == 2


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"gtin": "9421234500019"}, 400, "invalid_gtin"),
        ({"hs_code": "12"}, 400, "invalid_hs_code"),
        ({"origin_country": "QQ"}, 400, "invalid_country"),
        ({"name": 5}, 400, "invalid_input"),
        ({"surprise": "field"}, 400, "invalid_input"),
        ({"documents": [{"kind": "bribe"}]}, 400, "invalid_input"),
        ({"documents": [{"kind": "test_report", "valid_until": "soon"}]}, 400, "invalid_input"),
    ],
)
def test_bad_product_filings_answer_4xx_and_write_nothing(
    client: FlaskClient, session: Session, runtime: Runtime, body: dict[str, Any], status: int, code: str
) -> None:
    world = make_world(session, runtime.ring)
    before = (count(session, Product), count(session, AuditEntry))
    response = client.post(
        "/api/v1/products", json=filing_json() | body, headers=auth(world.tokens["merchant"])
    )
    assert (response.status_code, response.json["error"]["code"]) == (status, code)
    assert (count(session, Product), count(session, AuditEntry)) == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('{"count": 5}', "text/plain"),
        ('{"count": "5"}', "application/json"),
        ('{"count": true}', "application/json"),
        ('{"count": 5000000}', "application/json"),
        ('{"count": 0}', "application/json"),
    ],
)
def test_malformed_bodies_are_400_not_500(
    client: FlaskClient, session: Session, runtime: Runtime, data: str, content_type: str
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=0)
    response = client.post(
        f"/api/v1/batches/{batch.id}/codes",
        data=data,
        content_type=content_type,
        headers=auth(world.tokens["merchant"]),
    )
    assert response.status_code == 400
    assert set(response.json["error"]) == {"code", "message"}
    assert count(session, Issuance) == 0


def test_oversized_bodies_are_refused(client: FlaskClient, session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    response = client.post(
        "/api/v1/products",
        data=b"{" + b" " * (17 * 1024 * 1024) + b"}",
        content_type="application/json",
        headers=auth(world.tokens["merchant"]),
    )
    assert response.status_code == 413


def test_other_merchants_batches_do_not_exist_for_you(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=5)
    other = auth(world.tokens["merchant_b"])
    for method, path in [
        ("get", f"/api/v1/batches/{batch.id}"),
        ("post", f"/api/v1/batches/{batch.id}/codes"),
        ("get", f"/api/v1/batches/{batch.id}/codes?format=csv"),
        ("get", f"/api/v1/products/{batch.product_id}"),
    ]:
        response = getattr(client, method)(path, json={"count": 1}, headers=other)
        assert response.status_code == 404, path
    assert client.get("/api/v1/batches", headers=other).json == {"batches": []}
    assert client.get("/api/v1/batches/99999", headers=auth(world.tokens["merchant"])).status_code == 404


def test_merchants_cannot_admit_release_or_edit_the_negative_list(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world, admit=False)
    batch = make_batch(session, world, runtime.ring, released=False)
    merchant = auth(world.tokens["merchant"])
    assert (
        client.post(
            f"/api/v1/products/{product.id}/admission", json={"admit": True}, headers=merchant
        ).status_code
        == 403
    )
    assert client.post(f"/api/v1/batches/{batch.id}/release", headers=merchant).status_code == 403
    assert (
        client.post(
            "/api/v1/negative-list",
            json={"category": "N1", "kind": "keyword", "value": "ivory", "reason": "x"},
            headers=merchant,
        ).status_code
        == 403
    )
    assert client.get("/api/v1/audit/verify", headers=merchant).status_code == 403


def test_issuing_codes_and_streaming_them_as_csv(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=0, quantity=50)
    merchant = auth(world.tokens["merchant"])
    issued = client.post(f"/api/v1/batches/{batch.id}/codes", json={"count": 40}, headers=merchant)
    assert issued.status_code == 201
    assert (issued.json["first_serial"], issued.json["last_serial"]) == (1, 40)
    assert client.get(issued.json["statement_url"]).json["jws"].count(".") == 2
    too_many = client.post(f"/api/v1/batches/{batch.id}/codes", json={"count": 11}, headers=merchant)
    assert (too_many.status_code, too_many.json["error"]["code"]) == (400, "quantity_exceeded")
    csv = client.get(f"/api/v1/batches/{batch.id}/codes?format=csv&first=3&last=7", headers=merchant)
    lines = csv.data.decode().strip().splitlines()
    assert csv.mimetype == "text/csv" and lines[0] == "serial,url" and len(lines) == 6
    assert lines[1].startswith("3,HTTPS://SY.EXAMPLE.CN/01/")
    for bad in (
        "format=csv&first=0",
        "format=csv&first=41",
        "format=csv&last=abc",
        "format=csv&first=5&last=2",
        "format=xml",
    ):
        assert client.get(f"/api/v1/batches/{batch.id}/codes?{bad}", headers=merchant).status_code == 400


def test_the_openapi_document_lists_every_api_route(client: FlaskClient, app: Any) -> None:
    served = client.get("/api/v1/openapi.json").json
    assert served == openapi_document()
    documented = {(path, method) for path, ops in served["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)  # <int:id> and <ref> alike
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)
