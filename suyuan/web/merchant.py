"""Pages for merchant staff: their products, batches and issued codes."""

from __future__ import annotations

import io

from flask import Blueprint, Response, render_template, request
from sqlalchemy.orm import Session

from suyuan.labels.batch_labels import MAX_WEB_LABELS, LabelJob, render_job
from suyuan.labels.errors import LabelError
from suyuan.labels.templates import get_template, list_templates
from suyuan.trace import batches, issuance, registry
from suyuan.trace.errors import DomainError
from suyuan.trace.model import Batch, Role
from suyuan.web import runtime
from suyuan.web.auth import current_actor, login_required

bp = Blueprint("merchant", __name__, url_prefix="/merchant")


@bp.get("/")
@login_required(Role.MERCHANT)
def home() -> str:
    """The merchant's products and batches with issued-code counts and CSV downloads."""
    actor = current_actor()
    with runtime().transaction() as db:
        products = registry.list_products(db, actor)
        rows = [(b, issuance.issued_count(db, b.id)) for b in batches.list_batches(db, actor)]
        return render_template("merchant/home.html", products=products, batches=rows)


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
    wanted = request.args.get("batch", type=int) or choices[0][0].id
    batch = batches.get_batch(db, current_actor(), wanted)
    serials = issuance.issued_range(
        db, batch.id, request.args.get("first", type=int), request.args.get("last", type=int)
    )
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
        batch = batches.get_batch(db, current_actor(), request.args.get("batch", type=int) or 0)
        template = get_template(request.args.get("template", "a4-3x8"))
        first = request.args.get("first", type=int) or 1
        last = min(request.args.get("last", type=int) or first, first + template.labels_per_page - 1)
        job = LabelJob(batch, issuance.issued_range(db, batch.id, first, last), template, "png", dpi=100)
        out = io.BytesIO()
        render_job(db, rt.ring, job, rt.code_base, out)
    return Response(out.getvalue(), mimetype="image/png")
