"""The half-yearly statistical report through the JSON API, and as CSV or XLSX (office staff; R60).

A child of :data:`suyuan.web.api.bp` (endpoints ``api.reports.*``). ``?year=2026&half=2`` names the
Beijing half-year; both left out mean the one running now. The figures are the domain's
(:mod:`suyuan.trace.half_year_report`); the same report is on the officer's page and behind
``suyuan report half-year``.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from suyuan.trace.half_year_report import (
    SECTIONS,
    HalfYearReport,
    half_year_report,
    period_of,
)
from suyuan.web import half_year_sheet, runtime
from suyuan.web.auth import api_auth, current_actor
from suyuan.web.converters import query_int

bp = Blueprint("reports", __name__)


def requested_report() -> HalfYearReport:
    """The report of the half-year the query names (``year``, ``half``), for the caller's remit."""
    actor, rt = current_actor(), runtime()
    actor.require_regulator()
    year, half = query_int("year"), query_int("half")
    period = period_of(year, half)
    with rt.transaction() as db:
        return half_year_report(db, actor, period)


@bp.get("/reports/half-year")
@api_auth
def half_year() -> Response:
    """The half-year's figures by key, with the sections they are grouped in."""
    report = requested_report()
    return jsonify(
        {
            "period": report.period.label,
            "year": report.period.year,
            "half": report.period.half,
            "starts_at": report.period.start.isoformat(),
            "ends_at": report.period.end.isoformat(),
            "office_id": report.office_id,
            "complete": report.complete,
            "generated_at": report.generated_at.isoformat(),
            "sections": [{"section": name, "figures": list(keys)} for name, keys in SECTIONS],
            "figures": report.figures,
        }
    )


@bp.get("/reports/half-year.csv")
@api_auth
def half_year_csv() -> Response:
    """The same report as CSV: section, figure key, its words, value."""
    return half_year_sheet.csv_response(requested_report())


@bp.get("/reports/half-year.xlsx")
@api_auth
def half_year_xlsx() -> Response:
    """The same report as XLSX."""
    return half_year_sheet.xlsx_response(requested_report())
