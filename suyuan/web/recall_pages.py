"""Pages for recalls and risk warnings: the public notice board, the office's and the merchant's desks.

* ``/notices`` (public): active risk warnings and open recalls and stop-sales, zh-CN and en;
* ``/regulator/recalls`` and ``/regulator/recalls/<id>``: open a recall on a batch of the office's remit,
  close a recall, lift a stop-sale, record destruction, read the notification list;
* ``/regulator/warnings``: publish and withdraw risk warnings;
* ``/merchant/recalls`` and ``/merchant/recalls/<id>``: a voluntary recall or stop-sale of the merchant's
  own batches, destruction of recalled units, the notification list.

A recall opened because of risk information links back to it on its page (the office's record, or the
merchant's own self-report; :func:`suyuan.trace.risk_intake.origins_seen_by`).

Every form is a Flask-WTF form (CSRF token; a post without one is a 400). A post that succeeds redirects
back with a flashed message; a refused one re-renders the page with the domain's message and status, and
nothing is written (the use case's transaction is rolled back before the page renders).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from babel import Locale
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from suyuan.trace import batches, recall_units, recalls, risk_intake, risk_warnings
from suyuan.trace.actors import Actor
from suyuan.trace.errors import DomainError
from suyuan.trace.model import Batch, DisposalKind, RecallStatus, Role, WarningLevel
from suyuan.trace.risk_warnings import WarningFiling
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.converters import query_int
from suyuan.web.errors import page_message, status_of
from suyuan.web.reasons import batch_status_text
from suyuan.web.recall_json import warning_json

bp = Blueprint("recall_pages", __name__)
T = TypeVar("T")
Page = str | tuple[str, int]


class RecallForm(FlaskForm):  # type: ignore[misc]
    """Open a recall or stop-sale of one batch: the public notice in two languages, and the internal reason.

    ``reason``/``reason_en`` and ``instructions``/``instructions_en`` are published on every scan page
    of the batch and on the notice board; ``internal_reason`` stays with the office and the merchant.
    """

    # The domain decides whose batch it is (another merchant's answers 404, as in the API).
    batch_id = SelectField("batch", coerce=int, validate_choice=False, validators=[InputRequired()])
    kind = SelectField("kind", choices=["stop_sale", "recall"])
    reason = TextAreaField("reason", validators=[DataRequired(), Length(max=recalls.MAX_REASON)])
    reason_en = TextAreaField("reason_en", validators=[Length(max=recalls.MAX_REASON)])
    instructions = TextAreaField("instructions", validators=[Length(max=recalls.MAX_INSTRUCTIONS)])
    instructions_en = TextAreaField("instructions_en", validators=[Length(max=recalls.MAX_INSTRUCTIONS)])
    internal_reason = TextAreaField("internal_reason", validators=[Length(max=recalls.MAX_REASON)])
    confirmed = HiddenField("confirmed")
    """Set by the confirmation page's second post (:func:`_confirmation`): nothing is decided before."""


class NoteForm(FlaskForm):  # type: ignore[misc]
    """Close a recall or lift a stop-sale: the office says why."""

    note = TextAreaField("note", validators=[DataRequired(), Length(max=recalls.MAX_NOTE)])


class DestructionForm(FlaskForm):  # type: ignore[misc]
    """Units destroyed in the zone under an open recall or stop-sale."""

    recall_id = SelectField("recall", coerce=int, validate_choice=False, validators=[InputRequired()])
    quantity = IntegerField(
        "quantity", validators=[InputRequired(), NumberRange(min=1, max=recall_units.MAX_DESTRUCTION)]
    )
    reason = TextAreaField("reason", validators=[DataRequired(), Length(max=2000)])


class WarningForm(FlaskForm):  # type: ignore[misc]
    """Publish a risk warning."""

    level = SelectField("level", choices=[lvl.value for lvl in WarningLevel])
    title = StringField("title", validators=[DataRequired(), Length(max=risk_warnings.MAX_TITLE)])
    title_en = StringField("title_en", validators=[Length(max=risk_warnings.MAX_TITLE)])
    body = TextAreaField("body", validators=[DataRequired(), Length(max=risk_warnings.MAX_BODY)])
    body_en = TextAreaField("body_en", validators=[Length(max=risk_warnings.MAX_BODY)])
    hs_prefix = StringField("hs_prefix", validators=[Length(max=13)])
    batch_id = IntegerField("batch_id", validators=[Optional(), NumberRange(min=1)])


class WithdrawForm(FlaskForm):  # type: ignore[misc]
    """Withdraw a risk warning, optionally saying why."""

    note = TextAreaField("note", validators=[Length(max=2000)])


# --- the public notice board ----------------------------------------------------------------------


