"""The office's half-yearly statistical report (G15 §3(5); R60): the figures on a page, and as files.

``/regulator/half-year-report?year=2026&half=2`` shows the figures of the office's remit over a Beijing
half-year, section by section, in the reader's language, with the period picker and links to the same
report as CSV and XLSX (``.../download.csv``, ``.xlsx``). Without a period it shows the half-year running
now. A period that is malformed or has not begun is refused on the page (400), naming the field. The
figures are the domain's (:mod:`suyuan.trace.half_year_report`); nothing here counts.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from suyuan.trace.errors import InvalidInput
from suyuan.trace.half_year_report import (
    FIRST_YEAR,
    SECTIONS,
    HalfYearReport,
    Period,
    current_period,
    half_year_report,
    period_of,
)
from suyuan.trace.model import Role
from suyuan.web import half_year_sheet, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.converters import query_int
from suyuan.web.office_desk import Page, problem, with_status

bp = Blueprint("office_reports", __name__, url_prefix="/regulator/half-year-report")
YEARS_SHOWN = 6
"""The picker offers this many years back from the current one (older ones by the URL or the API)."""


@bp.get("")
@login_required(Role.REGULATOR)
def report() -> Page:
    """The half-year's figures, with the picker and the download links."""
    try:
        period = _requested_period()
        status, error = 200, None
    except InvalidInput as exc:
        period, status, error = current_period(), 400, problem(exc)
    now = current_period()
    page = render_template(
        "office/half_year_report.html",
        report=_report(period),
        sections=SECTIONS,
        section_labels=half_year_sheet.SECTION_LABELS,
        labels=half_year_sheet.LABELS,
        years=range(now.year, max(FIRST_YEAR, now.year - YEARS_SHOWN) - 1, -1),
        error=error,
    )
    return with_status(page, status)


@bp.get("/download.csv")
@login_required(Role.REGULATOR)
def download_csv() -> Response:
    """The report of the requested half-year as CSV."""
    return half_year_sheet.csv_response(_report(_requested_period()))


@bp.get("/download.xlsx")
@login_required(Role.REGULATOR)
def download_xlsx() -> Response:
    """The report of the requested half-year as XLSX."""
    return half_year_sheet.xlsx_response(_report(_requested_period()))


def _requested_period() -> Period:
    year, half = query_int("year"), query_int("half")
    return period_of(year, half)


def _report(period: Period) -> HalfYearReport:
    with runtime().transaction() as db:
        return half_year_report(db, current_actor(), period)
