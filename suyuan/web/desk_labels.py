"""The print proof on the page: render a label job, decode every label as the printer would print it,
and show the merchant the result ("已校验 200/200 个码", pages, anything missing) with the file to print.

The proof is :func:`suyuan.labels.batch_labels.proof_job` (zxing-cpp on the rasterised pages, each
decoded URL verified as an issued, validly signed code). Rendering is deterministic (Ed25519 signatures
are, and the writers stamp no dates), so the result page does not keep the file: its download link
carries the proved file's SHA-256, and the download renders the job again and hands it out only if the
bytes are the very ones proved — otherwise (a key revoked since, say) it asks for a new proof.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from flask import Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from suyuan.labels.batch_labels import (
    MAX_WEB_PROOF_LABELS,
    PROOF_FORMATS,
    LabelJob,
    issued_code_verifier,
    planned_output,
    proof_job,
    render_job,
)
from suyuan.labels.errors import LabelError
from suyuan.labels.proof import ProofReport
from suyuan.labels.templates import get_template, list_templates
from suyuan.trace import batches, issuance
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.codes import MalformedCode, parse_code
from suyuan.trace.model import Role
from suyuan.web import runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.desk import Page, Refused, attempt, bp, form_problem

SHOWN_PROBLEMS = 50  # codes listed per kind of problem on the result page


class ProofForm(FlaskForm):  # type: ignore[misc]
    """The label job to prove: batch, serial range, template and a format the proof can rasterise."""

    batch = IntegerField("batch_id", validators=[InputRequired(), NumberRange(min=1, max=MAX_INT)])
    first = IntegerField("first", validators=[Optional(), NumberRange(min=1, max=MAX_INT)])
    last = IntegerField("last", validators=[Optional(), NumberRange(min=1, max=MAX_INT)])
    template = SelectField("template", choices=[t.name for t in list_templates()])
    format = SelectField("format", choices=list(PROOF_FORMATS))


@dataclass(frozen=True)
class ProofOutcome:
    """What the result page shows: job, report, the proved file's digest, the problems by serial."""

    job: LabelJob
    report: ProofReport
    sha256: str
    missing: list[str]
    unexpected: list[str]


@bp.post("/labels/proof")
@login_required(Role.MERCHANT)
def label_proof() -> Page:
    """Render the job, prove it, and show the result (passed: N/N and the download; failed: what is wrong)."""
    form = ProofForm()
    if not form.validate():
        return _result(None, form_problem(form), 400)
    try:
        outcome = attempt(lambda db: _prove(db, form), str(_("The labels could not be proved.")))
    except Refused as refused:
        return _result(None, refused.message, refused.status)
    return _result(outcome, None, 200 if outcome.report.passed else 422)


def _prove(db: Session, form: ProofForm) -> ProofOutcome:
    rt = runtime()
    job = _job(db, form.batch.data, form.first.data, form.last.data, form.template.data, form.format.data)
    out = io.BytesIO()
    try:
        render_job(db, rt.ring, job, rt.code_base, out)
        report = proof_job(db, rt.ring, job, rt.code_base, out.getvalue(), issued_code_verifier(db, rt.ring))
    except LabelError as exc:
        raise Refused(str(_("The labels could not be rendered: %(why)s", why=str(exc))), 400) from exc
    return ProofOutcome(
        job=job,
        report=report,
        sha256=hashlib.sha256(out.getvalue()).hexdigest(),
        missing=[_serial(url) for url in report.missing[:SHOWN_PROBLEMS]],
        unexpected=[_serial(url) for url in (report.unexpected + report.rejected)[:SHOWN_PROBLEMS]],
    )


def _job(
    db: Session, batch_id: int, first: int | None, last: int | None, template: str, fmt: str
) -> LabelJob:
    """The label job, refused with a message in the reader's language when it cannot be proved here."""
    batch = batches.get_batch(db, current_actor(), batch_id)  # another enterprise's batch: 404
    serials = issuance.issued_range(db, batch.id, first, last)
    if len(serials) > MAX_WEB_PROOF_LABELS:
        raise Refused(
            str(
                _(
                    "At most %(n)s labels can be proved at once; narrow the range.",
                    n=f"{MAX_WEB_PROOF_LABELS:,}",
                )
            ),
            400,
        )
    return LabelJob(batch, serials, get_template(template), fmt)


def _serial(url: str) -> str:
    """A code named by its lot and serial, which the merchant can find on the sheet."""
    try:
        code = parse_code(url).code
    except MalformedCode:
        return url[:80]
    return f"{code.lot} / {code.serial}"


def _result(outcome: ProofOutcome | None, error: str | None, status: int) -> Page:
    page = render_template(
        "merchant/label_proof.html",
        outcome=outcome,
        download=download_url(outcome) if outcome and outcome.report.passed else None,
        error=error,
    )
    return (page, status) if status != 200 else page


@bp.get("/labels/proved")
@login_required(Role.MERCHANT)
def proved_labels() -> Page | Response:
    """The proved file: rendered again and handed out only if it is byte for byte the one proved."""
    args = request.args
    wanted = args.get("sha256", "")
    try:
        batch_id, first, last = (int(args.get(k, "")) for k in ("batch", "first", "last"))
        template, fmt = get_template(args.get("template", "")).name, args.get("format", "")
        if fmt not in PROOF_FORMATS or len(wanted) != 64:
            raise ValueError(fmt)
    except (ValueError, LabelError):
        return _result(None, str(_("This download link is incomplete; prove the labels again.")), 400)
    try:
        job, data = attempt(lambda db: _render(db, _job(db, batch_id, first, last, template, fmt)))
    except Refused as refused:
        return _result(None, refused.message, refused.status)
    if hashlib.sha256(data).hexdigest() != wanted:
        return _result(None, str(_("The labels changed since they were proved; prove them again.")), 409)
    media_type, extension = planned_output(job)
    response = Response(data, mimetype=media_type)
    name = f"batch-{job.batch.id}-{job.serials.first}-{job.serials.last}-proved.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _render(db: Session, job: LabelJob) -> tuple[LabelJob, bytes]:
    rt = runtime()
    out = io.BytesIO()
    try:
        render_job(db, rt.ring, job, rt.code_base, out)
    except LabelError as exc:
        raise Refused(str(_("The labels could not be rendered: %(why)s", why=str(exc))), 400) from exc
    return job, out.getvalue()


def download_url(outcome: ProofOutcome) -> str:
    """The link to the proved file (its digest included, see :func:`proved_labels`)."""
    job = outcome.job
    return url_for(
        "desk.proved_labels",
        batch=job.batch.id,
        first=job.serials.first,
        last=job.serials.last,
        template=job.template.name,
        format=job.fmt,
        sha256=outcome.sha256,
    )
