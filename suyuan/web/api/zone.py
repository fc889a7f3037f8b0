"""The bonded-zone workflow through the JSON API: entry, inspection, ledger, spot checks, exits, credit.

A child of :data:`suyuan.web.api.bp` (endpoints ``api.zone.*``). Each view parses its body into its
model (:mod:`suyuan.web.bodies.zone`), calls one use case in one transaction and serialises. The one
answer that is both an error status and a committed record: an exit declaration that fails its check
is stored for rectification and answered ``422 exit_check_failed`` with the declaration and findings.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Response, current_app, jsonify, request

from suyuan.trace import batches, registry
from suyuan.trace.errors import InvalidInput
from suyuan.trace.model import (
    BatchReport,
    CreditEvent,
    EntryDeclaration,
    ExitDeclaration,
    ExitStatus,
    LedgerEntry,
    Recall,
    Role,
    SpotCheck,
)
from suyuan.trace.zone import credit, entry, exits, inspection, ledger, returns, spot_checks
from suyuan.trace.zone.anomalies import find_anomalies
from suyuan.trace.zone.quotas import yuan
from suyuan.trace.zone.rules import ZoneRules
from suyuan.web import runtime
from suyuan.web.api.common import created, int_arg, parse, text_arg
from suyuan.web.auth import api_auth, api_role, api_visible, current_actor
from suyuan.web.bodies import zone as bodies
from suyuan.web.json_body import BULK_JSON_BYTES

bp = Blueprint("zone", __name__)


def zone_rules() -> ZoneRules:
    """The zone rules of this app: its config over the environment over the defaults (read once)."""
    if "suyuan_zone_rules" not in current_app.extensions:
        current_app.extensions["suyuan_zone_rules"] = ZoneRules.from_mapping(current_app.config)
    return cast(ZoneRules, current_app.extensions["suyuan_zone_rules"])


# --- entry and quarantine -------------------------------------------------------------------------


@bp.get("/entry-declarations")
@api_auth
def list_entries() -> Response:
    """Entry declarations visible to the caller, newest first."""
    with runtime().transaction() as db:
        rows = entry.list_entries(db, current_actor())
        return jsonify({"entry_declarations": [entry_json(d) for d in rows]})


@bp.post("/entry-declarations")
@api_role(Role.MERCHANT)
def declare_entry() -> tuple[Response, int]:
    """A merchant declares a consignment; matching lines become batches on the ledger."""
    declaration = parse(bodies.EntryDeclaration, BULK_JSON_BYTES)
    actor = current_actor()
    enterprise_id = actor.enterprise_id if declaration.enterprise_id is None else declaration.enterprise_id
    if enterprise_id is None:
        raise InvalidInput("enterprise_id is required", field="enterprise_id")
    with runtime().transaction() as db:
        return created(entry_json(entry.declare_entry(db, actor, enterprise_id, declaration.filing())))


@bp.get("/entry-declarations/<int:declaration_id>")
@api_auth
def get_entry(declaration_id: int) -> Response:
    """One entry declaration with its lines and quarantine results."""
    with runtime().transaction() as db:
        return jsonify(entry_json(entry.get_entry(db, current_actor(), declaration_id)))


@bp.post("/entry-declarations/<int:declaration_id>/quarantine")
@api_role(Role.REGULATOR)
@api_visible("declaration_id", entry.get_entry)
def record_quarantine(declaration_id: int) -> Response:
    """The office records the quarantine result (regulators)."""
    result = parse(bodies.Quarantine)
    with runtime().transaction() as db:
        inspection.record_quarantine(
            db,
            current_actor(),
            declaration_id,
            outcome=result.outcome,
            scope="goods" if result.scope is None else result.scope,
            treatment=result.treatment or "",
            note=result.note or "",
        )
        return jsonify(entry_json(entry.get_entry(db, current_actor(), declaration_id)))


# --- reports, ledger and disposal ---------------------------------------------------------------


@bp.get("/batches/<int:batch_id>/reports")
@api_auth
def list_reports(batch_id: int) -> Response:
    """A batch's test reports and conformity declarations."""
    with runtime().transaction() as db:
        rows = inspection.reports_of(db, current_actor(), batch_id)
        return jsonify({"reports": [report_json(r) for r in rows]})


@bp.post("/batches/<int:batch_id>/reports")
@api_role(Role.MERCHANT)
@api_visible("batch_id", batches.get_batch)
def submit_report(batch_id: int) -> tuple[Response, int]:
    """The batch's merchant submits a report for review."""
    filing = parse(bodies.Report).filing()
    with runtime().transaction() as db:
        return created(report_json(inspection.submit_report(db, current_actor(), batch_id, filing)))


