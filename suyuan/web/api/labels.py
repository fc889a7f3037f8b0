"""Label files of a batch through the API: validated completely, then streamed, or proved then sent.

A child of :data:`suyuan.web.api.bp` (endpoints ``api.labels.*``).

Large runs belong on the server (``suyuan labels render``); the web limits one download to
``MAX_WEB_LABELS`` labels (``MAX_WEB_PROOF_LABELS`` with the proof, which holds the file to check it).
"""

from __future__ import annotations

import tempfile
from typing import IO

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.orm import Session

from suyuan.labels.batch_labels import (
    MAX_WEB_LABELS,
    MAX_WEB_PROOF_LABELS,
    MEDIA_TYPES,
    LabelJob,
    issued_code_verifier,
    planned_output,
    proof_job,
    render_job,
    stream_render,
)
from suyuan.labels.errors import LabelError
from suyuan.labels.render import MAX_DPI, MIN_DPI
from suyuan.labels.templates import Template, get_template, list_templates
from suyuan.trace import batches, issuance
from suyuan.trace.actors import Actor
from suyuan.trace.errors import InvalidInput
from suyuan.web import runtime
from suyuan.web.api.batches import unseal_range_keys
from suyuan.web.api.common import int_arg
from suyuan.web.auth import api_auth, current_actor


class LabelRequestError(InvalidInput):
    """A label request we refuse: unknown template or format, a label too small, too many labels."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


bp = Blueprint("labels", __name__)


@bp.get("/label-templates")
def label_templates() -> Response:
    """The label templates (public: they are data, not secrets)."""
    return jsonify({"templates": [template_json(t) for t in list_templates()]})


def template_json(t: Template) -> dict[str, object]:
    """A template as data."""
    return {
        "name": t.name,
        "description": t.description,
        "kind": t.kind,
        "dpi": t.dpi,
        "page_mm": [t.page_width_mm, t.page_height_mm],
        "label_mm": [t.label_width_mm, t.label_height_mm],
        "columns": t.columns,
        "rows": t.rows,
        "labels_per_page": t.labels_per_page,
    }


def label_job(db: Session, actor: Actor, batch_id: int) -> LabelJob:
    """Validate a label request completely before any byte is streamed."""
    fmt = request.args.get("format", "pdf")
    if fmt not in MEDIA_TYPES:
        raise LabelRequestError("unknown_format", f"format must be one of: {', '.join(MEDIA_TYPES)}")
    try:
        template = get_template(request.args.get("template", "a4-3x8"))
    except LabelError as exc:
        raise LabelRequestError("unknown_template", str(exc)) from exc
    batch = batches.get_batch(db, actor, batch_id)
    serials = issuance.issued_range(db, batch.id, int_arg("first", 1), int_arg("last", 1))
    limit = MAX_WEB_PROOF_LABELS if request.args.get("proof") == "1" else MAX_WEB_LABELS
    if len(serials) > limit:
        raise LabelRequestError(
            "too_many_labels",
            f"{len(serials):,} labels in one download is too many for the web (at most {limit:,}"
            f"{' with proof' if limit == MAX_WEB_PROOF_LABELS else ''}): choose a smaller first/last range, "
            "or use `suyuan labels render` on the server for large runs",
        )
    dpi = int_arg("dpi")
    if dpi is not None and not MIN_DPI <= dpi <= MAX_DPI:  # refused here, not half-way through the stream
        raise LabelRequestError("bad_dpi", f"dpi must be between {MIN_DPI} and {MAX_DPI}")
    return LabelJob(batch, serials, template, fmt, dpi)


@bp.get("/batches/<int:batch_id>/labels")
@api_auth
def batch_labels(batch_id: int) -> Response:
    """The label file of a batch's issued codes; ``proof=1`` releases it only if every label scans."""
    rt, actor = runtime(), current_actor()
    with rt.transaction() as db:
        job = label_job(db, actor, batch_id)
        media_type, extension = planned_output(job)
        if request.args.get("proof") == "1":
            return _proved_labels(db, job, media_type, extension)
        unseal_range_keys(db, job.batch.id, job.serials)  # a wrong passphrase: 503 before streaming
    filename = f"batch-{batch_id}-{job.serials.first}-{job.serials.last}-{job.template.name}.{extension}"

    def produce(out: IO[bytes]) -> None:
        with rt.transaction() as worker_db:
            render_job(
                worker_db,
                rt.ring,
                LabelJob(
                    batches.get_batch(worker_db, actor, batch_id), job.serials, job.template, job.fmt, job.dpi
                ),
                rt.code_base,
                out,
            )

    response = Response(stream_render(produce), mimetype=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _proved_labels(db: Session, job: LabelJob, media_type: str, extension: str) -> Response:
    rt = runtime()
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
        try:
            render_job(db, rt.ring, job, rt.code_base, spool)
            spool.seek(0)
            report = proof_job(
                db, rt.ring, job, rt.code_base, spool.read(), issued_code_verifier(db, rt.ring)
            )
        except LabelError as exc:
            raise LabelRequestError("label_error", str(exc)) from exc
        if not report.passed:
            response = jsonify(
                {
                    "error": {"code": "proof_failed", "message": report.summary()},
                    "proof": {
                        "missing": list(report.missing[:100]),
                        "unexpected": list(report.unexpected[:100]),
                        "rejected": list(report.rejected[:100]),
                    },
                }
            )
            response.status_code = 422
            return response
        spool.seek(0)
        response = Response(spool.read(), mimetype=media_type)
    name = f"batch-{job.batch.id}-{job.serials.first}-{job.serials.last}-proved.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Suyuan-Proof"] = report.summary()
    return response
