"""The office's bonded-zone desk: quarantine of entries, review of reports, release, disposal, exits.

* ``/regulator/zone/entries/<id>``: an entry declaration, its lines and batches, its quarantine and its
  supervised warehouse. Quarantine is recorded per **scope** (goods, container, wood packaging; SZ Art.
  14): the page shows every scope with its result, lets the officer name the scopes the entry needs
  (then each gets one result, quarantine passes when all are in and any failure fails it at once) and
  records one scope's result at a time, offering only the scopes still open. An entry whose scopes were
  never named keeps the old rule: its first result concludes it. The officer may also name or change
  the supervised warehouse its goods are stored in (its batches follow), like the merchant.
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
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange

from suyuan.trace import batches, recalls, risk_warnings, supervision_lists
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.model import (
    EntryDeclaration,
    QuarantineOutcome,
    QuarantineScope,
    QuarantineStatus,
    Role,
    SupervisedWarehouse,
)
from suyuan.trace.zone import entry, exits, inspection, ledger, returns, warehouses
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


class ScopesForm(OfficeForm):
    """The quarantines an entry needs (SZ Art. 14): one box per scope, at least one ticked."""

    goods = BooleanField("goods")
    container = BooleanField("container")
    wood_packaging = BooleanField("wood_packaging")

    def scopes(self) -> list[str]:
        """The scopes ticked, in the order of :class:`QuarantineScope`."""
        return [s.value for s in QuarantineScope if getattr(self, s.value).data]


class StorageForm(OfficeForm):
    """The supervised warehouse an entry's goods are stored in, among the office's designations."""

    warehouse_id = IntegerField("warehouse_id", validators=[InputRequired(), NumberRange(min=1, max=MAX_INT)])


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
    """An entry declaration with its lines and batches, every quarantine scope with its result, the forms
    that name the scopes and record a result while quarantine is pending, and its supervised warehouse."""
    return _entry_page(declaration_id, None, 200)


@bp.post("/entries/<int:declaration_id>/quarantine")
@login_required(Role.REGULATOR)
def quarantine(declaration_id: int) -> Page | Response:
    """Record one scope's quarantine result (confirmed first: what it concludes is said on the way)."""
    with runtime().transaction() as db:
        declaration = entry.get_entry(db, current_actor(), declaration_id)
        reference, scoped = declaration.reference, bool(declaration.required_quarantine)
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
            consequence=(
                _(
                    "Quarantine passes once every required scope has its result; a failure fails it at "
                    "once and is final. A scope's result cannot be recorded twice."
                )
                if scoped
                else _("The first quarantine result concludes the entry's quarantine; a failure is final.")
            ),
            back=back,
        ),
        again=lambda error, status: _entry_page(declaration_id, error, status, quarantine_form=form),
        done=back,
        message=_("The quarantine result is recorded."),
    )


@bp.post("/entries/<int:declaration_id>/quarantine-scopes")
@login_required(Role.REGULATOR)
def quarantine_scopes(declaration_id: int) -> Page | Response:
    """Name the quarantines the entry needs (confirmed first: each then needs its own result)."""
    with runtime().transaction() as db:
        reference = entry.get_entry(db, current_actor(), declaration_id).reference
    form = ScopesForm(prefix="scopes")
    if form.validate_on_submit() and not form.scopes():
        return _entry_page(declaration_id, _("Tick at least one scope to inspect."), 400, scopes_form=form)
    back = url_for("office_zone.entry_page", declaration_id=declaration_id)
    return decide(
        form,
        act=lambda db: inspection.require_quarantine_scopes(
            db, current_actor(), declaration_id, form.scopes()
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the quarantine scopes"),
            action=url_for("office_zone.quarantine_scopes", declaration_id=declaration_id),
            facts=[
                (_("Entry declaration"), reference),
                (
                    _("Scopes to inspect"),
                    "、".join(office_labels.word(QuarantineScope(s)) for s in form.scopes()),
                ),
            ],
            consequence=_(
                "Each scope named then needs its own result: quarantine passes when all are in, and a "
                "failure of any fails it at once."
            ),
            back=back,
        ),
        again=lambda error, status: _entry_page(declaration_id, error, status, scopes_form=form),
        done=back,
        message=_("The quarantine scopes are recorded."),
    )


@bp.post("/entries/<int:declaration_id>/warehouse")
@login_required(Role.REGULATOR)
def store_entry(declaration_id: int) -> Page | Response:
    """Name or change the supervised warehouse of the entry (confirmed first: its batches follow)."""
    actor = current_actor()
    with runtime().transaction() as db:
        reference = entry.get_entry(db, actor, declaration_id).reference  # another office's: 404 first
        names = {w.id: _warehouse_label(w) for w in warehouses.list_warehouses(db, actor) if w.active}
    form = StorageForm(prefix="storage")
    if form.validate_on_submit() and form.warehouse_id.data not in names:
        return _entry_page(
            declaration_id,
            _("Choose a supervised warehouse in force of your office."),
            400,
            storage_form=form,
        )
    back = url_for("office_zone.entry_page", declaration_id=declaration_id)
    return decide(
        form,
        act=lambda db: warehouses.store_entry(db, current_actor(), declaration_id, form.warehouse_id.data),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the supervised warehouse"),
            action=url_for("office_zone.store_entry", declaration_id=declaration_id),
            facts=[
                (_("Entry declaration"), reference),
                (_("Supervised warehouse"), names.get(form.warehouse_id.data, "—")),
            ],
            consequence=_(
                "Every batch of the entry is recorded as stored in this warehouse; the merchant sees it."
            ),
            back=back,
        ),
        again=lambda error, status: _entry_page(declaration_id, error, status, storage_form=form),
        done=back,
        message=_("The supervised warehouse is recorded for the entry and its batches."),
    )


def _warehouse_label(w: SupervisedWarehouse) -> str:
    return f"{w.enterprise.name} · {w.address}" if w.address else w.enterprise.name


def _open_scopes(d: EntryDeclaration) -> list[QuarantineScope]:
    """The scopes the result form offers: those still without a result (only the required ones once
    named); none once quarantine concluded."""
    if d.quarantine_status is not QuarantineStatus.PENDING:
        return []
    if d.required_quarantine:
        return [QuarantineScope(s) for s in inspection.missing_quarantine(d)]
    recorded = {r.scope for r in d.quarantine_results}
    return [s for s in QuarantineScope if s not in recorded]


def _entry_page(
    declaration_id: int,
    error: str | None,
    status: int,
    *,
    quarantine_form: QuarantineForm | None = None,
    scopes_form: ScopesForm | None = None,
    storage_form: StorageForm | None = None,
) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        declaration = entry.get_entry(db, actor, declaration_id)
        designations = warehouses.list_warehouses(db, actor)
        if scopes_form is None:
            scopes_form = ScopesForm(prefix="scopes", formdata=None)
            for scope in declaration.required_quarantine or []:
                getattr(scopes_form, scope).data = True
        page = render_template(
            "office/entry.html",
            d=declaration,
            form=quarantine_form or QuarantineForm(prefix="quarantine", formdata=None),
            scopes_form=scopes_form,
            storage_form=storage_form or StorageForm(prefix="storage", formdata=None),
            scope_rows=[(x.scope, x.required, x.result) for x in inspection.scope_results(declaration)],
            open_scopes=_open_scopes(declaration),
            warehouses=[w for w in designations if w.active],
            stored_in=next((w for w in designations if w.id == declaration.warehouse_id), None),
            error=error,
        )
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
