"""The officer's supervised warehouses (R27; SZ Art. 16, 34): designate a warehouse enterprise, withdraw it.

``/regulator/warehouses`` lists the office's designations, withdrawn ones greyed with who withdrew them
and when, and the form that designates a warehouse enterprise filed with the office. Both decisions are
confirmed first (:func:`suyuan.web.office_desk.decide`), since the first designation changes the release
gate of every declared lot of the office. Merchants name the warehouse of an entry on its page
(:mod:`suyuan.web.desk_entries`). The rules are :mod:`suyuan.trace.zone.warehouses`'.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from suyuan.trace import registry
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.model import EnterpriseKind, Role
from suyuan.trace.zone import warehouses
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.office_desk import OfficeForm, Page, confirm_page, decide, with_status

bp = Blueprint("office_warehouses", __name__, url_prefix="/regulator/warehouses")
office_labels.install(bp)


class DesignationForm(OfficeForm):
    """A warehouse enterprise of the office to designate, and the warehouse's address if not its own."""

    enterprise_id = IntegerField(
        "enterprise_id", validators=[InputRequired(), NumberRange(min=1, max=MAX_INT)]
    )
    address = StringField("address", validators=[Length(max=300)])


class WithdrawalForm(OfficeForm):
    """Withdraw a designation: nothing to fill in, only the confirmation."""


@bp.get("")
@login_required(Role.REGULATOR)
def desk() -> Page:
    """The office's supervised warehouses and the designation form."""
    return _page(None, 200)


@bp.post("")
@login_required(Role.REGULATOR)
def designate() -> Page | Response:
    """Designate a warehouse enterprise as a supervised warehouse (confirmed first)."""
    form = DesignationForm(prefix="designate")
    if form.validate_on_submit() and _enterprise_name(form.enterprise_id.data) == "—":
        return _page(_("No such record within your office's remit."), 404, form=form)
    return decide(
        form,
        act=lambda db: warehouses.designate_warehouse(
            db, current_actor(), form.enterprise_id.data, address=form.address.data or ""
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the designation"),
            action=url_for("office_warehouses.designate"),
            facts=[
                (_("Warehouse enterprise"), _enterprise_name(form.enterprise_id.data)),
                (_("Address"), form.address.data or _("the enterprise's address")),
            ],
            consequence=_(
                "From the first designation on, your office releases declared lots only when they are "
                "stored in a supervised warehouse."
            ),
            back=url_for("office_warehouses.desk"),
        ),
        again=lambda error, status: _page(error, status, form=form),
        done=url_for("office_warehouses.desk"),
        message=_("The warehouse is designated."),
    )


@bp.post("/<int:warehouse_id>/withdraw")
@login_required(Role.REGULATOR)
def withdraw(warehouse_id: int) -> Page | Response:
    """Withdraw a designation (confirmed first); goods stored there keep their link."""
    with runtime().transaction() as db:  # another office's designation: 404 before the form is read
        name = warehouses.get_warehouse(db, current_actor(), warehouse_id).enterprise.name
    form = WithdrawalForm(prefix=f"withdraw-{warehouse_id}")
    return decide(
        form,
        act=lambda db: warehouses.withdraw_designation(db, current_actor(), warehouse_id),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the withdrawal of the designation"),
            action=url_for("office_warehouses.withdraw", warehouse_id=warehouse_id),
            facts=[(_("Warehouse enterprise"), name)],
            consequence=_(
                "New entries can no longer be stored there; goods already stored keep their link. "
                "The designation stays on record, withdrawn."
            ),
            back=url_for("office_warehouses.desk"),
        ),
        again=lambda error, status: _page(error, status),
        done=url_for("office_warehouses.desk"),
        message=_("The designation is withdrawn."),
    )


def _enterprise_name(enterprise_id: int | None) -> str:
    """The name of a warehouse enterprise in the office's remit, for the confirmation ("—" if none)."""
    with runtime().transaction() as db:
        found = [e for e in registry.list_enterprises(db, current_actor()) if e.id == enterprise_id]
        return found[0].name if found else "—"


def _page(error: str | None, status: int, *, form: DesignationForm | None = None) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        designations = warehouses.list_warehouses(db, actor)
        active = {w.enterprise_id for w in designations if w.active}
        candidates = [
            e
            for e in registry.list_enterprises(db, actor)
            if e.kind is EnterpriseKind.WAREHOUSE and e.id not in active
        ]
        page = render_template(
            "office/warehouses.html",
            designations=designations,
            candidates=candidates,
            form=form or DesignationForm(prefix="designate", formdata=None),
            error=error,
        )
    return with_status(page, status)
