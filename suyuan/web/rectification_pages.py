"""Responsibility interviews and rectification orders on the pages: the officer's desk and the merchant's.

``/regulator/rectification`` (beside the enforcement desk) lists the enterprises of the office's remit
under strict inspection, its orders (state, deadline in Beijing, overdue) and interviews, with the forms
that record an interview and issue an order; ``/regulator/rectification/orders/<id>`` shows one order,
its reports (each file a download) and the form that accepts or rejects the report awaiting review.
Every officer's decision is confirmed first (:func:`suyuan.web.office_desk.decide`).

``/merchant/rectification`` shows the enterprise its own orders and interviews and whether it is under
strict inspection (and what that means); ``/merchant/rectification/orders/<id>`` one order with the form
that submits a report (text, optionally a PDF, JPEG or PNG file). A refused report is shown again with a
sentence in the reader's language and its status (413 too large, 422 empty or of another type, 409 when the
order takes no report now, 400 otherwise), nothing written. Rules in :mod:`suyuan.trace.rectification`;
another office's or enterprise's records answer 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any, BinaryIO, cast

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from suyuan.trace import rectification, registry
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.enterprise_documents import MAX_DOCUMENT_BYTES, read_document
from suyuan.trace.errors import DomainError, FileRejected, FileTooLarge, InvalidState
from suyuan.trace.model import RectificationCause, RectificationOrder, RectificationReport, Role
from suyuan.trace.rectification import MAX_PLACE, MAX_TEXT, InterviewRecord, OrderTerms, ReportFile
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.errors import status_of
from suyuan.web.office_desk import OfficeForm, Page, confirm_page, decide, with_status

bp = Blueprint("rectification_pages", __name__)
office_labels.install(bp)
LONG = [InputRequired(), Length(min=1, max=MAX_TEXT)]


class InterviewForm(OfficeForm):
    """A responsibility interview: with whom, when, where or how, who took part, the matter, commitments."""

    enterprise_id = IntegerField("enterprise_id", validators=[InputRequired(), NumberRange(1, MAX_INT)])
    held_on = DateField("held_on", validators=[InputRequired()])
    place = StringField("place", validators=[InputRequired(), Length(min=1, max=MAX_PLACE)])
    participants = TextAreaField("participants", validators=LONG)
    matter = TextAreaField("matter", validators=LONG)
    commitments = TextAreaField("commitments", validators=LONG)


class OrderForm(OfficeForm):
    """An order to rectify: to whom, the matter, requirements, deadline and optionally its cause."""

    enterprise_id = IntegerField("enterprise_id", validators=[InputRequired(), NumberRange(1, MAX_INT)])
    matter = TextAreaField("matter", validators=LONG)
    requirements = TextAreaField("requirements", validators=LONG)
    deadline = DateField("deadline", validators=[InputRequired()])
    cause_kind = SelectField("cause_kind", choices=["", *(c.value for c in RectificationCause)])
    cause_id = IntegerField("cause_id", validators=[Optional(), NumberRange(1, MAX_INT)])


class ReviewForm(OfficeForm):
    """The office's decision on a report: accept, or reject with a reason."""

    decision = SelectField("decision", choices=["accept", "reject"])
    reason = TextAreaField("reason", validators=[Optional(), Length(max=MAX_TEXT)])


class ReportForm(FlaskForm):  # type: ignore[misc]
    """The enterprise's report: what it did, and optionally a file."""

    text = TextAreaField("text", validators=LONG)
    file = FileField("file")


# --- the officer's desk ---------------------------------------------------------------------------


@bp.get("/regulator/rectification")
@login_required(Role.REGULATOR)
def office_desk() -> Page:
    """Strict inspection, orders and interviews of the office's remit, with the two forms."""
    return _office_page(None, 200)


