"""The office's spot-check desk (监督抽检): the risk-based draw, the sample, the lab's result.

* ``/regulator/spot-checks``: every check of the office, and the draw form (a seeded draw is
  reproducible: :func:`suyuan.trace.zone.spot_checks.draw_spot_checks`);
* ``/regulator/spot-checks/<id>``: one check with the form its state calls for: the sample (planned),
  then the lab's result (sampled). A failure blocks the batch's exit, recalls its sold units and counts
  against the merchant's credit: the confirmation page says so before it is recorded. A check opened
  because of risk information links back to it (:func:`suyuan.trace.risk_intake.origins_seen_by`), so
  the chain information → assessment → check reads from both ends.

Planning a check of one batch outside the draw starts on the trace page (:mod:`suyuan.web.office_actions`).
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional, ValidationError

from suyuan.trace import risk_intake
from suyuan.trace.model import DisposalKind, Role, SampleChannel
from suyuan.trace.zone import spot_checks
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.office_desk import OfficeForm, Page, confirm_page, decide, with_status

bp = Blueprint("office_checks", __name__, url_prefix="/regulator/spot-checks")
office_labels.install(bp)
FAILURE_CONSEQUENCE = _l(
    "A failure blocks the batch's exit, recalls the units already sold and counts against the "
    "merchant's credit."
)


class DrawForm(OfficeForm):
    """A draw round; an empty seed lets the domain make a random one (stored on each planned check)."""

    seed = StringField("seed", validators=[Length(max=64)])


class SampleForm(OfficeForm):
    """How the sample was taken: offline in the warehouse (leaves the ledger) or bought online."""

    channel = SelectField("channel", choices=[c.value for c in SampleChannel])
    quantity = IntegerField(
        "quantity", default=1, validators=[InputRequired(), NumberRange(1, spot_checks.MAX_OFFLINE_SAMPLE)]
    )
    order_ref = StringField("order_ref", validators=[Length(max=64)])


class ResultForm(OfficeForm):
    """The lab's result: pass, or fail with the failed items (one a line); the report's SHA-256."""

    outcome = SelectField("outcome", choices=["passed", "failed"], validators=[AnyOf(["passed", "failed"])])
    lab = StringField("lab", validators=[InputRequired(), Length(max=200)])
    report_sha256 = StringField("report_sha256", validators=[InputRequired(), Length(min=64, max=64)])
    failed_items = TextAreaField("failed_items", validators=[Optional(), Length(max=4000)])
    note = TextAreaField("note", validators=[Length(max=4000)])

    def validate_failed_items(self, field: TextAreaField) -> None:
        """A failure names what failed; a pass names nothing."""
        if (self.outcome.data == "failed") != bool(self.items()):
            raise ValidationError("failed items")

    def items(self) -> list[str]:
        """The failed items, one a line."""
        return [line.strip() for line in (self.failed_items.data or "").splitlines() if line.strip()]


@bp.get("")
@login_required(Role.REGULATOR)
def checks() -> Page:
    """The office's spot checks, newest first, and the draw form."""
    return _list_page(DrawForm(prefix="draw", formdata=None), None, 200)


@bp.post("/draw")
@login_required(Role.REGULATOR)
def draw() -> Page | Response:
    """Draw this round's checks among the batches with goods in the zone (confirmed first)."""
    form = DrawForm(prefix="draw")
    return decide(
        form,
        act=lambda db: spot_checks.draw_spot_checks(db, current_actor(), seed=form.seed.data or None),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the spot-check draw"),
            action=url_for("office_checks.draw"),
            facts=[(_("Draw seed"), form.seed.data or _("random"))],
            consequence=_("Each batch drawn gets a planned spot check; planned checks cannot be withdrawn."),
            back=url_for("office_checks.checks"),
        ),
        again=lambda error, status: _list_page(form, error, status),
        done=url_for("office_checks.checks"),
        message=_("The draw is done; the batches drawn are listed as planned."),
    )


