"""The trace spreadsheet: a batch's trace records, one row per critical tracking event, as CSV or XLSX.

In the spirit of the FDA FSMA 204 "24-hour rule": when asked, hand over an electronic, sortable
spreadsheet of the key data elements of every critical tracking event of a lot within a day. Each
row carries the traceability lot code (GS1 element string of GTIN and lot), the product description,
the quantity and unit, the location and party, the date and time, and the reference document's type
and number. Shipments and returns get one row per unit, with the unit's serial and its full signed
code URL, the order, waybill and the masked buyer; an issuance is one row with its serial range.

The column headers are stable English identifiers (:data:`COLUMNS`, documented in docs/trace.md),
so a regulator's tooling can rely on them. CSV is produced by a generator in chunks (constant
memory); XLSX is written by XlsxWriter in ``constant_memory`` mode to a file, with the header row
frozen and an autofilter over all rows, so it sorts and filters in any spreadsheet program.
"""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace.actors import Actor
from suyuan.trace.codes import CodeId, code_url, signed_message
from suyuan.trace.issuance import issuances_of
from suyuan.trace.keys import KeyRing
from suyuan.trace.model import Batch, SigningKey
from suyuan.trace.sheet_cells import sheet_cell
from suyuan.trace.tracing.batch_trace import traceability_lot_code, traceable_batch
from suyuan.trace.tracing.events import EventContext, TraceEvent, batch_events, context_of

COLUMNS = (
    "event_time_utc",
    "event",
    "traceability_lot_code",
    "gtin",
    "lot",
    "product_description",
    "quantity",
    "unit_of_measure",
    "first_serial",
    "last_serial",
    "code_url",
    "location",
    "party",
    "reference_document_type",
    "reference_document_number",
    "order_no",
    "platform",
    "waybill_no",
    "buyer",
    "status",
    "note",
)
WIDTHS = (20, 18, 32, 16, 12, 30, 9, 8, 10, 10, 60, 28, 24, 22, 24, 16, 14, 16, 10, 16, 30)
UNIT = "each"
XLSX_MAX_ROWS = 1_048_576  # Excel's limit, header included
CSV_CHUNK = 64 * 1024

Row = tuple[Any, ...]


class CodeSigner:
    """Re-derives the signed code URL of any issued serial of a batch (Ed25519 is deterministic)."""

    def __init__(self, session: Session, ring: KeyRing, batch: Batch, base: str) -> None:
        ranges = issuances_of(session, batch.id)
        keys = {key.kid: key for key in session.scalars(select(SigningKey))}
        self._firsts = [r.first_serial for r in ranges]
        self._ranges = [(r.first_serial, r.last_serial, r.kid) for r in ranges]
        self._private = {r.kid: ring.private_key(keys[r.kid]) for r in ranges}
        self._batch, self._base = batch, base

    def url(self, serial: str) -> str:
        """The code URL of ``serial``, or "" for a serial no issuance covers."""
        if not (serial.isascii() and serial.isdigit()) or serial.startswith("0"):
            return ""
        number = int(serial)
        at = bisect.bisect_right(self._firsts, number) - 1
        if at < 0 or number > self._ranges[at][1]:
            return ""
        kid = self._ranges[at][2]
        code = CodeId(self._batch.gtin, self._batch.lot, serial)
        return code_url(self._base, code, kid, self._private[kid].sign(signed_message(code, kid)))


def sheet_rows(session: Session, actor: Actor, ring: KeyRing, base: str, batch_id: int) -> Iterator[Row]:
    """The spreadsheet's data rows (no header) for a batch the actor may trace, oldest first.

    Authorisation happens on the first ``next()``; callers that stream should check
    :func:`~suyuan.trace.tracing.traceable_batch` before they start sending.
    """
    batch = traceable_batch(session, actor, batch_id)
    ctx = context_of(session, batch)
    signer = CodeSigner(session, ring, batch, base)
    for event in batch_events(session, actor, batch):
        yield from _rows(ctx, signer, event)


def _rows(ctx: EventContext, signer: CodeSigner, event: TraceEvent) -> Iterator[Row]:
    batch, product = ctx.batch, ctx.batch.product
    description = f"{product.name} / {product.name_en}" if product.name_en else product.name
    order = event.order

    def row(quantity: int | None, first: int | None, last: int | None, url: str) -> Row:
        return (
            event.at,
            event.kind.value,
            traceability_lot_code(batch.gtin, batch.lot),
            batch.gtin,
            batch.lot,
            description,
            quantity,
            UNIT,
            first,
            last,
            url,
            f"{ctx.office.name} ({ctx.office.code})",
            event.party,
            event.document_type,
            event.document_number,
            order.order_no if order else "",
            order.platform if order else "",
            order.waybill_no if order else "",
            order.buyer if order else "",
            event.status,
            event.note,
        )

    if not event.serials:
        yield row(event.quantity, event.first_serial, event.last_serial, "")
        return
    for serial in event.serials:
        number = int(serial) if serial.isascii() and serial.isdigit() else None
        yield row(1, number, number, signer.url(serial))


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return "" if value is None else value


def csv_chunks(rows: Iterable[Row]) -> Iterator[str]:
    """The CSV text in chunks of about 64 KiB: a UTF-8 byte-order mark (Excel reads Chinese right),
    the header, then the rows; times as ISO 8601 UTC (they sort as text); no text cell runs as a formula
    (:func:`~suyuan.trace.sheet_cells.sheet_cell`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([sheet_cell(_text(v)) for v in row])
        if buffer.tell() > CSV_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(rows: Iterable[Row], path: Path, *, title: str = "trace") -> int:
    """Write the sheet to ``path`` as XLSX with constant memory; returns the data rows written.

    Beyond Excel's 1,048,576 rows the last row says the sheet was cut (the CSV has everything).
    """
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "remove_timezone": True})
    sheet = workbook.add_worksheet(title[:31])
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width, when if col == 0 else None)
    sheet.write_row(0, 0, COLUMNS, bold)
    sheet.freeze_panes(1, 0)
    written = 0
    for row in rows:
        if written + 2 >= XLSX_MAX_ROWS:
            sheet.write_string(written + 1, 0, "truncated: the CSV export has every row")
            break
        written += 1
        for col, value in enumerate(row):
            _write_cell(sheet, written, col, value, when)
    sheet.autofilter(0, 0, max(written, 1), len(COLUMNS) - 1)
    workbook.close()
    return written


def _write_cell(sheet: Any, row: int, col: int, value: Any, when: Any) -> None:
    if value is None or value == "":
        return
    if isinstance(value, datetime):
        sheet.write_datetime(row, col, value.astimezone(UTC).replace(tzinfo=None), when)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(row, col, value)
    else:  # a string cell is never evaluated, but defused like the CSV's, it survives a save as CSV too
        sheet.write_string(row, col, sheet_cell(str(value)))
