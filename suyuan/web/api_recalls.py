"""Recalls, stop-sales and risk warnings through the JSON API, and the public notice board.

Routes live on :data:`suyuan.web.api.bp`. Each view parses its body strictly (unknown fields are
refused), calls one use case of :mod:`suyuan.trace.recalls`, :mod:`suyuan.trace.recall_units` or
:mod:`suyuan.trace.risk_warnings` in one transaction and serialises; a refusal writes nothing.
``GET /api/v1/public/notices`` is the only route here that needs no token.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from suyuan.trace import recall_units, recalls, risk_warnings
from suyuan.trace.errors import InvalidInput
from suyuan.trace.risk_warnings import WarningFiling
from suyuan.trace.zone import exits, ledger
from suyuan.trace.zone.inputs import obj, string, whole
from suyuan.web import runtime
from suyuan.web.api import body, bp, created
from suyuan.web.api_zone import exit_json
from suyuan.web.auth import api_auth, current_actor
from suyuan.web.recall_json import public_recall_json, recall_json, warning_json

RECALL_FIELDS = ("kind", "reason", "instructions", "instructions_en", "scope")
RETURN_FIELDS = ("exit_declaration_id", "codes", "reason")
DESTRUCTION_FIELDS = ("quantity", "reason", "recall_id")
WARNING_FIELDS = ("level", "title", "body", "title_en", "body_en", "hs_prefix", "product_id", "batch_id")


@bp.post("/batches/<int:batch_id>/recall")
@api_auth
def recall_open(batch_id: int) -> tuple[Response, int]:
    """Open a recall or stop-sale (regulator: ordered; the batch's merchant: voluntary); codes answer
    ``recalled`` as soon as this returns."""
    actor = current_actor()
    with runtime().transaction() as db:
        recalls.authorise_opening(db, actor, batch_id)  # strangers learn nothing from body errors
        data = obj(body(), "recall", RECALL_FIELDS, ("kind", "reason"))
        recall = recalls.open_recall(
            db,
            actor,
            batch_id,
            string(data, "kind"),
            string(data, "reason"),
            string(data, "instructions"),
            instructions_en=string(data, "instructions_en"),
            scope=string(data, "scope", "batch"),
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
        data = obj(body(), "close", ("note",), ("note",))
        recall = recalls.close_recall(db, actor, recall_id, string(data, "note"))
        return jsonify(recall_json(recall, recall_units.recall_accounting(db, recall)))


@bp.post("/recalls/<int:recall_id>/lift")
@api_auth
def recall_lift(recall_id: int) -> Response:
    """The office lifts a stop-sale: the batch goes back to what it was before."""
    actor = current_actor()
    with runtime().transaction() as db:
        recalls.office_recall(db, actor, recall_id)
        data = obj(body(), "lift", ("note",), ("note",))
        return jsonify(recall_json(recalls.lift_stop_sale(db, actor, recall_id, string(data, "note"))))


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
        data = obj(body(), "return", RETURN_FIELDS, RETURN_FIELDS)
        codes, order = data["codes"], whole(data, "exit_declaration_id")
        if not isinstance(codes, list):
            raise InvalidInput("codes must be a list of code URLs", field="codes")
        recall_units.record_recall_return(db, actor, recall_id, order, codes, string(data, "reason"))
        return created(exit_json(exits.get_exit(db, actor, order)))


@bp.post("/batches/<int:batch_id>/destruction")
@api_auth
def batch_destruction(batch_id: int) -> tuple[Response, int]:
    """Units of a batch under recall or stop-sale destroyed in the zone (office or merchant)."""
    actor = current_actor()
    with runtime().transaction() as db:
        recall_units.authorise_destruction(db, actor, batch_id)
        data = obj(body(), "destruction", DESTRUCTION_FIELDS, ("quantity", "reason"))
        entry = recall_units.record_destruction(
            db,
            actor,
            batch_id,
            whole(data, "quantity"),
            string(data, "reason"),
            recall_id=_optional_id(data, "recall_id"),
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
    data = obj(body(), "warning", WARNING_FIELDS, ("level", "title", "body"))
    filing = WarningFiling(
        level=string(data, "level"),
        title=string(data, "title"),
        body=string(data, "body"),
        title_en=string(data, "title_en"),
        body_en=string(data, "body_en"),
        hs_prefix=string(data, "hs_prefix"),
        product_id=_optional_id(data, "product_id"),
        batch_id=_optional_id(data, "batch_id"),
    )
    with runtime().transaction() as db:
        return created(warning_json(db, risk_warnings.publish_warning(db, actor, filing)))


@bp.post("/warnings/<int:warning_id>/withdraw")
@api_auth
def warning_withdraw(warning_id: int) -> Response:
    """The publishing office withdraws a warning (it stays on record)."""
    actor = current_actor()
    with runtime().transaction() as db:
        risk_warnings.authorise_withdrawal(db, actor, warning_id)
        data = obj(body(), "withdraw", ("note",)) if request.content_length else {}
        warning = risk_warnings.withdraw_warning(db, actor, warning_id, string(data, "note"))
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


def _optional_id(data: dict[str, Any], key: str) -> int | None:
    return whole(data, key) if data.get(key) is not None else None
