"""Major cases on the officer's desk (R60, R55; G15 §3(5), §2(2)-(3)).

``/regulator/major-cases`` shows the notices the office received from other offices (read-only, each
with the form that acknowledges it), the reports the office made (with which offices acknowledged them
and when, Beijing time) and the form that marks a case of the office's remit as major: a complaint, a
recall, risk information or a failed spot check, by its number, with a summary. Both decisions are
confirmed first (:func:`suyuan.web.office_desk.decide`); a refusal is shown again in the reader's
language with its status, nothing written. Rules in :mod:`suyuan.trace.major_cases`.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from suyuan.trace import major_cases
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.major_cases import MAX_SUMMARY
from suyuan.trace.model import MajorCaseKind, Role
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.office_desk import OfficeForm, Page, confirm_page, decide, with_status

bp = Blueprint("office_major_cases", __name__)
office_labels.install(bp)


class MarkingForm(OfficeForm):
    """A case of the remit marked as major: its kind, its number and the office's summary."""

    case_kind = SelectField("case_kind", choices=[k.value for k in MajorCaseKind])
    case_id = IntegerField("case_id", validators=[InputRequired(), NumberRange(1, MAX_INT)])
    summary = TextAreaField("summary", validators=[InputRequired(), Length(min=1, max=MAX_SUMMARY)])


class AcknowledgeForm(OfficeForm):
    """The receiving office's acknowledgement of a notice (nothing to fill in)."""


@bp.get("/regulator/major-cases")
@login_required(Role.REGULATOR)
def desk() -> Page:
    """Notices received, reports made, and the form that marks a case as major."""
    return _desk(None, 200)


@bp.post("/regulator/major-cases")
@login_required(Role.REGULATOR)
def report_case() -> Page | Response:
    """Mark a case as major and notify every other office (confirmed first)."""
    form = MarkingForm(prefix="case")
    back = url_for("office_major_cases.desk")
    kind = form.case_kind.data
    known = MajorCaseKind(kind) if kind in set(MajorCaseKind) else None
    return decide(
        form,
        act=lambda db: major_cases.report_major_case(
            db, current_actor(), kind or "", form.case_id.data, form.summary.data or ""
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the major-case report"),
            action=url_for("office_major_cases.report_case"),
            facts=[
                (_("Kind of case"), office_labels.word(known)),
                (_("Number of the case record"), str(form.case_id.data)),
                (_("Summary"), form.summary.data or ""),
            ],
            consequence=_(
                "The report goes to the national level and to every other inspection office at once; "
                "it cannot be withdrawn or changed afterwards."
            ),
            back=back,
        ),
        again=lambda error, status: _desk(error, status, form=form),
        done=back,
        message=_("The major case is reported; the other offices are notified."),
    )


@bp.post("/regulator/major-case-notices/<int:notice_id>/acknowledge")
@login_required(Role.REGULATOR)
def acknowledge(notice_id: int) -> Page | Response:
    """Acknowledge a notice received by the office (confirmed first)."""
    with runtime().transaction() as db:  # a notice to another office: 404 before the form is read
        report = major_cases.get_notice(db, current_actor(), notice_id).report
        facts = [
            (_("Reporting office"), report.office.name),
            (_("Kind of case"), office_labels.word(report.case_kind)),
            (_("Enterprise"), report.enterprise.name if report.enterprise else "—"),
            (_("Summary"), report.summary),
        ]
    form = AcknowledgeForm(prefix="ack")
    back = url_for("office_major_cases.desk")
    return decide(
        form,
        act=lambda db: major_cases.acknowledge(db, current_actor(), notice_id),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the acknowledgement"),
            action=url_for("office_major_cases.acknowledge", notice_id=notice_id),
            facts=facts,
            consequence=_("The reporting office sees that your office acknowledged the case, and when."),
            back=back,
        ),
        again=lambda error, status: _desk(error, status),
        done=back,
        message=_("The notice is acknowledged."),
    )


def _desk(error: str | None, status: int, *, form: MarkingForm | None = None) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        page = render_template(
            "office/major_cases.html",
            notices=major_cases.list_notices(db, actor),
            reports=major_cases.list_reports(db, actor),
            form=form or MarkingForm(prefix="case", formdata=None),
            ack_form=AcknowledgeForm(prefix="ack", formdata=None),
            kinds=list(MajorCaseKind),
            max_summary=MAX_SUMMARY,
            error=error,
        )
    return with_status(page, status)