@bp.post("/regulator/rectification/interviews")
@login_required(Role.REGULATOR)
def record_interview() -> Page | Response:
    """Record a responsibility interview (confirmed first)."""
    form = InterviewForm(prefix="interview")
    back = url_for("rectification_pages.office_desk")
    record = InterviewRecord(
        form.held_on.data or date.min,
        form.place.data or "",
        form.participants.data or "",
        form.matter.data or "",
        form.commitments.data or "",
    )
    return decide(
        form,
        act=lambda db: rectification.record_interview(db, current_actor(), form.enterprise_id.data, record),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the responsibility interview record"),
            action=url_for("rectification_pages.record_interview"),
            facts=[
                (_("Enterprise"), _enterprise_name(form.enterprise_id.data)),
                (_("Date held"), str(form.held_on.data)),
                (_("Place or means"), form.place.data or ""),
                (_("Participants"), form.participants.data or ""),
                (_("Matter"), form.matter.data or ""),
                (_("Commitments of the enterprise"), form.commitments.data or ""),
            ],
            consequence=_("The record is kept and shown to the enterprise; it cannot be changed afterwards."),
            back=back,
        ),
        again=lambda error, status: _office_page(error, status, interview_form=form),
        done=back,
        message=_("The interview is recorded."),
    )


@bp.post("/regulator/rectification/orders")
@login_required(Role.REGULATOR)
def issue_order() -> Page | Response:
    """Order an enterprise to rectify by a deadline (confirmed first)."""
    form = OrderForm(prefix="order")
    back = url_for("rectification_pages.office_desk")
    kind = form.cause_kind.data or None
    cause = RectificationCause(kind) if kind in set(RectificationCause) else None
    terms = OrderTerms(
        form.matter.data or "",
        form.requirements.data or "",
        form.deadline.data or date.min,
        kind,
        form.cause_id.data,
    )
    return decide(
        form,
        act=lambda db: rectification.issue_order(db, current_actor(), form.enterprise_id.data, terms),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the rectification order"),
            action=url_for("rectification_pages.issue_order"),
            facts=[
                (_("Enterprise"), _enterprise_name(form.enterprise_id.data)),
                (_("Matter"), form.matter.data or ""),
                (_("Requirements"), form.requirements.data or ""),
                (_("Deadline"), str(form.deadline.data)),
                (_("Cause"), f"{office_labels.word(cause)} {form.cause_id.data}" if cause else "—"),
            ],
            consequence=_(
                "The enterprise must report its rectification by the deadline. An order past its deadline "
                "without an accepted report, or two orders within a year, put the enterprise under strict "
                "inspection: its goods are drawn for spot checks as key supervision and need a passed "
                "spot check before release."
            ),
            back=back,
        ),
        again=lambda error, status: _office_page(error, status, order_form=form),
        done=back,
        message=_("The rectification order is issued."),
    )


@bp.get("/regulator/rectification/orders/<int:order_id>")
@login_required(Role.REGULATOR)
def office_order(order_id: int) -> Page:
    """One order: its terms, cause, reports and the review form."""
    return _order_page(order_id, "rectification/office_order.html", None, 200)


@bp.post("/regulator/rectification/reports/<int:rectification_report_id>/review")
@login_required(Role.REGULATOR)
def review_report(rectification_report_id: int) -> Page | Response:
    """Accept a report (the order closes) or reject it with a reason (confirmed first)."""
    with runtime().transaction() as db:  # outside the remit: 404 before the form is read
        order_id = rectification.get_report(db, current_actor(), rectification_report_id).order_id
    form = ReviewForm(prefix="review")
    back = url_for("rectification_pages.office_order", order_id=order_id)
    accept = form.decision.data == "accept"
    return decide(
        form,
        act=lambda db: rectification.review_report(
            db, current_actor(), rectification_report_id, accept=accept, reason=form.reason.data or ""
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the decision on the report"),
            action=url_for(
                "rectification_pages.review_report", rectification_report_id=rectification_report_id
            ),
            facts=[
                (_("Decision"), _("Accept") if accept else _("Reject")),
                (_("Reason"), form.reason.data or ""),
            ],
            consequence=_("Accepting closes the order: the rectification is done.")
            if accept
            else _("Rejecting opens the order again: the enterprise reports anew, still by its deadline."),
            back=back,
        ),
        again=lambda error, status: _order_page(order_id, "rectification/office_order.html", error, status),
        done=back,
        message=_("The decision on the report is recorded."),
    )


def _enterprise_name(enterprise_id: int | None) -> str:
    with runtime().transaction() as db:
        try:
            return registry.get_enterprise(db, current_actor(), enterprise_id or 0).name
        except DomainError:
            return "—"


