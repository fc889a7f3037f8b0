"""Pages for merchant staff: the dashboard, label printing and the bonded-zone desk."""

from __future__ import annotations

import io

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from suyuan.labels.batch_labels import MAX_WEB_LABELS, LabelJob, render_job
from suyuan.labels.errors import LabelError
from suyuan.labels.templates import get_template, list_templates
from suyuan.trace import batches, enterprise_documents, issuance, recalls, registry, stats
from suyuan.trace.errors import DomainError
from suyuan.trace.model import Batch, Role
from suyuan.trace.zone import credit, entry, exits, ledger, spot_checks
from suyuan.web import dashboard, desk_todo, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.converters import query_int

bp = Blueprint("merchant", __name__, url_prefix="/merchant")
LEDGER_PAGE = 500


@bp.get("/")
@login_required(Role.MERCHANT)
def home() -> str:
    """The merchant's dashboard: counts, scan charts (all batches or ``?batch=``), batches, products.

    Complaints, recalls, labels and the bonded-zone desk have pages of their own; the dashboard says
    how much waits there and links to them.
    """
    actor = current_actor()
    batch_id, days = dashboard.chart_args()
    with runtime().transaction() as db:
        scans = stats.scan_stats(db, actor, days=days, batch_id=batch_id)
        issued = stats.issued_by_batch(db, actor)
        mine = batches.list_batches(db, actor)
        counts = stats.dashboard_counts(db, actor)
        assert actor.enterprise_id is not None  # merchant staff belong to an enterprise
        filing = enterprise_documents.filing_contents(db, actor, actor.enterprise_id)
        return render_template(
            "merchant/home.html",
            filing_missing=len(filing.missing),
            todo=desk_todo.todo(db, actor, counts),
            products=registry.list_products(db, actor),
            batches=[(b, issued.get(b.id, 0)) for b in mine],
            batch_choices=mine,
            scope=_("all your batches"),
            counts=counts,
            **dashboard.template_context(scans, batch_id),
        )


@bp.get("/labels")
@login_required(Role.MERCHANT)
def labels() -> str:
    """Pick a batch, a serial range and a template; preview the first page; download (with proof)."""
    actor = current_actor()
    with runtime().transaction() as db:
        choices = [(b, n) for b in batches.list_batches(db, actor) if (n := issuance.issued_count(db, b.id))]
        job, error = None, None
        if choices:
            try:
                job = _job(db, choices)
            except (DomainError, LabelError) as exc:
                error = str(exc)
        return render_template(
            "merchant/labels.html",
            choices=choices,
            templates=list_templates(),
            job=job,
            error=error,
            form=request.args,
        )


def _job(db: Session, choices: list[tuple[Batch, int]]) -> LabelJob:
    wanted = query_int("batch") or choices[0][0].id
    batch = batches.get_batch(db, current_actor(), wanted)
    serials = issuance.issued_range(db, batch.id, query_int("first"), query_int("last"))
    if len(serials) > MAX_WEB_LABELS:
        raise LabelError(f"at most {MAX_WEB_LABELS:,} labels per download; narrow the range")
    fmt = request.args.get("format", "pdf")
    if fmt not in ("pdf", "png", "svg", "zpl"):
        raise LabelError("format must be pdf, png, svg or zpl")
    return LabelJob(batch, serials, get_template(request.args.get("template", "a4-3x8")), fmt)


@bp.get("/labels/preview.png")
@login_required(Role.MERCHANT)
def label_preview() -> Response:
    """The first page of a label job as a small PNG (96 dpi)."""
    rt = runtime()
    with rt.transaction() as db:
        batch = batches.get_batch(db, current_actor(), query_int("batch") or 0)
        template = get_template(request.args.get("template", "a4-3x8"))
        first = query_int("first") or 1
        last = min(query_int("last") or first, first + template.labels_per_page - 1)
        job = LabelJob(batch, issuance.issued_range(db, batch.id, first, last), template, "png", dpi=100)
        out = io.BytesIO()
        render_job(db, rt.ring, job, rt.code_base, out)
    return Response(out.getvalue(), mimetype="image/png")


@bp.get("/zone")
@login_required(Role.MERCHANT)
def zone() -> str:
    """The merchant's bonded-zone desk: credit, entries, stock on the ledger, exits to rectify, results."""
    actor = current_actor()
    assert actor.enterprise_id is not None
    with runtime().transaction() as db:
        return render_template(
            "zone/merchant.html",
            profile=credit.credit_profile(db, actor, actor.enterprise_id),
            entries=entry.list_entries(db, actor, limit=50),
            stock=ledger.ledgered_batches(db, actor),
            to_rectify=exits.list_exits(db, actor, status="rectification_required", limit=50),
            recent=exits.list_exits(db, actor, status="written_off", limit=20),
            checks=spot_checks.list_spot_checks(db, actor, limit=50),
            recalls=recalls.list_recalls(db, actor, limit=50),
        )


@bp.get("/zone/batches/<int:batch_id>/ledger")
@login_required(Role.MERCHANT)
def batch_ledger(batch_id: int) -> str:
    """One batch's ledger: totals, reconciliation and its movements, a page at a time."""
    with runtime().transaction() as db:
        report = ledger.ledger_report(
            db, current_actor(), batch_id, after=query_int("after") or 0, limit=LEDGER_PAGE
        )
        return render_template("zone/ledger.html", report=report, back=url_for("merchant.zone"))
