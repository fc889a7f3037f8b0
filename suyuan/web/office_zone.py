"""The office's bonded-zone desk: quarantine of entries, review of reports, release, disposal, exits.

* ``/regulator/zone/entries/<id>``: an entry declaration, its lines and batches, and the quarantine
  form. The domain records **one** quarantine result per declaration (the first concludes it), with
  the scope inspected (goods, container or wood packaging): the page records that one result and says
  so; separate results per scope are not supported by the domain.
* ``/regulator/zone/batches/<id>``: one batch's inspection desk: what still stands between it and its
  release, its reports with accept / reject, the release, and supervised disposal (destruction or
  return shipment) of units still in the zone.
* ``/regulator/zone/exits/<id>``: an exit declaration (an order): lines, check findings, returns.

Every decision goes through :func:`suyuan.web.office_desk.decide` (confirmation step, one unit of work,
zh-CN refusal on the form page); the rules are :mod:`suyuan.trace.zone.inspection`'s.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange

from suyuan.trace import batches, recalls, risk_warnings, supervision_lists
from suyuan.trace.model import QuarantineOutcome, QuarantineScope, Role
from suyuan.trace.zone import entry, exits, inspection, ledger, returns
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.office_desk import OfficeForm, Page, batch_label, confirm_page, decide, with_status

bp = Blueprint("office_zone", __name__, url_prefix="/regulator/zone")
office_labels.install(bp)
MAX_DISPOSAL = 10_000_000


class QuarantineForm(OfficeForm):
    """The quarantine result of an entry: what was inspected, the outcome, a treatment or a note."""

    scope = SelectField("scope", choices=[s.value for s in QuarantineScope])
    outcome = SelectField("outcome", choices=[o.value for o in QuarantineOutcome])
    treatment = StringField("treatment", validators=[Length(max=200)])
    note = TextAreaField("note", validators=[Length(max=4000)])


class ReviewForm(OfficeForm):
    """Accept or reject a report; a rejection says why."""

    accept = SelectField("accept", choices=["accept", "reject"], validators=[AnyOf(["accept", "reject"])])
    note = TextAreaField("note", validators=[Length(max=4000)])


class ReleaseForm(OfficeForm):
    """Release a batch for sale: nothing to fill in, only the confirmation."""


class DisposalForm(OfficeForm):
    """Supervised destruction or return shipment of units still in the zone."""

    kind = SelectField("kind", choices=["destruction", "return_shipment"])
    quantity = IntegerField("quantity", validators=[InputRequired(), NumberRange(min=1, max=MAX_DISPOSAL)])
    reason = TextAreaField("reason", validators=[InputRequired(), Length(min=1, max=2000)])


# --- entry declarations ------------------------------------------------------------------------------


@bp.get("/entries/<int:declaration_id>")
@login_required(Role.REGULATOR)
def entry_page(declaration_id: int) -> Page:
    """An entry declaration with its lines and batches, and the quarantine form while it is pending."""
    return _entry_page(declaration_id, QuarantineForm(prefix="quarantine", formdata=None), None, 200)


@bp.post("/entries/<int:declaration_id>/quarantine")
@login_required(Role.REGULATOR)
def quarantine(declaration_id: int) -> Page | Response:
    """Record the entry's quarantine result (confirmed first: the first result concludes it)."""
    with runtime().transaction() as db:
        reference = entry.get_entry(db, current_actor(), declaration_id).reference
    form = QuarantineForm(prefix="quarantine")
    back = url_for("office_zone.entry_page", declaration_id=declaration_id)
    return decide(
        form,
        act=lambda db: inspection.record_quarantine(
            db,
            current_actor(),
            declaration_id,
            outcome=form.outcome.data,
            scope=form.scope.data,
            treatment=form.treatment.data or "",
            note=form.note.data or "",
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the quarantine result"),
            action=url_for("office_zone.quarantine", declaration_id=declaration_id),
            facts=[
                (_("Entry declaration"), reference),
                (_("What was inspected"), office_labels.word(QuarantineScope(form.scope.data))),
                (_("Result"), office_labels.word(QuarantineOutcome(form.outcome.data))),
                (_("Treatment"), form.treatment.data or "—"),
                (_("Note"), form.note.data or "—"),
            ],
            consequence=_(
                "The first quarantine result concludes the entry's quarantine; a failure is final."
            ),
            back=back,
        ),
        again=lambda error, status: _entry_page(declaration_id, form, error, status),
        done=back,
        message=_("The quarantine result is recorded."),
    )


def _entry_page(declaration_id: int, form: QuarantineForm, error: str | None, status: int) -> Page:
    with runtime().transaction() as db:
        declaration = entry.get_entry(db, current_actor(), declaration_id)
        page = render_template("office/entry.html", d=declaration, form=form, error=error)
    return with_status(page, status)


# --- one batch: reports, release, disposal -------------------------------------------------------------