@bp.get("/notices")
def notices() -> str:
    """Active risk warnings and open recalls and stop-sales, for everyone."""
    with runtime().transaction() as db:
        warnings = [warning_json(db, w, public=True) for w in risk_warnings.active_warnings(db)]
        return render_template("recalls/notices.html", warnings=warnings, recalls=recalls.open_recalls(db))


# --- the office ------------------------------------------------------------------------------------


@bp.route("/regulator/recalls", methods=["GET", "POST"])
@login_required(Role.REGULATOR)
def regulator_recalls() -> Page | Response:
    """The office's recalls, and the form that opens one on a batch of its remit."""
    return _recall_desk("regulator")


@bp.get("/regulator/recalls/<int:recall_id>")
@login_required(Role.REGULATOR)
def regulator_recall(recall_id: int) -> Page:
    """One recall: facts, units, the consumers to notify, and the office's actions."""
    return _recall_page("regulator", recall_id)


@bp.post("/regulator/recalls/<int:recall_id>/close")
@login_required(Role.REGULATOR)
def close(recall_id: int) -> Page | Response:
    """Close a recall with a note."""
    return _decide(recall_id, lambda db, actor, note: recalls.close_recall(db, actor, recall_id, note))


@bp.post("/regulator/recalls/<int:recall_id>/lift")
@login_required(Role.REGULATOR)
def lift(recall_id: int) -> Page | Response:
    """Lift a stop-sale with a note."""
    return _decide(recall_id, lambda db, actor, note: recalls.lift_stop_sale(db, actor, recall_id, note))


@bp.post("/regulator/recalls/<int:recall_id>/destruction")
@login_required(Role.REGULATOR)
def regulator_destruction(recall_id: int) -> Page | Response:
    """Record units destroyed under this recall."""
    return _destroy("regulator", recall_id)


@bp.route("/regulator/warnings", methods=["GET", "POST"])
@login_required(Role.REGULATOR)
def warnings() -> Page | Response:
    """Every office's risk warnings, and the form that publishes one."""
    form = WarningForm(prefix="warning")
    error, status = None, 200
    if form.validate_on_submit():
        filing = WarningFiling(
            level=form.level.data,
            title=form.title.data or "",
            body=form.body.data or "",
            title_en=form.title_en.data or "",
            body_en=form.body_en.data or "",
            hs_prefix=form.hs_prefix.data or "",
            batch_id=form.batch_id.data,
        )
        error, status = _attempt(lambda db: risk_warnings.publish_warning(db, current_actor(), filing))
        if error is None:
            flash(_("The risk warning is published."))
            return redirect(url_for("recall_pages.warnings"), code=303)
    elif form.is_submitted():
        error, status = _form_problem(form), 400
    return _warnings_page(form, error, status)


@bp.post("/regulator/warnings/<int:warning_id>/withdraw")
@login_required(Role.REGULATOR)
def withdraw(warning_id: int) -> Page | Response:
    """Withdraw one of the office's warnings."""
    form = WithdrawForm(prefix=f"withdraw{warning_id}")
    if not form.validate_on_submit():
        return _warnings_page(WarningForm(prefix="warning"), _form_problem(form), 400)
    note = form.note.data or ""
    error, status = _attempt(lambda db: risk_warnings.withdraw_warning(db, current_actor(), warning_id, note))
    if error is not None:
        return _warnings_page(WarningForm(prefix="warning"), error, status)
    flash(_("The risk warning is withdrawn."))
    return redirect(url_for("recall_pages.warnings"), code=303)


def _warnings_page(form: WarningForm, error: str | None, status: int) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        rows = [(w, warning_json(db, w)) for w in risk_warnings.list_warnings(db, actor)]
        page = render_template(
            "recalls/warnings.html", form=form, rows=rows, error=error, office_id=actor.office_id
        )
    return (page, status) if status != 200 else page


# --- the merchant ----------------------------------------------------------------------------------


@bp.route("/merchant/recalls", methods=["GET", "POST"])
@login_required(Role.MERCHANT)
def merchant_recalls() -> Page | Response:
    """The merchant's recalls, the voluntary recall form, destruction, and the risk warnings."""
    return _recall_desk("merchant")


@bp.get("/merchant/recalls/<int:recall_id>")
@login_required(Role.MERCHANT)
def merchant_recall(recall_id: int) -> Page:
    """One of the merchant's recalls: facts, units and the consumers to notify."""
    return _recall_page("merchant", recall_id)


@bp.post("/merchant/recalls/destruction")
@login_required(Role.MERCHANT)
def merchant_destruction() -> Page | Response:
    """Record units of one of the merchant's recalled batches destroyed in the zone."""
    return _destroy("merchant", None)


