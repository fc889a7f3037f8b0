"""The filing registry through the JSON API: enterprises, products and their admission, the negative list.

A child of :data:`suyuan.web.api.bp` (endpoints ``api.registry.*``). Rules live in
:mod:`suyuan.trace.registry` and :mod:`suyuan.trace.negative_list`, bodies in
:mod:`suyuan.web.bodies.registry`.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import select

from suyuan.trace import negative_list, registry
from suyuan.trace.errors import InvalidInput
from suyuan.trace.model import NegativeListEntry, Role
from suyuan.web import runtime
from suyuan.web.api.common import created, parse
from suyuan.web.auth import api_auth, api_role, api_visible, current_actor
from suyuan.web.bodies import registry as bodies
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
