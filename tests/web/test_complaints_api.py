"""Complaints through the JSON API: anonymous filing with photos, the public status, remit, triage, and
hostile input (fake and oversized photos, floods, illegal transitions) answered 4xx with nothing written."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.model import AuditEntry, Batch, Complaint, ComplaintPhoto, CreditEvent
from tests.complaint_factories import (
    OVERSIZED,
    TEXT_AS_JPEG,
    bomb_png,
    forged_lot,
    make_other_office,
    photo_jpeg,
)
from tests.factories import World, code_urls, make_batch, make_world

DEVICE = {"X-Device-Id": "device-one"}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring)


@pytest.fixture
def batch(session: Session, runtime: Runtime, world: World) -> Batch:
    return make_batch(session, world, runtime.ring, count=5)


@pytest.fixture
def url(session: Session, runtime: Runtime, batch: Batch) -> str:
    return code_urls(session, runtime.ring, batch, 1, 1)[0]


def filing(url: str, **overrides: Any) -> dict[str, Any]:
    return {"code": url, "category": "quality", "text": "The lid was broken on arrival.", **overrides}


def file(client: FlaskClient, url: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
    return client.post("/api/v1/complaints", json=filing(url, **kw), headers=headers or DEVICE)


def test_anyone_files_a_complaint_and_follows_it_by_reference(client: FlaskClient, url: str) -> None:
    response = file(client, url, contact="13800000000")
    assert response.status_code == 201
    doc = response.json
    assert set(doc) >= {"id", "reference", "status", "category", "verdict", "status_url"}
    assert (doc["status"], doc["category"], doc["verdict"]) == ("received", "quality", "genuine")
    assert doc["status_url"].endswith(f"/api/v1/complaints/status/{doc['reference']}")
    public = client.get(f"/api/v1/complaints/status/{doc['reference'].lower()}").json
    assert public["reference"] == doc["reference"] and public["status"] == "received"
    assert [e["kind"] for e in public["events"]] == ["filed"]
    assert "13800000000" not in str(public) and "contact" not in public and "device" not in str(public)
    missing = client.get("/api/v1/complaints/status/TS-0000000000")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_a_complaint_about_a_fake_keeps_its_verdict(client: FlaskClient, url: str, batch: Batch) -> None:
    response = file(client, forged_lot(url, batch), category="suspected_fake")
    assert response.status_code == 201 and response.json["verdict"] == "counterfeit"


def test_a_photo_is_re_encoded_without_exif_and_shown_only_within_the_remit(
    client: FlaskClient, session: Session, world: World, url: str
) -> None:
    response = client.post(
        "/api/v1/complaints",
        data={**filing(url), "photo": (io.BytesIO(photo_jpeg()), "IMG_0001.jpg")},
        headers=DEVICE,
    )
    assert response.status_code == 201, response.json
    cid = response.json["id"]
    stored = session.scalars(select(ComplaintPhoto)).one()
    assert (stored.width, stored.height) == (1365, 2048)  # EXIF orientation applied, long side 2048
    assert stored.sha256 == hashlib.sha256(stored.data).hexdigest()
    image = Image.open(io.BytesIO(stored.data))
    assert image.format == "JPEG" and not image.getexif() and "exif" not in image.info
    got = client.get(f"/api/v1/complaints/{cid}/photo", headers=auth(world.tokens["merchant"]))
    assert got.status_code == 200 and got.mimetype == "image/jpeg" and got.data == stored.data
    assert got.headers["Cache-Control"] == "private, no-store"
    # the photo's own policy stands (nothing in it may run or load); the app-wide headers fill in the rest
    assert got.headers["Content-Security-Policy"] == "default-src 'none'"
    assert got.headers["X-Frame-Options"] == "DENY"
    detail = client.get(f"/api/v1/complaints/{cid}", headers=auth(world.tokens["regulator"])).json
    assert detail["photo"]["sha256"] == stored.sha256 and detail["photo"]["width"] == 1365
    assert (
        client.get(f"/api/v1/complaints/{cid}/photo", headers=auth(world.tokens["merchant_b"])).status_code
        == 404
    )
    assert client.get(f"/api/v1/complaints/{cid}/photo").status_code == 401


def test_a_multipart_complaint_without_a_photo_is_fine(
    client: FlaskClient, session: Session, url: str
) -> None:
    response = client.post(
        "/api/v1/complaints", data={**filing(url), "photo": (io.BytesIO(b""), "")}, headers=DEVICE
    )
    assert response.status_code == 201 and count(session, ComplaintPhoto) == 0


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (OVERSIZED, 413, "request_entity_too_large"),
        (TEXT_AS_JPEG, 422, "image_not_an_image"),
        (bomb_png(), 422, "image_too_many_pixels"),
        (b"", 422, "image_empty"),
        (b"%PDF-1.4\n" + b"0" * 100, 422, "image_not_an_image"),
        (photo_jpeg()[:2000], 422, "image_malformed_image"),
    ],
    ids=["oversized", "text-named-jpg", "bomb", "empty", "pdf", "truncated"],
)
def test_fake_or_hostile_photos_are_refused_and_nothing_is_written(
    client: FlaskClient, session: Session, url: str, data: bytes, status: int, code: str
) -> None:
    before = count(session, AuditEntry)
    response = client.post(
        "/api/v1/complaints", data={**filing(url), "photo": (io.BytesIO(data), "photo.jpg")}, headers=DEVICE
    )
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code
    assert count(session, Complaint) == 0 and count(session, ComplaintPhoto) == 0
    assert count(session, AuditEntry) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "short"[:3]}, "text"),
        ({"category": "smell"}, "category"),
        ({"code": "not a code"}, "code"),
        ({"contact": 12345}, "contact"),
        ({"extra": "field"}, "body"),
        ({"text": None}, "body"),
    ],
)
def test_bad_bodies_are_refused(
    client: FlaskClient, session: Session, url: str, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/complaints", json=filing(url, **body), headers=DEVICE)
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_input"
    assert count(session, Complaint) == 0


def test_non_json_non_form_bodies_are_refused(client: FlaskClient, url: str) -> None:
    response = client.post("/api/v1/complaints", data="code=x", content_type="text/plain")
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_input"


def test_a_device_is_rate_limited_after_five_complaints_an_hour(
    client: FlaskClient, session: Session, url: str
) -> None:
    for _ in range(5):
        assert file(client, url).status_code == 201
    refused = file(client, url)
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert count(session, Complaint) == 5
    assert file(client, url, headers={"X-Device-Id": "device-two"}).status_code == 201


def test_the_rate_limit_is_checked_before_a_photo_is_looked_at(
    app: Flask, client: FlaskClient, session: Session, url: str
) -> None:
    app.config["SUYUAN_COMPLAINTS_ANONYMOUS_PER_HOUR"] = "1"
    assert client.post("/api/v1/complaints", json=filing(url)).status_code == 201
    refused = client.post(
        "/api/v1/complaints", data={**filing(url), "photo": (io.BytesIO(bomb_png()), "a.png")}
    )
    assert refused.status_code == 429
    assert count(session, Complaint) == 1


def test_merchants_and_offices_list_their_remit_and_consumers_cannot_list(
    client: FlaskClient, session: Session, runtime: Runtime, world: World, batch: Batch, url: str
) -> None:
    other = make_other_office(session)
    theirs = make_batch(session, world, runtime.ring, count=2, owner="merchant_b")
    mine = file(client, url).json["id"]
    b = file(client, code_urls(session, runtime.ring, theirs, 1, 1)[0]).json["id"]
    assert client.get("/api/v1/complaints").status_code == 401

    def ids(token: str, query: str = "") -> list[int]:
        response = client.get(f"/api/v1/complaints{query}", headers=auth(token))
        assert response.status_code == 200, response.json
        return [c["id"] for c in response.json["complaints"]]

    assert ids(world.tokens["merchant"]) == [mine]
    assert ids(world.tokens["merchant_b"]) == [b]
    assert ids(world.tokens["regulator"]) == [b, mine]
    assert ids(world.tokens["regulator"], f"?batch_id={batch.id}") == [mine]
    assert ids(world.tokens["regulator"], "?status=triaged") == []
    assert ids(world.tokens["regulator"], "?limit=1") == [b]
    assert ids(other.token) == []
    assert (
        client.get("/api/v1/complaints?status=lost", headers=auth(world.tokens["regulator"])).status_code
        == 400
    )
    assert (
        client.get("/api/v1/complaints?limit=x", headers=auth(world.tokens["regulator"])).status_code == 400
    )
    listed = client.get("/api/v1/complaints", headers=auth(world.tokens["merchant"])).json["complaints"][0]
    assert "device_hash" not in listed and "events" not in listed
    for who in ("merchant_b",):
        assert client.get(f"/api/v1/complaints/{mine}", headers=auth(world.tokens[who])).status_code == 404
    assert client.get(f"/api/v1/complaints/{mine}", headers=auth(other.token)).status_code == 404


def test_merchant_answers_office_decides_and_upholding_costs_credit(
    client: FlaskClient, session: Session, world: World, url: str
) -> None:
    cid = file(client, url, contact="me@example.cn").json["id"]
    reg, mer, mer_b = (auth(world.tokens[w]) for w in ("regulator", "merchant", "merchant_b"))
    answer = {"text": "Please return it; we refund in full."}
    for who, status in ((mer_b, 404), (reg, 403)):  # outsiders are refused before their body is read
        assert client.post(f"/api/v1/complaints/{cid}/answer", data="junk", headers=who).status_code == status
    assert client.post(f"/api/v1/complaints/{cid}/status", json={"x": 1}, headers=mer_b).status_code == 404
    assert client.post(f"/api/v1/complaints/{cid}/status", json={"x": 1}, headers=mer).status_code == 403
    assert client.post(f"/api/v1/complaints/{cid}/answer", json=answer, headers=mer_b).status_code == 404
    assert client.post(f"/api/v1/complaints/{cid}/answer", json=answer, headers=reg).status_code == 403
    assert client.post(f"/api/v1/complaints/{cid}/answer", json={"text": 5}, headers=mer).status_code == 400
    answered = client.post(f"/api/v1/complaints/{cid}/answer", json=answer, headers=mer)
    assert answered.status_code == 200 and answered.json["status"] == "answered"
    assert answered.json["contact"] == "me@example.cn"
    assert (
        client.post(f"/api/v1/complaints/{cid}/status", json={"status": "triaged"}, headers=mer).status_code
        == 403
    )
    illegal = client.post(f"/api/v1/complaints/{cid}/status", json={"status": "closed"}, headers=reg)
    assert illegal.status_code == 409 and illegal.json["error"]["code"] == "invalid_state"
    no_reason = client.post(f"/api/v1/complaints/{cid}/status", json={"status": "upheld"}, headers=reg)
    assert no_reason.status_code == 400
    noted = client.post(f"/api/v1/complaints/{cid}/status", json={"note": "Called the merchant"}, headers=reg)
    assert noted.status_code == 200 and noted.json["status"] == "answered"
    upheld = client.post(
        f"/api/v1/complaints/{cid}/status",
        json={"status": "upheld", "note": "Refund confirmed", "public": True},
        headers=reg,
    )
    assert upheld.status_code == 200 and upheld.json["status"] == "upheld"
    assert [e["kind"] for e in upheld.json["events"]] == ["filed", "answer", "note", "status"]
    assert all("actor" in e for e in upheld.json["events"])
    merchant_view = client.get(f"/api/v1/complaints/{cid}", headers=mer).json
    assert [e["kind"] for e in merchant_view["events"]] == ["filed", "answer", "status"]
    assert all("actor" not in e for e in merchant_view["events"])
    assert count(session, CreditEvent) == 1
    bad_public = client.post(
        f"/api/v1/complaints/{cid}/status", json={"status": "closed", "public": "yes"}, headers=reg
    )
    assert bad_public.status_code == 400
    reference = merchant_view["reference"]
    public = client.get(f"/api/v1/complaints/status/{reference}").json
    assert [e["text"] for e in public["events"]] == ["", answer["text"], "Refund confirmed"]
    assert client.get("/api/v1/audit/verify", headers=reg).json["ok"] is True
    assert client.get("/api/v1/complaints/999/photo", headers=reg).status_code == 404
    assert client.get(f"/api/v1/complaints/{cid}/photo", headers=reg).status_code == 404
