"""The office's enforcement through the JSON API: sanctions, credit lists, the exit hold step, buyer
restrictions and the public credit list (SZ Art. 29-30, CQ §2(2)3; R64-R67, the exit gate).

A child of :data:`suyuan.web.api.bp` (endpoints ``api.enforcement.*``). Only regulators of the
enterprise's office decide (others' ids answer 404 before any body is read); ``/public/credit`` is
read by anyone and carries public fields only (:func:`suyuan.trace.sanctions.public_credit`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from suyuan.trace import registry, sanctions
from suyuan.trace.model import BuyerRestriction, CreditListEntry, Role, Sanction
from suyuan.trace.zone import buyer_restrictions, exits
from suyuan.web import runtime
from suyuan.web.api.common import created, parse, text_arg
from suyuan.web.api.zone import exit_json
from suyuan.web.auth import api_auth, api_role, api_visible, current_actor
from suyuan.web.bodies import enforcement as bodies

bp = Blueprint("enforcement", __name__)


@bp.get("/enterprises/<int:enterprise_id>/sanctions")
@api_auth
@api_visible("enterprise_id", registry.get_enterprise)
def list_sanctions(enterprise_id: int) -> Response:
    """The decisions against an enterprise and its products (its office, the enterprise itself)."""
    with runtime().transaction() as db:
        rows = sanctions.list_sanctions(db, current_actor(), enterprise_id)
        enterprise = registry.get_enterprise(db, current_actor(), enterprise_id)
        return jsonify(
            {"filing_status": enterprise.filing_status.value, "sanctions": [sanction_json(s) for s in rows]}
        )


@bp.post("/enterprises/<int:enterprise_id>/sanctions")
@api_role(Role.REGULATOR)
@api_visible("enterprise_id", registry.get_enterprise)
def sanction_enterprise(enterprise_id: int) -> tuple[Response, int]:
    """The office suspends or revokes an enterprise's filing, or lifts its suspension."""
    decision = parse(bodies.SanctionDecision)
    with runtime().transaction() as db:
        sanction = sanctions.sanction_enterprise(
            db, current_actor(), enterprise_id, decision.action, decision.reason
        )
        return created(sanction_json(sanction))


@bp.post("/products/<int:product_id>/sanctions")
@api_role(Role.REGULATOR)
@api_visible("product_id", registry.get_product)
def sanction_product(product_id: int) -> tuple[Response, int]:
    """The office suspends or revokes a product's admission, or lifts its suspension."""
    decision = parse(bodies.SanctionDecision)
    with runtime().transaction() as db:
        sanction = sanctions.sanction_product(
            db, current_actor(), product_id, decision.action, decision.reason
        )
        return created(sanction_json(sanction))


@bp.get("/credit-lists")
@api_auth
def list_credit_entries() -> Response:
    """Current list entries within the caller's remit, newest first."""
    with runtime().transaction() as db:
        rows = sanctions.list_entries(db, current_actor())
        return jsonify({"entries": [list_entry_json(e) for e in rows]})


@bp.post("/enterprises/<int:enterprise_id>/credit-lists")
@api_role(Role.REGULATOR)
@api_visible("enterprise_id", registry.get_enterprise)
def add_to_list(enterprise_id: int) -> tuple[Response, int]:
    """The office puts an enterprise on the abnormal-operations or serious-violators list."""
    listing = parse(bodies.CreditListing)
    with runtime().transaction() as db:
        entry = sanctions.add_to_list(db, current_actor(), enterprise_id, listing.list_kind, listing.reason)
        return created(list_entry_json(entry))


@bp.post("/credit-lists/<int:entry_id>/removal")
@api_role(Role.REGULATOR)
@api_visible("entry_id", sanctions.get_list_entry)
def remove_from_list(entry_id: int) -> Response:
    """The office takes an enterprise off a list, saying why (the entry stays on record)."""
    removal = parse(bodies.ListRemoval)
    with runtime().transaction() as db:
        return jsonify(
            list_entry_json(sanctions.remove_from_list(db, current_actor(), entry_id, removal.reason))
        )


