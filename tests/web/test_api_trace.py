"""The trace API: a batch's and a complaint's trace, the spreadsheet downloads and the EPCIS export."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from tests.trace_world import UNITS, TracedWorld, build_traced_world

ERROR_KEYS = {"code", "message"}


@pytest.fixture
def traced(session: Session, runtime: Runtime) -> TracedWorld:
    return build_traced_world(session, runtime.ring)


def auth(traced: TracedWorld, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {traced.world.tokens[who]}"}


def paths(traced: TracedWorld) -> list[str]:
    b = traced.batch.id
    return [
        f"/api/v1/batches/{b}/trace",
        f"/api/v1/complaints/{traced.complaint.id}/trace",
        f"/api/v1/batches/{b}/trace.csv",
        f"/api/v1/batches/{b}/trace.xlsx",
        f"/api/v1/batches/{b}/epcis",
    ]


def test_the_regulator_traces_a_batch_in_one_call(client: FlaskClient, traced: TracedWorld) -> None:
    response = client.get(f"/api/v1/batches/{traced.batch.id}/trace", headers=auth(traced, "regulator"))
    assert response.status_code == 200
    data = response.json
    assert data is not None
    assert data["batch"]["lot"] == "T2706" and data["codes"]["issued"] == UNITS
    assert data["orders"]["units_shipped"] == 5 and data["scans"]["total"] == 5
    assert {c["reference"] for c in data["complaints"]["items"]} == {
        traced.complaint.reference,
        traced.sibling.reference,
    }
    assert "13800138000" not in response.get_data(as_text=True)


def test_the_regulator_traces_a_complaint_to_its_batch(client: FlaskClient, traced: TracedWorld) -> None:
    response = client.get(
        f"/api/v1/complaints/{traced.complaint.id}/trace?orders_limit=1", headers=auth(traced, "regulator")
    )
    assert response.status_code == 200
    data = response.json
    assert data is not None
    assert data["subject"] == "complaint" and data["complaint"]["reference"] == traced.complaint.reference
    assert data["batch"]["id"] == traced.batch.id and len(data["orders"]["items"]) == 1
    assert "contact" not in data["complaint"]
    unknown = client.get(
        f"/api/v1/complaints/{traced.unknown_complaint.id}/trace", headers=auth(traced, "regulator")
    ).json
    assert unknown is not None and unknown["batch"] is None and unknown["complaint"]["batch_id"] is None


def test_the_merchant_traces_its_own_batch_and_complaint(client: FlaskClient, traced: TracedWorld) -> None:
    for path in paths(traced):
        assert client.get(path, headers=auth(traced, "merchant")).status_code == 200, path


@pytest.mark.parametrize("who", ["merchant_b", None])
def test_others_get_404_and_consumers_401(client: FlaskClient, traced: TracedWorld, who: str | None) -> None:
    for path in paths(traced):
        response = client.get(path, headers=auth(traced, who) if who else {})
        assert response.status_code == (404 if who else 401), path
        assert response.is_json and set(response.json["error"]) == ERROR_KEYS  # type: ignore[index]


def test_bad_ids_and_parameters_are_4xx(client: FlaskClient, traced: TracedWorld) -> None:
    headers = auth(traced, "regulator")
    for path in (
        "/api/v1/batches/999999/trace",
        "/api/v1/complaints/999999/trace",
        "/api/v1/batches/999999/trace.csv",
        "/api/v1/batches/999999/trace.xlsx",
        "/api/v1/batches/999999/epcis",
        "/api/v1/batches/abc/trace",
        "/api/v1/batches/-1/epcis",
    ):
        assert client.get(path, headers=headers).status_code == 404, path
    base = f"/api/v1/batches/{traced.batch.id}/trace"
    for query in ("orders_limit=abc", "orders_limit=5000", "orders_offset=-1", "top=0", "top=9999999999"):
        response = client.get(f"{base}?{query}", headers=headers)
        assert response.status_code == 400 and response.json["error"]["code"] == "invalid_input", query  # type: ignore[index]


def test_the_csv_download_parses_back(client: FlaskClient, traced: TracedWorld) -> None:
    response = client.get(f"/api/v1/batches/{traced.batch.id}/trace.csv", headers=auth(traced, "regulator"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    shipped = [r for r in rows if r["event"] == "shipped"]
    assert [r["code_url"] for r in shipped] == traced.urls[:5]
    assert rows[0]["event"] == "entry_received" and rows[-1]["event"] == "destroyed"


def test_the_xlsx_download_is_a_workbook(client: FlaskClient, traced: TracedWorld) -> None:
    response = client.get(f"/api/v1/batches/{traced.batch.id}/trace.xlsx", headers=auth(traced, "regulator"))
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    with zipfile.ZipFile(io.BytesIO(response.data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<autoFilter" in sheet and traced.orders[0].order_no in sheet


def test_the_epcis_download_is_json_ld(client: FlaskClient, traced: TracedWorld) -> None:
    response = client.get(f"/api/v1/batches/{traced.batch.id}/epcis", headers=auth(traced, "regulator"))
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    document = json.loads(response.data)
    assert document["type"] == "EPCISDocument" and len(document["epcisBody"]["eventList"]) == 13
