"""Entry declarations at the merchant's desk: declare a consignment entering the bonded zone, then follow
each line's result (a new batch, or the refusal's reason) and the quarantine.

The form offers the merchant's products that may trade (:attr:`~suyuan.trace.model.Product.may_trade`:
admitted, neither the admission nor the enterprise's filing suspended or revoked) by name, so GTINs are
never typed; a product not offered that is posted anyway is refused with the reason and nothing is
written (the domain would record it as a refused line, ``sanctioned`` or ``not_admitted``). The declared
supplier defaults to the filing's when left blank (type it when the consignment's papers name another:
the domain then checks it). Products filed for direct mail (9610) are not offered: parcels cleared one by
one never enter the bonded zone, and the domain refuses such a line (``direct_mail``) if one is posted
anyway. B2B goods (general trade) do enter the zone and are offered, their trade mode named. Rules live
in :mod:`suyuan.trace.zone.entry`.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import DateField, FieldList, Form, FormField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from suyuan.trace import registry
from suyuan.trace.batches import MAX_BATCH_QUANTITY
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.model import ADMITTED, Product, Role, TradeMode
from suyuan.trace.zone import entry, inspection, warehouses
from suyuan.trace.zone.entry import EntryFiling, EntryLineFiling
from suyuan.web import runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.desk import Page, Refused, attempt, bp, form_problem

LINE_ROWS = 3  # rows on the form; a consignment of more lots is declared in parts or through the API


class EntryLineForm(Form):  # type: ignore[misc]
    """One declared lot (a row without product and lot is unused)."""

    product_id = SelectField("product_id", coerce=str, validate_choice=False)
    lot = StringField("lot", validators=[Length(max=20)])
    quantity = IntegerField("quantity", validators=[Optional(), NumberRange(min=1, max=MAX_BATCH_QUANTITY)])
    production_date = DateField("production_date", validators=[Optional()])
    expiry_date = DateField("expiry_date", validators=[Optional()])
    supplier_name = StringField("supplier_name", validators=[Length(max=200)])
    supplier_country = StringField("supplier_country", validators=[Length(max=3)])


class EntryForm(FlaskForm):  # type: ignore[misc]
    """A consignment: the merchant's reference, the transport document and its lots."""

    reference = StringField("reference", validators=[DataRequired(), Length(max=64)])
    transport_doc = StringField("transport_doc", validators=[Length(max=100)])
    lines = FieldList(FormField(EntryLineForm), min_entries=LINE_ROWS, max_entries=LINE_ROWS)


@bp.route("/entries/new", methods=["GET", "POST"])
@login_required(Role.MERCHANT)
def new_entry() -> Page | Response:
    """Declare an entry; the declaration's page then shows each line's batch or refusal."""
    form = EntryForm()
    if not form.is_submitted():
        return _entry_form(form, None, 200)
    if not form.validate():
        return _entry_form(form, form_problem(form), 400)
    actor = current_actor()
    enterprise_id = actor.enterprise_id or 0
    try:
        declaration_id = attempt(
            lambda db: entry.declare_entry(db, actor, enterprise_id, _filing(db, form)).id,
            str(_("The entry could not be declared.")),
        )
    except Refused as refused:
        return _entry_form(form, refused.message, refused.status)
    flash(_("The entry is declared."))
    return redirect(url_for("desk.entry_declaration", declaration_id=declaration_id), code=303)


def _entry_form(form: EntryForm, error: str | None, status: int) -> Page:
    with runtime().transaction() as db:
        trading = _trading(db)
        page = render_template(
            "merchant/entry_form.html",
            form=form,
            products=[p for p in trading if _enters_zone(p)],
            direct_mail=[p for p in trading if not _enters_zone(p)],
            error=error,
        )
    return (page, status) if status != 200 else page


def _trading(db: Session) -> list[Product]:
    """The merchant's products whose goods may be declared now (the domain's one predicate)."""
    return [p for p in registry.list_products(db, current_actor()) if p.may_trade]


def _enters_zone(product: Product) -> bool:
    """Whether the product's goods may be declared into the bonded zone: not those filed for direct mail."""
    return product.trade_mode is not TradeMode.DIRECT_MAIL