@bp.post("/exit-declarations/<int:declaration_id>/hold-decision")
@api_role(Role.REGULATOR)
@api_visible("declaration_id", exits.get_exit)
def decide_held_exit(declaration_id: int) -> Response:
    """The office releases a held order (re-checked, then written off) or refuses it to rectification."""
    decision = parse(bodies.HoldDecision)
    with runtime().transaction() as db:
        declaration = exits.decide_held_exit(
            db,
            current_actor(),
            declaration_id,
            release=decision.decision == "release",
            note=decision.note or "",
        )
        return jsonify(exit_json(declaration))


@bp.get("/buyer-restrictions")
@api_role(Role.REGULATOR)
def list_buyer_restrictions() -> Response:
    """The office's buyer restrictions: ``?state=active`` (default), ``lifted`` or ``all``."""
    state = text_arg("state", 6, "^(active|lifted|all)$") or "active"
    with runtime().transaction() as db:
        rows = buyer_restrictions.list_restrictions(
            db, current_actor(), active={"active": True, "lifted": False}.get(state)
        )
        return jsonify({"restrictions": [restriction_json(r) for r in rows]})


@bp.post("/buyer-restrictions")
@api_role(Role.REGULATOR)
def restrict_buyer() -> tuple[Response, int]:
    """The office watches (exits held for release) or blocks (orders refused) a buyer from an alert."""
    decision = parse(bodies.BuyerRestrictionDecision)
    with runtime().transaction() as db:
        restriction = buyer_restrictions.restrict_buyer(
            db,
            current_actor(),
            decision.buyer,
            decision.level,
            decision.reason,
            rule=decision.rule or "manual",
        )
        return created(restriction_json(restriction))


@bp.post("/buyer-restrictions/<int:restriction_id>/lift")
@api_role(Role.REGULATOR)
@api_visible("restriction_id", buyer_restrictions.get_restriction)
def lift_buyer_restriction(restriction_id: int) -> Response:
    """The office ends a restriction, saying why (it stays on record)."""
    lift = parse(bodies.RestrictionLift)
    with runtime().transaction() as db:
        restriction = buyer_restrictions.lift_restriction(db, current_actor(), restriction_id, lift.reason)
        return jsonify(restriction_json(restriction))


@bp.get("/public/credit")
def public_credit() -> Response:
    """Every merchant's grade, filing status and current list entries; no login (CQ §2(2)3)."""
    with runtime().transaction() as db:
        return jsonify({"enterprises": [public_credit_json(c) for c in sanctions.public_credit(db)]})


def sanction_json(s: Sanction) -> dict[str, Any]:
    """A sanction decision with the resulting status of the filing or admission."""
    status = s.product.sanction_status if s.product is not None else s.enterprise.filing_status
    return {
        "id": s.id,
        "enterprise_id": s.enterprise_id,
        "product_id": s.product_id,
        "action": s.action.value,
        "reason": s.reason,
        "office_id": s.office_id,
        "decided_at": s.decided_at.isoformat(),
        "status": status.value,
    }


def list_entry_json(e: CreditListEntry) -> dict[str, Any]:
    """A list entry as the office sees it."""
    return {
        "id": e.id,
        "enterprise_id": e.enterprise_id,
        "enterprise_name": e.enterprise.name,
        "list_kind": e.list_kind.value,
        "reason": e.reason,
        "office_id": e.office_id,
        "listed_at": e.listed_at.isoformat(),
        "removed_at": e.removed_at.isoformat() if e.removed_at else None,
        "removal_reason": e.removal_reason,
    }


def public_credit_json(c: sanctions.PublicCredit) -> dict[str, Any]:
    """One merchant on the public credit list: public fields only."""
    return {
        "name": c.name,
        "uscc": c.uscc,
        "office": c.office,
        "grade": c.grade,
        "filing_status": c.filing_status.value,
        "listings": [
            {"list_kind": x.list_kind.value, "reason": x.reason, "listed_on": x.listed_on, "office": x.office}
            for x in c.listings
        ],
    }


def restriction_json(r: BuyerRestriction) -> dict[str, Any]:
    """A buyer restriction as its office sees it (the buyer by masked name and hash prefix only)."""
    return {
        "id": r.id,
        "office_id": r.office_id,
        "buyer": r.buyer_label,
        "level": r.level.value,
        "rule": r.rule,
        "reason": r.reason,
        "decided_by": r.decided_by,
        "decided_at": r.decided_at.isoformat(),
        "lifted_at": r.lifted_at.isoformat() if r.lifted_at else None,
        "lifted_by": r.lifted_by or None,
        "lift_reason": r.lift_reason or None,
    }
