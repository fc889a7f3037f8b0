"""The contents of an enterprise filing through the API (R6): upload, list, filing, download, and refusals.

Documents arrive as ``multipart/form-data`` (``kind`` and ``file``) from the enterprise's own staff or its
office; everyone else gets the 404 of an unknown id, before the body is read. Bad files are refused with
stable codes: ``file_too_large`` (413), ``file_rejected`` (422: empty, or not PDF/JPEG/PNG), an unknown
kind 400, a JSON body 415; nothing is written. A download is an attachment of the recognised type.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any, get_args

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from suyuan.runtime import Runtime
from suyuan.trace import accounts
from suyuan.trace.actors import OPERATOR
from suyuan.trace.enterprise_documents import MAX_DOCUMENT_BYTES, ItemState
from suyuan.trace.model import AuditEntry, EnterpriseDocument, EnterpriseDocumentKind
from suyuan.web.responses import enums
from tests.factories import World, make_second_office, make_world
from tests.web.sessions import bearer

PDF = b"%PDF-1.7\n% licence\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring, with_key=False)


def upload(
    client: FlaskClient,
    token: str,
    enterprise_id: int,
    kind: str = "business_licence",
    data: bytes = PDF,
    name: str = "营业执照.pdf",
) -> TestResponse:
    return client.post(
        f"/api/v1/enterprises/{enterprise_id}/documents",
        data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=bearer(token),
    )


def error_of(response: TestResponse) -> tuple[int, str]:
    return response.status_code, response.json["error"]["code"]


def written(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        session.scalar(select(func.count()).select_from(EnterpriseDocument)) or 0,
    )


def test_the_merchant_and_its_office_fill_the_filing_and_read_it_back(
    client: FlaskClient, world: World
) -> None:
    mine = upload(client, world.tokens["merchant"], world.merchant.id)
    assert mine.status_code == 201, mine.json
    document = mine.json
    assert document["kind"] == "business_licence" and document["file_name"] == "营业执照.pdf"
    assert (document["media_type"], document["size"]) == ("application/pdf", len(PDF))
    assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert document["uploaded_by_office"] is False and document["uploaded_by"] is None  # merchants: null
    office = upload(client, world.tokens["regulator"], world.merchant.id, "quality_commitment", PNG, "承诺书")
    assert office.status_code == 201
    assert office.json["uploaded_by_office"] is True and "officer@test.example" in office.json["uploaded_by"]
    assert office.json["file_name"] == "承诺书.png" and office.json["media_type"] == "image/png"

    filing = client.get(
        f"/api/v1/enterprises/{world.merchant.id}/filing", headers=bearer(world.tokens["merchant"])
    )
    assert filing.status_code == 200
    body = filing.json
    assert [(i["kind"], i["state"]) for i in body["items"]] == [
        ("business_licence", "on_file"),
        ("org_code_certificate", "in_uscc"),
        ("quality_commitment", "on_file"),
    ]
    assert body["items"][0]["document"]["id"] == document["id"]
    assert body["missing"] == ["quality_management_system", "traceability_system", "risk_recall_system"]
    assert body["complete"] is False and body["commitment_signed"] is True
    assert body["enterprise"]["org_code"] == world.merchant.uscc[8:17]
    assert [d["id"] for d in body["documents"]] == [office.json["id"], document["id"]]  # newest first

    listed = client.get(
        f"/api/v1/enterprises/{world.merchant.id}/documents", headers=bearer(world.tokens["regulator"])
    )
    assert [d["kind"] for d in listed.json["documents"]] == ["quality_commitment", "business_licence"]


def test_a_download_is_the_file_as_uploaded_as_an_attachment(client: FlaskClient, world: World) -> None:
    made = upload(client, world.tokens["merchant"], world.merchant.id, name="营业执照 (副本).pdf").json
    for token in (world.tokens["merchant"], world.tokens["regulator"]):
        got = client.get(made["url"].replace("http://localhost", ""), headers=bearer(token))
        assert got.status_code == 200 and got.data == PDF
        assert got.mimetype == "application/pdf"
        disposition = got.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
        assert got.headers["Cache-Control"] == "private, no-store"
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Content-Security-Policy"] == "default-src 'none'"


@pytest.mark.parametrize(
    ("kind", "data", "answer"),
    [
        ("passport", PDF, (400, "invalid_input")),
        ("pre_listing_review_system", PDF, (400, "invalid_input")),  # a platform's system, not a merchant's
        ("business_licence", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES, (413, "file_too_large")),
        ("business_licence", b"", (422, "file_rejected")),
        ("business_licence", b"<!doctype html><script>alert(1)</script>", (422, "file_rejected")),
        ("business_licence", b"GIF89a\x01\x00\x01\x00", (422, "file_rejected")),
    ],
    ids=["unknown-kind", "other-kinds-system", "oversized", "empty", "html", "gif"],
)
def test_bad_uploads_are_refused_with_their_codes_and_write_nothing(
    client: FlaskClient, session: Session, world: World, kind: str, data: bytes, answer: tuple[int, str]
) -> None:
    before = written(session)
    assert error_of(upload(client, world.tokens["merchant"], world.merchant.id, kind, data)) == answer
    assert written(session) == before


def test_a_body_without_the_file_or_not_multipart_is_refused(
    client: FlaskClient, session: Session, world: World
) -> None:
    path, headers = f"/api/v1/enterprises/{world.merchant.id}/documents", bearer(world.tokens["merchant"])
    before = written(session)
    no_file = client.post(
        path, data={"kind": "business_licence"}, content_type="multipart/form-data", headers=headers
    )
    assert error_of(no_file) == (400, "invalid_input") and "file" in no_file.json["error"]["message"]
    no_kind = client.post(
        path, data={"file": (io.BytesIO(PDF), "a.pdf")}, content_type="multipart/form-data", headers=headers
    )
    assert error_of(no_kind) == (400, "invalid_input")
    assert client.post(path, json={"kind": "business_licence"}, headers=headers).status_code == 415
    assert written(session) == before


def test_another_office_and_other_merchants_get_the_404_of_an_unknown_id(
    client: FlaskClient, session: Session, world: World
) -> None:
    office_b = make_second_office(session)
    made = upload(client, world.tokens["merchant"], world.merchant.id).json
    unknown = world.merchant.id + 1000
    before = written(session)
    for token in (world.tokens["merchant_b"], office_b.tokens["regulator"], office_b.tokens["merchant"]):
        for path in ("filing", "documents"):
            answers = [
                client.get(f"/api/v1/enterprises/{i}/{path}", headers=bearer(token))
                for i in (world.merchant.id, unknown)
            ]
            assert [a.status_code for a in answers] == [404, 404]
            assert answers[0].json["error"]["message"].replace(str(world.merchant.id), "<id>") == answers[
                1
            ].json["error"]["message"].replace(str(unknown), "<id>")
        assert error_of(upload(client, token, world.merchant.id, data=b"")) == (
            404,
            "not_found",
        )  # before the body
        download = client.get(
            f"/api/v1/enterprises/{world.merchant.id}/documents/{made['id']}", headers=bearer(token)
        )
        assert error_of(download) == (404, "not_found") and PDF not in download.data
    # merchant B reads A's document under its own enterprise's path: still 404
    own_path = f"/api/v1/enterprises/{world.merchant_b.id}/documents/{made['id']}"
    assert client.get(own_path, headers=bearer(world.tokens["merchant_b"])).status_code == 404
    assert client.get(f"/api/v1/enterprises/{world.merchant.id}/filing").status_code == 401
    assert written(session) == before


def test_a_read_only_token_reads_the_filing_but_adds_nothing(
    client: FlaskClient, session: Session, world: World
) -> None:
    assert world.merchant_staff.user_id is not None
    _token, secret = accounts.issue_token(
        session, OPERATOR, world.merchant_staff.user_id, "audit", scope="read"
    )
    session.commit()
    assert (
        client.get(f"/api/v1/enterprises/{world.merchant.id}/filing", headers=bearer(secret)).status_code
        == 200
    )
    assert upload(client, secret, world.merchant.id).status_code == 403


def test_the_document_describes_the_upload_and_the_answers(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").json
    post = document["paths"]["/api/v1/enterprises/{enterprise_id}/documents"]["post"]
    form: dict[str, Any] = document["components"]["schemas"]["EnterpriseDocumentForm"]
    assert post["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].endswith(
        "EnterpriseDocumentForm"
    )
    assert form["properties"]["file"]["format"] == "binary" and set(form["required"]) == {"kind", "file"}
    assert form["properties"]["kind"]["enum"] == [k.value for k in EnterpriseDocumentKind]
    assert {"201", "400", "404", "413", "415", "422"} <= post["responses"].keys()
    download = document["paths"]["/api/v1/enterprises/{enterprise_id}/documents/{document_id}"]["get"]
    assert set(download["responses"]["200"]["content"]) == {"application/pdf", "image/jpeg", "image/png"}


def test_the_answers_words_are_the_domains() -> None:
    assert set(get_args(enums.EnterpriseDocumentKind)) == {k.value for k in EnterpriseDocumentKind}
    assert set(get_args(enums.FilingItemState)) == {s.value for s in ItemState}
    from suyuan.trace.enterprise_documents import MEDIA_TYPES

    assert set(get_args(enums.DocumentMediaType)) == {media for _signature, media in MEDIA_TYPES}
