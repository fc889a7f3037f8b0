"""Exit declarations at the merchant's desk: declare an order leaving the zone with its units' codes
scanned in, rectify one the exit check refused, and take sold units back (returns).

Codes go into a textarea, one code URL per line. A keyboard-wedge scanner types the URL and Enter, and
Enter in a textarea starts a new line instead of submitting the form, so scanning needs no script (the
Content-Security-Policy forbids inline ones); ``static/desk_scan.js`` only counts the lines as they
come. The exit check itself (quantities, authenticity, ledger, payment) is
:func:`suyuan.trace.zone.exits.declare_exit`: an order it refuses is stored for rectification, and its
page says what was found.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from suyuan.trace import batches
from suyuan.trace.model import BatchStatus, ExitStatus, Role, TradeMode
from suyuan.trace.zone import exits, ledger, returns
from suyuan.trace.zone.exits import MAX_CODES, Buyer, ExitFiling, ExitLineFiling
from suyuan.trace.zone.quotas import yuan
from suyuan.web import runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.desk import Page, Refused, attempt, bp, form_problem, lines_of, zone_rules
from suyuan.web.desk_words import TRADE_MODE

LINE_ROWS = 3  # products per order on the form; larger orders go through the API
CODES_TEXT = MAX_CODES * 400  # a code URL is ~200 characters; generous, and below the form-field limit


class ExitLineForm(Form):  # type: ignore[misc]
    """The units of one batch on the order (a row without batch and codes is unused)."""

    batch_id = SelectField("batch_id", coerce=str, validate_choice=False)
    quantity = IntegerField("quantity", validators=[Optional(), NumberRange(min=1, max=MAX_CODES)])
    unit_price = StringField("unit_price", validators=[Length(max=20)])
    codes = TextAreaField("codes", validators=[Length(max=CODES_TEXT)])


class ExitForm(FlaskForm):  # type: ignore[misc]
    """One consumer order: its three documents, the buyer and the units by code."""

    order_no = StringField("order_no", validators=[DataRequired(), Length(max=64)])
    platform = StringField("platform", validators=[Length(max=200)])
    payment_ref = StringField("payment_ref", validators=[DataRequired(), Length(max=64)])
    waybill_no = StringField("waybill_no", validators=[DataRequired(), Length(max=64)])
    payment_amount = StringField("payment_amount", validators=[DataRequired(), Length(max=20)])
    buyer_id_number = StringField("buyer_id_number", validators=[DataRequired(), Length(max=18)])
    buyer_name = StringField("buyer_name", validators=[DataRequired(), Length(max=100)])
    buyer_address = StringField("buyer_address", validators=[Length(max=300)])
    disclosure_accepted = BooleanField("disclosure_accepted")
    lines = FieldList(FormField(ExitLineForm), min_entries=LINE_ROWS, max_entries=LINE_ROWS)


class RecheckForm(FlaskForm):  # type: ignore[misc]
    """A rectification: the order's lines again (codes scanned again) and, if it changed, the payment."""

    payment_amount = StringField("payment_amount", validators=[Length(max=20)])
    lines = FieldList(FormField(ExitLineForm), min_entries=LINE_ROWS, max_entries=LINE_ROWS)


class ReturnForm(FlaskForm):  # type: ignore[misc]
    """Units of the order coming back, by code, and why."""

    codes = TextAreaField("codes", validators=[DataRequired(), Length(max=CODES_TEXT)])
    reason = TextAreaField("reason", validators=[DataRequired(), Length(max=2000)])


@bp.route("/exits/new", methods=["GET", "POST"])
@login_required(Role.MERCHANT)
def new_exit() -> Page | Response:
    """Declare an order's exit; its page shows the written-off units or the check's findings."""
    form = ExitForm()
    if not form.is_submitted():
        return _exit_form(form, None, 200)
    if not form.validate():
        return _exit_form(form, form_problem(form), 400)
    rt, actor = runtime(), current_actor()
    try:
        filing = _filing(form)
        declaration_id = attempt(
            lambda db: (
                exits.declare_exit(
                    db, actor, rt.ring, filing, secret=rt.settings.secret_key, rules=zone_rules()
                ).id
            ),
            str(_("The exit could not be declared.")),
        )
    except Refused as refused:
        return _exit_form(form, refused.message, refused.status)
    return redirect(url_for("desk.exit_declaration", declaration_id=declaration_id), code=303)


def _exit_form(form: ExitForm, error: str | None, status: int) -> Page:
    with runtime().transaction() as db:
        page = render_template(
            "merchant/exit_form.html", form=form, choices=_batch_choices(db), error=error, max_codes=MAX_CODES
        )
    return (page, status) if status != 200 else page


def _batch_choices(db: Session) -> list[tuple[int, str]]:
    """The batches an order can carry: bonded ones on the zone ledger, with the units they hold, and
    released direct-mail (9610) ones, which have no zone stock; each says its trade mode (R2). Only
    batches of products that may trade (:attr:`~suyuan.trace.model.Product.may_trade`): a suspended or
    revoked product or filing may not leave, and the exit check refuses it if posted anyway."""
    choices = []
    for b, held in ledger.ledgered_batches(db, current_actor()):
        if not b.product.may_trade:
            continue
        in_zone = _("%(n)s in the zone", n=held)
        choices.append((b.id, f"{b.product.name} · {b.lot} · {in_zone}"))
    for b in reversed(batches.list_batches(db, current_actor())):
        if b.trade_mode is TradeMode.DIRECT_MAIL and b.status is BatchStatus.RELEASED and b.product.may_trade:
            choices.append((b.id, f"{b.product.name} · {b.lot} · {TRADE_MODE[b.trade_mode]}"))
    return choices