@bp.get("/batches/<int:batch_id>")
@login_required(Role.REGULATOR)
def batch_page(batch_id: int) -> Page:
    """One batch's inspection desk: release gaps, reports to review, release and disposal."""
    return _batch_page(batch_id, None, 200)


@bp.post("/reports/<int:report_id>/review")
@login_required(Role.REGULATOR)
def review(report_id: int) -> Page | Response:
    """Accept or reject a submitted report (confirmed first)."""
    with runtime().transaction() as db:
        report = inspection.get_report(db, current_actor(), report_id)
        batch_id, kind, issuer = report.batch_id, report.kind, report.issuer
    form = ReviewForm(prefix="review")
    back = url_for("office_zone.batch_page", batch_id=batch_id)
    verdict = _("Accept") if form.accept.data == "accept" else _("Reject")
    return decide(
        form,
        act=lambda db: inspection.review_report(
            db, current_actor(), report_id, accept=form.accept.data == "accept", note=form.note.data or ""
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the report review"),
            action=url_for("office_zone.review", report_id=report_id),
            facts=[
                (_("Report"), f"{office_labels.word(kind)} · {issuer}"),
                (_("Decision"), verdict),
                (_("Note"), form.note.data or "—"),
            ],
            consequence=_("A reviewed report cannot be reviewed again; the merchant sees the decision."),
            back=back,
        ),
        again=lambda error, status: _batch_page(batch_id, error, status),
        done=back,
        message=_("The review is recorded."),
    )


@bp.post("/batches/<int:batch_id>/release")
@login_required(Role.REGULATOR)
def release(batch_id: int) -> Page | Response:
    """Release the batch for sale (confirmed first); the domain checks the release gate."""
    label = batch_label(batch_id)  # outside the remit: 404 first
    form = ReleaseForm(prefix="release")
    back = url_for("office_zone.batch_page", batch_id=batch_id)
    return decide(
        form,
        act=lambda db: inspection.release_batch(db, current_actor(), batch_id),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the release for sale"),
            action=url_for("office_zone.release", batch_id=batch_id),
            facts=[(_("Batch"), label)],
            consequence=_("Once released, the batch may be sold and its codes scan as genuine."),
            back=back,
        ),
        again=lambda error, status: _batch_page(batch_id, error, status),
        done=back,
        message=_("The batch is released for sale."),
    )


@bp.post("/batches/<int:batch_id>/disposal")
@login_required(Role.REGULATOR)
def disposal(batch_id: int) -> Page | Response:
    """Post a supervised destruction or return shipment on the ledger (confirmed first)."""
    label = batch_label(batch_id)  # outside the remit: 404 first
    form = DisposalForm(prefix="disposal")
    back = url_for("office_zone.batch_page", batch_id=batch_id)
    kinds = {"destruction": _("Destruction"), "return_shipment": _("Return shipment")}
    return decide(
        form,
        act=lambda db: inspection.dispose_goods(
            db,
            current_actor(),
            batch_id,
            kind=form.kind.data,
            quantity=int(form.quantity.data),
            reason=form.reason.data or "",
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the supervised disposal"),
            action=url_for("office_zone.disposal", batch_id=batch_id),
            facts=[
                (_("Batch"), label),
                (_("Kind"), str(kinds.get(form.kind.data, ""))),
                (_("Quantity"), str(form.quantity.data)),
                (_("How and where"), form.reason.data or ""),
            ],
            consequence=_("The units leave the zone ledger for good."),
            back=back,
        ),
        again=lambda error, status: _batch_page(batch_id, error, status),
        done=back,
        message=_("The disposal is posted on the zone ledger."),
    )


def _batch_page(batch_id: int, error: str | None, status: int) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        batch = batches.get_batch(db, actor, batch_id)
        line = entry.entry_line_of(db, batch.id)
        page = render_template(
            "office/batch.html",
            b=batch,
            line=line,
            gaps=inspection.release_gaps(db, batch),
            standing=supervision_lists.standing(db, batch.product),
            control=risk_warnings.tightened_control(db, batch),
            reports=inspection.reports_of(db, actor, batch.id),
            recalls=recalls.recalls_of(db, actor, batch.id),
            in_zone=ledger.balance(db, batch.id) if ledger.is_on_ledger(db, batch.id) else None,
            review=ReviewForm(prefix="review", formdata=None),
            release_form=ReleaseForm(prefix="release", formdata=None),
            disposal_form=DisposalForm(prefix="disposal", formdata=None),
            error=error,
        )
    return with_status(page, status)


# --- exit declarations (read: the merchant rectifies, the office watches) ----------------------------


@bp.get("/exits/<int:declaration_id>")
@login_required(Role.REGULATOR)
def exit_page(declaration_id: int) -> str:
    """An order's exit declaration: lines, the check's findings, and the consumer returns."""
    actor = current_actor()
    with runtime().transaction() as db:
        declaration = exits.get_exit(db, actor, declaration_id)
        return render_template(
            "office/exit.html", d=declaration, returned=returns.returns_of(db, actor, declaration.id)
        )
