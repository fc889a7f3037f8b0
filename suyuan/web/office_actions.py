"""Actions on one batch, started from its trace page: recall or stop-sale, spot check, risk warning.

Each is a page at ``/regulator/batches/<id>/…`` with the batch already chosen (no hunting for the lot
in a list of every batch), a form, and a confirmation page that says what consumers will see; the
confirmed post calls the one use case (:func:`suyuan.trace.recalls.open_recall`,
:func:`suyuan.trace.zone.spot_checks.open_spot_check`, :func:`suyuan.trace.risk_warnings.publish_warning`)
and goes on to the record made: the recall's page (:mod:`suyuan.web.recall_pages`), the spot check's
page (:mod:`suyuan.web.office_checks`), the office's warnings.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from suyuan.trace import batches, recalls, risk_warnings
from suyuan.trace.model import Role, WarningLevel
from suyuan.trace.risk_warnings import WarningFiling
from suyuan.trace.zone import spot_checks
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.office_desk import (
    OfficeForm,
    Page,
    attempt,
    batch_label,
    confirm_page,
    form_problem,
    with_status,
)

bp = Blueprint("office_actions", __name__, url_prefix="/regulator/batches")
office_labels.install(bp)


class BatchRecallForm(OfficeForm):
    """A recall or stop-sale of this batch: the public notice (zh, optional en) and the internal reason."""

    kind = SelectField("kind", choices=["stop_sale", "recall"])
    reason = TextAreaField("reason", validators=[InputRequired(), Length(min=1, max=recalls.MAX_REASON)])
    reason_en = TextAreaField("reason_en", validators=[Length(max=recalls.MAX_REASON)])
    instructions = TextAreaField("instructions", validators=[Length(max=recalls.MAX_INSTRUCTIONS)])
    instructions_en = TextAreaField("instructions_en", validators=[Length(max=recalls.MAX_INSTRUCTIONS)])
    internal_reason = TextAreaField("internal_reason", validators=[Length(max=recalls.MAX_REASON)])


class BatchCheckForm(OfficeForm):
    """A spot check of this batch outside the draw (e.g. on a complaint), with why."""

    note = TextAreaField("note", validators=[Length(max=2000)])


class BatchWarningForm(OfficeForm):
    """A risk warning about this batch."""

    level = SelectField("level", choices=[lvl.value for lvl in WarningLevel])
    title = StringField("title", validators=[InputRequired(), Length(min=1, max=risk_warnings.MAX_TITLE)])
    title_en = StringField("title_en", validators=[Length(max=risk_warnings.MAX_TITLE)])
    body = TextAreaField("body", validators=[InputRequired(), Length(min=1, max=risk_warnings.MAX_BODY)])
    body_en = TextAreaField("body_en", validators=[Length(max=risk_warnings.MAX_BODY)])


FORMS: dict[str, type[OfficeForm]] = {
    "recall": BatchRecallForm,
    "check": BatchCheckForm,
    "warning": BatchWarningForm,
}


@bp.route("/<int:batch_id>/recall", methods=["GET", "POST"])
@login_required(Role.REGULATOR)
def recall(batch_id: int) -> Page | Response:
    """Order a recall or stop-sale of this batch; every code scans ``recalled`` once confirmed."""
    return _action(batch_id, "recall")


@bp.route("/<int:batch_id>/spot-check", methods=["GET", "POST"])
@login_required(Role.REGULATOR)
def spot_check(batch_id: int) -> Page | Response:
    """Plan a spot check of this batch."""
    return _action(batch_id, "check")


@bp.route("/<int:batch_id>/warning", methods=["GET", "POST"])
@login_required(Role.REGULATOR)
def warning(batch_id: int) -> Page | Response:
    """Publish a risk warning naming this batch."""
    return _action(batch_id, "warning")


def _action(batch_id: int, which: str) -> Page | Response:
    """The form page (GET), the confirmation (first post), the decision (confirmed post)."""
    label = batch_label(batch_id)  # outside the remit: 404 first
    form = FORMS[which](prefix=which)
    here = url_for(f"office_actions.{_endpoint(which)}", batch_id=batch_id)
    if not form.is_submitted():
        return _form_page(batch_id, which, form, None, 200)
    if not form.validate():
        return _form_page(batch_id, which, form, form_problem(form), 400)
    if not form.is_confirmed():
        return confirm_page(
            form,
            title=str(TITLES[which]()),
            action=here,
            facts=[(_("Batch"), label), *_facts(which, form)],
            consequence=str(CONSEQUENCES[which]()),
            back=here,
        )
    error, status = attempt(lambda db: _decide(db, which, batch_id, form))
    if error is not None:
        return _form_page(batch_id, which, form, error, status)
    flash(str(DONE[which]()))
    return redirect(_after(which, batch_id), code=303)


def _endpoint(which: str) -> str:
    return {"recall": "recall", "check": "spot_check", "warning": "warning"}[which]


TITLES = {
    "recall": lambda: _("Confirm the recall or stop-sale"),
    "check": lambda: _("Confirm the spot check"),
    "warning": lambda: _("Confirm the risk warning"),
}
CONSEQUENCES = {
    "recall": lambda: _(
        "Once confirmed, every code of this batch scans as recalled at once, with your reason and "
        "instructions on the consumer page. This cannot be undone; a stop-sale can only be lifted later."
    ),
    "check": lambda: _(
        "A planned spot check cannot be withdrawn; the merchant learns of it only when decided."
    ),
    "warning": lambda: _(
        "The warning goes to every office and merchant and to the public notice board at once."
    ),
}
DONE = {
    "recall": lambda: _("The measure is in force: every code of the batch now scans as recalled."),
    "check": lambda: _("The spot check is planned."),
    "warning": lambda: _("The risk warning is published."),
}


def _facts(which: str, form: Any) -> list[tuple[str, str]]:
    if which == "recall":
        kind = _("Recall") if form.kind.data == "recall" else _("Stop-sale")
        return [
            (_("Measure"), kind),
            (_("Reason shown to consumers"), form.reason.data or ""),
            (_("Instructions to consumers (Chinese)"), form.instructions.data or "—"),
            (_("Internal reason"), form.internal_reason.data or "—"),
        ]
    if which == "check":
        return [(_("Note"), form.note.data or "—")]
    return [(_("Title"), form.title.data or ""), (_("Text"), form.body.data or "")]


def _decide(db: Session, which: str, batch_id: int, form: Any) -> None:
    actor = current_actor()
    if which == "recall":
        made: Any = recalls.open_recall(
            db,
            actor,
            batch_id,
            form.kind.data,
            form.reason.data or "",
            form.instructions.data or "",
            instructions_en=form.instructions_en.data or "",
            reason_en=form.reason_en.data or "",
            internal_reason=form.internal_reason.data or "",
        )
    elif which == "check":
        made = spot_checks.open_spot_check(db, actor, batch_id, note=form.note.data or "")
    else:
        filing = WarningFiling(
            level=form.level.data,
            title=form.title.data or "",
            body=form.body.data or "",
            title_en=form.title_en.data or "",
            body_en=form.body_en.data or "",
            batch_id=batch_id,
        )
        made = risk_warnings.publish_warning(db, actor, filing)
    db.flush()
    g.office_made_id = made.id


def _after(which: str, batch_id: int) -> str:
    made = g.get("office_made_id")
    if which == "recall" and made:
        return url_for("recall_pages.regulator_recall", recall_id=made)
    if which == "check" and made:
        return url_for("office_checks.check", spot_check_id=made)
    return url_for("recall_pages.warnings")


def _form_page(batch_id: int, which: str, form: OfficeForm, error: str | None, status: int) -> Page:
    with runtime().transaction() as db:
        batch = batches.get_batch(db, current_actor(), batch_id)
        page = render_template(f"office/action_{which}.html", b=batch, form=form, error=error)
    return with_status(page, status)
