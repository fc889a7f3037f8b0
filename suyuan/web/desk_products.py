"""The merchant's product filings: file a product with its documents, follow the office's decision,
add documents while it is undecided, and register batches once it is admitted.

Pages: ``/merchant/products`` (list), ``/merchant/products/new`` (the filing form),
``/merchant/products/<id>`` (decision, disclosure, documents and the two follow-up forms). Rules live in
:mod:`suyuan.trace.registry` and :mod:`suyuan.trace.batches`.
"""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from suyuan.trace import batches, filing_attributes, registry
from suyuan.trace.batches import MAX_BATCH_QUANTITY
from suyuan.trace.model import (
    ADMITTED,
    AdmissionStatus,
    DocumentKind,
    GoodsCondition,
    ProductCategory,
    Role,
    TradeMode,
)
from suyuan.trace.registry import DocumentFiling, ProductFiling
from suyuan.web import runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.desk import Page, Refused, attempt, bp, form_problem

DOCUMENT_ROWS = 4  # empty rows on the filing form; more documents can be added until the decision
MAX_DOCUMENTS = 20
ATTRIBUTE_ROWS = 3  # "other information the office requires" (R10): empty rows on the filing form


class DocumentForm(Form):  # type: ignore[misc]
    """One certificate or report: kind, number, issuer, issue date, valid until (a row without a kind
    is an unused row)."""

    kind = SelectField("kind", choices=["", *(k.value for k in DocumentKind)], validate_choice=False)
    number = StringField("number", validators=[Length(max=100)])
    issuer = StringField("issuer", validators=[Length(max=200)])
    issued_on = DateField("issued_on", validators=[Optional()])
    valid_until = DateField("valid_until", validators=[Optional()])


class AttributeForm(Form):  # type: ignore[misc]
    """One item of "other information the office requires" (SZ Art. 9(5)): a name and its value (a row
    with neither is unused). Their bounds are the domain's (:mod:`suyuan.trace.filing_attributes`), so a
    refusal names the rule for both at once."""

    name = StringField("name")
    value = StringField("value")


class ProductForm(FlaskForm):  # type: ignore[misc]
    """Everything a product filing carries (SZ Art. 9), its trade mode (R2), procurement source and other
    information the office requires (R10), and its documents."""

    gtin = StringField("gtin", validators=[DataRequired(), Length(max=14)])
    name = StringField("name", validators=[DataRequired(), Length(max=200)])
    name_en = StringField("name_en", validators=[Length(max=200)])
    brand = StringField("brand", validators=[Length(max=100)])
    spec_model = StringField("spec_model", validators=[Length(max=100)])
    hs_code = StringField("hs_code", validators=[DataRequired(), Length(max=13)])
    category = SelectField("category", choices=[c.value for c in ProductCategory])
    condition = SelectField("condition", choices=[c.value for c in GoodsCondition])
    manufacturer = StringField("manufacturer", validators=[DataRequired(), Length(max=200)])
    origin_country = StringField("origin_country", validators=[DataRequired(), Length(max=3)])
    supplier_name = StringField("supplier_name", validators=[DataRequired(), Length(max=200)])
    supplier_country = StringField("supplier_country", validators=[DataRequired(), Length(max=3)])
    main_ingredients = TextAreaField("main_ingredients", validators=[Length(max=4000)])
    performance_indicators = TextAreaField("performance_indicators", validators=[Length(max=4000)])
    standards = TextAreaField("standards", validators=[Length(max=4000)])
    in_ccc_catalogue = BooleanField("in_ccc_catalogue")
    in_food_registration_catalogue = BooleanField("in_food_registration_catalogue")
    trade_mode = SelectField(
        "trade_mode", choices=[m.value for m in TradeMode], default=TradeMode.BONDED.value
    )
    procurement_source = StringField(
        "procurement_source", validators=[Length(max=filing_attributes.MAX_SOURCE)]
    )
    attributes = FieldList(
        FormField(AttributeForm), min_entries=ATTRIBUTE_ROWS, max_entries=filing_attributes.MAX_ATTRIBUTES
    )
    documents = FieldList(FormField(DocumentForm), min_entries=DOCUMENT_ROWS, max_entries=MAX_DOCUMENTS)


