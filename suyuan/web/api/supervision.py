"""Supervision through the JSON API: positive and key-supervision lists and the withdrawal of list entries
(negative included), risk information intake, assessment and measures, supervised warehouses, the
quarantine scopes and warehouse of an entry, and a batch's supervision (issue 15 part B).

A child of :data:`suyuan.web.api.bp` (endpoints ``api.supervision.*``). Rules live in
:mod:`suyuan.trace.supervision_lists`, :mod:`suyuan.trace.risk_intake`, :mod:`suyuan.trace.risk_warnings`,
:mod:`suyuan.trace.zone.warehouses` and :mod:`suyuan.trace.zone.inspection`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy.orm import Session

from suyuan.trace import risk_intake, risk_warnings, supervision_lists
from suyuan.trace.actors import Actor
from suyuan.trace.batches import get_batch
from suyuan.trace.model import (
    EntryDeclaration,
    RiskInformation,
    Role,
    SupervisedWarehouse,
    SupervisionListEntry,
)
from suyuan.trace.zone import inspection, warehouses
from suyuan.trace.zone.entry import get_entry
from suyuan.web import runtime
from suyuan.web.api.common import created, parse
from suyuan.web.api.zone import spot_check_json
from suyuan.web.auth import api_auth, api_role, api_visible, current_actor
from suyuan.web.bodies import supervision as bodies
from suyuan.web.recall_json import recall_json, warning_json
from suyuan.web.serialize import negative_entry_json

bp = Blueprint("supervision", __name__)


def list_entry_json(e: SupervisionListEntry) -> dict[str, Any]:
    """A list entry."""
    return {
        "id": e.id,
        "office_id": e.office_id,
        "list_kind": e.list_kind.value,
        "match": e.match.value,
        "value": e.value,
        "reason": e.reason,
        "active": e.active,
        "created_at": e.created_at.isoformat(),
        "created_by": e.created_by,
        "withdrawn_at": e.withdrawn_at.isoformat() if e.withdrawn_at else None,
        "withdrawn_by": e.withdrawn_by,
        "withdrawal_note": e.withdrawal_note,
    }


def information_json(db: Session, actor: Actor, i: RiskInformation) -> dict[str, Any]:
    """Risk information with its assessments and the measures it led to that ``actor`` may learn of (a
    merchant is not told of a spot check before it is decided: :func:`risk_intake.measures_seen_by`)."""
    return {
        "id": i.id,
        "office_id": i.office_id,
        "source": i.source.value,
        "enterprise_id": i.enterprise_id,
        "hs_prefix": i.hs_prefix,
        "product_id": i.product_id,
        "batch_id": i.batch_id,
        "title": i.title,
        "description": i.description,
        "reference": i.reference,
        "received_at": i.received_at.isoformat(),
        "recorded_by": i.recorded_by,
        "status": i.status.value,
        "assessments": [
            {
                "id": a.id,
                "level": a.level.value,
                "rationale": a.rationale,
                "assessed_at": a.assessed_at.isoformat(),
                "assessed_by": a.assessed_by,
            }
            for a in i.assessments
        ],
        "measures": [
            {
                "kind": d.kind.value,
                "target_id": d.target_id,
                "created_at": d.created_at.isoformat(),
                "created_by": d.created_by,
            }
            for d in risk_intake.measures_seen_by(db, actor, i)
        ],
    }


def warehouse_json(w: SupervisedWarehouse) -> dict[str, Any]:
    """A supervised warehouse designation."""
    return {
        "id": w.id,
        "office_id": w.office_id,
        "enterprise_id": w.enterprise_id,
        "enterprise": w.enterprise.name,
        "address": w.address,
        "active": w.active,
        "designated_at": w.designated_at.isoformat(),
        "withdrawn_at": w.withdrawn_at.isoformat() if w.withdrawn_at else None,
    }


def quarantine_json(d: EntryDeclaration) -> dict[str, Any]:
    """An entry's quarantine scopes and warehouse."""
    return {
        "declaration_id": d.id,
        "quarantine_status": d.quarantine_status.value,
        "required_quarantine": list(d.required_quarantine or []),
        "missing_quarantine": inspection.missing_quarantine(d),
        "warehouse_id": d.warehouse_id,
    }