@bp.post("/reports/<int:report_id>/review")
@api_role(Role.REGULATOR)
@api_visible("report_id", inspection.get_report)
def review_report(report_id: int) -> Response:
    """The office accepts or rejects a report (regulators)."""
    review = parse(bodies.Review)
    with runtime().transaction() as db:
        report = inspection.review_report(
            db, current_actor(), report_id, accept=review.accept, note=review.note or ""
        )
        return jsonify(report_json(report))


@bp.get("/batches/<int:batch_id>/ledger")
@api_auth
def batch_ledger(batch_id: int) -> Response:
    """The batch's ledger: totals, balance, reconciliation and a page of movements."""
    limit = int_arg("limit")
    with runtime().transaction() as db:
        report = ledger.ledger_report(
            db, current_actor(), batch_id, after=int_arg("after") or 0, limit=1000 if limit is None else limit
        )
        return jsonify(report.as_json())


@bp.post("/batches/<int:batch_id>/disposals")
@api_role(Role.REGULATOR)
@api_visible("batch_id", batches.get_batch)
def dispose_goods(batch_id: int) -> tuple[Response, int]:
    """The office supervises destruction or return shipment of units in the zone (regulators)."""
    disposal = parse(bodies.Disposal)
    with runtime().transaction() as db:
        posted = inspection.dispose_goods(
            db,
            current_actor(),
            batch_id,
            kind=disposal.kind,
            quantity=disposal.quantity,
            reason=disposal.reason,
        )
        return created(movement_json(posted) | {"in_zone": ledger.balance(db, batch_id)})


# --- spot checks ---------------------------------------------------------------------------------


@bp.get("/spot-checks")
@api_auth
def list_spot_checks() -> Response:
    """Spot checks: all of the office for regulators; results of their own goods for merchants."""
    with runtime().transaction() as db:
        rows = spot_checks.list_spot_checks(db, current_actor())
        return jsonify({"spot_checks": [spot_check_json(c) for c in rows]})


@bp.post("/spot-checks")
@api_role(Role.REGULATOR)
def open_spot_check() -> tuple[Response, int]:
    """An officer plans a check of one batch (regulators)."""
    planned = parse(bodies.SpotCheckRequest)
    with runtime().transaction() as db:
        check = spot_checks.open_spot_check(db, current_actor(), planned.batch_id, note=planned.note or "")
        return created(spot_check_json(check))


@bp.post("/spot-checks/draw")
@api_role(Role.REGULATOR)
def draw_spot_checks() -> tuple[Response, int]:
    """Draw this round's risk-based checks; the seed makes the draw reproducible (regulators)."""
    draw = parse(bodies.Draw, optional=True)
    with runtime().transaction() as db:
        drawn = spot_checks.draw_spot_checks(db, current_actor(), seed=draw.seed or None)
        return created({"spot_checks": [spot_check_json(c) for c in drawn]})


@bp.get("/spot-checks/<int:spot_check_id>")
@api_auth
def get_spot_check(spot_check_id: int) -> Response:
    """One spot check."""
    with runtime().transaction() as db:
        return jsonify(spot_check_json(spot_checks.get_spot_check(db, current_actor(), spot_check_id)))


@bp.post("/spot-checks/<int:spot_check_id>/sample")
@api_role(Role.REGULATOR)
@api_visible("spot_check_id", spot_checks.get_spot_check)
def record_sample(spot_check_id: int) -> Response:
    """Samples taken: ``offline`` in the warehouse (debits the ledger) or ``online`` with an order."""
    sample = parse(bodies.Sample)
    with runtime().transaction() as db:
        check = spot_checks.record_sample(
            db,
            current_actor(),
            spot_check_id,
            channel=sample.channel,
            quantity=sample.quantity,
            order_ref=sample.order_ref or "",
        )
        return jsonify(spot_check_json(check))


@bp.post("/spot-checks/<int:spot_check_id>/result")
@api_role(Role.REGULATOR)
@api_visible("spot_check_id", spot_checks.get_spot_check)
def record_result(spot_check_id: int) -> Response:
    """The lab result; a failure blocks the batch's exit and recalls its sold units at once."""
    result = parse(bodies.LabResult)
    with runtime().transaction() as db:
        check = spot_checks.record_result(
            db,
            current_actor(),
            spot_check_id,
            passed=result.passed,
            lab=result.lab,
            report_sha256=result.report_sha256,
            failed_items=list(result.failed_items),
            note=result.note or "",
        )
        return jsonify(spot_check_json(check))


# --- exits and returns ---------------------------------------------------------------------------


@bp.get("/exit-declarations")
@api_auth
def list_exits() -> Response:
    """Exit declarations visible to the caller, newest first; ``status=`` and ``order_no=`` filter."""
    order_no = text_arg("order_no", 64)
    with runtime().transaction() as db:
        status = request.args.get("status") or None
        rows = exits.list_exits(db, current_actor(), status=status, order_no=order_no)
        return jsonify({"exit_declarations": [exit_json(d) for d in rows]})