# --- shared machinery ------------------------------------------------------------------------------


def _recall_desk(role: str) -> Page | Response:
    """List and open-form page of either role; a valid post opens the recall."""
    actor = current_actor()
    form = RecallForm(prefix="recall")
    if not form.is_submitted():  # ?batch= (from a trace page): that batch is chosen already
        form.batch_id.data = query_int("batch")
    with runtime().transaction() as db:
        form.batch_id.choices = _batch_choices(db, actor)
    error, status = None, 200
    if form.validate_on_submit() and form.confirmed.data != "yes":
        return _confirmation(role, form)
    if form.validate_on_submit():
        error, status = _attempt(
            lambda db: recalls.open_recall(
                db,
                actor,
                form.batch_id.data,
                form.kind.data,
                form.reason.data or "",
                form.instructions.data or "",
                instructions_en=form.instructions_en.data or "",
                reason_en=form.reason_en.data or "",
                internal_reason=form.internal_reason.data or "",
            )
        )
        if error is None:
            flash(_("The measure is in force: every code of the batch now scans as recalled."))
            return redirect(url_for(f"recall_pages.{role}_recalls"), code=303)
    elif form.is_submitted():
        error, status = _form_problem(form), 400
    return _desk_page(role, form, error, status)


def _confirmation(role: str, form: RecallForm) -> str:
    """What will be in force and what consumers will see, with the form posted again, confirmed.

    The same step as the trace page's recall action (:mod:`suyuan.web.office_actions`): a recall cannot
    be undone, so the desk's form is not the decision either.
    """
    with runtime().transaction() as db:
        label = _batch_label(batches.get_batch(db, current_actor(), form.batch_id.data))  # else 404
    kind = _("Recall") if form.kind.data == "recall" else _("Stop-sale")
    return render_template(
        "office/confirm.html",
        form=form,
        title=_("Confirm the recall or stop-sale"),
        action=url_for(f"recall_pages.{role}_recalls"),
        facts=[
            (_("Batch"), label),
            (_("Measure"), kind),
            (_("Reason (Chinese)"), form.reason.data or ""),
            (_("Instructions to consumers (Chinese)"), form.instructions.data or ""),
        ],
        consequence=_(
            "Once confirmed, every code of this batch scans as recalled at once, with your reason and "
            "instructions on the consumer page. This cannot be undone; a stop-sale can only be lifted later."
        ),
        back=url_for(f"recall_pages.{role}_recalls"),
    )


def _desk_page(
    role: str, form: RecallForm, error: str | None, status: int, destruction: DestructionForm | None = None
) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        form.batch_id.choices = _batch_choices(db, actor)
        rows = recalls.list_recalls(db, actor)
        destruction = destruction or DestructionForm(prefix="destroy")
        destruction.recall_id.choices = [
            SelectChoice(str(r.id), f"#{r.id} {r.batch.lot}") for r in rows if r.status is RecallStatus.OPEN
        ]
        warnings = (
            [warning_json(db, w) for w in risk_warnings.active_warnings(db)] if role == "merchant" else []
        )
        page = render_template(
            "recalls/desk.html",
            role=role,
            form=form,
            destruction=destruction,
            rows=rows,
            warnings=warnings,
            error=error,
        )
    return (page, status) if status != 200 else page


def _recall_page(role: str, recall_id: int, error: str | None = None, status: int = 200) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        recall = recalls.get_recall(db, actor, recall_id)
        page = render_template(
            "recalls/detail.html",
            role=role,
            recall=recall,
            units=recall_units.recall_accounting(db, recall),
            notifications=recalls.recall_notifications(db, actor, recall_id),
            origins=_origins(db, actor, role, recall.id),
            note_form=NoteForm(prefix="note"),
            destruction=DestructionForm(prefix="destroy"),
            error=error,
        )
    return (page, status) if status != 200 else page


def _origins(db: Session, actor: Actor, role: str, recall_id: int) -> list[tuple[str, str]]:
    """The risk information the recall came from, as (link, words): the office's record or, for the
    merchant, its own self-report (the link back of the chain information → recall)."""
    endpoint = "office_risk.information" if role == "regulator" else "desk.risk_report"
    return [
        (url_for(endpoint, information_id=info.id), f"{office_labels.word(info.source)} · {info.title}")
        for info in risk_intake.origins_seen_by(db, actor, DisposalKind.RECALL, recall_id)
    ]


def _decide(recall_id: int, action: Callable[[Session, Actor, str], Any]) -> Page | Response:
    """Close or lift: validate the note, call the use case, go back to the recall."""
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _recall_page("regulator", recall_id, _form_problem(form), 400)
    note = form.note.data or ""
    error, status = _attempt(lambda db: action(db, current_actor(), note))
    if error is not None:
        return _recall_page("regulator", recall_id, error, status)
    flash(_("Recorded."))
    return redirect(url_for("recall_pages.regulator_recall", recall_id=recall_id), code=303)


