"""The officer's buyer desk: acting on order monitoring (SZ Art. 28-29, R66/R67).

``/regulator/buyers`` lists the order-monitoring alerts that name a buyer, each with a form to watch the
buyer (every later exit waits for an officer's release at exit) or block them (orders and exits
refused, a personal breach of trust), and the office's restrictions with a form to lift each. Every
decision is confirmed first (:func:`suyuan.web.office_desk.decide`) and made by the domain
(:mod:`suyuan.trace.zone.buyer_restrictions`); the page only collects and shows. Buyers appear by
masked name and a hash prefix only.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Regexp

from suyuan.trace.model import BuyerRestrictionLevel, Role
from suyuan.trace.zone import buyer_restrictions
from suyuan.trace.zone.anomalies import find_anomalies
from suyuan.web import office_labels, runtime
from suyuan.web.api.zone import zone_rules
from suyuan.web.auth import current_actor, login_required
from suyuan.web.office_desk import OfficeForm, Page, confirm_page, decide, with_status

bp = Blueprint("office_buyers", __name__, url_prefix="/regulator/buyers")
office_labels.install(bp)
REASON = [InputRequired(), Length(min=1, max=2000)]


class RestrictForm(OfficeForm):
    """Watch or block the buyer an alert names, with the rule it follows and the reason."""

    buyer = HiddenField("buyer", validators=[InputRequired(), Regexp(r"^[0-9a-f]{64}$")])
    rule = HiddenField("rule", validators=[InputRequired(), Length(max=32)])
    label = HiddenField("label", validators=[Length(max=80)])
    level = SelectField("level", choices=[level.value for level in BuyerRestrictionLevel])
    reason = TextAreaField("reason", validators=REASON)


class LiftForm(OfficeForm):
    """End a restriction, saying why."""

    reason = TextAreaField("reason", validators=REASON)


@bp.get("")
@login_required(Role.REGULATOR)
def desk() -> Page:
    """Buyer alerts with their forms, and the office's restrictions (active, then the latest lifted)."""
    return _page(None, 200)


@bp.post("/restrictions")
@login_required(Role.REGULATOR)
def restrict() -> Page | Response:
    """Watch or block a buyer (confirmed first); it applies to the buyer's next order at once."""
    form = RestrictForm(prefix="restrict")
    back = url_for("office_buyers.desk")
    level = form.level.data if form.level.data in set(BuyerRestrictionLevel) else None
    return decide(
        form,
        act=lambda db: buyer_restrictions.restrict_buyer(
            db, current_actor(), form.buyer.data, form.level.data, form.reason.data or "", rule=form.rule.data
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the restriction of a buyer"),
            action=url_for("office_buyers.restrict"),
            facts=[
                (_("Buyer"), form.label.data or ""),
                (_("Decision"), office_labels.word(BuyerRestrictionLevel(level) if level else None)),
                (_("Reason"), form.reason.data or ""),
            ],
            consequence=_(
                "Watching holds every later exit of this buyer for an officer's release; blocking refuses "
                "the buyer's orders and exits in every zone until the restriction is lifted."
            ),
            back=back,
        ),
        again=lambda error, status: _page(error, status, restrict_form=form),
        done=back,
        message=_("The buyer is restricted."),
    )


@bp.post("/restrictions/<int:restriction_id>/lift")
@login_required(Role.REGULATOR)
def lift(restriction_id: int) -> Page | Response:
    """Lift a restriction (confirmed first); it stays on record with who lifted it and why."""
    with runtime().transaction() as db:
        label = buyer_restrictions.get_restriction(
            db, current_actor(), restriction_id
        ).buyer_label  # else 404
    form = LiftForm(prefix=f"lift-{restriction_id}")
    back = url_for("office_buyers.desk")
    return decide(
        form,
        act=lambda db: buyer_restrictions.lift_restriction(
            db, current_actor(), restriction_id, form.reason.data or ""
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm lifting the restriction"),
            action=url_for("office_buyers.lift", restriction_id=restriction_id),
            facts=[(_("Buyer"), label), (_("Reason"), form.reason.data or "")],
            consequence=_("The buyer's orders and exits are handled as anyone's again."),
            back=back,
        ),
        again=lambda error, status: _page(error, status),
        done=back,
        message=_("The restriction is lifted."),
    )


def _page(error: str | None, status: int, *, restrict_form: RestrictForm | None = None) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        alerts = [a for a in find_anomalies(db, actor, zone_rules().anomalies) if a.buyer_hash]
        restrictions = buyer_restrictions.list_restrictions(db, actor, active=None, limit=100)
        page = render_template(
            "office/buyers.html",
            alerts=alerts,
            active=[r for r in restrictions if r.lifted_at is None],
            lifted=[r for r in restrictions if r.lifted_at is not None][:20],
            levels=list(BuyerRestrictionLevel),
            restrict_form=restrict_form,
            error=error,
        )
    return with_status(page, status)
