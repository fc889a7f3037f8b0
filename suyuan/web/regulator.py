"""Pages for inspection office staff: the console, the trace entry and the bonded-zone desk."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from suyuan.trace import audit, batches, lookup, recalls, registry, stats
from suyuan.trace.errors import InvalidInput
from suyuan.trace.model import Enterprise, EnterpriseKind, Role
from suyuan.trace.zone import credit, exits, inspection, ledger, spot_checks
from suyuan.trace.zone.anomalies import find_anomalies
from suyuan.web import dashboard, office_labels, runtime
from suyuan.web.api.zone import zone_rules
from suyuan.web.auth import current_actor, login_required
from suyuan.web.converters import query_int
from suyuan.web.office_desk import Page, problem

bp = Blueprint("regulator", __name__, url_prefix="/regulator")
office_labels.install(bp)
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
def find() -> BaseResponse | Page:
    """The console's one search box: one batch found opens its trace, several are listed, none (or
    input that names nothing) is said on the page in the reader's language (404 / 400)."""
    typed = request.args.get("q", "")
    try:
        with runtime().transaction() as db:
            hits = lookup.find_batches(db, current_actor(), typed)
            if len(hits) == 1:
                return redirect(f"{TRACE_PAGE}/{hits[0].batch.id}")
            page = render_template("office/find.html", q=typed, hits=hits, error=None)
    except InvalidInput as exc:
        message = (
            problem(exc)
            if exc.field != "q"
            else _("Enter a code, a lot, a GTIN, a complaint reference, an order number or a name.")
        )
        return render_template("office/find.html", q=typed, hits=[], error=message), 400
    return page if hits else (page, 404)


@bp.get("/batches")
@login_required(Role.REGULATOR)
def batch_list() -> str:
    """Batches of one supplier (``?supplier=``) or one merchant (``?enterprise=``) within the remit:
    the trace page links a supplier to its other batches here."""
    supplier, enterprise = query_int("supplier"), query_int("enterprise")
    with runtime().transaction() as db:
        rows = lookup.batches_of(db, current_actor(), supplier_id=supplier, enterprise_id=enterprise)
        name = rows[0].supplier.name if supplier and rows else ""
        return render_template("office/batches.html", batches=rows, supplier=name)


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