def _filing(form: ExitForm) -> ExitFiling:
    return ExitFiling(
        order_no=form.order_no.data or "",
        payment_ref=form.payment_ref.data or "",
        waybill_no=form.waybill_no.data or "",
        payment_amount=(form.payment_amount.data or "").strip(),
        platform=form.platform.data or "",
        buyer=Buyer(
            id_number=(form.buyer_id_number.data or "").strip(),
            name=form.buyer_name.data or "",
            address=form.buyer_address.data or "",
        ),
        lines=_lines(form.lines.entries),
        disclosure_accepted=bool(form.disclosure_accepted.data),
    )


def _lines(rows: list[FormField]) -> tuple[ExitLineFiling, ...]:
    """The used rows as order lines; a row with codes but no batch, quantity or price is refused."""
    lines = []
    for row in rows:
        line = row.form
        codes = lines_of(line.codes.data)
        if not line.batch_id.data and not codes:
            continue
        if not (line.batch_id.data or "").isdigit():
            raise Refused(str(_("Choose the batch of each line.")), 400)
        if not line.quantity.data or not (line.unit_price.data or "").strip():
            raise Refused(str(_("Each line needs its quantity and unit price.")), 400)
        lines.append(
            ExitLineFiling(
                batch_id=int(line.batch_id.data),
                quantity=int(line.quantity.data),
                unit_price=(line.unit_price.data or "").strip(),
                codes=tuple(codes),
            )
        )
    if not lines:
        raise Refused(str(_("Scan the codes of at least one line.")), 400)
    return tuple(lines)


@bp.get("/exits/<int:declaration_id>")
@login_required(Role.MERCHANT)
def exit_declaration(declaration_id: int) -> Page:
    """One order: written off (with its units) or awaiting rectification (with the findings), its
    returns, and the form that fits its state."""
    return _exit_page(declaration_id, None, 200)


def _exit_page(
    declaration_id: int,
    error: str | None,
    status: int,
    recheck: RecheckForm | None = None,
    back: ReturnForm | None = None,
) -> Page:
    with runtime().transaction() as db:
        actor = current_actor()
        declaration = exits.get_exit(db, actor, declaration_id)
        if recheck is None:
            recheck = RecheckForm(formdata=None)
            for row, line in zip(recheck.lines.entries, declaration.lines, strict=False):
                row.form.batch_id.data = str(line.batch_id)
                row.form.quantity.data = line.quantity
                row.form.unit_price.data = yuan(line.unit_price_fen)
        page = render_template(
            "merchant/exit.html",
            declaration=declaration,
            returns=returns.returns_of(db, actor, declaration.id),
            written_off=declaration.status is ExitStatus.WRITTEN_OFF,
            recheck=recheck,
            back=back or ReturnForm(formdata=None),
            choices=_batch_choices(db),
            yuan=yuan,
            error=error,
            max_codes=MAX_CODES,
        )
    return (page, status) if status != 200 else page


@bp.post("/exits/<int:declaration_id>/recheck")
@login_required(Role.MERCHANT)
def recheck_exit(declaration_id: int) -> Page | Response:
    """Rectify an order the exit check refused: the lines again and, if needed, the payment."""
    _visible_exit(declaration_id)
    form = RecheckForm()
    if not form.validate():
        return _exit_page(declaration_id, form_problem(form), 400, recheck=form)
    rt, actor = runtime(), current_actor()
    payment = (form.payment_amount.data or "").strip() or None
    try:
        lines = _lines(form.lines.entries)
        attempt(
            lambda db: exits.recheck_exit(
                db, actor, rt.ring, declaration_id, lines, payment_amount=payment, rules=zone_rules()
            ),
            str(_("Only an order awaiting rectification can be checked again.")),
        )
    except Refused as refused:
        return _exit_page(declaration_id, refused.message, refused.status, recheck=form)
    return redirect(url_for("desk.exit_declaration", declaration_id=declaration_id), code=303)


@bp.post("/exits/<int:declaration_id>/returns")
@login_required(Role.MERCHANT)
def record_return(declaration_id: int) -> Page | Response:
    """Units of a written-off order come back into the zone, named by their codes."""
    _visible_exit(declaration_id)
    form = ReturnForm()
    if not form.validate():
        return _exit_page(declaration_id, form_problem(form), 400, back=form)
    actor, codes = current_actor(), lines_of(form.codes.data)
    try:
        back = attempt(
            lambda db: (
                returns.record_return(
                    db, actor, declaration_id, codes, form.reason.data or "", rules=zone_rules()
                ).quantity
            ),
            str(_("These units cannot be returned.")),
        )
    except Refused as refused:
        return _exit_page(declaration_id, refused.message, refused.status, back=form)
    flash(_("%(n)s units are back in the zone.", n=back))
    return redirect(url_for("desk.exit_declaration", declaration_id=declaration_id), code=303)


def _visible_exit(declaration_id: int) -> None:
    """404 for another enterprise's order, before its form is read."""
    with runtime().transaction() as db:
        exits.get_exit(db, current_actor(), declaration_id)
