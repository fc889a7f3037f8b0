"""Pages for inspection office staff: the console, the trace entry and the bonded-zone desk."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from suyuan.trace import audit, batches, lookup, recalls, registry, stats
from suyuan.trace.model import Enterprise, EnterpriseKind, Role
from suyuan.trace.zone import credit, exits, inspection, ledger, spot_checks
from suyuan.trace.zone.anomalies import find_anomalies
from suyuan.web import dashboard, runtime
from suyuan.web.api_zone import zone_rules
from suyuan.web.auth import current_actor, login_required
from suyuan.web.converters import query_int

bp = Blueprint("regulator", __name__, url_prefix="/regulator")
LEDGER_PAGE = 500
ANOMALIES_SHOWN = 10
TRACE_PAGE = "/regulator/trace/batch"  # the batch trace view (trace_pages.py), a public path


@bp.get("/")
@login_required(Role.REGULATOR)
def home() -> str:
    """The office's console: what waits (complaints, recalls, warnings, alerts), the trace entry,
    merchants' credit, scan charts (all batches or ``?batch=``), filings and audit-chain health."""
    actor = current_actor()
    batch_id, days = dashboard.chart_args()
    with runtime().transaction() as db:
        scans = stats.scan_stats(db, actor, days=days, batch_id=batch_id)
        enterprises = registry.list_enterprises(db, actor)
        anomalies = find_anomalies(db, actor, zone_rules().anomalies)
        return render_template(
            "regulator/home.html",
            products=registry.list_products(db, actor),
            enterprises=enterprises,
            batches=batches.list_batches(db, actor),
            chain=audit.verify_chain(db),
            counts=stats.dashboard_counts(db, actor),
            anomalies=anomalies[:ANOMALIES_SHOWN],
            anomaly_count=len(anomalies),
            credit=credit_board(enterprises),
            scope=_("the batches of your office's enterprises"),
            **dashboard.template_context(scans, batch_id),
        )


def credit_board(enterprises: list[Enterprise]) -> list[Enterprise]:
    """The merchants among the office's enterprises, worst credit grade first (they are supervised
    most closely)."""
    merchants = [e for e in enterprises if e.kind is EnterpriseKind.MERCHANT]
    rank = {grade: i for i, grade in enumerate(credit.GRADES)}
    return sorted(merchants, key=lambda e: (-rank.get(e.credit_grade, len(rank)), e.name))


@bp.get("/find")
@login_required(Role.REGULATOR)
def find() -> BaseResponse:
    """The console's trace entry: a code, a link to a lot or a batch number opens that batch's trace."""
    with runtime().transaction() as db:
        batch = lookup.batch_for_reference(db, current_actor(), request.args.get("q", ""))
    return redirect(f"{TRACE_PAGE}/{batch.id}")


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
            db, current_actor(), batch_id, after=query_int("after") or 0, limit=LEDGER_PAGE
        )
        return render_template("zone/ledger.html", report=report, back=url_for("regulator.zone"))