def _list_page(form: DrawForm, error: str | None, status: int) -> Page:
    with runtime().transaction() as db:
        rows = spot_checks.list_spot_checks(db, current_actor(), limit=200)
        page = render_template("office/checks.html", rows=rows, form=form, error=error)
    return with_status(page, status)


@bp.get("/<int:spot_check_id>")
@login_required(Role.REGULATOR)
def check(spot_check_id: int) -> Page:
    """One spot check and the form for its next step."""
    return _check_page(spot_check_id, None, 200)


@bp.post("/<int:spot_check_id>/sample")
@login_required(Role.REGULATOR)
def sample(spot_check_id: int) -> Page | Response:
    """Record the sample taken (confirmed first: an offline sample leaves the zone ledger)."""
    label = _label_of(spot_check_id)
    form = SampleForm(prefix="sample")
    back = url_for("office_checks.check", spot_check_id=spot_check_id)
    channel = (
        office_labels.word(SampleChannel(form.channel.data))
        if form.channel.data in ("online", "offline")
        else ""
    )
    return decide(
        form,
        act=lambda db: spot_checks.record_sample(
            db,
            current_actor(),
            spot_check_id,
            channel=form.channel.data,
            quantity=int(form.quantity.data),
            order_ref=form.order_ref.data or "",
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the sample"),
            action=url_for("office_checks.sample", spot_check_id=spot_check_id),
            facts=[
                (_("Batch"), label),
                (_("Sampling channel"), channel),
                (_("Quantity"), str(form.quantity.data)),
                (_("Order number"), form.order_ref.data or "—"),
            ],
            consequence=_("Units taken in the warehouse leave the zone ledger as samples."),
            back=back,
        ),
        again=lambda error, status: _check_page(spot_check_id, error, status, sample_form=form),
        done=back,
        message=_("The sample is recorded."),
    )


@bp.post("/<int:spot_check_id>/result")
@login_required(Role.REGULATOR)
def result(spot_check_id: int) -> Page | Response:
    """Record the lab's result (confirmed first: a failure blocks exit and recalls sold units)."""
    label = _label_of(spot_check_id)
    form = ResultForm(prefix="result")
    back = url_for("office_checks.check", spot_check_id=spot_check_id)
    failed = form.outcome.data == "failed"
    return decide(
        form,
        act=lambda db: spot_checks.record_result(
            db,
            current_actor(),
            spot_check_id,
            passed=not failed,
            lab=form.lab.data or "",
            report_sha256=(form.report_sha256.data or "").strip(),
            failed_items=form.items(),
            note=form.note.data or "",
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the spot-check result"),
            action=url_for("office_checks.result", spot_check_id=spot_check_id),
            facts=[
                (_("Batch"), label),
                (_("Result"), _("Failed") if failed else _("Passed")),
                (_("Laboratory"), form.lab.data or ""),
                (_("Failed items"), "\n".join(form.items()) or "—"),
            ],
            consequence=(
                str(FAILURE_CONSEQUENCE)
                if failed
                else _("A pass is final and counts towards the merchant's credit.")
            ),
            back=back,
        ),
        again=lambda error, status: _check_page(spot_check_id, error, status, result_form=form),
        done=back,
        message=_("The result is recorded."),
    )


def _label_of(spot_check_id: int) -> str:
    """The checked batch in words; a check outside the remit answers 404 here, before the form is read."""
    with runtime().transaction() as db:
        check = spot_checks.get_spot_check(db, current_actor(), spot_check_id)
        return f"{check.batch.product.name} · {check.batch.lot}"


def _check_page(
    spot_check_id: int,
    error: str | None,
    status: int,
    *,
    sample_form: SampleForm | None = None,
    result_form: ResultForm | None = None,
) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        check = spot_checks.get_spot_check(db, actor, spot_check_id)
        page = render_template(
            "office/check.html",
            c=check,
            origins=risk_intake.origins_seen_by(db, actor, DisposalKind.SPOT_CHECK, check.id),
            sample_form=sample_form or SampleForm(prefix="sample", formdata=None),
            result_form=result_form or ResultForm(prefix="result", formdata=None),
            error=error,
        )
    return with_status(page, status)
