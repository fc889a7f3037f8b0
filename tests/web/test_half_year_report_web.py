"""The half-yearly statistical report (R60) through the API, its CSV and XLSX files, the officer's page and
the CLI: the office's remit only, office staff only, a bad period answered 400 naming the field."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.half_year_report import FIGURES, current_period
from tests.factories import make_second_office, make_world, make_zone_batch
from tests.web.sessions import bearer, login

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def test_the_office_gets_its_figures_as_json_csv_and_xlsx(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    make_zone_batch(session, world, runtime.ring, quantity=12)
    other = make_second_office(session)
    now = current_period()

    answer = client.get("/api/v1/reports/half-year", headers=bearer(world.tokens["regulator"]))
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["period"] == now.label and body["complete"] is False and body["office_id"] == world.office.id
    assert sorted(body["figures"]) == sorted(FIGURES)
    assert body["figures"]["units_entered"] == 12 and body["figures"]["enterprises_filed"] == 2
    theirs = client.get("/api/v1/reports/half-year", headers=bearer(other.tokens["regulator"])).get_json()
    assert theirs["figures"]["units_entered"] == 0 and theirs["figures"]["enterprises_filed"] == 1

    query = f"year={now.year}&half={now.half}"
    sheet = client.get(
        f"/api/v1/reports/half-year.csv?{query}", headers=bearer(world.tokens["regulator"]) | ZH
    )
    assert sheet.status_code == 200 and sheet.mimetype == "text/csv"
    assert f"half-year-report-{now.label}.csv" in sheet.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(sheet.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["section", "figure", "label", "value"]
    assert ["zone", "units_entered", "进入区内的货物件数", "12"] in rows and len(rows) == len(FIGURES) + 1

    xlsx = client.get(f"/api/v1/reports/half-year.xlsx?{query}", headers=bearer(world.tokens["regulator"]))
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(xlsx.data)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
        cells = book.read("xl/worksheets/sheet1.xml").decode()
    assert "units_entered" in strings and "<v>12</v>" in cells


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("year=abc&half=1", "year"),
        ("year=1999&half=1", "year"),
        ("year=2026&half=3", "half"),
        ("year=2026", "half"),
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(
    client: FlaskClient, session: Session, runtime: Runtime, query: str, field: str
) -> None:
    world = make_world(session, runtime.ring)
    for path in ("/api/v1/reports/half-year", "/api/v1/reports/half-year.csv"):
        answer = client.get(f"{path}?{query}", headers=bearer(world.tokens["regulator"]))
        assert answer.status_code == 400, answer.data
        assert answer.get_json()["error"]["message"].startswith(f"{field} must be")


def test_a_future_half_year_is_refused(client: FlaskClient, session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    later = current_period().year + 1
    answer = client.get(
        f"/api/v1/reports/half-year?year={later}&half=1", headers=bearer(world.tokens["regulator"])
    )
    assert answer.status_code == 400


def test_merchants_and_strangers_get_no_report(
    client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    for path in ("/api/v1/reports/half-year", "/api/v1/reports/half-year.xlsx"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=bearer(world.tokens["merchant"])).status_code == 403


def test_the_officer_page_shows_the_figures_in_chinese_with_downloads(
    app: Flask, client: FlaskClient, session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    make_zone_batch(session, world, runtime.ring, quantity=9)
    login(app, client, "officer@test.example")
    page = client.get("/regulator/half-year-report", headers=ZH)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "半年统计" in text and "进入区内的货物件数" in text
    assert (
        '<tr data-figure="units_entered"><th scope="row">进入区内的货物件数</th><td class="num">9</td>'
        in text
    )
    assert "units_entered</th>" not in text and "Units entered" not in text
    now = current_period()
    assert f"/regulator/half-year-report/download.csv?year={now.year}&amp;half={now.half}" in text
    sheet = client.get(
        f"/regulator/half-year-report/download.csv?year={now.year}&half={now.half}", headers=ZH
    )
    assert sheet.status_code == 200 and "进入区内的货物件数,9" in sheet.get_data(as_text=True)

    refused = client.get("/regulator/half-year-report?year=2026&half=9", headers=ZH)
    assert refused.status_code == 400 and "请检查“半年”" in refused.get_data(as_text=True)
    client.post("/logout")
    login(app, client, "staff@a.example")
    assert client.get("/regulator/half-year-report").status_code == 403


def test_the_cli_reports_every_office_or_one(
    run: Callable[..., Result], session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    make_zone_batch(session, world, runtime.ring, quantity=4)
    make_second_office(session)
    text = run("report", "half-year")
    assert text.exit_code == 0 and "units_entered" in text.output and "every office" in text.output
    one = run("report", "half-year", "--office", "SZ-QH", "--format", "json")
    assert json.loads(one.output)["figures"]["enterprises_filed"] == 2
    assert run("report", "half-year", "--format", "json").exit_code == 0
    assert (
        json.loads(run("report", "half-year", "--format", "json").output)["figures"]["enterprises_filed"] == 3
    )
    unknown = run("report", "half-year", "--office", "NOPE")
    assert unknown.exit_code == 2 and "office 'NOPE' does not exist" in unknown.output
    bad = run("report", "half-year", "--year", "2026", "--half", "5")
    assert bad.exit_code == 2 and "half must be 1" in bad.output
