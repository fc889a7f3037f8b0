"""One batch at the merchant's desk: its state, codes issued, what its release still waits for, and the
two forms a merchant uses on it — issue the next codes, and submit a test report.

A report is uploaded as a file (PDF, JPEG or PNG, at most :data:`MAX_REPORT_BYTES`); only its SHA-256
is recorded (docs/zone.md §2: the file itself is kept outside), so the office can later check that the
paper it is shown is the one submitted. Rules live in :mod:`suyuan.trace.issuance` and
:mod:`suyuan.trace.zone.inspection`.
"""

from __future__ import annotations

import hashlib
from datetime import date

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from suyuan.trace import batches, issuance
from suyuan.trace.issuance import MAX_CODES_PER_ISSUANCE
from suyuan.trace.model import Issuance, ReportKind, Role
from suyuan.trace.zone import entry, inspection
from suyuan.trace.zone.inspection import ReportFiling
from suyuan.web import runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.desk import Page, Refused, attempt, bp, form_problem

MAX_REPORT_BYTES = 10 * 1024 * 1024
REPORT_SIGNATURES = (b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # PDF, JPEG, PNG


class IssueForm(FlaskForm):  # type: ignore[misc]
    """How many more codes to issue for the batch."""

    count = IntegerField(
        "count", validators=[InputRequired(), NumberRange(min=1, max=MAX_CODES_PER_ISSUANCE)]
    )


class ReportForm(FlaskForm):  # type: ignore[misc]
    """A test report or declaration of conformity, with its file."""

    kind = SelectField("kind", choices=[k.value for k in ReportKind])
    issuer = StringField("issuer", validators=[DataRequired(), Length(max=200)])
    number = StringField("number", validators=[Length(max=100)])
    issued_on = DateField("issued_on", validators=[InputRequired()])
    valid_until = DateField("valid_until", validators=[Optional()])
    file = FileField("file")


@bp.get("/batches/<int:batch_id>")
@login_required(Role.MERCHANT)
def batch(batch_id: int) -> Page:
    """The batch's page: status, issued ranges, entry and quarantine, reports and what release waits for."""
    return _batch_page(batch_id, None, 200)


def _batch_page(
    batch_id: int,
    error: str | None,
    status: int,
    issue_form: IssueForm | None = None,
    report_form: ReportForm | None = None,
) -> Page:
    with runtime().transaction() as db:
        actor = current_actor()
        item = batches.get_batch(db, actor, batch_id)
        line = entry.entry_line_of(db, item.id)
        issued = issuance.issued_count(db, item.id)
        page = render_template(
            "merchant/batch.html",
            batch=item,
            issuances=issuance.issuances_of(db, item.id),
            issued=issued,
            remaining=item.quantity - issued,
            entry_line=line,
            reports=inspection.reports_of(db, actor, item.id),
            gaps=inspection.release_gaps(db, item),
            issue_form=issue_form or IssueForm(formdata=None),
            report_form=report_form or ReportForm(formdata=None),
            max_report_mb=MAX_REPORT_BYTES // (1024 * 1024),
            error=error,
        )
    return (page, status) if status != 200 else page


@bp.post("/batches/<int:batch_id>/codes")
@login_required(Role.MERCHANT)
def issue_codes(batch_id: int) -> Page | Response:
    """Issue the next serials of the batch (one signed range) and show the new range."""
    _visible_batch(batch_id)
    form = IssueForm()
    if not form.validate():
        return _batch_page(batch_id, form_problem(form), 400, issue_form=form)
    rt, actor, count = runtime(), current_actor(), int(form.count.data)
    try:
        first, last = attempt(
            lambda db: _range(issuance.issue_codes(db, actor, rt.ring, batch_id, count, rt.code_base)),
            str(_("Codes could not be issued for this batch.")),
        )
    except Refused as refused:
        return _batch_page(batch_id, refused.message, refused.status, issue_form=form)
    flash(_("Issued serials %(first)s–%(last)s (%(n)s codes).", first=first, last=last, n=last - first + 1))
    return redirect(url_for("desk.batch", batch_id=batch_id), code=303)


def _range(issued: Issuance) -> tuple[int, int]:
    return issued.first_serial, issued.last_serial


@bp.post("/batches/<int:batch_id>/reports")
@login_required(Role.MERCHANT)
def submit_report(batch_id: int) -> Page | Response:
    """Submit a report with its file: the file's SHA-256 is recorded, the office reviews it."""
    _visible_batch(batch_id)
    form = ReportForm()
    if not form.validate():
        return _batch_page(batch_id, form_problem(form), 400, report_form=form)
    actor = current_actor()
    try:
        filing = ReportFiling(
            kind=form.kind.data,
            issuer=form.issuer.data or "",
            issued_on=form.issued_on.data or date.min,
            sha256=_file_digest(form.file.data),
            number=form.number.data or "",
            valid_until=form.valid_until.data,
        )
        attempt(
            lambda db: inspection.submit_report(db, actor, batch_id, filing),
            str(_("Reports are submitted while the batch is in the zone, before its release.")),
        )
    except Refused as refused:
        return _batch_page(batch_id, refused.message, refused.status, report_form=form)
    flash(_("The report is submitted; the office reviews it."))
    return redirect(url_for("desk.batch", batch_id=batch_id), code=303)


def _file_digest(upload: object) -> str:
    """The SHA-256 of an uploaded report; refuse no file, an oversized one, or one not PDF/JPEG/PNG."""
    if not isinstance(upload, FileStorage) or not upload.filename:
        raise Refused(str(_("Choose the report's file (PDF, JPEG or PNG).")), 400)
    digest, size, head = hashlib.sha256(), 0, b""
    while chunk := upload.stream.read(64 * 1024):
        size += len(chunk)
        if size > MAX_REPORT_BYTES:
            raise Refused(
                str(_("The file is larger than %(mb)s MB.", mb=MAX_REPORT_BYTES // (1024 * 1024))), 413
            )
        head = head or chunk[:16]
        digest.update(chunk)
    if size == 0:
        raise Refused(str(_("The file is empty.")), 400)
    if not head.startswith(REPORT_SIGNATURES):
        raise Refused(str(_("Only PDF, JPEG or PNG files are accepted.")), 400)
    return digest.hexdigest()


def _visible_batch(batch_id: int) -> None:
    """404 for another enterprise's batch, before its form is read."""
    with runtime().transaction() as db:
        batches.get_batch(db, current_actor(), batch_id)