@bp.post("/exit-declarations")
@api_role(Role.MERCHANT)
def declare_exit() -> tuple[Response, int]:
    """Declare an order's exit: 201 if it passed its check and was written off, else 422 with findings."""
    filing = parse(bodies.ExitDeclaration, BULK_JSON_BYTES).filing()
    rt = runtime()
    with rt.transaction() as db:
        declaration = exits.declare_exit(
            db, current_actor(), rt.ring, filing, secret=rt.settings.secret_key, rules=zone_rules()
        )
        return _checked(declaration)


@bp.get("/exit-declarations/<int:declaration_id>")
@api_auth
def get_exit(declaration_id: int) -> Response:
    """One exit declaration with its lines and findings."""
    with runtime().transaction() as db:
        return jsonify(exit_json(exits.get_exit(db, current_actor(), declaration_id)))


@bp.post("/exit-declarations/<int:declaration_id>/recheck")
@api_role(Role.MERCHANT)
@api_visible("declaration_id", exits.get_exit)
def recheck_exit(declaration_id: int) -> tuple[Response, int]:
    """Rectify a declaration that failed its check (new lines, and the payment if it changed)."""
    rectification = parse(bodies.Rectification, BULK_JSON_BYTES)
    rt = runtime()
    with rt.transaction() as db:
        declaration = exits.recheck_exit(
            db,
            current_actor(),
            rt.ring,
            declaration_id,
            tuple(line.filing() for line in rectification.lines),
            payment_amount=rectification.payment_amount,
            rules=zone_rules(),
        )
        return _checked(declaration, ok=200)


@bp.post("/exit-declarations/<int:declaration_id>/returns")
@api_role(Role.MERCHANT)
@api_visible("declaration_id", exits.get_exit)
def record_return(declaration_id: int) -> tuple[Response, int]:
    """Units of a released order come back into the zone, named by their code URLs."""
    sent_back = parse(bodies.Return, BULK_JSON_BYTES)
    with runtime().transaction() as db:
        back = returns.record_return(
            db, current_actor(), declaration_id, list(sent_back.codes), sent_back.reason, rules=zone_rules()
        )
        return created(
            {
                "id": back.id,
                "exit_declaration_id": back.exit_declaration_id,
                "quantity": back.quantity,
                "value": yuan(back.value_fen),
                "reason": back.reason,
                "returned_at": back.returned_at.isoformat(),
                "units": [{"batch_id": i.batch_id, "serial": i.serial} for i in back.items],
            }
        )


def _checked(declaration: ExitDeclaration, ok: int = 201) -> tuple[Response, int]:
    if declaration.status is ExitStatus.WRITTEN_OFF:
        return jsonify(exit_json(declaration)), ok
    if declaration.status is ExitStatus.HELD:  # passed, waiting for the office's release
        return jsonify(exit_json(declaration)), 202
    problems = ", ".join(sorted({f["problem"] for f in declaration.findings}))
    error = {
        "code": "exit_check_failed",
        "message": f"the exit check found: {problems}; the declaration awaits rectification (recheck)",
    }
    return jsonify({"error": error, "declaration": exit_json(declaration)}), 422


# --- monitoring and credit ------------------------------------------------------------------------


@bp.get("/anomalies")
@api_auth
def anomalies() -> Response:
    """Disguised-B2B alerts over the configured window (regulators)."""
    with runtime().transaction() as db:
        found = find_anomalies(db, current_actor(), zone_rules().anomalies)
        return jsonify({"anomalies": [a.as_json() for a in found]})


@bp.get("/enterprises/<int:enterprise_id>/credit")
@api_auth
def credit_profile(enterprise_id: int) -> Response:
    """An enterprise's credit grade, points, passed checks and events."""
    with runtime().transaction() as db:
        profile = credit.credit_profile(db, current_actor(), enterprise_id)
        return jsonify(
            {
                "enterprise_id": profile.enterprise.id,
                "grade": profile.grade,
                "points": profile.points,
                "passed_spot_checks": profile.passed_checks,
                "events": [credit_event_json(e) for e in profile.events],
            }
        )


@bp.post("/enterprises/<int:enterprise_id>/credit-events")
@api_role(Role.REGULATOR)
@api_visible("enterprise_id", registry.get_enterprise)
def record_credit_event(enterprise_id: int) -> tuple[Response, int]:
    """The office records a credit event (e.g. a violation); the grade is recomputed (regulators)."""
    event_in = parse(bodies.CreditEvent)
    with runtime().transaction() as db:
        event = credit.record_credit_event(
            db,
            current_actor(),
            enterprise_id,
            event_in.kind,
            note=event_in.note,
            source=event_in.source or "",
        )
        grade = credit.credit_profile(db, current_actor(), enterprise_id).grade
        return created(credit_event_json(event) | {"grade": grade})