@bp.get("/supervision-lists")
@api_auth
def list_entries() -> Response:
    """The positive and key-supervision lists of the caller's office (a merchant: of its office)."""
    with runtime().transaction() as db:
        entries = supervision_lists.list_entries(db, current_actor())
        return jsonify({"entries": [list_entry_json(e) for e in entries]})


@bp.post("/supervision-lists")
@api_role(Role.REGULATOR)
def add_entry() -> tuple[Response, int]:
    """Add an entry to the office's positive or key-supervision list."""
    body = parse(bodies.ListEntry)
    with runtime().transaction() as db:
        entry = supervision_lists.add_entry(
            db,
            current_actor(),
            list_kind=body.list_kind,
            match=body.match,
            value=body.value,
            reason=body.reason or "",
        )
        return created(list_entry_json(entry))


@bp.post("/supervision-lists/<int:list_entry_id>/withdraw")
@api_role(Role.REGULATOR)
def withdraw_entry(list_entry_id: int) -> Response:
    """Withdraw an entry of the office's list (audited; it stays on record)."""
    body = parse(bodies.ListWithdrawal, optional=True)
    with runtime().transaction() as db:
        entry = supervision_lists.withdraw_entry(db, current_actor(), list_entry_id, body.note or "")
        return jsonify(list_entry_json(entry))


@bp.post("/negative-list/<int:rule_id>/withdraw")
@api_role(Role.REGULATOR)
def withdraw_negative(rule_id: int) -> Response:
    """Withdraw a negative-list rule (audited; it stays on record)."""
    body = parse(bodies.ListWithdrawal, optional=True)
    with runtime().transaction() as db:
        rule = supervision_lists.withdraw_negative_entry(db, current_actor(), rule_id, body.note or "")
        return jsonify(negative_entry_json(rule))


@bp.get("/risk-information")
@api_auth
def list_information() -> Response:
    """Risk information the caller reads (an office: its own; a merchant: its self-reports)."""
    with runtime().transaction() as db:
        actor = current_actor()
        found = risk_intake.list_information(db, actor)
        return jsonify({"information": [information_json(db, actor, i) for i in found]})


@bp.post("/risk-information")
@api_auth
def record_information() -> tuple[Response, int]:
    """Record risk information: a merchant's self-report, an office's foreign notification or incident."""
    report = parse(bodies.RiskInformation).report()
    actor = current_actor()
    with runtime().transaction() as db:
        return created(information_json(db, actor, risk_intake.record_information(db, actor, report)))


@bp.get("/risk-information/<int:information_id>")
@api_auth
def get_information(information_id: int) -> Response:
    """One piece of risk information with its assessments and measures."""
    actor = current_actor()
    with runtime().transaction() as db:
        return jsonify(information_json(db, actor, risk_intake.get_information(db, actor, information_id)))


def _office_information(db: Session, actor: Any, information_id: int) -> object:
    return risk_intake.get_information(db, actor, information_id)


@bp.post("/risk-information/<int:information_id>/assessment")
@api_role(Role.REGULATOR)
@api_visible("information_id", _office_information)
def assess(information_id: int) -> tuple[Response, int]:
    """The office records its risk assessment."""
    body = parse(bodies.Assessment)
    with runtime().transaction() as db:
        actor = current_actor()
        risk_intake.assess(db, actor, information_id, level=body.level, rationale=body.rationale)
        return created(information_json(db, actor, risk_intake.get_information(db, actor, information_id)))


@bp.post("/risk-information/<int:information_id>/warning")
@api_role(Role.REGULATOR)
@api_visible("information_id", _office_information)
def warn(information_id: int) -> tuple[Response, int]:
    """Publish a risk warning (tightened control optional) from assessed information."""
    filing = parse(bodies.WarningMeasure).filing()
    with runtime().transaction() as db:
        warning = risk_intake.warn(db, current_actor(), information_id, filing)
        return created(warning_json(db, warning))


