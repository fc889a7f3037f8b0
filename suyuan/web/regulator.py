"""Pages for inspection office staff: filings, batches, the audit chain and the bonded-zone desk."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from suyuan.trace import audit, batches, recalls, registry
from suyuan.trace.model import EnterpriseKind, Role
from suyuan.trace.zone import exits, inspection, ledger, spot_checks
from suyuan.trace.zone.anomalies import find_anomalies
from suyuan.web import runtime
from suyuan.web.api_zone import zone_rules
from suyuan.web.auth import current_actor, login_required

bp = Blueprint("regulator", __name__, url_prefix="/regulator")
LEDGER_PAGE = 500


@bp.get("/")
@login_required(Role.REGULATOR)
def home() -> str:
    """Product filings with their admission status, enterprises, batches and audit-chain health."""
    actor = current_actor()
    with runtime().transaction() as db:
        return render_template(
            "regulator/home.html",
            products=registry.list_products(db, actor),
            enterprises=registry.list_enterprises(db, actor),
            batches=batches.list_batches(db, actor),
            chain=audit.verify_chain(db),
        )


@bp.get("/zone")
@login_required(Role.REGULATOR)
def zone() -> str:
    """The office's bonded-zone desk: work waiting, spot checks, alerts, recalls and merchants' credit."""
    actor = current_actor()
    with runtime().transaction() as db:
        merchants = [e for e in registry.list_enterprises(db, actor) if e.kind is EnterpriseKind.MERCHANT]
        return render_template(
            "zone/regulator.html",
            awaiting_quarantine=inspection.declarations_awaiting_quarantine(db, actor),
            pending_reports=inspection.pending_reports(db, actor),
            checks=spot_checks.list_spot_checks(db, actor, limit=100),
            anomalies=find_anomalies(db, actor, zone_rules().anomalies),
            recalls=recalls.list_recalls(db, actor, limit=50),
            to_rectify=exits.list_exits(db, actor, status="rectification_required", limit=50),
            stock=ledger.ledgered_batches(db, actor, limit=200),
            merchants=merchants,
        )


@bp.get("/zone/batches/<int:batch_id>/ledger")
@login_required(Role.REGULATOR)
def batch_ledger(batch_id: int) -> str:
    """One batch's ledger: totals, reconciliation and its movements, a page at a time."""
    with runtime().transaction() as db:
        report = ledger.ledger_report(
            db, current_actor(), batch_id, after=request.args.get("after", 0, type=int), limit=LEDGER_PAGE
        )
        return render_template("zone/ledger.html", report=report, back=url_for("regulator.zone"))
