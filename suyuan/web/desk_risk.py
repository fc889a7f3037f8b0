"""Risk self-reports at the merchant's desk (R48, R59; G15 §2(4)): an enterprise reports a risk it found in
its own goods, and follows the office's assessment.

``/merchant/risk`` lists the enterprise's own reports, newest first, with their assessment state, and the
form that files a new one (its goods chosen among its own products and batches, so nothing is typed that
could name another enterprise's goods); ``/merchant/risk/<id>`` shows one report, the office's assessments
and the measures that followed. The report goes to the office that keeps the enterprise's filing. Rules
live in :mod:`suyuan.trace.risk_intake`; a report of another enterprise answers 404.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from suyuan.trace import batches, registry, risk_intake
from suyuan.trace.model import RiskSource, Role
from suyuan.trace.risk_intake import RiskReport
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.desk import Page, Refused, attempt, bp, form_problem
from suyuan.web.office_risk import chosen_id

MAX_BATCH_CHOICES = 200  # the newest batches; older goods are named by their product


class SelfReportForm(FlaskForm):  # type: ignore[misc]
    """A risk the enterprise found in its own goods: what, which goods, and its own reference."""

    title = StringField("title", validators=[DataRequired(), Length(max=risk_intake.MAX_TITLE)])
    description = TextAreaField(
        "description", validators=[DataRequired(), Length(max=risk_intake.MAX_DESCRIPTION)]
    )
    reference = StringField("reference", validators=[Length(max=200)])
    product_id = SelectField("product_id", coerce=str, validate_choice=False)
    batch_id = SelectField("batch_id", coerce=str, validate_choice=False)
    hs_prefix = StringField("hs_prefix", validators=[Length(max=13)])


@bp.route("/risk", methods=["GET", "POST"])
@login_required(Role.MERCHANT)
def risk_reports() -> Page | Response:
    """The enterprise's self-reports and the form that files one (it goes to the enterprise's office)."""
    form = SelfReportForm()
    if not form.is_submitted():
        return _reports_page(form, None, 200)
    if not form.validate():
        return _reports_page(form, form_problem(form), 400)
    actor = current_actor()
    try:
        made = attempt(
            lambda db: risk_intake.record_information(db, actor, _report(form)).id,
            str(_("The report could not be filed.")),
        )
    except Refused as refused:
        return _reports_page(form, refused.message, refused.status)
    flash(_("The report is filed with your office, which assesses it."))
    return redirect(url_for("desk.risk_report", information_id=made), code=303)


def _report(form: SelfReportForm) -> RiskReport:
    return RiskReport(
        source=RiskSource.SELF_REPORT.value,
        title=form.title.data or "",
        description=form.description.data or "",
        hs_prefix=form.hs_prefix.data or "",
        product_id=chosen_id(form.product_id.data, "product_id"),
        batch_id=chosen_id(form.batch_id.data, "batch_id"),
        reference=form.reference.data or "",
    )


def _reports_page(form: SelfReportForm, error: str | None, status: int) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        page = render_template(
            "merchant/risk_reports.html",
            reports=risk_intake.list_information(db, actor),
            latest=risk_intake.latest_assessment,
            products=registry.list_products(db, actor),
            batches=list(reversed(batches.list_batches(db, actor)))[:MAX_BATCH_CHOICES],
            form=form,
            word=office_labels.word,
            error=error,
        )
    return (page, status) if status != 200 else page


@bp.get("/risk/<int:information_id>")
@login_required(Role.MERCHANT)
def risk_report(information_id: int) -> str:
    """One self-report: what was reported, the office's assessments and the measures that followed."""
    with runtime().transaction() as db:
        info = risk_intake.get_information(db, current_actor(), information_id)
        return render_template(
            "merchant/risk_report.html",
            info=info,
            assessment=risk_intake.latest_assessment(info),
            measures=risk_intake.measures_seen_by(db, current_actor(), info),
            word=office_labels.word,
        )
