"""The filing's contents on the pages (R6): the enterprise's own page and the office's page of it.

Both show the SZ Art. 8 documents item by item (the organisation code explained as part of the USCC),
the basic systems of the enterprise's kind, every document with its download link and upload time in
Beijing time, and what is missing, in Chinese; both take a document through the same form. A refused
upload is shown again with a Chinese sentence and its status, nothing written; another office's
enterprise is a 404.
"""

from __future__ import annotations

import io
import re
from datetime import UTC

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import enterprise_documents
from suyuan.trace.enterprise_documents import DocumentUpload
from suyuan.trace.model import AuditEntry, EnterpriseDocument
from tests.factories import World, make_second_office, make_world
from tests.web.sessions import login

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
PDF = b"%PDF-1.7\n% system\n%%EOF\n"


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring, with_key=False)


def post_document(
    client: FlaskClient, path: str, kind: str, data: bytes = PDF, name: str = "制度.pdf"
) -> object:
    return client.post(
        path,
        data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=ZH,
    )


def written(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        session.scalar(select(func.count()).select_from(EnterpriseDocument)) or 0,
    )


def row(page: str, kind: str) -> str:
    found = re.search(rf'<tr data-item="{kind}" data-state="(\w+)">(.*?)</tr>', page, re.S)
    assert found is not None, kind
    return found.group(1) + " " + found.group(2)


def test_the_merchant_sees_its_filing_adds_a_system_and_sees_it_on_file(
    app: Flask, client: FlaskClient, session: Session, world: World
) -> None:
    login(app, client, "staff@a.example")
    page = client.get("/merchant/filing", headers=ZH).get_data(as_text=True)
    assert "企业备案" in page and world.merchant.uscc in page and world.merchant.org_code in page
    assert row(page, "business_licence").startswith("missing") and "营业执照" in page
    org = row(page, "org_code_certificate")
    assert org.startswith("in_uscc") and "三证合一" in org and world.merchant.org_code in org
    assert "质量安全管理制度" in page and "质量追溯制度" in page and "产品风险主动报告和召回制度" in page
    assert "前置约束" not in page  # a platform's system is neither listed nor offered to a merchant
    assert 'data-test="filing-missing"' in page and "备案尚缺" in page

    answer = post_document(client, "/merchant/filing/documents", "risk_recall_system", name="召回制度.pdf")
    assert answer.status_code == 303
    after = client.get("/merchant/filing", headers=ZH).get_data(as_text=True)
    assert "召回制度.pdf 已存档" in after  # the flash
    recall = row(after, "risk_recall_system")
    assert recall.startswith("on_file") and "召回制度.pdf" in recall
    document = session.scalars(select(EnterpriseDocument)).one()
    assert document.enterprise_id == world.merchant.id and not document.uploaded_by_office
    shown = document.uploaded_at.astimezone(UTC)
    beijing = f"{(shown.hour + 8) % 24:02d}:{shown.minute:02d}"
    assert beijing in recall  # Beijing time
    link = f"/api/v1/enterprises/{world.merchant.id}/documents/{document.id}"
    assert link in after
    assert client.get(link).data == PDF  # the signed-in session downloads it


def test_a_refused_upload_is_said_in_chinese_and_writes_nothing(
    app: Flask, client: FlaskClient, session: Session, world: World
) -> None:
    login(app, client, "staff@a.example")
    before = written(session)
    cases = [
        (("business_licence", b"", "empty.pdf"), 422, "文件是空的"),
        (("business_licence", b"<html></html>", "a.pdf"), 422, "PDF"),
        (("business_licence", b"%PDF-" + b"0" * (10 * 1024 * 1024), "big.pdf"), 413, "10 MB"),
        (("first_inquiry_system", PDF, "a.pdf"), 400, "不属于该企业的备案内容"),
        (("no_such_kind", PDF, "a.pdf"), 400, "请选择文件的类别"),
    ]
    for (kind, data, name), status, words in cases:
        answer = post_document(client, "/merchant/filing/documents", kind, data, name)
        page = answer.get_data(as_text=True)
        assert answer.status_code == status, (kind, name)
        error = re.search(r'data-test="error">([^<]+)<', page)
        assert error is not None and words in error.group(1), (kind, error and error.group(1))
    no_file = client.post("/merchant/filing/documents", data={"kind": "business_licence"}, headers=ZH)
    assert no_file.status_code == 400 and "请选择文件" in no_file.get_data(as_text=True)
    assert written(session) == before


