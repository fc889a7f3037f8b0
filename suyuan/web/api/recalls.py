"""Recalls, stop-sales and risk warnings through the JSON API, and the public notice board.

A child of :data:`suyuan.web.api.bp` (endpoints ``api.recalls.*``). Each view parses its body into its
model (:mod:`suyuan.web.bodies.recalls`; unknown fields are refused), calls one use case of
:mod:`suyuan.trace.recalls`, :mod:`suyuan.trace.recall_units` or :mod:`suyuan.trace.risk_warnings` in one
transaction and serialises; a refusal writes nothing.
``GET /api/v1/public/notices`` is the only route here that needs no token.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from suyuan.trace import recall_units, recalls, risk_warnings
from suyuan.trace.model import RecallScope
from suyuan.trace.zone import exits, ledger
from suyuan.web import runtime
from suyuan.web.api.common import created, parse
from suyuan.web.api.zone import exit_json
from suyuan.web.auth import api_auth, current_actor
from suyuan.web.bodies import recalls as bodies
from suyuan.web.recall_json import public_recall_json, recall_json, warning_json

bp = Blueprint("recalls", __name__)


@bp.post("/batches/<int:batch_id>/recall")
@api_auth
def recall_open(batch_id: int) -> tuple[Response, int]:
    """Open a recall or stop-sale (regulator: ordered; the batch's merchant: voluntary); codes answer
    ``recalled`` as soon as this returns."""
    actor = current_actor()
    with runtime().transaction() as db:
        recalls.authorise_opening(db, actor, batch_id)  # strangers learn nothing from body errors
        opening = parse(bodies.RecallOpening)
        recall = recalls.open_recall(
            db,
            actor,
            batch_id,
            opening.kind,
            opening.reason,
            opening.instructions or "",
            instructions_en=opening.instructions_en or "",
            scope=RecallScope.BATCH.value if opening.scope is None else opening.scope,
        )
        return created(recall_json(recall))


@bp.get("/recalls")
@api_auth
def recall_list() -> Response:
    """Recalls visible to the caller, newest first; ``?status=open|closed`` narrows."""
    status = request.args.get("status") or None
    with runtime().transaction() as db:
        rows = recalls.list_recalls(db, current_actor(), status=status)
        return jsonify({"recalls": [recall_json(r) for r in rows]})


@bp.get("/recalls/<int:recall_id>")
@api_auth
def recall_get(recall_id: int) -> Response:
    """One recall with the account of its units."""
    with runtime().transaction() as db:
        recall = recalls.get_recall(db, current_actor(), recall_id)
        return jsonify(recall_json(recall, recall_units.recall_accounting(db, recall)))


@bp.post("/recalls/<int:recall_id>/close")
@api_auth
def recall_close(recall_id: int) -> Response:
    """The office closes a recall with a note; the answer includes the units still outstanding."""
    actor = current_actor()
    with runtime().transaction() as db:
        recalls.office_recall(db, actor, recall_id)
        recall = recalls.close_recall(db, actor, recall_id, parse(bodies.Note).note)
        return jsonify(recall_json(recall, recall_units.recall_accounting(db, recall)))


@bp.post("/recalls/<int:recall_id>/lift")
@api_auth
def recall_lift(recall_id: int) -> Response:
    """The office lifts a stop-sale: the batch goes back to what it was before."""
    actor = current_actor()
    with runtime().transaction() as db:
        recalls.office_recall(db, actor, recall_id)
        return jsonify(recall_json(recalls.lift_stop_sale(db, actor, recall_id, parse(bodies.Note).note)))


@bp.get("/recalls/<int:recall_id>/notifications")
@api_auth
def recall_notifications(recall_id: int) -> Response:
    """Consumers who left a contact on a complaint or claim about the batch (office and merchant)."""
    with runtime().transaction() as db:
        found = recalls.recall_notifications(db, current_actor(), recall_id)
        return jsonify(
            {
                "recall_id": recall_id,
                "notifications": [
                    {"source": n.source, "reference": n.reference, "contact": n.contact} for n in found
                ],
            }
        )


@bp.post("/recalls/<int:recall_id>/returns")
@api_auth
def recall_returns(recall_id: int) -> tuple[Response, int]:
    """The merchant takes recalled units of an order back (no return window applies)."""
    actor = current_actor()
    with runtime().transaction() as db:
        recall_units.authorise_return(db, actor, recall_id)
        sent_back = parse(bodies.RecallReturn)
        order = sent_back.exit_declaration_id
        recall_units.record_recall_return(
            db, actor, recall_id, order, list(sent_back.codes), sent_back.reason
        )
        return created(exit_json(exits.get_exit(db, actor, order)))


@bp.post("/batches/<int:batch_id>/destruction")
@api_auth
def batch_destruction(batch_id: int) -> tuple[Response, int]:
    """Units of a batch under recall or stop-sale destroyed in the zone (office or merchant)."""
    actor = current_actor()
    with runtime().transaction() as db:
        recall_units.authorise_destruction(db, actor, batch_id)
        destruction = parse(bodies.Destruction)
        entry = recall_units.record_destruction(
            db, actor, batch_id, destruction.quantity, destruction.reason, recall_id=destruction.recall_id
        )
        return created(
            {
                "ledger_entry": entry.id,
                "batch_id": entry.batch_id,
                "kind": entry.kind.value,
                "quantity": entry.quantity,
                "source": entry.source,
                "in_zone": ledger.balance(db, batch_id),
            }
        )


@bp.get("/warnings")
@api_auth
def warning_list() -> Response:
    """Every risk warning of every office, withdrawn ones included (regulators and merchants)."""
    with runtime().transaction() as db:
        rows = risk_warnings.list_warnings(db, current_actor())
        return jsonify({"warnings": [warning_json(db, w) for w in rows]})


@bp.post("/warnings")
@api_auth
def warning_publish() -> tuple[Response, int]:
    """A regulator publishes a risk warning to all offices and the public."""
    actor = current_actor()
    risk_warnings.require_publisher(actor)
    filing = parse(bodies.RiskWarning).filing()
    with runtime().transaction() as db:
        return created(warning_json(db, risk_warnings.publish_warning(db, actor, filing)))


@bp.post("/warnings/<int:warning_id>/withdraw")
@api_auth
def warning_withdraw(warning_id: int) -> Response:
    """The publishing office withdraws a warning (it stays on record)."""
    actor = current_actor()
    with runtime().transaction() as db:
        risk_warnings.authorise_withdrawal(db, actor, warning_id)
        withdrawal = parse(bodies.Withdrawal, optional=True)
        warning = risk_warnings.withdraw_warning(db, actor, warning_id, withdrawal.note or "")
        return jsonify(warning_json(db, warning))


@bp.get("/public/notices")
def public_notices() -> Response:
    """The public notice board: active risk warnings and open recalls and stop-sales, nothing internal."""
    with runtime().transaction() as db:
        response = jsonify(
            {
                "warnings": [warning_json(db, w, public=True) for w in risk_warnings.active_warnings(db)],
                "recalls": [public_recall_json(r) for r in recalls.open_recalls(db)],
            }
        )
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