def _filing(db: Session, form: EntryForm) -> EntryFiling:
    """The declaration from the form: each used row's product (one of the merchant's own) gives the GTIN."""
    mine = {str(p.id): p for p in registry.list_products(db, current_actor())}
    lines = []
    for row in form.lines.entries:
        line = row.form
        if not line.product_id.data and not (line.lot.data or "").strip():
            continue
        product = mine.get(line.product_id.data or "")
        if product is None:
            raise Refused(str(_("Choose the product of each line.")), 400)
        if not product.may_trade:
            raise Refused(_not_trading(product), 409)
        if not (line.lot.data or "").strip() or not line.quantity.data:
            raise Refused(str(_("Each line needs its lot and quantity.")), 400)
        lines.append(
            EntryLineFiling(
                gtin=product.gtin,
                lot=(line.lot.data or "").strip(),
                quantity=int(line.quantity.data),
                supplier_name=(line.supplier_name.data or "").strip() or product.supplier.name,
                supplier_country=(line.supplier_country.data or "").strip() or product.supplier.country,
                production_date=line.production_date.data,
                expiry_date=line.expiry_date.data,
            )
        )
    if not lines:
        raise Refused(str(_("Declare at least one line.")), 400)
    return EntryFiling(
        reference=form.reference.data or "", transport_doc=form.transport_doc.data or "", lines=tuple(lines)
    )


def _not_trading(product: Product) -> str:
    """Why a product posted anyway may not be declared: not admitted, or suspended or revoked."""
    if product.admission_status not in ADMITTED:
        return str(_("%(name)s is not admitted: its goods cannot be declared.", name=product.name))
    return str(
        _(
            "%(name)s may not be declared: its admission or your enterprise's filing is suspended or "
            "revoked (SZ Art. 30).",
            name=product.name,
        )
    )


class StorageForm(FlaskForm):  # type: ignore[misc]
    """The supervised warehouse the consignment is stored in (R27), among the office's designations."""

    warehouse_id = SelectField("warehouse_id", coerce=str, validate_choice=False)


@bp.get("/entries/<int:declaration_id>")
@login_required(Role.MERCHANT)
def entry_declaration(declaration_id: int) -> Page:
    """One declaration: each line's batch or refusal, the quarantine status and each scope's result
    (goods, container, wood packaging, in words, Beijing time), and where its goods are stored (the
    supervised warehouse, chosen here)."""
    return _entry_page(declaration_id, None, 200)


@bp.post("/entries/<int:declaration_id>/warehouse")
@login_required(Role.MERCHANT)
def store_entry(declaration_id: int) -> Page | Response:
    """Name the supervised warehouse the entry's goods are stored in; its batches follow."""
    with runtime().transaction() as db:
        entry.get_entry(db, current_actor(), declaration_id)  # another enterprise's entry: 404 first
    form = StorageForm()
    if not form.validate():
        return _entry_page(declaration_id, form_problem(form), 400, form)
    chosen = form.warehouse_id.data or ""
    if not (chosen.isascii() and chosen.isdigit() and len(chosen) <= 10 and 0 < int(chosen) <= MAX_INT):
        return _entry_page(declaration_id, str(_("Choose a supervised warehouse.")), 400, form)
    actor = current_actor()
    try:
        attempt(
            lambda db: warehouses.store_entry(db, actor, declaration_id, int(chosen)),
            str(_("The warehouse could not be recorded.")),
        )
    except Refused as refused:
        return _entry_page(declaration_id, refused.message, refused.status, form)
    flash(_("The supervised warehouse is recorded for the entry and its batches."))
    return redirect(url_for("desk.entry_declaration", declaration_id=declaration_id), code=303)


def _entry_page(declaration_id: int, error: str | None, status: int, form: StorageForm | None = None) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        declaration = entry.get_entry(db, actor, declaration_id)
        designations = warehouses.list_warehouses(db, actor)
        page = render_template(
            "merchant/entry.html",
            declaration=declaration,
            scope_results=inspection.scope_results(declaration),
            warehouses=[w for w in designations if w.active],
            stored_in=next((w for w in designations if w.id == declaration.warehouse_id), None),
            storage_form=form or StorageForm(formdata=None),
            error=error,
        )
    return (page, status) if status != 200 else page
