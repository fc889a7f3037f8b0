"""Batches and their codes through the JSON API: registering, amending and releasing batches, issuing codes.

A child of :data:`suyuan.web.api.bp` (endpoints ``api.batches.*``). A batch's codes download as CSV,
streamed from a second transaction once everything that can refuse the request has been checked; the
label files are in :mod:`suyuan.web.api.labels`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Blueprint, Response, jsonify, request, stream_with_context, url_for
from sqlalchemy.orm import Session

from suyuan.trace import batch_quantity, batches, issuance, keys
from suyuan.trace.actors import Actor
from suyuan.trace.errors import InvalidInput
from suyuan.trace.model import Role
from suyuan.trace.sheet_cells import sheet_cell
from suyuan.trace.zone import inspection
from suyuan.web import runtime
from suyuan.web.api.common import GTIN_PATTERN, created, int_arg, parse, text_arg
from suyuan.web.auth import api_auth, api_role, api_visible, current_actor
from suyuan.web.bodies import batches as bodies
from suyuan.web.serialize import batch_json, issuance_json

bp = Blueprint("batches", __name__)


@bp.get("/batches")
@api_auth
def list_batches() -> Response:
    """Batches visible to the caller, with issued code counts; ``gtin=`` and ``lot=`` find one by label."""
    gtin, lot = text_arg("gtin", 14, GTIN_PATTERN), text_arg("lot", 20)
    with runtime().transaction() as db:
        rows = batches.list_batches(db, current_actor(), gtin=gtin, lot=lot)
        return jsonify({"batches": [batch_json(b, issued=issuance.issued_count(db, b.id)) for b in rows]})


@bp.post("/batches")
@api_role(Role.MERCHANT)
def register_batch() -> tuple[Response, int]:
    """Register a batch of an admitted product."""
    body = parse(bodies.BatchRegistration)
    with runtime().transaction() as db:
        batch = batches.register_batch(
            db,
            current_actor(),
            body.product_id,
            lot=body.lot,
            quantity=body.quantity,
            production_date=body.production_date,
            expiry_date=body.expiry_date,
        )
        return created(batch_json(batch, issued=0))


@bp.get("/batches/<int:batch_id>")
@api_auth
def get_batch(batch_id: int) -> Response:
    """One batch with its issuances."""
    with runtime().transaction() as db:
        batch = batches.get_batch(db, current_actor(), batch_id)
        data = batch_json(batch, issued=issuance.issued_count(db, batch.id))
        data["issuances"] = [
            issuance_json(i, _statement_url(i.id)) for i in issuance.issuances_of(db, batch.id)
        ]
        return jsonify(data)


@bp.patch("/batches/<int:batch_id>")
@api_role(Role.MERCHANT)
@api_visible("batch_id", batches.get_batch)
def amend_batch(batch_id: int) -> Response:
    """The merchant amends a batch's quantity, with the reason."""
    body = parse(bodies.BatchAmendment)
    with runtime().transaction() as db:
        batch = batch_quantity.amend_quantity(db, current_actor(), batch_id, body.quantity, body.reason)
        return jsonify(batch_json(batch, issued=issuance.issued_count(db, batch.id)))


@bp.post("/batches/<int:batch_id>/release")
@api_role(Role.REGULATOR)
def release_batch(batch_id: int) -> Response:
    """The office releases a batch for sale."""
    with runtime().transaction() as db:
        batch = inspection.release_batch(db, current_actor(), batch_id)
        return jsonify(batch_json(batch))


@bp.post("/batches/<int:batch_id>/codes")
@api_role(Role.MERCHANT)
@api_visible("batch_id", batches.get_batch)
def issue_codes(batch_id: int) -> tuple[Response, int]:
    """Issue the next ``count`` serials of a batch: one signed range."""
    count = parse(bodies.CodeRequest).count
    rt = runtime()
    with rt.transaction() as db:
        issued = issuance.issue_codes(db, current_actor(), rt.ring, batch_id, count, rt.code_base)
        return created(issuance_json(issued, _statement_url(issued.id)))


@bp.get("/batches/<int:batch_id>/codes")
@api_auth
def list_codes(batch_id: int) -> Response:
    """The batch's codes: ``format=csv`` streams every URL; JSON lists the issuances."""
    fmt = request.args.get("format", "json")
    first, last = int_arg("first", 1), int_arg("last", 1)  # serials start at 1
    rt = runtime()
    actor = current_actor()
    if fmt == "json":
        return get_batch(batch_id)
    if fmt != "csv":
        raise InvalidInput("format must be csv or json", field="format")
    with rt.transaction() as db:  # validate before streaming, so errors are proper 4xx/503 responses
        serials = issuance.issued_range(db, batches.get_batch(db, actor, batch_id).id, first, last)
        unseal_range_keys(db, batch_id, serials)
    response = Response(stream_with_context(_csv_rows(actor, batch_id, serials)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="batch-{batch_id}-codes.csv"'
    return response


def unseal_range_keys(db: Session, batch_id: int, serials: issuance.SerialRange) -> None:
    """Decrypt the keys that sign ``serials`` before a download streams.

    A wrong passphrase then answers 503 ``key_unavailable``; raised inside the stream, it could only
    cut the download off (a bare 500 with no explanation).
    """
    kids = {
        i.kid
        for i in issuance.issuances_of(db, batch_id)
        if i.first_serial <= serials.last and i.last_serial >= serials.first
    }
    keys.unseal_keys(db, runtime().ring, kids)


def _csv_rows(actor: Actor, batch_id: int, serials: issuance.SerialRange) -> Iterator[str]:
    rt = runtime()
    with rt.transaction() as db:
        batch = batches.get_batch(db, actor, batch_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["serial", "url"])
        serial = serials.first
        for url in issuance.code_urls(db, rt.ring, batch, serials, rt.code_base):
            writer.writerow([serial, sheet_cell(url)])  # the serial is a number; no text runs as a formula
            serial += 1
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


def _statement_url(issuance_id: int) -> str:
    return url_for("consumer.issuance_statement", issuance_id=issuance_id, _external=True)
