"""JSON request bodies: one model per body, read alike everywhere, documented by the same model.

The models (suyuan/web/bodies) check the shape; the domain checks the rules of each value. These tests
pin the shape rules every body shares, the messages of a body that does not fit, that the document's
request schemas are the models', and that every part of the nested API blueprint is exempt from the
form CSRF check (the API's writes are guarded by bearer tokens, or a session's ``X-CSRFToken``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.errors import InvalidInput
from suyuan.web import api
from suyuan.web.bodies import complaints, recalls, registry, zone
from suyuan.web.bodies.errors import MAX_PROBLEMS, validate
from suyuan.web.openapi import REQUEST_BODIES, UPLOAD_FORMS, openapi_document
from tests.factories import make_world


def problem(model: type[Any], data: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        validate(model, data)
    return caught.value


def test_a_required_field_sent_as_null_is_missing() -> None:
    error = problem(recalls.Note, {"note": None})
    assert error.message == "note is required" and error.field == "note"


def test_an_optional_field_sent_as_null_is_left_out() -> None:
    opening = validate(recalls.RecallOpening, {"kind": "recall", "reason": "r", "scope": None})
    assert opening.scope is None and opening.instructions is None


def test_an_optional_number_with_a_default_refuses_null() -> None:
    assert problem(zone.Sample, {"channel": "offline", "quantity": None}).message == (
        "quantity must be a whole number"
    )


@pytest.mark.parametrize(
    ("model", "data", "message"),
    [
        (zone.Review, {"accept": 1}, "accept must be true or false"),
        (zone.SpotCheckRequest, {"batch_id": True}, "batch_id must be a whole number"),
        (zone.SpotCheckRequest, {"batch_id": 1.0}, "batch_id must be a whole number"),
        (recalls.Note, {"note": 5}, "note must be a string"),
        (
            zone.Report,
            {**dict.fromkeys(("kind", "issuer", "sha256"), "x"), "issued_on": "1 May"},
            "issued_on must be a date YYYY-MM-DD",
        ),
        (
            zone.Rectification,
            {"lines": [], "payment_amount": False},
            'payment_amount must be an amount in RMB such as "199.00"',
        ),
        (
            zone.SpotCheckRequest,
            {"batch_id": MAX_INT + 1},
            f"batch_id must be a whole number of at most {MAX_INT}",
        ),
    ],
)
def test_types_are_exact_and_numbers_fit_the_columns(model: type[Any], data: Any, message: str) -> None:
    assert problem(model, data).message == message


def test_unknown_fields_are_named_in_closed_bodies_and_ignored_in_open_ones() -> None:
    error = problem(registry.Document, {"kind": "test_report", "numbr": "1"})
    assert error.message == "unknown fields: numbr"
    filing = {"kind": "merchant", "name": "n", "uscc": "u", "office": "SZ-QH", "fax": "0755"}
    assert validate(registry.EnterpriseFiling, filing).filing().office_code == "SZ-QH"


def test_a_nested_problem_is_named_by_its_path() -> None:
    line = {"batch_id": 1, "quantity": 1, "unit_price": "1.00", "codes": ["x", 7]}
    error = problem(zone.Rectification, {"lines": [line]})
    assert error.message == "lines[0].codes[1] must be a string" and error.field == "lines"


def test_a_body_wrong_everywhere_answers_a_short_message() -> None:
    lines = [{"gtin": i, "lot": i, "quantity": "1"} for i in range(500)]
    error = problem(zone.EntryDeclaration, {"reference": "R", "lines": lines, "x": 1})
    assert error.message.startswith("unknown fields: x; missing fields: lines[0].supplier_name")
    assert error.message.count(";") == MAX_PROBLEMS and len(error.message) < 1000


def test_the_domain_keeps_its_rules() -> None:
    """A model states the domain's rules for the document, but leaves them to the domain's messages."""
    blank = validate(complaints.ComplaintAnswer, {"text": " "})
    assert blank.text == " "
    schema = openapi_document()["components"]["schemas"]["ComplaintAnswer"]
    assert schema["properties"]["text"]["minLength"] == 5


def test_the_document_describes_every_body_by_its_model() -> None:
    document = openapi_document()
    referenced = {
        re.sub(".*/", "", media["schema"]["$ref"])
        for ops in document["paths"].values()
        for op in ops.values()
        for media in op.get("requestBody", {}).get("content", {}).values()
        if "$ref" in media["schema"]  # the photo upload of /scan-image is written out
    }
    forms = {m.__name__ for m in UPLOAD_FORMS}
    assert referenced == {m.__name__ for m in REQUEST_BODIES} | forms | {"ComplaintFilingForm"}
    schemas = document["components"]["schemas"]
    for model in (*REQUEST_BODIES, *UPLOAD_FORMS):
        files = UPLOAD_FORMS.get(model, {})
        assert schemas[model.__name__]["properties"].keys() == model.model_fields.keys() | files.keys()
        assert set(files) <= set(schemas[model.__name__].get("required", []))
        closed = model.model_config.get("extra") == "forbid"
        assert schemas[model.__name__].get("additionalProperties", True) is not closed, model


def test_every_part_of_the_api_is_exempt_from_the_form_csrf_check(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    session.commit()
    assert app.config.get("WTF_CSRF_ENABLED", True)
    parts = {f"api.{part.name}" for part in api.PARTS}
    bearer = {"Authorization": "Bearer " + world.tokens["regulator"]}
    seen = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or not (rule.methods or set()) & {"POST", "PATCH"}:
            continue
        seen.add(rule.endpoint.rsplit(".", 1)[0])
        path = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        method = "PATCH" if "PATCH" in (rule.methods or set()) else "POST"
        response = client.open(path, method=method, json={}, headers=bearer)
        error = (response.get_json(silent=True) or {}).get("error", {})
        assert error.get("code") != "csrf", (rule.endpoint, response.status_code, error)
    read_only = {"api.audit", "api.trace", "api.labels", "api.platform", "api.reports"}
    assert seen >= parts - read_only


def test_a_signed_in_browser_writes_to_a_nested_part_with_its_csrf_token(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    assert (
        client.post("/login", data={"email": "officer@test.example", "password": "password1"}).status_code
        == 302
    )
    app.config["WTF_CSRF_ENABLED"] = True
    warning = {"level": "notice", "title": "Check the seal", "body": "Look at the seal before opening."}
    assert client.post("/api/v1/warnings", json=warning).status_code == 401  # no token: anonymous
    page = client.get("/regulator/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    answer = client.post("/api/v1/warnings", json=warning, headers={"X-CSRFToken": token.group(1)})
    assert answer.status_code == 201, answer.get_json()
