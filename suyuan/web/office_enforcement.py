"""The officer's enforcement desk: sanctions, the credit lists and orders held at exit.

``/regulator/enforcement`` lists the orders held for the office's release (goods under tightened
control), the current list entries of the office's enterprises and the recent sanctions, with a form
for each decision: suspend / revoke / lift an enterprise's filing or a product's admission, put an
enterprise on a list or take it off, release or refuse a held order. Each decision is confirmed first
(:func:`suyuan.web.office_desk.decide`) and carried out by the domain (:mod:`suyuan.trace.sanctions`,
:func:`suyuan.trace.zone.exits.decide_held_exit`); the page only collects and shows.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from suyuan.trace import registry, sanctions
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.model import CreditListKind, Role, SanctionAction
from suyuan.trace.zone import exits
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.office_desk import OfficeForm, Page, confirm_page, decide, with_status

bp = Blueprint("office_enforcement", __name__, url_prefix="/regulator/enforcement")
office_labels.install(bp)
TARGETS = ("enterprise", "product")
ID = [InputRequired(), NumberRange(min=1, max=MAX_INT)]


class SanctionForm(OfficeForm):
    """A sanction of an enterprise's filing or a product's admission, with the reason."""

    target = SelectField("target", choices=list(TARGETS))
    target_id = IntegerField("target_id", validators=ID)
    action = SelectField("action", choices=[a.value for a in SanctionAction])
    reason = TextAreaField("reason", validators=[InputRequired(), Length(min=1, max=2000)])


class ListingForm(OfficeForm):
    """An enterprise put on a credit list, with the reason (published)."""

    enterprise_id = IntegerField("enterprise_id", validators=ID)
    list_kind = SelectField("list_kind", choices=[k.value for k in CreditListKind])
    reason = TextAreaField("reason", validators=[InputRequired(), Length(min=1, max=2000)])


class RemovalForm(OfficeForm):
    """An enterprise taken off a list, and why."""

    reason = TextAreaField("reason", validators=[InputRequired(), Length(min=1, max=2000)])


class HoldForm(OfficeForm):
    """The office's step at exit: release or refuse a held order (a refusal says why)."""

    decision = SelectField("decision", choices=["release", "refuse"])
    note = TextAreaField("note", validators=[Optional(), Length(max=2000)])


@bp.get("")
@login_required(Role.REGULATOR)
def desk() -> Page:
    """Held orders, list entries and sanctions of the office's remit, with the decision forms."""
    return _page(None, 200)


@bp.post("/sanctions")
@login_required(Role.REGULATOR)
def sanction() -> Page | Response:
    """Suspend, revoke or lift (confirmed first); the filing's or admission's status changes at once."""
    form = SanctionForm(prefix="sanction")
    back = url_for("office_enforcement.desk")

    def act(db):  # type: ignore[no-untyped-def]
        decide_on = (
            sanctions.sanction_product if form.target.data == "product" else sanctions.sanction_enterprise
        )
        return decide_on(db, current_actor(), form.target_id.data, form.action.data, form.reason.data or "")

    action = SanctionAction(form.action.data) if form.action.data in set(SanctionAction) else None
    return decide(
        form,
        act=act,
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the sanction"),
            action=url_for("office_enforcement.sanction"),
            facts=[
                (_("Enterprise or product"), f"{form.target.data} {form.target_id.data}"),
                (_("Decision"), office_labels.word(action)),
                (_("Reason"), form.reason.data or ""),
            ],
            consequence=_(
                "A suspended or revoked filing or admission blocks entry declarations, exits and new "
                "codes at once; goods already sold keep scanning genuine. A revocation is final."
            ),
            back=back,
        ),
        again=lambda error, status: _page(error, status, sanction_form=form),
        done=back,
        message=_("The sanction is recorded."),
    )


