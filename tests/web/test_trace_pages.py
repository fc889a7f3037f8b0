"""The trace view for office staff and merchants, in Chinese and English, with charts and downloads."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from tests.trace_world import TracedWorld, build_traced_world


@pytest.fixture
def traced(session: Session, runtime: Runtime) -> TracedWorld:
    return build_traced_world(session, runtime.ring)


def login(app: Flask, client: FlaskClient, email: str) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/login", data={"email": email, "password": "password1"}).status_code == 302


def test_the_office_sees_the_whole_trace_with_charts_and_downloads(
    app: Flask, client: FlaskClient, traced: TracedWorld
) -> None:
    login(app, client, "officer@test.example")
    page = client.get(f"/regulator/trace/batch/{traced.batch.id}?lang=en").data.decode()
    for marker in ("trace-entry", "trace-codes", "trace-orders", "trace-scans", "trace-complaints"):
        assert f'data-test="{marker}"' in page, marker
    assert "BL-TRACE-0601" in page and traced.orders[0].order_no in page and "安*" in page
    assert f"/api/v1/batches/{traced.batch.id}/trace.csv" in page
    assert f"/api/v1/batches/{traced.batch.id}/trace.xlsx" in page
    assert f"/api/v1/batches/{traced.batch.id}/epcis" in page
    assert 'data-chart="line"' in page and 'data-chart="bar"' in page
    assert "Scans per day, last 90 days" in page and traced.complaint.reference in page
    assert "13800138000" not in page
    chinese = client.get(f"/regulator/trace/batch/{traced.batch.id}?lang=zh").data.decode()
    assert "溯源记录" in chinese and "货物去向" in chinese


def test_the_office_traces_a_complaint_even_when_its_code_matched_nothing(
    app: Flask, client: FlaskClient, traced: TracedWorld
) -> None:
    login(app, client, "officer@test.example")
    page = client.get(f"/regulator/trace/complaint/{traced.complaint.id}?lang=en").data.decode()
    assert 'data-test="trace-complaint"' in page and "The powder smells sour." in page
    assert traced.sibling.reference in page and "T2706" in page
    lone = client.get(f"/regulator/trace/complaint/{traced.unknown_complaint.id}?lang=en").data.decode()
    assert 'data-test="no-batch"' in lone and 'data-test="trace-orders"' not in lone


def test_a_merchant_traces_its_own_batches_only(app: Flask, client: FlaskClient, traced: TracedWorld) -> None:
    login(app, client, "staff@a.example")
    assert client.get(f"/merchant/trace/batch/{traced.batch.id}").status_code == 200
    assert client.get(f"/merchant/trace/batch/{traced.other_batch.id}").status_code == 404
    assert client.get(f"/merchant/trace/batch/{999_999}").status_code == 404
    assert client.get(f"/regulator/trace/batch/{traced.batch.id}").status_code == 403


def test_pages_need_a_signed_in_user_of_the_right_role(
    app: Flask, client: FlaskClient, traced: TracedWorld
) -> None:
    response = client.get(f"/regulator/trace/batch/{traced.batch.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(app, client, "officer@test.example")
    assert client.get(f"/merchant/trace/batch/{traced.batch.id}").status_code == 403
    assert client.get("/regulator/trace/complaint/999999").status_code == 404
    assert client.get(f"/regulator/trace/batch/{traced.batch.id}?orders_offset=junk").status_code == 400