def test_the_office_sees_the_gaps_and_puts_a_document_on_file(
    app: Flask, client: FlaskClient, session: Session, world: World
) -> None:
    enterprise_documents.add_document(
        session, world.merchant_staff, world.merchant.id, DocumentUpload("business_licence", "执照.pdf", PDF)
    )
    session.commit()
    login(app, client, "officer@test.example")
    listing = client.get("/regulator/enterprises", headers=ZH).get_data(as_text=True)
    assert re.search(rf'data-enterprise="{world.merchant.id}">.*?data-missing="4"', listing, re.S)
    assert re.search(rf'data-enterprise="{world.merchant_b.id}">.*?data-missing="5"', listing, re.S)
    assert "缺少 4 项材料" in listing
    path = f"/regulator/enterprises/{world.merchant.id}"
    page = client.get(path, headers=ZH).get_data(as_text=True)
    assert 'data-test="filing"' in page and "执照.pdf" in page and 'data-test="filing-gaps"' in page
    assert row(page, "business_licence").startswith("on_file")
    assert ">企业<" in page  # uploaded by the enterprise itself

    answer = post_document(client, f"{path}/documents", "quality_commitment", name="承诺书.pdf")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"{path}#filing")
    after = client.get(path, headers=ZH).get_data(as_text=True)
    assert row(after, "quality_commitment").startswith("on_file") and ">监管机构<" in after
    refused = post_document(client, f"{path}/documents", "quality_commitment", b"", "x.pdf")
    assert refused.status_code == 422 and "文件是空的" in refused.get_data(as_text=True)
    assert 'data-test="enterprise"' in refused.get_data(as_text=True)  # the enterprise's page again


def test_another_office_gets_404_for_the_page_and_the_form(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime, world: World
) -> None:
    make_second_office(session)
    login(app, client, "officer@nanshan.example")
    before = written(session)
    path = f"/regulator/enterprises/{world.merchant.id}"
    assert client.get(path).status_code == 404
    assert post_document(client, f"{path}/documents", "business_licence").status_code == 404
    assert written(session) == before


def test_a_platform_sees_its_own_systems_and_a_complete_filing(
    app: Flask, client: FlaskClient, session: Session, world: World
) -> None:
    from suyuan.trace import accounts
    from suyuan.trace.actors import OPERATOR
    from tests.factories import make_enterprise

    platform = make_enterprise(session, kind="platform")
    accounts.create_user(
        session,
        OPERATOR,
        email="staff@platform.example",
        name="Platform staff",
        role="merchant",
        password="password1",
        enterprise_id=platform.id,
    )
    for kind in (
        "business_licence",
        "quality_commitment",
        "quality_supervision_system",
        "pre_listing_review_system",
        "information_disclosure_system",
        "first_inquiry_system",
    ):
        enterprise_documents.add_document(
            session, OPERATOR, platform.id, DocumentUpload(kind, "制度.pdf", PDF)
        )
    session.commit()
    login(app, client, "staff@platform.example")
    page = client.get("/merchant/filing", headers=ZH).get_data(as_text=True)
    assert 'data-test="filing-complete"' in page and "前置约束" in page and "首问负责制" in page
    assert "质量追溯制度" not in page
    dashboard = client.get("/merchant/", headers=ZH).get_data(as_text=True)
    assert 'data-test="enterprise-filing"' in dashboard and "项材料" not in dashboard


def test_the_dashboard_and_the_account_page_lead_to_the_filing(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(app, client, "staff@a.example")
    dashboard = client.get("/merchant/", headers=ZH).get_data(as_text=True)
    assert 'href="/merchant/filing"' in dashboard and "缺少 5 项材料" in dashboard
    assert 'href="/merchant/filing"' in client.get("/account", headers=ZH).get_data(as_text=True)
    english = client.get("/merchant/filing?lang=en").get_data(as_text=True)
    assert "Missing from the filing: Business licence, Quality and safety commitment" in english
