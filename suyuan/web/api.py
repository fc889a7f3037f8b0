"""The JSON API under ``/api/v1`` (DESIGN.md §6), described by ``/api/v1/openapi.json``.

Every view: authenticate, parse the body strictly, call one domain service in one transaction,
serialise. Errors are raised as domain errors and mapped in :mod:`suyuan.web.errors`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Blueprint, Response, jsonify, request, stream_with_context, url_for
from sqlalchemy.orm import Session

from suyuan.trace import audit_checkpoints, batch_quantity, batches, issuance, keys, negative_list, registry
from suyuan.trace.actors import Actor
from suyuan.trace.bounds import MAX_INT, MIN_INT, whole_number
from suyuan.trace.errors import InvalidInput
from suyuan.trace.filing_input import document_from_json, product_filing_from_json
from suyuan.trace.model import NegativeListEntry, Role
from suyuan.trace.registry import EnterpriseFiling
from suyuan.trace.sheet_cells import sheet_cell
from suyuan.trace.zone import inspection
from suyuan.web import runtime
from suyuan.web.auth import api_auth, api_role, api_visible, current_actor
from suyuan.web.converters import query_int
from suyuan.web.json_body import MAX_JSON_BYTES, read_json_object
from suyuan.web.openapi import openapi_document
from suyuan.web.serialize import (
    batch_json,
    enterprise_json,
    issuance_json,
    negative_entry_json,
    product_json,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def body(max_bytes: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """The request's JSON object, or a 400 that says what is wrong (413 over ``max_bytes``).

    Every JSON route reads its body here, so every one is bounded alike before parsing (size, nesting)
    and refuses NUL characters in text: :mod:`suyuan.web.json_body`. Routes taking lists of lines or
    codes pass :data:`~suyuan.web.json_body.BULK_JSON_BYTES`.
    """
    return read_json_object(max_bytes)


def field(
    data: dict[str, Any],
    name: str,
    kind: type,
    *,
    required: bool = True,
    default: Any = None,
    low: int = MIN_INT,
    high: int = MAX_INT,
) -> Any:
    """One typed field of a JSON body (bool is not accepted as int).

    An int must lie from ``low`` to ``high``, by default the range of the database's integer columns
    (:mod:`suyuan.trace.bounds`): a larger id or quantity is a 400 naming the field, never a 500.
    """
    if name not in data or data[name] is None:
        if required:
            raise InvalidInput(f"{name} is required", field=name)
        return default
    value = data[name]
    if kind is int:
        return whole_number(value, name, low=low, high=high)
    if not isinstance(value, kind):
        raise InvalidInput(f"{name} must be a {kind.__name__}", field=name)
    return value


def optional_date(data: dict[str, Any], name: str) -> date | None:
    """An optional ISO date field."""
    text = field(data, name, str, required=False)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a date YYYY-MM-DD", field=name) from None


def created(payload: dict[str, Any]) -> tuple[Response, int]:
    """A 201 response."""
    return jsonify(payload), 201


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 document of this API."""
    return jsonify(openapi_document())


@bp.get("/me")
@api_auth
def me() -> Response:
    """Who the token belongs to."""
    actor = current_actor()
    return jsonify(
        {
            "role": actor.role.value if actor.role else None,
            "office_id": actor.office_id,
            "enterprise_id": actor.enterprise_id,
        }
    )


# --- enterprises and products -------------------------------------------------------------------


@bp.get("/enterprises")
@api_auth
def list_enterprises() -> Response:
    """Enterprises visible to the caller."""
    with runtime().transaction() as db:
        return jsonify(
            {"enterprises": [enterprise_json(e) for e in registry.list_enterprises(db, current_actor())]}
        )


@bp.post("/enterprises")
@api_role(Role.REGULATOR)
def file_enterprise() -> tuple[Response, int]:
    """File an enterprise (regulators)."""
    data = body()
    filing = EnterpriseFiling(
        kind=field(data, "kind", str),
        name=field(data, "name", str),
        uscc=field(data, "uscc", str),
        office_code=field(data, "office", str),
        name_en=field(data, "name_en", str, required=False, default=""),
        address=field(data, "address", str, required=False, default=""),
        commitment_signed=field(data, "commitment_signed", bool, required=False, default=True),
    )
    with runtime().transaction() as db:
        return created(enterprise_json(registry.file_enterprise(db, current_actor(), filing)))


@bp.get("/products")
@api_auth
def list_products() -> Response:
    """Product filings visible to the caller."""
    with runtime().transaction() as db:
        return jsonify({"products": [product_json(p) for p in registry.list_products(db, current_actor())]})