def _destroy(role: str, recall_id: int | None) -> Page | Response:
    """Destruction from the recall page (office) or the merchant's desk (the recall is chosen)."""
    actor = current_actor()
    form = DestructionForm(prefix="destroy")
    if recall_id is not None:
        form.recall_id.choices = [SelectChoice(str(recall_id))]
        form.recall_id.data = recall_id
    else:
        with runtime().transaction() as db:
            form.recall_id.choices = [
                SelectChoice(str(r.id)) for r in recalls.list_recalls(db, actor, status="open")
            ]
    if form.validate_on_submit():
        chosen = int(form.recall_id.data)
        error, status = _attempt(lambda db: _destroy_under(db, actor, chosen, form))
        if error is None:
            flash(_("The destruction is recorded on the zone ledger."))
            target = (
                url_for("recall_pages.regulator_recall", recall_id=chosen)
                if role == "regulator"
                else url_for("recall_pages.merchant_recalls")
            )
            return redirect(target, code=303)
    else:
        error, status = _form_problem(form), 400
    if recall_id is not None:
        return _recall_page(role, recall_id, error, status)
    return _desk_page(role, RecallForm(prefix="recall", formdata=None), error, status, form)


def _destroy_under(db: Session, actor: Actor, recall_id: int, form: DestructionForm) -> Any:
    recall = recalls.get_recall(db, actor, recall_id)
    return recall_units.record_destruction(
        db, actor, recall.batch_id, int(form.quantity.data), form.reason.data or "", recall_id=recall.id
    )


def _attempt(action: Callable[[Session], T]) -> tuple[str | None, int]:
    """Run one use case in its own transaction; a domain refusal rolls it back and becomes a message."""
    try:
        with runtime().transaction() as db:
            action(db)
    except DomainError as exc:
        return _refusal(exc), status_of(exc)
    return None, 200


REFUSALS = {
    "already_recalled": _l(
        "A measure at least as strict is already in force on this batch; nothing was changed."
    ),
    "not_found": _l("No such batch or recall within your remit."),
    "forbidden": _l("Your account may not do this."),
    "ledger_would_go_negative": _l(
        "That is more units than the zone holds for this batch; nothing was recorded."
    ),
}


def _refusal(exc: DomainError) -> str:
    """A domain refusal in the reader's language: the English message on English pages, else ours."""
    if (get_locale() or Locale("zh")).language == "en":
        return exc.message
    known = REFUSALS.get(exc.code)
    return str(known) if known is not None else page_message(status_of(exc), exc.code, exc.message)


FIELD_LABELS = {
    "batch_id": _l("Batch"),
    "kind": _l("Measure"),
    "reason": _l("Reason (Chinese)"),
    "reason_en": _l("Reason (English, optional)"),
    "instructions": _l("Instructions to consumers (Chinese)"),
    "instructions_en": _l("Instructions to consumers (English, optional)"),
    "internal_reason": _l("Internal reason (never shown to consumers)"),
    "note": _l("Note"),
    "recall_id": _l("Recall"),
    "quantity": _l("Units destroyed"),
    "level": _l("Level"),
    "title": _l("Title (Chinese)"),
    "title_en": _l("Title (English, optional)"),
    "body": _l("Text (Chinese)"),
    "body_en": _l("Text (English, optional)"),
    "hs_prefix": _l("HS code prefix (optional)"),
}


def _form_problem(form: FlaskForm) -> str:
    """The form's first validation problem, naming the field in the reader's language.

    WTForms' own messages are English; the field's label says enough, and the form keeps what was typed.
    """
    for name in form.errors:
        if name == "csrf_token":
            return str(_("The form expired or was not sent by this site. Reload the page and try again."))
        field = getattr(form, name, None)
        short = field.short_name if field is not None else name
        label = _l("How and where") if isinstance(form, DestructionForm) and short == "reason" else None
        return str(_("Please check the field “%(field)s”.", field=label or FIELD_LABELS.get(short, short)))
    return str(_("The form is incomplete."))


def _batch_choices(db: Session, actor: Actor) -> list[SelectChoice]:
    """Batches the actor may open a measure on: those of its remit (the merchant's own, or those of
    the office's merchants)."""
    return [SelectChoice(str(b.id), _batch_label(b)) for b in batches.list_batches(db, actor)]


def _batch_label(b: Batch) -> str:
    return f"#{b.id} {b.product.name} · {b.lot} ({batch_status_text(b.status)})"
