"""The half-yearly statistical report in words and as files: what the page, the API and the downloads share.

The domain (:mod:`suyuan.trace.half_year_report`) names each figure by a stable English key; here each
key and section gets its words in the reader's language (:data:`LABELS`, :data:`SECTION_LABELS`), and
the report becomes a CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese) or an
XLSX file of one row per figure: section, key, words, value. The keys stay in the files so that an
office's own tooling can read them whatever the language.
"""

from __future__ import annotations

import csv
import io

import xlsxwriter
from flask import Response
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from suyuan.trace.half_year_report import SECTIONS, HalfYearReport
from suyuan.trace.sheet_cells import sheet_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = ("section", "figure", "label", "value")

SECTION_LABELS: dict[str, LazyString] = {
    "filing": _l("Filings and admissions"),
    "zone": _l("Bonded zone: entries, ledger and exits"),
    "inspection": _l("Spot checks"),
    "codes": _l("Traceability codes and scans"),
    "complaints": _l("Complaints"),
    "measures": _l("Measures taken"),
}

LABELS: dict[str, LazyString] = {
    "enterprises_filed": _l("Enterprises filed"),
    "products_admitted": _l("Products admitted"),
    "products_refused": _l("Products refused"),
    "entry_declarations": _l("Entry declarations"),
    "units_entered": _l("Units entered into the zone"),
    "units_written_off": _l("Units written off at exit"),
    "units_returned": _l("Units returned by consumers"),
    "units_destroyed": _l("Units destroyed"),
    "exit_declarations": _l("Exit declarations (orders)"),
    "exits_released_by_office": _l("Held orders released by the office"),
    "spot_checks_decided": _l("Spot checks concluded"),
    "spot_checks_failed": _l("Spot checks failed"),
    "codes_issued": _l("Traceability codes issued"),
    "scans": _l("Scans"),
    "scans_genuine": _l("Scans answered genuine"),
    "scans_counterfeit": _l("Scans answered counterfeit"),
    "scans_suspect": _l("Scans answered suspect (cloned)"),
    "scans_other": _l("Scans answered recalled, revoked or other"),
    "complaints_received": _l("Complaints received"),
    "complaints_upheld": _l("Complaints upheld"),
    "recalls": _l("Recalls"),
    "stop_sales": _l("Stop-sales"),
    "risk_information": _l("Risk information recorded"),
    "risk_warnings": _l("Risk warnings published"),
    "sanctions": _l("Sanctions decided"),
    "interviews": _l("Responsibility interviews"),
    "rectification_orders": _l("Rectification orders issued"),
}


def rows(report: HalfYearReport) -> list[tuple[str, str, str, int]]:
    """One row per figure, in report order: section, key, words, value."""
    return [
        (section, key, str(LABELS[key]), report.figures[key]) for section, keys in SECTIONS for key in keys
    ]


def file_name(report: HalfYearReport, extension: str) -> str:
    """``half-year-report-2026-H2.csv``: the period in the name, so a folder of reports sorts."""
    return f"half-year-report-{report.period.label}.{extension}"


def csv_response(report: HalfYearReport) -> Response:
    """The report as a CSV download; text cells cannot run as formulas (:func:`sheet_cell`)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([sheet_cell(cell) for cell in row] for row in rows(report))
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(report, "csv")}"'
    return response


def xlsx_response(report: HalfYearReport) -> Response:
    """The report as an XLSX download (a few dozen cells: built in memory), header row frozen."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(report.period.label)
    sheet.write_row(0, 0, COLUMNS, workbook.add_format({"bold": True}))
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 2, 36)
    for number, (section, key, label, value) in enumerate(rows(report), start=1):
        sheet.write_string(number, 0, section)
        sheet.write_string(number, 1, key)
        sheet.write_string(number, 2, sheet_cell(label))
        sheet.write_number(number, 3, value)
    workbook.close()
    response = Response(buffer.getvalue(), mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(report, "xlsx")}"'
    return response
