"""The merchant's desk: filing products with documents, following the decision, registering batches,
issuing codes and submitting test reports — each form's happy path, the wrong role, another enterprise's
object, and hostile or malformed input (a 4xx with a Chinese message, nothing written)."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import issuance, registry
from suyuan.trace.model import AuditEntry, Batch, BatchReport, Issuance, Product
from tests.factories import make_batch, make_product, make_world, make_zone_batch


def login(app: Flask, client: FlaskClient, email: str = "staff@a.example") -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def audit_count(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def filing_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "gtin": "09421234560015",
        "name": "新西兰麦卢卡蜂蜜 250g",
        "name_en": "Manuka honey 250 g",
        "hs_code": "0409000000",
        "category": "food",
        "condition": "new",
        "manufacturer": "Kiwi Bees Ltd",
        "origin_country": "NZ",
        "supplier_name": "Kiwi Bees Export",
        "supplier_country": "NZ",
        "in_food_registration_catalogue": "y",
        "documents-0-kind": "free_sale_certificate",
        "documents-0-number": "FSC-1",
        "documents-0-issuer": "MPI",
        "documents-0-issued_on": "2026-01-05",
        "documents-0-valid_until": "2099-01-05",
        "documents-1-kind": "food_producer_registration",
        "documents-1-number": "CIFR-NZ-1",
        "documents-1-valid_until": "2099-01-05",
    }
    return data | overrides


def test_a_merchant_files_a_product_with_documents_and_sees_the_office_decision(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    login(app, client)
    form = client.get("/merchant/products/new").data.decode()
    assert 'data-test="product-form"' in form and "食品" in form and "自由销售证明" in form
    answer = client.post("/merchant/products/new", data=filing_form())
    assert answer.status_code == 303
    product = session.scalars(select(Product).filter_by(gtin="09421234560015")).one()
    assert [d.kind.value for d in product.documents] == [
        "free_sale_certificate",
        "food_producer_registration",
    ]
    assert product.in_food_registration_catalogue and product.enterprise_id == world.merchant.id
    page = client.get(answer.headers["Location"]).data.decode()
    assert "待准入" in page or 'data-status="filed"' in page
    registry.decide_admission(
        session, world.regulator, product.id, admit=True, disclosure="本品未经国内检验，请知悉。"
    )
    session.commit()
    page = client.get(f"/merchant/products/{product.id}").data.decode()
    assert 'data-status="admitted_with_disclosure"' in page and "本品未经国内检验，请知悉。" in page
    assert ">admitted" not in page  # the status in words, never the stored value
    listing = client.get("/merchant/products").data.decode()
    assert product.name in listing


def test_a_refused_filing_shows_the_reason(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world, admit=False)
    registry.decide_admission(session, world.regulator, product.id, admit=False, reason="标签不符合要求")
    session.commit()
    login(app, client)
    page = client.get(f"/merchant/products/{product.id}").data.decode()
    assert 'data-test="refusal"' in page and "标签不符合要求" in page and "不予准入" in page


def test_a_malformed_filing_is_refused_in_chinese_and_nothing_is_written(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    login(app, client)
    before = audit_count(session)
    bad_gtin = client.post("/merchant/products/new", data=filing_form(gtin="09421234560016"))
    assert bad_gtin.status_code == 400 and "GTIN 无效" in bad_gtin.data.decode()
    assert 'value="新西兰麦卢卡蜂蜜 250g"' in bad_gtin.data.decode()  # what was typed is kept
    bad_date = client.post(
        "/merchant/products/new", data=filing_form(**{"documents-0-issued_on": "2026-13-01"})
    )
    assert bad_date.status_code == 400 and "请检查" in bad_date.data.decode()
    backwards = client.post(
        "/merchant/products/new",
        data=filing_form(**{"documents-0-issued_on": "2026-05-01", "documents-0-valid_until": "2026-01-01"}),
    )
    assert backwards.status_code == 400 and "有效期" in backwards.data.decode()
    kindless = client.post("/merchant/products/new", data=filing_form(**{"documents-0-kind": ""}))
    assert kindless.status_code == 400 and "证件类型" in kindless.data.decode()
    hostile = client.post(
        "/merchant/products/new", data=filing_form(name="<script>alert(1)</script>\x00", category="weapons")
    )
    assert hostile.status_code == 400 and "<script>alert(1)" not in hostile.data.decode()
    huge = client.post("/merchant/products/new", data=filing_form(name="奶" * 5000))
    assert huge.status_code == 400
    assert audit_count(session) == before
    assert session.scalar(select(func.count()).select_from(Product)) == 0


def test_a_filing_form_without_its_csrf_token_is_refused(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    login(app, client)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/merchant/products/new", data=filing_form()).status_code == 400
    assert session.scalar(select(func.count()).select_from(Product)) == 0


def test_the_office_cannot_use_the_merchant_desk(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    login(app, client, "officer@test.example")
    assert client.get("/merchant/products/new").status_code == 403
    assert client.post("/merchant/products/new", data=filing_form()).status_code == 403
    assert session.scalar(select(func.count()).select_from(Product)) == 0


def test_documents_are_added_until_the_decision_and_batches_registered_after_admission(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    pending = make_product(session, world, admit=False)
    login(app, client)
    doc = {
        "document-kind": "certificate_of_origin",
        "document-number": "CO-9",
        "document-valid_until": "2099-01-01",
    }
    assert client.post(f"/merchant/products/{pending.id}/documents", data=doc).status_code == 303
    batch = {"lot": "L2612A", "quantity": "500", "production_date": "2026-03-01", "expiry_date": "2028-03-01"}
    refused = client.post(f"/merchant/products/{pending.id}/batches", data=batch)
    assert refused.status_code == 409 and "准入" in refused.data.decode()
    registry.decide_admission(session, world.regulator, pending.id, admit=True)
    session.commit()
    late = client.post(f"/merchant/products/{pending.id}/documents", data=doc)
    assert late.status_code == 409 and "作出决定之前" in late.data.decode()
    made = client.post(f"/merchant/products/{pending.id}/batches", data=batch)
    assert made.status_code == 303 and "/merchant/batches/" in made.headers["Location"]
    again = client.post(f"/merchant/products/{pending.id}/batches", data=batch)
    assert again.status_code == 409 and "已存在" in again.data.decode()
    bad_lot = client.post(f"/merchant/products/{pending.id}/batches", data=batch | {"lot": "L 2612 ☃"})
    assert bad_lot.status_code == 400 and "批号" in bad_lot.data.decode()
    assert session.scalar(select(func.count()).select_from(Batch)) == 1


def test_another_enterprises_product_and_batch_answer_404_and_write_nothing(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    theirs = make_batch(session, world, runtime.ring, owner="merchant_b", count=5)
    login(app, client)
    before = audit_count(session)
    product_id = theirs.product_id
    assert client.get(f"/merchant/products/{product_id}").status_code == 404
    assert client.post(f"/merchant/products/{product_id}/documents", data={}).status_code == 404
    assert (
        client.post(f"/merchant/products/{product_id}/batches", data={"lot": "X1", "quantity": 1}).status_code
        == 404
    )
    assert client.get(f"/merchant/batches/{theirs.id}").status_code == 404
    assert client.post(f"/merchant/batches/{theirs.id}/codes", data={"count": "5"}).status_code == 404
    assert client.post(f"/merchant/batches/{theirs.id}/reports", data={}).status_code == 404
    assert audit_count(session) == before


def test_issuing_codes_shows_the_new_serial_range_and_refuses_beyond_the_quantity(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=100, quantity=300)
    login(app, client)
    answer = client.post(f"/merchant/batches/{batch.id}/codes", data={"count": "150"}, follow_redirects=True)
    page = answer.data.decode()
    assert answer.status_code == 200 and "101–250" in page and "150" in page
    assert issuance.issued_count(session, batch.id) == 250
    before = audit_count(session)
    too_many = client.post(f"/merchant/batches/{batch.id}/codes", data={"count": "51"})
    assert too_many.status_code == 400 and "批次剩余" in too_many.data.decode()
    for hostile in ("0", "-5", "1e9", "99999999999999999999", "五十", ""):
        assert client.post(f"/merchant/batches/{batch.id}/codes", data={"count": hostile}).status_code == 400
    assert audit_count(session) == before
    assert session.scalar(select(func.count()).select_from(Issuance)) == 2


def report_form(content: bytes, name: str = "report.pdf", **overrides: str) -> dict[str, Any]:
    return {
        "kind": "foreign_test_report",
        "issuer": "SGS New Zealand",
        "number": "SGS-2026-1",
        "issued_on": "2026-01-05",
        "valid_until": "2099-01-01",
        "file": (io.BytesIO(content), name),
    } | overrides


def test_a_report_upload_records_the_files_digest_and_shows_what_release_waits_for(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10, released=False, codes=0)
    login(app, client)
    page = client.get(f"/merchant/batches/{batch.id}").data.decode()
    assert 'data-test="gaps"' in page and "尚未通过检疫" in page and "境外检测报告" in page
    pdf = b"%PDF-1.7\n" + b"x" * 5000
    answer = client.post(
        f"/merchant/batches/{batch.id}/reports", data=report_form(pdf), content_type="multipart/form-data"
    )
    assert answer.status_code == 303
    report = session.scalars(select(BatchReport).filter_by(batch_id=batch.id)).one()
    import hashlib

    assert report.sha256 == hashlib.sha256(pdf).hexdigest() and report.status.value == "submitted"
    assert "待监管审核" in client.get(f"/merchant/batches/{batch.id}").data.decode()


def test_oversized_wrong_typed_or_missing_report_files_are_refused_in_chinese(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10, released=False, codes=0)
    login(app, client)
    before = audit_count(session)
    url = f"/merchant/batches/{batch.id}/reports"
    big = client.post(
        url, data=report_form(b"%PDF-" + b"0" * (11 * 1024 * 1024)), content_type="multipart/form-data"
    )
    assert big.status_code == 413 and "10 MB" in big.data.decode()
    exe = client.post(
        url, data=report_form(b"MZ\x90\x00" + b"\x00" * 100, "report.pdf"), content_type="multipart/form-data"
    )
    assert exe.status_code == 400 and "PDF、JPEG 或 PNG" in exe.data.decode()
    empty = client.post(url, data=report_form(b""), content_type="multipart/form-data")
    assert empty.status_code == 400
    missing = client.post(url, data={k: v for k, v in report_form(b"").items() if k != "file"})
    assert missing.status_code == 400 and "选择" in missing.data.decode()
    future = client.post(
        url, data=report_form(b"%PDF-1", issued_on="2999-01-01"), content_type="multipart/form-data"
    )
    assert future.status_code == 400 and "签发日期" in future.data.decode()
    assert audit_count(session) == before
    assert session.scalar(select(func.count()).select_from(BatchReport)) == 0