def _office_page(
    error: str | None,
    status: int,
    *,
    interview_form: InterviewForm | None = None,
    order_form: OrderForm | None = None,
) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        enterprises = registry.list_enterprises(db, actor)
        strict = {e.id: rectification.strict_inspection(db, e.id) for e in enterprises}
        page = render_template(
            "rectification/office.html",
            enterprises=enterprises,
            strict=[e for e in enterprises if strict[e.id].applies],
            strict_of=strict,
            orders=rectification.list_orders(db, actor),
            interviews=rectification.list_interviews(db, actor),
            overdue=rectification.is_overdue,
            interview_form=interview_form or InterviewForm(prefix="interview", formdata=None),
            order_form=order_form or OrderForm(prefix="order", formdata=None),
            causes=list(RectificationCause),
            error=error,
        )
    return with_status(page, status)


def _order_page(order_id: int, template: str, error: str | None, status: int, **extra: Any) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        order = rectification.get_order(db, actor, order_id)
        page = render_template(
            template,
            order=order,
            overdue=rectification.is_overdue(order),
            pending=_pending(order),
            review_form=ReviewForm(prefix="review", formdata=None),
            report_url=report_url,
            error=error,
            **extra,
        )
    return with_status(page, status)


def _pending(order: RectificationOrder) -> RectificationReport | None:
    return next((r for r in order.reports if r.decision.value == "pending"), None)


def report_url(report: RectificationReport) -> str:
    """Where a report's file is downloaded (the API's route; a signed-in session opens it)."""
    return url_for("api.rectification.report_file", rectification_report_id=report.id)


# --- the merchant's desk --------------------------------------------------------------------------


@bp.get("/merchant/rectification")
@login_required(Role.MERCHANT)
def merchant_desk() -> str:
    """The enterprise's own orders and interviews, and whether it is under strict inspection."""
    actor = current_actor()
    assert actor.enterprise_id is not None
    with runtime().transaction() as db:
        return render_template(
            "rectification/merchant.html",
            strict=rectification.strict_inspection(db, actor.enterprise_id),
            orders=rectification.list_orders(db, actor),
            interviews=rectification.list_interviews(db, actor),
            overdue=rectification.is_overdue,
        )


@bp.get("/merchant/rectification/orders/<int:order_id>")
@login_required(Role.MERCHANT)
def merchant_order(order_id: int) -> Page:
    """One order with its reports and, while it is open, the report form."""
    return _merchant_order(order_id, ReportForm(formdata=None), None, 200)


@bp.post("/merchant/rectification/orders/<int:order_id>/reports")
@login_required(Role.MERCHANT)
def submit_report(order_id: int) -> Page | Response:
    """Submit a report on the order: its text and optionally a file."""
    actor = current_actor()
    with runtime().transaction() as db:  # another enterprise's order: 404 before the form is read
        rectification.get_order(db, actor, order_id)
    form = ReportForm()
    if not form.validate():
        return _merchant_order(order_id, form, str(_("Please describe what you did to rectify.")), 400)
    try:
        attachment = _attachment(form.file.data)
        with runtime().transaction() as db:
            rectification.submit_report(db, actor, order_id, form.text.data or "", attachment)
    except DomainError as exc:
        if status_of(exc) == 404:
            raise
        return _merchant_order(order_id, form, _report_refusal(exc), status_of(exc))
    flash(_("Your report is submitted; the office reviews it."))
    return redirect(url_for("rectification_pages.merchant_order", order_id=order_id), code=303)


def _attachment(upload: object) -> ReportFile | None:
    if not isinstance(upload, FileStorage) or not upload.filename:
        return None
    return ReportFile(upload.filename, read_document(cast(BinaryIO, upload.stream)))


def _report_refusal(exc: DomainError) -> str:
    """Why a report was refused, in the reader's language (English pages: the domain's message)."""
    if get_locale() is not None and str(get_locale().language) == "en":
        return exc.message
    if isinstance(exc, FileTooLarge):
        return str(_("The file is larger than %(mb)s MB.", mb=MAX_DOCUMENT_BYTES // (1024 * 1024)))
    if isinstance(exc, FileRejected):
        empty = exc.reason == "empty"
        return str(_("The file is empty.") if empty else _("Only PDF, JPEG or PNG files are accepted."))
    if isinstance(exc, InvalidState):
        return str(_("This order takes no report now: a report awaits review, or the order is closed."))
    return str(_("Please describe what you did to rectify."))


def _merchant_order(order_id: int, form: ReportForm, error: str | None, status: int) -> Page:
    return _order_page(order_id, "rectification/merchant_order.html", error, status, form=form)
