"""The filing registry through the JSON API: enterprises and the documents of their filings, products and
their admission, the negative list.

A child of :data:`suyuan.web.api.bp` (endpoints ``api.registry.*``). Rules live in
:mod:`suyuan.trace.registry`, :mod:`suyuan.trace.enterprise_documents` and
:mod:`suyuan.trace.negative_list`, bodies in :mod:`suyuan.web.bodies.registry`. An enterprise document
arrives as ``multipart/form-data`` (the ``kind`` read by its body model, the part ``file`` read at most one
byte past the limit) and leaves as a download.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO, cast

from flask import Blueprint, Response, jsonify, request, send_file, url_for
from sqlalchemy import select
from werkzeug.exceptions import UnsupportedMediaType

from suyuan.trace import enterprise_documents, negative_list, registry
from suyuan.trace.actors import Actor
from suyuan.trace.enterprise_documents import DocumentUpload, FilingContents, FilingItem
from suyuan.trace.errors import InvalidInput
from suyuan.trace.model import EnterpriseDocument, NegativeListEntry, Role
from suyuan.web import runtime
from suyuan.web.api.common import created, parse
from suyuan.web.auth import api_auth, api_role, api_visible, current_actor
from suyuan.web.bodies import registry as bodies
from suyuan.web.bodies.errors import validate
from suyuan.web.serialize import enterprise_json, negative_entry_json, product_json

bp = Blueprint("registry", __name__)


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
    filing = parse(bodies.EnterpriseFiling).filing()
    with runtime().transaction() as db:
        return created(enterprise_json(registry.file_enterprise(db, current_actor(), filing)))


@bp.get("/enterprises/<int:enterprise_id>/filing")
@api_auth
def enterprise_filing(enterprise_id: int) -> Response:
    """What the enterprise's filing holds and lacks (its own staff, its office)."""
    actor = current_actor()
    with runtime().transaction() as db:
        return jsonify(filing_json(enterprise_documents.filing_contents(db, actor, enterprise_id), actor))


@bp.get("/enterprises/<int:enterprise_id>/documents")
@api_auth
def list_enterprise_documents(enterprise_id: int) -> Response:
    """The documents of the enterprise's filing, newest first."""
    actor = current_actor()
    with runtime().transaction() as db:
        documents = enterprise_documents.list_documents(db, actor, enterprise_id)
        return jsonify({"documents": [document_json(d, actor) for d in documents]})


@bp.post("/enterprises/<int:enterprise_id>/documents")
@api_auth
@api_visible("enterprise_id", registry.get_enterprise)
def add_enterprise_document(enterprise_id: int) -> tuple[Response, int]:
    """Put a document on the filing: multipart ``kind`` and ``file`` (its own staff, its office)."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("send the document as multipart/form-data: the fields kind and file")
    fields = bodies.EnterpriseDocumentForm.model_fields
    form = validate(bodies.EnterpriseDocumentForm, {k: v for k, v in request.form.items() if k in fields})
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput("send the document's file as the multipart part 'file'", field="file")
    data = enterprise_documents.read_document(cast(BinaryIO, upload.stream))
    actor = current_actor()
    with runtime().transaction() as db:
        document = enterprise_documents.add_document(
            db, actor, enterprise_id, DocumentUpload(form.kind, upload.filename or "", data)
        )
        return created(document_json(document, actor))


@bp.get("/enterprises/<int:enterprise_id>/documents/<int:document_id>")
@api_auth
def enterprise_document(enterprise_id: int, document_id: int) -> Response:
    """The document's file as it was uploaded, as a download (its enterprise's staff, its office).

    Always an attachment of the type recognised on upload, under a name ending in that type's extension
    (and ``nosniff``, as every answer): a browser saves it, it never renders it as a page of this site.
    """
    with runtime().transaction() as db:
        document = enterprise_documents.get_document(db, current_actor(), document_id, enterprise_id)
        data = enterprise_documents.document_file(db, document)
        name, media_type = document.file_name, document.media_type
    response = send_file(io.BytesIO(data), mimetype=media_type, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'"  # opened anyway: nothing runs
    return response


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
    body = parse(bodies.ProductFiling)
    actor = current_actor()
    enterprise_id = body.enterprise_id or actor.enterprise_id
    if enterprise_id is None:
        raise InvalidInput("enterprise_id is required", field="enterprise_id")
    with runtime().transaction() as db:
        return created(product_json(registry.file_product(db, actor, enterprise_id, body.filing())))


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
    doc = parse(bodies.Document).filing()
    with runtime().transaction() as db:
        registry.add_document(db, current_actor(), product_id, doc)
        return created(product_json(registry.get_product(db, current_actor(), product_id)))


@bp.post("/products/<int:product_id>/admission")
@api_role(Role.REGULATOR)
@api_visible("product_id", registry.get_product)
def decide_admission(product_id: int) -> Response:
    """The office admits (with risk class and, if needed, a disclosure) or refuses a product."""
    decision = parse(bodies.AdmissionDecision)
    with runtime().transaction() as db:
        product = registry.decide_admission(
            db,
            current_actor(),
            product_id,
            admit=decision.admit,
            risk_class=decision.risk_class,
            disclosure=decision.disclosure,
            reason=decision.reason,
        )
        return jsonify(product_json(product))


@bp.get("/negative-list")
@api_auth
def list_negative() -> Response:
    """The negative list."""
    with runtime().transaction() as db:
        entries = db.scalars(select(NegativeListEntry).order_by(NegativeListEntry.id))
        return jsonify({"entries": [negative_entry_json(e) for e in entries]})


@bp.post("/negative-list")
@api_role(Role.REGULATOR)
def add_negative() -> tuple[Response, int]:
    """Add a negative-list rule (regulators)."""
    rule = parse(bodies.NegativeRule)
    with runtime().transaction() as db:
        entry = negative_list.add_entry(
            db, current_actor(), category=rule.category, kind=rule.kind, value=rule.value, reason=rule.reason
        )
        return created(negative_entry_json(entry))


# --- JSON shapes of enterprise filings --------------------------------------------------------------


def document_json(d: EnterpriseDocument, actor: Actor) -> dict[str, Any]:
    """A document of an enterprise filing; who uploaded it is shown to offices only."""
    return {
        "id": d.id,
        "enterprise_id": d.enterprise_id,
        "kind": d.kind.value,
        "file_name": d.file_name,
        "media_type": d.media_type,
        "size": d.size,
        "sha256": d.sha256,
        "uploaded_at": d.uploaded_at.isoformat(),
        "uploaded_by_office": d.uploaded_by_office,
        "uploaded_by": d.uploaded_by if actor.is_regulator else None,
        "url": url_for(
            "api.registry.enterprise_document",
            enterprise_id=d.enterprise_id,
            document_id=d.id,
            _external=True,
        ),
    }


def filing_json(contents: FilingContents, actor: Actor) -> dict[str, Any]:
    """An enterprise filing item by item, with what it lacks and every document on file."""

    def item(i: FilingItem) -> dict[str, Any]:
        document = document_json(i.document, actor) if i.document is not None else None
        return {"kind": i.kind.value, "state": i.state.value, "document": document}

    return {
        "enterprise": enterprise_json(contents.enterprise),
        "commitment_signed": contents.enterprise.commitment_signed,
        "items": [item(i) for i in contents.items],
        "systems": [item(i) for i in contents.systems],
        "missing": [k.value for k in contents.missing],
        "complete": contents.complete,
        "documents": [document_json(d, actor) for d in contents.documents],
    }