# --- JSON shapes ---------------------------------------------------------------------------------


def entry_json(d: EntryDeclaration) -> dict[str, Any]:
    """An entry declaration with its lines and quarantine results."""
    return {
        "id": d.id,
        "enterprise_id": d.enterprise_id,
        "reference": d.reference,
        "transport_doc": d.transport_doc,
        "status": d.status.value,
        "quarantine_status": d.quarantine_status.value,
        "declared_at": d.declared_at.isoformat(),
        "lines": [
            {
                "line": ln.line_no,
                "gtin": ln.gtin,
                "lot": ln.lot,
                "quantity": ln.quantity,
                "product_id": ln.product_id,
                "batch_id": ln.batch_id,
                "accepted": ln.refusal is None,
                "refusal": ln.refusal.value if ln.refusal else None,
                "refusal_message": ln.refusal_message,
            }
            for ln in d.lines
        ],
        "quarantine": [
            {
                "scope": q.scope.value,
                "outcome": q.outcome.value,
                "treatment": q.treatment,
                "note": q.note,
                "recorded_at": q.recorded_at.isoformat(),
            }
            for q in d.quarantine_results
        ],
    }


def report_json(r: BatchReport) -> dict[str, Any]:
    """A batch report and its review."""
    return {
        "id": r.id,
        "batch_id": r.batch_id,
        "kind": r.kind.value,
        "number": r.number,
        "issuer": r.issuer,
        "issued_on": r.issued_on.isoformat(),
        "valid_until": r.valid_until.isoformat() if r.valid_until else None,
        "sha256": r.sha256,
        "status": r.status.value,
        "review_note": r.review_note,
    }


def movement_json(m: LedgerEntry) -> dict[str, Any]:
    """One ledger movement."""
    return {
        "id": m.id,
        "batch_id": m.batch_id,
        "kind": m.kind.value,
        "quantity": m.quantity,
        "source": m.source,
    }


def recall_json(r: Recall) -> dict[str, Any]:
    """A recall as the zone shows it."""
    return {
        "id": r.id,
        "batch_id": r.batch_id,
        "kind": r.kind.value,
        "scope": r.scope.value,
        "status": r.status.value,
        "voluntary": r.voluntary,
        "reason": r.reason,
        "affected_units": r.affected_units,
        "affected_orders": r.affected_orders,
        "opened_at": r.opened_at.isoformat(),
    }


def spot_check_json(c: SpotCheck) -> dict[str, Any]:
    """A spot check with its sample, result and the recall it opened."""
    return {
        "id": c.id,
        "batch_id": c.batch_id,
        "status": c.status.value,
        "rate": c.rate,
        "draw": c.draw,
        "channel": c.channel.value if c.channel else None,
        "sample_quantity": c.sample_quantity,
        "order_ref": c.order_ref,
        "lab": c.lab,
        "report_sha256": c.report_sha256,
        "failed_items": list(c.failed_items or []),
        "planned_at": c.planned_at.isoformat(),
        "decided_at": c.decided_at.isoformat() if c.decided_at else None,
        "recall": recall_json(c.recall) if c.recall else None,
    }


def exit_json(d: ExitDeclaration) -> dict[str, Any]:
    """An exit declaration: documents, masked buyer, lines with their codes, check result."""
    return {
        "id": d.id,
        "enterprise_id": d.enterprise_id,
        "order_no": d.order_no,
        "platform": d.platform,
        "payment_ref": d.payment_ref,
        "waybill_no": d.waybill_no,
        "payment_amount": yuan(d.payment_fen),
        "total": yuan(d.total_fen),
        "buyer": {"name": d.buyer_name_masked, "id": d.buyer_hash[:8]},
        "status": d.status.value,
        "attempts": d.attempts,
        "findings": d.findings,
        "declared_at": d.declared_at.isoformat(),
        "written_off_at": d.written_off_at.isoformat() if d.written_off_at else None,
        "trade_mode": d.trade_mode.value,
        "released_at": d.released_at.isoformat() if d.released_at else None,
        "lines": [
            {
                "line": ln.line_no,
                "batch_id": ln.batch_id,
                "quantity": ln.quantity,
                "unit_price": yuan(ln.unit_price_fen),
                "units": [{"gtin": g, "lot": lot, "serial": serial} for g, lot, serial in ln.codes],
            }
            for ln in d.lines
        ],
    }


def credit_event_json(e: CreditEvent) -> dict[str, Any]:
    """A credit event."""
    return {
        "id": e.id,
        "kind": e.kind.value,
        "points": e.points,
        "source": e.source,
        "note": e.note,
        "occurred_at": e.occurred_at.isoformat(),
    }