class AddDocumentForm(FlaskForm):  # type: ignore[misc]
    """One more document for an undecided filing."""

    document = FormField(DocumentForm)


class BatchForm(FlaskForm):  # type: ignore[misc]
    """A lot of an admitted product: lot, quantity, production and expiry dates."""

    lot = StringField("lot", validators=[DataRequired(), Length(max=20)])
    quantity = IntegerField(
        "quantity", validators=[InputRequired(), NumberRange(min=1, max=MAX_BATCH_QUANTITY)]
    )
    production_date = DateField("production_date", validators=[Optional()])
    expiry_date = DateField("expiry_date", validators=[Optional()])


@bp.get("/products")
@login_required(Role.MERCHANT)
def products() -> str:
    """The merchant's product filings with their admission status, newest decisions visible at once."""
    with runtime().transaction() as db:
        return render_template("merchant/products.html", products=registry.list_products(db, current_actor()))


@bp.route("/products/new", methods=["GET", "POST"])
@login_required(Role.MERCHANT)
def new_product() -> Page | Response:
    """The filing form; a filed product goes to its page (a negative-list match is filed as refused)."""
    form = ProductForm()
    if not form.is_submitted():
        return _product_form(form, None, 200)
    if not form.validate():
        return _product_form(form, form_problem(form), 400)
    actor = current_actor()
    enterprise_id = actor.enterprise_id or 0  # a merchant account always has one (accounts.create_user)
    try:
        filing = _filing(form)
        product_id = attempt(
            lambda db: registry.file_product(db, actor, enterprise_id, filing).id,
            str(_("The product could not be filed.")),
        )
    except Refused as refused:
        return _product_form(form, refused.message, refused.status)
    flash(_("The product is filed; the office decides on its admission."))
    return redirect(url_for("desk.product", product_id=product_id), code=303)


def _product_form(form: ProductForm, error: str | None, status: int) -> Page:
    page = render_template("merchant/product_form.html", form=form, error=error)
    return (page, status) if status != 200 else page


def _filing(form: ProductForm) -> ProductFiling:
    documents = _documents(form.documents.entries)
    return ProductFiling(
        gtin=form.gtin.data or "",
        name=form.name.data or "",
        name_en=form.name_en.data or "",
        brand=form.brand.data or "",
        spec_model=form.spec_model.data or "",
        hs_code=form.hs_code.data or "",
        category=form.category.data,
        condition=form.condition.data,
        manufacturer=form.manufacturer.data or "",
        origin_country=form.origin_country.data or "",
        supplier_name=form.supplier_name.data or "",
        supplier_country=form.supplier_country.data or "",
        main_ingredients=form.main_ingredients.data or "",
        performance_indicators=form.performance_indicators.data or "",
        standards=form.standards.data or "",
        in_ccc_catalogue=bool(form.in_ccc_catalogue.data),
        in_food_registration_catalogue=bool(form.in_food_registration_catalogue.data),
        documents=tuple(documents),
        attributes=_attributes(form.attributes.entries),
        procurement_source=form.procurement_source.data or "",
        trade_mode=form.trade_mode.data,
    )


def _attributes(rows: list[FormField]) -> dict[str, str]:
    """The filled rows as name → value, in their order; a value without a name, or a name twice, is
    refused rather than dropped (the domain checks each name and value)."""
    found: dict[str, str] = {}
    for row in rows:
        name, value = (row.form.name.data or "").strip(), row.form.value.data or ""
        if not name and not value.strip():
            continue
        if not name or name in found:
            raise Refused(str(_("Give each item of other information its own name.")), 400)
        found[name] = value
    return found