@bp.post("/lists")
@login_required(Role.REGULATOR)
def add_listing() -> Page | Response:
    """Put an enterprise on a credit list (confirmed first); the entry is published on /credit."""
    form = ListingForm(prefix="listing")
    back = url_for("office_enforcement.desk")
    kind = CreditListKind(form.list_kind.data) if form.list_kind.data in set(CreditListKind) else None
    return decide(
        form,
        act=lambda db: sanctions.add_to_list(
            db, current_actor(), form.enterprise_id.data, form.list_kind.data, form.reason.data or ""
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the list entry"),
            action=url_for("office_enforcement.add_listing"),
            facts=[
                (_("Enterprise"), str(form.enterprise_id.data)),
                (_("List"), office_labels.word(kind)),
                (_("Reason"), form.reason.data or ""),
            ],
            consequence=_("The entry, its reason, date and office are published on the public credit page."),
            back=back,
        ),
        again=lambda error, status: _page(error, status, listing_form=form),
        done=back,
        message=_("The enterprise is on the list."),
    )


@bp.post("/lists/<int:entry_id>/removal")
@login_required(Role.REGULATOR)
def remove_listing(entry_id: int) -> Page | Response:
    """Take an enterprise off a list (confirmed first); the entry stays on record as removed."""
    with runtime().transaction() as db:
        sanctions.get_list_entry(db, current_actor(), entry_id)  # outside the remit: 404
    form = RemovalForm(prefix=f"removal-{entry_id}")
    back = url_for("office_enforcement.desk")
    return decide(
        form,
        act=lambda db: sanctions.remove_from_list(db, current_actor(), entry_id, form.reason.data or ""),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the removal from the list"),
            action=url_for("office_enforcement.remove_listing", entry_id=entry_id),
            facts=[(_("List entry"), str(entry_id)), (_("Reason"), form.reason.data or "")],
            consequence=_("The entry leaves the public credit page; it stays on record."),
            back=back,
        ),
        again=lambda error, status: _page(error, status),
        done=back,
        message=_("The enterprise is off the list."),
    )


@bp.post("/exits/<int:declaration_id>")
@login_required(Role.REGULATOR)
def decide_hold(declaration_id: int) -> Page | Response:
    """Release a held order (re-checked, then written off) or refuse it, confirmed first."""
    with runtime().transaction() as db:
        order_no = exits.get_exit(db, current_actor(), declaration_id).order_no  # outside the remit: 404
    form = HoldForm(prefix=f"hold-{declaration_id}")
    back = url_for("office_enforcement.desk")
    release = form.decision.data == "release"
    return decide(
        form,
        act=lambda db: exits.decide_held_exit(
            db, current_actor(), declaration_id, release=release, note=form.note.data or ""
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the decision at exit"),
            action=url_for("office_enforcement.decide_hold", declaration_id=declaration_id),
            facts=[
                (_("Order"), order_no),
                (_("Decision"), _("Release") if release else _("Refuse")),
                (_("Note"), form.note.data or ""),
            ],
            consequence=_(
                "A release re-checks the units and writes the order off; a refusal sends it back to the "
                "merchant for rectification."
            ),
            back=back,
        ),
        again=lambda error, status: _page(error, status),
        done=back,
        message=_("The decision at exit is recorded."),
    )


def _page(
    error: str | None,
    status: int,
    *,
    sanction_form: SanctionForm | None = None,
    listing_form: ListingForm | None = None,
) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        enterprises = registry.list_enterprises(db, actor)
        page = render_template(
            "office/enforcement.html",
            held=exits.list_exits(db, actor, status="held"),
            entries=sanctions.list_entries(db, actor),
            enterprises=enterprises,
            recent={e.id: sanctions.list_sanctions(db, actor, e.id)[:3] for e in enterprises},
            sanction_form=sanction_form or SanctionForm(prefix="sanction", formdata=None),
            listing_form=listing_form or ListingForm(prefix="listing", formdata=None),
            removal_form=RemovalForm(formdata=None),
            hold_form=HoldForm(formdata=None),
            actions=list(SanctionAction),
            lists=list(CreditListKind),
            error=error,
        )
    return with_status(page, status)
