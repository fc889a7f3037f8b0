"""The batch's history exported: the trace spreadsheet (CSV, XLSX) and the EPCIS 2.0 document.

The EPCIS document is validated against GS1's JSON Schema, vendored in ``tests/data/epcis`` with GS1's
terms (``GS1-TERMS.txt``) and its source (``ATTRIBUTION.md``) beside it.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import epcis
from suyuan.trace.codes import parse_code
from suyuan.trace.digital_link import parse_digital_link
from suyuan.trace.errors import NotFound
from suyuan.trace.tracing import sheet as trace_sheet
from suyuan.trace.zone import spot_checks
from tests.conftest import DATA
from tests.factories import BASE
from tests.trace_world import UNITS, TracedWorld, build_traced_world

SCHEMA = DATA / "epcis" / "EPCIS-JSON-Schema.json"
SITE = "https://sy.example.cn"
EVENTS = [
    "entry_received",
    "codes_issued",
    "quarantine",
    "report_reviewed",
    "shipped",
    "shipped",
    "returned",
    "spot_check_sampled",
    "spot_check_decided",
    "recall_opened",
    "recall_opened",
    "recall_closed",
    "destroyed",
]
BIZ_STEPS = [
    "receiving",
    "commissioning",
    "inspecting",
    "inspecting",
    "shipping",
    "shipping",
    "receiving",
    "sampling",
    "inspecting",
    "holding",
    "holding",
    "holding",
    "destroying",
]
XLSX_NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.fixture
def traced(session: Session, runtime: Runtime) -> TracedWorld:
    return build_traced_world(session, runtime.ring)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def rows_of(session: Session, runtime: Runtime, traced: TracedWorld) -> list[tuple[Any, ...]]:
    return list(trace_sheet.sheet_rows(session, traced.world.regulator, runtime.ring, BASE, traced.batch.id))


# --- EPCIS ----------------------------------------------------------------------------------------


def test_the_epcis_export_validates_against_gs1s_schema(
    session: Session, traced: TracedWorld, validator: jsonschema.Draft7Validator
) -> None:
    document = epcis.epcis_document(session, traced.world.regulator, traced.batch.id, SITE)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []
    assert document["@context"][0] == epcis.EPCIS_CONTEXT and document["schemaVersion"] == "2.0"


def test_epcis_events_come_in_time_order_with_the_cbv_steps(session: Session, traced: TracedWorld) -> None:
    events = epcis.epcis_document(session, traced.world.regulator, traced.batch.id, SITE)["epcisBody"][
        "eventList"
    ]
    assert [e["bizStep"] for e in events] == BIZ_STEPS
    times = [e["eventTime"] for e in events]
    assert times == sorted(times)
    assert events[1]["action"] == "ADD" and events[1]["ilmd"]["sy:lastSerial"] == UNITS
    assert events[-1]["action"] == "DELETE" and events[-1]["disposition"] == "destroyed"
    assert [e.get("disposition") for e in events if e["bizStep"] == "inspecting"] == [
        "conformant",
        "conformant",
        "non_conformant",
    ]
    assert events[10]["disposition"] == "recalled" and events[6]["disposition"] == "returned"
    assert len({e["eventID"] for e in events}) == len(events)


def test_every_identifier_is_a_gs1_digital_link_of_the_batch(session: Session, traced: TracedWorld) -> None:
    batch = traced.batch
    events = epcis.epcis_document(session, traced.world.regulator, batch.id, SITE)["epcisBody"]["eventList"]
    shipped: list[str] = []
    for event in events:
        for epc in event.get("epcList", []):
            link = parse_digital_link(epc)
            assert (link.primary, link.get("10")) == (("01", batch.gtin), batch.lot)
            code = parse_code(epc).code
            assert (code.gtin, code.lot) == (batch.gtin, batch.lot)
            if event["bizStep"] == "shipping":
                shipped.append(code.serial)
        for element in event.get("quantityList", []):
            link = parse_digital_link(element["epcClass"])
            assert (link.primary, link.get("10"), link.get("21")) == (("01", batch.gtin), batch.lot, None)
    assert shipped == ["1", "2", "3", "4", "5"]


def test_the_streamed_epcis_text_is_the_same_document_with_stable_ids(
    session: Session, traced: TracedWorld
) -> None:
    actor, batch_id = traced.world.regulator, traced.batch.id
    streamed = json.loads("".join(epcis.epcis_chunks(session, actor, batch_id, SITE)))
    built = epcis.epcis_document(session, actor, batch_id, SITE)
    assert streamed["epcisBody"] == built["epcisBody"]


def test_exports_answer_not_found_outside_the_remit(
    session: Session, runtime: Runtime, traced: TracedWorld
) -> None:
    with pytest.raises(NotFound):
        epcis.epcis_document(session, traced.world.merchant_b_staff, traced.batch.id, SITE)
    with pytest.raises(NotFound):
        list(
            trace_sheet.sheet_rows(
                session, traced.world.merchant_b_staff, runtime.ring, BASE, traced.batch.id
            )
        )


# --- the spreadsheet ------------------------------------------------------------------------------


def test_the_csv_parses_back_with_one_row_per_event_and_per_unit(
    session: Session, runtime: Runtime, traced: TracedWorld
) -> None:
    text = "".join(trace_sheet.csv_chunks(rows_of(session, runtime, traced)))
    assert text.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert tuple(table[0].keys()) == trace_sheet.COLUMNS
    kinds = [r["event"] for r in table]
    assert kinds.count("shipped") == 5 and kinds.count("returned") == 1
    assert [k for k in kinds if k != "shipped"] == [k for k in EVENTS if k != "shipped"]
    assert all(r["traceability_lot_code"] == f"(01){traced.batch.gtin}(10)T2706" for r in table)
    assert [r["event_time_utc"] for r in table] == sorted(r["event_time_utc"] for r in table)


def test_shipped_rows_carry_the_units_full_codes_order_and_masked_buyer(
    session: Session, runtime: Runtime, traced: TracedWorld
) -> None:
    rows = [dict(zip(trace_sheet.COLUMNS, r, strict=True)) for r in rows_of(session, runtime, traced)]
    shipped = [r for r in rows if r["event"] == "shipped"]
    assert [r["code_url"] for r in shipped] == traced.urls[:5]
    assert [(r["order_no"], r["buyer"], r["quantity"]) for r in shipped[:2]] == [
        (traced.orders[0].order_no, "安*", 1),
        (traced.orders[0].order_no, "安*", 1),
    ]
    assert shipped[0]["waybill_no"] == traced.orders[0].waybill_no
    issued = next(r for r in rows if r["event"] == "codes_issued")
    assert (issued["first_serial"], issued["last_serial"], issued["code_url"]) == (1, UNITS, "")
    entry = next(r for r in rows if r["event"] == "entry_received")
    assert (entry["reference_document_number"], entry["quantity"]) == ("BL-TRACE-0601", UNITS)


def test_the_xlsx_has_the_same_rows_a_frozen_header_and_an_autofilter(
    session: Session, runtime: Runtime, traced: TracedWorld, tmp_path: Path
) -> None:
    rows = rows_of(session, runtime, traced)
    path = tmp_path / "trace.xlsx"
    assert trace_sheet.write_xlsx(iter(rows), path) == len(rows)
    with zipfile.ZipFile(path) as book:
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    found = sheet.findall(".//x:sheetData/x:row", XLSX_NS)
    assert len(found) == len(rows) + 1
    header = ["".join(c.itertext()) for c in found[0].findall("x:c", XLSX_NS)]
    assert tuple(header) == trace_sheet.COLUMNS
    autofilter = sheet.find("x:autoFilter", XLSX_NS)
    assert autofilter is not None and autofilter.get("ref") == f"A1:U{len(rows) + 1}"
    assert sheet.find(".//x:pane", XLSX_NS) is not None
    events = ["".join(r.findall("x:c", XLSX_NS)[1].itertext()) for r in found[1:]]
    assert events == [r[1] for r in rows]


def test_the_merchant_export_leaves_out_a_planned_spot_check(
    session: Session, runtime: Runtime, traced: TracedWorld
) -> None:
    spot_checks.open_spot_check(session, traced.world.regulator, traced.other_batch.id)
    check = spot_checks.list_spot_checks(session, traced.world.regulator)[0]
    spot_checks.record_sample(session, traced.world.regulator, check.id, channel="offline", quantity=1)
    session.commit()
    batch_id = traced.other_batch.id

    def kinds(actor: Any) -> list[str]:
        return [r[1] for r in trace_sheet.sheet_rows(session, actor, runtime.ring, BASE, batch_id)]

    assert "spot_check_sampled" in kinds(traced.world.regulator)
    assert "spot_check_sampled" not in kinds(traced.world.merchant_b_staff)


def test_the_schema_check_would_catch_a_broken_document(
    session: Session, traced: TracedWorld, validator: jsonschema.Draft7Validator
) -> None:
    document = epcis.epcis_document(session, traced.world.regulator, traced.batch.id, SITE)
    event = document["epcisBody"]["eventList"][0]
    event["eventTime"], event["action"] = "yesterday", "MOVE"
    messages = " ".join(e.message for e in validator.iter_errors(document))
    assert "'MOVE' is not one of" in messages and "is not a 'date-time'" in messages


def test_an_xlsx_beyond_excels_row_limit_says_it_was_cut(
    session: Session, runtime: Runtime, traced: TracedWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trace_sheet, "XLSX_MAX_ROWS", 6)  # Excel's 1,048,576, scaled down
    path = tmp_path / "cut.xlsx"
    assert trace_sheet.write_xlsx(iter(rows_of(session, runtime, traced)), path) == 4
    with zipfile.ZipFile(path) as book:
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    found = sheet.findall(".//x:sheetData/x:row", XLSX_NS)
    assert len(found) == 6 and "truncated" in "".join(found[-1].itertext())
