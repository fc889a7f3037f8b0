"""Hostile JSON bodies (too large, too deep, NUL characters): refused, before parsing where it counts.

The anonymous complaint route is the main target (anyone may post to it); the bounds are those of
:mod:`suyuan.web.json_body`, shared by every JSON route.
"""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from suyuan.runtime import Runtime
from suyuan.trace.complaints import TEXT_MAX, clean_text
from suyuan.trace.errors import InvalidInput
from suyuan.trace.model import Complaint, CreditEvent
from suyuan.web.json_body import MAX_JSON_BYTES, MAX_JSON_DEPTH
from tests.factories import World, code_urls, make_batch, make_world

FAST = 1.5
"""Seconds a refusal may take at most here (it takes milliseconds; the attacks cost seconds)."""

DEVICE = {"X-Device-Id": "hostile-bodies"}


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


@pytest.fixture
def url(session: Session, runtime: Runtime, world: World) -> str:
    return code_urls(session, runtime.ring, make_batch(session, world, runtime.ring, count=2), 1, 1)[0]


def post_raw(
    client: FlaskClient, path: str, raw: bytes, headers: dict[str, str] | None = None
) -> tuple[TestResponse, float]:
    started = time.perf_counter()
    response = client.post(
        path, data=raw, headers={"Content-Type": "application/json", **DEVICE, **(headers or {})}
    )
    return response, time.perf_counter() - started


def complaint(url: str, **fields: Any) -> dict[str, Any]:
    return {"code": url, "category": "quality", "text": "The lid was broken on arrival.", **fields}


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def nested(depth: int) -> bytes:
    return b'{"code": ' + b"[" * depth + b"]" * depth + b"}"


def test_the_reviews_100000_deep_body_is_refused_by_size_not_a_500(client: FlaskClient, url: str) -> None:
    response, seconds = post_raw(client, "/api/v1/complaints", nested(100_000))
    assert response.status_code == 413 and seconds < FAST


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 30_000])
def test_deep_nesting_within_the_size_cap_is_a_400_before_parsing(
    client: FlaskClient, url: str, depth: int
) -> None:
    response, seconds = post_raw(client, "/api/v1/complaints", nested(depth))
    assert response.status_code == 400, response.json
    assert "nested" in response.json["error"]["message"] and seconds < FAST


def test_deep_nesting_is_refused_on_bulk_routes_too(client: FlaskClient, world: World) -> None:
    token = {"Authorization": f"Bearer {world.tokens['merchant']}"}
    response, _ = post_raw(client, "/api/v1/entry-declarations", nested(200_000), token)
    assert response.status_code == 400 and "nested" in response.json["error"]["message"]


def test_brackets_inside_text_do_not_count_as_nesting(client: FlaskClient, url: str) -> None:
    text = "Label says " + "[" * 40 + ' "quoted" \\ and ' + "{" * 40
    response, _ = post_raw(client, "/api/v1/complaints", json.dumps(complaint(url, text=text)).encode())
    assert response.status_code == 201, response.json


def test_a_15_mb_complaint_is_refused_before_it_is_parsed(
    client: FlaskClient, session: Session, url: str
) -> None:
    raw = json.dumps(complaint(url, text="长" * (5 * 1024 * 1024)), ensure_ascii=False).encode()
    response, seconds = post_raw(client, "/api/v1/complaints", raw)
    assert response.status_code == 413 and seconds < FAST
    assert count(session, Complaint) == 0


def test_a_body_just_over_the_default_cap_is_a_413(client: FlaskClient, url: str) -> None:
    raw = json.dumps(complaint(url, text="x" * MAX_JSON_BYTES)).encode()
    response, _ = post_raw(client, "/api/v1/complaints", raw)
    assert response.status_code == 413


def test_a_chunked_json_body_is_capped_without_a_content_length(client: FlaskClient, url: str) -> None:
    raw = json.dumps(complaint(url, text="x" * (2 * MAX_JSON_BYTES))).encode()
    response = client.post(
        "/api/v1/complaints",
        input_stream=io.BytesIO(raw),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked", **DEVICE},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413


def test_bulk_routes_accept_bodies_over_the_default_cap(client: FlaskClient, world: World) -> None:
    lines = [{"gtin": "0", "lot": f"L{i}", "quantity": 1, "supplier_name": "s" * 200} for i in range(400)]
    raw = json.dumps({"reference": "E-1", "lines": lines}).encode()
    assert len(raw) > MAX_JSON_BYTES
    token = {"Authorization": f"Bearer {world.tokens['merchant']}"}
    response, _ = post_raw(client, "/api/v1/entry-declarations", raw, token)
    assert response.status_code == 400 and "supplier_country" in response.json["error"]["message"]


@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"code": "\xff\xfe"}', b'{"n": ' + b"9" * 5_000 + b"}", b"[1, 2]", b'"text"'],
    ids=["truncated", "bad-utf8", "5000-digits", "array", "string"],
)
def test_malformed_bodies_are_a_400(client: FlaskClient, url: str, raw: bytes) -> None:
    response, _ = post_raw(client, "/api/v1/complaints", raw)
    assert response.status_code == 400, response.json


def test_a_nul_in_a_credit_event_note_is_a_400_not_a_500(
    client: FlaskClient, session: Session, world: World
) -> None:
    token = {"Authorization": f"Bearer {world.tokens['regulator']}"}
    raw = b'{"kind": "violation", "note": "x\\u0000"}'
    response, _ = post_raw(client, f"/api/v1/enterprises/{world.merchant.id}/credit-events", raw, token)
    assert response.status_code == 400 and "note" in response.json["error"]["message"]
    assert count(session, CreditEvent) == 0


@pytest.mark.parametrize(
    "raw",
    [
        '{"code": "%s", "category": "quality", "text": "Broken lid \\u0000 here."}',
        '{"code": "%s", "category": "quality", "text": "Broken lid.", "contact": ["\\u0000"]}',
        '{"code": "%s", "category": "quality", "text": "Broken lid.", "x\\u0000": 1}',
    ],
    ids=["value", "nested", "key"],
)
def test_a_nul_anywhere_in_a_json_body_is_a_400(
    client: FlaskClient, session: Session, url: str, raw: str
) -> None:
    response, _ = post_raw(client, "/api/v1/complaints", (raw % url).encode())
    assert response.status_code == 400 and "NUL" in response.json["error"]["message"]
    assert count(session, Complaint) == 0


def test_a_megabyte_form_text_is_refused_at_the_edge(client: FlaskClient, url: str) -> None:
    data = complaint(url, text="x" * (1024 * 1024))
    response = client.post(
        "/api/v1/complaints", data=data, content_type="multipart/form-data", headers=DEVICE
    )
    assert response.status_code == 413


def test_over_long_text_is_refused_before_it_is_cleaned() -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match="longer than"):
        clean_text("\u202e" * (15 * 1024 * 1024), "text", TEXT_MAX)
    assert time.perf_counter() - started < 0.1
    assert clean_text(" \x07" * TEXT_MAX + "ok", "text", TEXT_MAX) == "ok"  # padding within bounds is cleaned