@bp.post("/risk-information/<int:information_id>/spot-check")
@api_role(Role.REGULATOR)
@api_visible("information_id", _office_information)
def spot_check(information_id: int) -> tuple[Response, int]:
    """Open a spot check from assessed information."""
    body = parse(bodies.CheckMeasure, optional=True)
    with runtime().transaction() as db:
        check = risk_intake.spot_check(db, current_actor(), information_id, body.batch_id, body.note or "")
        return created(spot_check_json(check))


@bp.post("/risk-information/<int:information_id>/recall")
@api_role(Role.REGULATOR)
@api_visible("information_id", _office_information)
def recall(information_id: int) -> tuple[Response, int]:
    """Open a recall or stop-sale from assessed information."""
    body = parse(bodies.RecallMeasure)
    with runtime().transaction() as db:
        opened = risk_intake.recall(
            db,
            current_actor(),
            information_id,
            body.batch_id,
            kind=body.kind,
            reason=body.reason,
            instructions=body.instructions or "",
        )
        return created(recall_json(opened))


@bp.get("/warehouses")
@api_auth
def list_warehouses() -> Response:
    """The supervised warehouses of the caller's office."""
    with runtime().transaction() as db:
        found = warehouses.list_warehouses(db, current_actor())
        return jsonify({"warehouses": [warehouse_json(w) for w in found]})


@bp.post("/warehouses")
@api_role(Role.REGULATOR)
def designate_warehouse() -> tuple[Response, int]:
    """Designate a warehouse enterprise filed with the office as a supervised warehouse."""
    body = parse(bodies.Designation)
    with runtime().transaction() as db:
        warehouse = warehouses.designate_warehouse(
            db, current_actor(), body.enterprise_id, address=body.address or ""
        )
        return created(warehouse_json(warehouse))


@bp.post("/warehouses/<int:warehouse_id>/withdraw")
@api_role(Role.REGULATOR)
def withdraw_warehouse(warehouse_id: int) -> Response:
    """Withdraw a designation."""
    with runtime().transaction() as db:
        return jsonify(warehouse_json(warehouses.withdraw_designation(db, current_actor(), warehouse_id)))


@bp.post("/entry-declarations/<int:declaration_id>/warehouse")
@api_auth
@api_visible("declaration_id", get_entry)
def store_entry(declaration_id: int) -> Response:
    """Name the supervised warehouse an entry's goods are stored in (its merchant or its office)."""
    body = parse(bodies.Storage)
    with runtime().transaction() as db:
        return jsonify(
            quarantine_json(warehouses.store_entry(db, current_actor(), declaration_id, body.warehouse_id))
        )


@bp.post("/entry-declarations/<int:declaration_id>/quarantine-scopes")
@api_role(Role.REGULATOR)
@api_visible("declaration_id", get_entry)
def require_quarantine(declaration_id: int) -> Response:
    """The office names the quarantines an entry needs (goods, container, wood packaging)."""
    body = parse(bodies.QuarantineScopes)
    with runtime().transaction() as db:
        declaration = inspection.require_quarantine_scopes(
            db, current_actor(), declaration_id, list(body.scopes)
        )
        return jsonify(quarantine_json(declaration))


@bp.get("/batches/<int:batch_id>/supervision")
@api_auth
def batch_supervision(batch_id: int) -> Response:
    """How a batch is supervised: list standing, tightened control and what stands before its release."""
    with runtime().transaction() as db:
        batch = get_batch(db, current_actor(), batch_id)
        standing = supervision_lists.standing(db, batch.product)
        control = risk_warnings.tightened_control(db, batch)
        return jsonify(
            {
                "batch_id": batch.id,
                "bonded": batch.bonded,
                "warehouse_id": batch.warehouse_id,
                "on_positive_list": standing.on_positive_list,
                "on_site_verification": standing.needs_on_site_verification,
                "key_supervision": standing.key_supervision,
                "sampling_factor": control.sampling_factor,
                "require_inspection": control.require_inspection,
                "hold_exits": control.hold_exits,
                "tightening_warnings": list(control.warning_ids),
                "release_gaps": [g.value for g in inspection.release_gaps(db, batch)],
            }
        )