@bp.post("/products")
@api_role(Role.MERCHANT)
def file_product() -> tuple[Response, int]:
    """File a product; merchants file for their own enterprise."""
    data = body()
    actor = current_actor()
    enterprise_id = data.pop("enterprise_id", None) or actor.enterprise_id
    if enterprise_id is None:
        raise InvalidInput("enterprise_id is required", field="enterprise_id")
    enterprise_id = whole_number(enterprise_id, "enterprise_id")
    filing = product_filing_from_json(data)
    with runtime().transaction() as db:
        return created(product_json(registry.file_product(db, actor, enterprise_id, filing)))


@bp.get("/products/<int:product_id>")
@api_auth
def get_product(product_id: int) -> Response:
    """One product filing."""
    with runtime().transaction() as db:
        return jsonify(product_json(registry.get_product(db, current_actor(), product_id)))


@bp.post("/products/<int:product_id>/documents")
@api_role(Role.MERCHANT)
@api_visible("product_id", registry.get_product)
def add_document(product_id: int) -> tuple[Response, int]:
    """Attach a certificate or report to an undecided product filing."""
    doc = document_from_json(body())
    with runtime().transaction() as db:
        registry.add_document(db, current_actor(), product_id, doc)
        return created(product_json(registry.get_product(db, current_actor(), product_id)))


@bp.post("/products/<int:product_id>/admission")
@api_role(Role.REGULATOR)
@api_visible("product_id", registry.get_product)
def decide_admission(product_id: int) -> Response:
    """The office admits (with risk class and, if needed, a disclosure) or refuses a product."""
    data = body()
    with runtime().transaction() as db:
        product = registry.decide_admission(
            db,
            current_actor(),
            product_id,
            admit=field(data, "admit", bool),
            risk_class=field(data, "risk_class", int, required=False),
            disclosure=field(data, "disclosure", str, required=False),
            reason=field(data, "reason", str, required=False),
        )
        return jsonify(product_json(product))


@bp.get("/negative-list")
@api_auth
def list_negative() -> Response:
    """The negative list."""
    from sqlalchemy import select

    with runtime().transaction() as db:
        entries = db.scalars(select(NegativeListEntry).order_by(NegativeListEntry.id))
        return jsonify({"entries": [negative_entry_json(e) for e in entries]})


@bp.post("/negative-list")
@api_role(Role.REGULATOR)
def add_negative() -> tuple[Response, int]:
    """Add a negative-list rule (regulators)."""
    data = body()
    with runtime().transaction() as db:
        entry = negative_list.add_entry(
            db,
            current_actor(),
            category=field(data, "category", str),
            kind=field(data, "kind", str),
            value=field(data, "value", str),
            reason=field(data, "reason", str),
        )
        return created(negative_entry_json(entry))


# --- batches and codes --------------------------------------------------------------------------


@bp.get("/batches")
@api_auth
def list_batches() -> Response:
    """Batches visible to the caller, with issued code counts."""
    with runtime().transaction() as db:
        rows = batches.list_batches(db, current_actor())
        return jsonify({"batches": [batch_json(b, issued=issuance.issued_count(db, b.id)) for b in rows]})


@bp.post("/batches")
@api_role(Role.MERCHANT)
def register_batch() -> tuple[Response, int]:
    """Register a batch of an admitted product."""
    data = body()
    with runtime().transaction() as db:
        batch = batches.register_batch(
            db,
            current_actor(),
            field(data, "product_id", int),
            lot=field(data, "lot", str),
            quantity=field(data, "quantity", int),
            production_date=optional_date(data, "production_date"),
            expiry_date=optional_date(data, "expiry_date"),
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
    data = body()
    with runtime().transaction() as db:
        batch = batch_quantity.amend_quantity(
            db, current_actor(), batch_id, field(data, "quantity", int), field(data, "reason", str)
        )
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
    count = field(body(), "count", int)
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


def int_arg(name: str, low: int = 0) -> int | None:
    """An optional whole-number query parameter (``first``, ``last``, ``dpi``), bounded; else a 400."""
    return query_int(name, low=low)


def _statement_url(issuance_id: int) -> str:
    return url_for("consumer.issuance_statement", issuance_id=issuance_id, _external=True)


# --- audit ----------------------------------------------------------------------------------------


@bp.get("/audit/verify")
@api_auth
def verify_audit() -> Response:
    """Check the audit chain and its signed checkpoints, as ``suyuan audit verify`` does (regulators)."""
    current_actor().require_regulator()
    rt = runtime()
    with rt.transaction() as db:
        report = audit_checkpoints.verify_log(db, rt.ring)
    return jsonify(
        {
            "ok": report.ok,
            "entries": report.entries,
            "broken_seq": report.broken_seq,
            "problem": report.problem,
            "checkpoints": report.checkpoints,
            "latest_checkpoint_seq": report.latest.seq if report.latest else None,
        }
    )