def _documents(rows: list[FormField]) -> list[DocumentFiling]:
    """The filled rows as document filings; a row with details but no kind is refused, not dropped."""
    out = []
    for row in rows:
        doc = row.form
        if not doc.kind.data:
            if doc.number.data or doc.issuer.data or doc.issued_on.data or doc.valid_until.data:
                raise Refused(str(_("Choose the kind of each document you list.")), 400)
            continue
        out.append(_document(doc))
    return out


def _document(doc: DocumentForm) -> DocumentFiling:
    return DocumentFiling(
        kind=doc.kind.data,
        number=doc.number.data or "",
        issuer=doc.issuer.data or "",
        issued_on=doc.issued_on.data,
        valid_until=doc.valid_until.data,
    )


@bp.get("/products/<int:product_id>")
@login_required(Role.MERCHANT)
def product(product_id: int) -> Page:
    """One filing: the office's decision (status, risk class, reason, the consumer disclosure it set),
    the documents, and what can be done next (add a document, register a batch)."""
    return _product_page(product_id, None, 200)


def _product_page(
    product_id: int,
    error: str | None,
    status: int,
    document_form: AddDocumentForm | None = None,
    batch_form: BatchForm | None = None,
) -> Page:
    with runtime().transaction() as db:
        actor = current_actor()
        item = registry.get_product(db, actor, product_id)
        page = render_template(
            "merchant/product.html",
            product=item,
            batches=[b for b in batches.list_batches(db, actor) if b.product_id == item.id],
            undecided=item.admission_status is AdmissionStatus.FILED,
            admitted=item.admission_status in ADMITTED,
            document_form=document_form or AddDocumentForm(formdata=None),
            batch_form=batch_form or BatchForm(formdata=None),
            error=error,
            today=date.today(),
        )
    return (page, status) if status != 200 else page


@bp.post("/products/<int:product_id>/documents")
@login_required(Role.MERCHANT)
def add_document(product_id: int) -> Page | Response:
    """Attach a document to a filing the office has not decided yet."""
    _visible_product(product_id)
    form = AddDocumentForm()
    if not form.validate():
        return _product_page(product_id, form_problem(form), 400, document_form=form)
    actor = current_actor()
    try:
        if not form.document.form.kind.data:
            raise Refused(str(_("Choose the kind of each document you list.")), 400)
        doc = _document(form.document.form)
        attempt(
            lambda db: registry.add_document(db, actor, product_id, doc),
            str(_("Documents can only be added before the office decides.")),
        )
    except Refused as refused:
        return _product_page(product_id, refused.message, refused.status, document_form=form)
    flash(_("The document is added to the filing."))
    return redirect(url_for("desk.product", product_id=product_id), code=303)


@bp.post("/products/<int:product_id>/batches")
@login_required(Role.MERCHANT)
def register_batch(product_id: int) -> Page | Response:
    """Register a lot of an admitted product; the batch's page is where its codes are issued."""
    _visible_product(product_id)
    form = BatchForm()
    if not form.validate():
        return _product_page(product_id, form_problem(form), 400, batch_form=form)
    actor = current_actor()
    try:
        batch_id = attempt(
            lambda db: (
                batches.register_batch(
                    db,
                    actor,
                    product_id,
                    lot=form.lot.data or "",
                    quantity=int(form.quantity.data),
                    production_date=form.production_date.data,
                    expiry_date=form.expiry_date.data,
                ).id
            ),
            str(_("Only admitted products get batches.")),
        )
    except Refused as refused:
        return _product_page(product_id, refused.message, refused.status, batch_form=form)
    flash(_("The batch is registered. Issue its codes here."))
    return redirect(url_for("desk.batch", batch_id=batch_id), code=303)


def _visible_product(product_id: int) -> None:
    """404 for another enterprise's product, before its form is read."""
    with runtime().transaction() as db:
        registry.get_product(db, current_actor(), product_id)
