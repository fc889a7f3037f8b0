"""Response-model cases of the enterprise filing's contents (R6), registered into test_response_models."""

from __future__ import annotations

import io

from werkzeug.test import TestResponse

from tests.web.test_response_models import Setting, case

PDF = b"%PDF-1.7\n% a scanned licence\n%%EOF\n"


def upload(s: Setting, token: str, enterprise_id: int, kind: str, name: str = "licence.pdf") -> TestResponse:
    """Put a document on the filing through the API (multipart ``kind`` and ``file``)."""
    return s.post(
        f"/api/v1/enterprises/{enterprise_id}/documents",
        token,
        data={"kind": kind, "file": (io.BytesIO(PDF), name)},
        content_type="multipart/form-data",
    )


@case("get", "/api/v1/enterprises/{enterprise_id}/filing")
def _filing(s: Setting) -> list[TestResponse]:
    w = s.world()
    assert upload(s, w.tokens["merchant"], w.merchant.id, "business_licence").status_code == 201
    assert upload(s, w.tokens["regulator"], w.merchant.id, "traceability_system").status_code == 201
    path = f"/api/v1/enterprises/{w.merchant.id}/filing"
    return [s.get(path, w.tokens["merchant"]), s.get(path, w.tokens["regulator"])]


@case("get", "/api/v1/enterprises/{enterprise_id}/documents")
def _documents(s: Setting) -> list[TestResponse]:
    w = s.world()
    upload(s, w.tokens["merchant"], w.merchant.id, "quality_commitment", "承诺书.pdf")
    path = f"/api/v1/enterprises/{w.merchant.id}/documents"
    return [s.get(path, w.tokens["merchant"]), s.get(path, w.tokens["regulator"])]


@case("post", "/api/v1/enterprises/{enterprise_id}/documents")
def _add_document(s: Setting) -> list[TestResponse]:
    w = s.world()
    return [
        upload(s, w.tokens["merchant"], w.merchant.id, "business_licence"),
        upload(s, w.tokens["regulator"], w.merchant.id, "other_document", "补充材料.pdf"),
    ]
