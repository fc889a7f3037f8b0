"""The trace through the JSON API: a batch's or a complaint's trace, its spreadsheet and its EPCIS export.

A child of :data:`suyuan.web.api.bp` (endpoints ``api.trace.*``). Who may call what is the domain's rule
(:mod:`suyuan.trace.tracing`): the office's regulators and the batch's own merchant; others get 404.
The downloads check access in a first transaction (``api_visible``), before the first byte is sent,
so every refusal is a proper JSON error; then the CSV and the EPCIS document stream from a second
transaction (constant memory) that the generator opens itself from the runtime, so it needs no request
context while the body is sent; the XLSX is written to a temporary file that is unlinked once opened.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import Blueprint, Response, jsonify, send_file

from suyuan.runtime import Runtime
from suyuan.trace import epcis, tracing
from suyuan.trace.actors import Actor
from suyuan.trace.tracing import sheet as trace_sheet
from suyuan.web import runtime
from suyuan.web.api.common import int_arg
from suyuan.web.auth import api_auth, api_visible, current_actor

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

bp = Blueprint("trace", __name__)


def trace_options() -> tracing.TraceOptions:
    """``orders_offset``, ``orders_limit`` and ``top`` from the query string (400 if malformed)."""
    defaults = tracing.TraceOptions()
    offset, limit, top = int_arg("orders_offset"), int_arg("orders_limit"), int_arg("top")
    return tracing.TraceOptions(
        orders_offset=defaults.orders_offset if offset is None else offset,
        orders_limit=defaults.orders_limit if limit is None else limit,
        top=defaults.top if top is None else top,
    )


@bp.get("/batches/<int:batch_id>/trace")
@api_auth
def batch_trace(batch_id: int) -> Response:
    """Product → supplier → batch → codes → orders → scans → complaints of one batch."""
    options = trace_options()
    with runtime().transaction() as db:
        return jsonify(tracing.trace_batch(db, current_actor(), batch_id, options).as_json())


@bp.get("/complaints/<int:complaint_id>/trace")
@api_auth
def complaint_trace(complaint_id: int) -> Response:
    """The trace behind a complaint: its batch's, or what its unknown code's GTIN matched."""
    options = trace_options()
    with runtime().transaction() as db:
        return jsonify(tracing.trace_complaint(db, current_actor(), complaint_id, options).as_json())


@bp.get("/batches/<int:batch_id>/trace.csv")
@api_visible("batch_id", tracing.traceable_batch)
def batch_trace_csv(batch_id: int) -> Response:
    """The trace spreadsheet as CSV (UTF-8 with BOM), streamed."""
    actor, rt = current_actor(), runtime()
    response = Response(_csv(rt, actor, batch_id), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="batch-{batch_id}-trace.csv"'
    return response


def _csv(rt: Runtime, actor: Actor, batch_id: int) -> Iterator[str]:
    with rt.transaction() as db:
        yield from trace_sheet.csv_chunks(trace_sheet.sheet_rows(db, actor, rt.ring, rt.code_base, batch_id))


@bp.get("/batches/<int:batch_id>/trace.xlsx")
@api_visible("batch_id", tracing.traceable_batch)
def batch_trace_xlsx(batch_id: int) -> Response:
    """The trace spreadsheet as XLSX (header frozen, autofilter on), built in a temporary file."""
    actor, rt = current_actor(), runtime()
    handle, name = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        with rt.transaction() as db:
            rows = trace_sheet.sheet_rows(db, actor, rt.ring, rt.code_base, batch_id)
            trace_sheet.write_xlsx(rows, path, title=f"batch {batch_id}")
        stream = path.open("rb")
    finally:
        path.unlink(missing_ok=True)  # the open handle keeps the data until it is sent
    return send_file(
        stream, mimetype=XLSX_TYPE, as_attachment=True, download_name=f"batch-{batch_id}-trace.xlsx"
    )


@bp.get("/batches/<int:batch_id>/epcis")
@api_visible("batch_id", tracing.traceable_batch)
def batch_epcis(batch_id: int) -> Response:
    """The batch's history as an EPCIS 2.0 JSON-LD document, streamed event by event."""
    actor, rt = current_actor(), runtime()
    return Response(_epcis(rt, actor, batch_id), mimetype=epcis.MEDIA_TYPE)


def _epcis(rt: Runtime, actor: Actor, batch_id: int) -> Iterator[str]:
    with rt.transaction() as db:
        yield from epcis.epcis_chunks(db, actor, batch_id, rt.settings.base_url)
