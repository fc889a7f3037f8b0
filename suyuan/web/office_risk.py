"""The officer's risk-information desk (R48, R49, R59): intake, assessment and the measures that follow.

* ``/regulator/risk``: the office's risk information, newest first, filtered by status and source;
* ``/regulator/risk/new``: record a foreign notification or an incident (enterprises file their own
  self-reports on the merchant's desk, :mod:`suyuan.web.desk_risk`);
* ``/regulator/risk/<id>``: one record, its risk assessment records and the form for a new one, and, once
  assessed, the three measures it may lead to: a risk warning (which may tighten control of the goods),
  a spot check, a recall or stop-sale. Each measure is confirmed first
  (:func:`suyuan.web.office_desk.decide`) and then listed on this page with a link to its own page,
  so the chain from the information to what the office did reads on one page.

The rules are :mod:`suyuan.trace.risk_intake`'s; the page only collects and shows. A record of another
office answers 404, like an unknown id, before any form is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from suyuan.trace import batches, recalls, registry, risk_intake, risk_warnings
from suyuan.trace.bounds import MAX_INT
from suyuan.trace.errors import InvalidInput, NotFound
from suyuan.trace.model import (
    DisposalKind,
    Recall,
    RecallKind,
    RiskDisposal,
    RiskInformation,
    RiskInfoStatus,
    RiskLevel,
    RiskSource,
    RiskWarning,
    Role,
    SpotCheck,
    WarningLevel,
)
from suyuan.trace.risk_intake import RiskReport
from suyuan.trace.risk_warnings import WarningFiling
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.office_desk import OfficeForm, Page, attempt, confirm_page, decide, form_problem, with_status

bp = Blueprint("office_risk", __name__, url_prefix="/regulator/risk")
office_labels.install(bp)
OFFICE_SOURCES = (RiskSource.FOREIGN_NOTIFICATION, RiskSource.INCIDENT)  # self-reports come from enterprises
BATCH = [Optional(), NumberRange(min=1, max=MAX_INT)]
NOT_IN_REMIT = _l("No such record within your office's remit.")


class InformationForm(OfficeForm):
    """A foreign notification or an incident: what, where from, and the goods it concerns (optional)."""

    source = SelectField("source", choices=[s.value for s in OFFICE_SOURCES])
    title = StringField("title", validators=[InputRequired(), Length(min=1, max=risk_intake.MAX_TITLE)])
    description = TextAreaField(
        "description", validators=[InputRequired(), Length(min=1, max=risk_intake.MAX_DESCRIPTION)]
    )
    reference = StringField("reference", validators=[Length(max=200)])
    hs_prefix = StringField("hs_prefix", validators=[Length(max=13)])
    product_id = SelectField("product_id", coerce=str, validate_choice=False)
    batch_id = IntegerField("batch_id", validators=BATCH)


class AssessmentForm(OfficeForm):
    """A risk assessment record: the level and why (a reassessment replaces the one in force)."""

    level = SelectField("level", choices=[lvl.value for lvl in RiskLevel])
    rationale = TextAreaField(
        "rationale", validators=[InputRequired(), Length(min=1, max=risk_intake.MAX_DESCRIPTION)]
    )


class WarningMeasureForm(OfficeForm):
    """A risk warning from this information, optionally tightening control of its goods (SZ Art. 32)."""

    level = SelectField("level", choices=[lvl.value for lvl in WarningLevel])
    title = StringField("title", validators=[InputRequired(), Length(min=1, max=risk_warnings.MAX_TITLE)])
    body = TextAreaField("body", validators=[InputRequired(), Length(min=1, max=risk_warnings.MAX_BODY)])
    title_en = StringField("title_en", validators=[Length(max=risk_warnings.MAX_TITLE)])
    body_en = TextAreaField("body_en", validators=[Length(max=risk_warnings.MAX_BODY)])
    hs_prefix = StringField("hs_prefix", validators=[Length(max=13)])
    sampling_factor = IntegerField(
        "sampling_factor", default=1, validators=[InputRequired(), NumberRange(1, 10)]
    )
    require_inspection = BooleanField("require_inspection")
    hold_exits = BooleanField("hold_exits")


class CheckMeasureForm(OfficeForm):
    """A spot check of a batch (default: the information's) because of this information."""

    batch_id = IntegerField("batch_id", validators=BATCH)
    note = TextAreaField("note", validators=[Length(max=2000)])


class RecallMeasureForm(OfficeForm):
    """A recall or stop-sale of a batch (default: the information's), with the public reason."""

    batch_id = IntegerField("batch_id", validators=BATCH)
    kind = SelectField("kind", choices=[RecallKind.STOP_SALE.value, RecallKind.RECALL.value])
    reason = TextAreaField("reason", validators=[InputRequired(), Length(min=1, max=recalls.MAX_REASON)])
    instructions = TextAreaField("instructions", validators=[Length(max=recalls.MAX_INSTRUCTIONS)])


@dataclass(frozen=True)
class Measure:
    """One measure the information led to, as the page shows it: what, its state, where it lives."""

    kind: DisposalKind
    created_at: datetime
    created_by: str
    summary: str
    state: str
    link: str


# --- the list and the intake -------------------------------------------------------------------------


@bp.get("")
@login_required(Role.REGULATOR)
def desk() -> Page:
    """The office's risk information, newest first; ``status`` and ``source`` narrow the list."""
    status = _filter(RiskInfoStatus, request.args.get("status", ""))
    source = _filter(RiskSource, request.args.get("source", ""))
    if status is False or source is False:
        return _list_page(None, None, _("Unknown filter value."), 400)
    return _list_page(status or None, source or None, None, 200)


def _filter(kind: type[RiskInfoStatus] | type[RiskSource], value: str) -> object:
    """The enum member of a filter, ``None`` for no filter, ``False`` for a value that is not one."""
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        return False


def _list_page(status: object, source: object, error: str | None, code: int) -> Page:
    with runtime().transaction() as db:
        rows = risk_intake.list_information(
            db,
            current_actor(),
            status=status if isinstance(status, RiskInfoStatus) else None,
            source=source if isinstance(source, RiskSource) else None,
        )
        page = render_template(
            "office/risk_list.html",
            rows=rows,
            latest=risk_intake.latest_assessment,
            statuses=list(RiskInfoStatus),
            sources=list(RiskSource),
            status=status,
            source=source,
            error=error,
        )
    return with_status(page, code)


@bp.route("/new", methods=["GET", "POST"])
@login_required(Role.REGULATOR)
def record() -> Page | Response:
    """Record a foreign notification or an incident; the record's page is where it is assessed."""
    form = InformationForm(prefix="info")
    if not form.is_submitted():
        return _record_page(form, None, 200)
    if not form.validate():
        return _record_page(form, form_problem(form), 400)
    made: list[int] = []

    def act(db: Session) -> None:
        report = RiskReport(
            source=form.source.data,
            title=form.title.data or "",
            description=form.description.data or "",
            hs_prefix=form.hs_prefix.data or "",
            product_id=chosen_id(form.product_id.data, "product_id"),
            batch_id=form.batch_id.data,
            reference=form.reference.data or "",
        )
        made.append(risk_intake.record_information(db, current_actor(), report).id)

    error, status = attempt(act)
    if error is not None:
        return _record_page(form, error, status)
    flash(_("The risk information is recorded. Assess it to act on it."))
    return redirect(url_for("office_risk.information", information_id=made[0]), code=303)


def chosen_id(value: str | None, field: str) -> int | None:
    """The id a select box sent: none for the blank option; anything but a possible id is refused like
    an unknown one (the domain refuses those, naming the field)."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) <= MAX_INT):
        raise InvalidInput(f"{field} {value!r} does not exist", field=field)
    return int(value)


def _record_page(form: InformationForm, error: str | None, status: int) -> Page:
    with runtime().transaction() as db:
        page = render_template(
            "office/risk_new.html",
            form=form,
            sources=OFFICE_SOURCES,
            products=registry.list_products(db, current_actor()),
            error=error,
        )
    return with_status(page, status)


# --- one record: assessment and measures ---------------------------------------------------------------


@bp.get("/<int:information_id>")
@login_required(Role.REGULATOR)
def information(information_id: int) -> Page:
    """One piece of risk information: its goods, assessments, measures, and the forms that follow."""
    return _information_page(information_id, None, 200)


@bp.post("/<int:information_id>/assessment")
@login_required(Role.REGULATOR)
def assess(information_id: int) -> Page | Response:
    """Record a risk assessment (level and rationale); the information becomes ``assessed``."""
    _title_of(information_id)  # another office's record: 404 before the form is read
    form = AssessmentForm(prefix="assess")
    if not form.validate_on_submit():
        return _information_page(information_id, form_problem(form), 400, assess=form)
    error, status = attempt(
        lambda db: risk_intake.assess(
            db, current_actor(), information_id, level=form.level.data, rationale=form.rationale.data or ""
        )
    )
    if error is not None:
        return _information_page(information_id, error, status, assess=form)
    flash(_("The risk assessment is recorded."))
    return redirect(url_for("office_risk.information", information_id=information_id), code=303)


@bp.post("/<int:information_id>/warning")
@login_required(Role.REGULATOR)
def warning(information_id: int) -> Page | Response:
    """Publish a risk warning from the assessed information (confirmed first)."""
    title = _title_of(information_id)
    form = WarningMeasureForm(prefix="warning")
    back = url_for("office_risk.information", information_id=information_id)

    def act(db: Session) -> RiskWarning:
        filing = WarningFiling(
            level=form.level.data,
            title=form.title.data or "",
            body=form.body.data or "",
            title_en=form.title_en.data or "",
            body_en=form.body_en.data or "",
            hs_prefix=form.hs_prefix.data or "",
            sampling_factor=int(form.sampling_factor.data or 1),
            require_inspection=bool(form.require_inspection.data),
            hold_exits=bool(form.hold_exits.data),
        )
        return risk_intake.warn(db, current_actor(), information_id, filing)

    return _measure(
        information_id,
        form,
        act=act,
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the risk warning"),
            action=url_for("office_risk.warning", information_id=information_id),
            facts=[(_("Risk information"), title), *_warning_facts(form)],
            consequence=_(
                "The warning goes to every office and merchant and to the public notice board at once; "
                "tightened control applies to the goods it covers until it is withdrawn."
            ),
            back=back,
        ),
        message=_("The risk warning is published and linked to this information."),
    )


@bp.post("/<int:information_id>/spot-check")
@login_required(Role.REGULATOR)
def spot_check(information_id: int) -> Page | Response:
    """Plan a spot check of a batch because of the assessed information (confirmed first)."""
    title = _title_of(information_id)
    form = CheckMeasureForm(prefix="check")
    batch = _target_batch(information_id, form.batch_id.data)
    return _measure(
        information_id,
        form,
        act=lambda db: risk_intake.spot_check(
            db, current_actor(), information_id, form.batch_id.data, form.note.data or ""
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the spot check"),
            action=url_for("office_risk.spot_check", information_id=information_id),
            facts=[
                (_("Risk information"), title),
                (_("Batch"), batch or "—"),
                (_("Note"), form.note.data or "—"),
            ],
            consequence=_(
                "A planned spot check cannot be withdrawn; the merchant learns of it only when decided."
            ),
            back=url_for("office_risk.information", information_id=information_id),
        ),
        message=_("The spot check is planned and linked to this information."),
        batch=batch,
    )


@bp.post("/<int:information_id>/recall")
@login_required(Role.REGULATOR)
def recall(information_id: int) -> Page | Response:
    """Order a recall or stop-sale of a batch because of the assessed information (confirmed first)."""
    title = _title_of(information_id)
    form = RecallMeasureForm(prefix="recall")
    batch = _target_batch(information_id, form.batch_id.data)
    measure = _("Recall") if form.kind.data == RecallKind.RECALL else _("Stop-sale")
    return _measure(
        information_id,
        form,
        act=lambda db: risk_intake.recall(
            db,
            current_actor(),
            information_id,
            form.batch_id.data,
            kind=form.kind.data,
            reason=form.reason.data or "",
            instructions=form.instructions.data or "",
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the recall or stop-sale"),
            action=url_for("office_risk.recall", information_id=information_id),
            facts=[
                (_("Risk information"), title),
                (_("Batch"), batch or "—"),
                (_("Measure"), measure),
                (_("Reason shown to consumers"), form.reason.data or ""),
                (_("Instructions to consumers (Chinese)"), form.instructions.data or "—"),
            ],
            consequence=_(
                "Once confirmed, every code of this batch scans as recalled at once, with your reason and "
                "instructions on the consumer page. This cannot be undone; a stop-sale can only be lifted "
                "later."
            ),
            back=url_for("office_risk.information", information_id=information_id),
        ),
        message=_("The measure is in force and linked to this information."),
        batch=batch,
    )


def _measure(
    information_id: int,
    form: OfficeForm,
    *,
    act: object,
    confirm: object,
    message: str,
    batch: str | None = "",
) -> Page | Response:
    """The two-step decision of a measure; a batch outside the remit or none at all is said on the page."""
    forms = {type(form).__name__: form}
    if form.validate_on_submit() and batch is None:
        named = getattr(form, "batch_id", None)
        if named is not None and named.data:
            return _information_page(information_id, str(NOT_IN_REMIT), 404, **forms)
        return _information_page(
            information_id, _("Name the batch: this information names none."), 400, **forms
        )
    return decide(
        form,
        act=act,  # type: ignore[arg-type]
        confirm=confirm,  # type: ignore[arg-type]
        again=lambda error, status: _information_page(information_id, error, status, **forms),
        done=url_for("office_risk.information", information_id=information_id),
        message=message,
    )


def _title_of(information_id: int) -> str:
    """The information's title; another office's record (or none) is a 404 before any form is read."""
    with runtime().transaction() as db:
        return risk_intake.get_information(db, current_actor(), information_id).title


def _target_batch(information_id: int, batch_id: int | None) -> str | None:
    """ "Product · lot" of the batch a measure acts on (the one typed, else the information's); ``None``
    when there is none or it lies outside the office's remit."""
    with runtime().transaction() as db:
        info = risk_intake.get_information(db, current_actor(), information_id)
        target = batch_id or info.batch_id
        if target is None or not 0 < target <= MAX_INT:  # out of range: the form refuses it (400)
            return None
        try:
            found = batches.get_batch(db, current_actor(), target)
        except NotFound:
            return None
        return f"{found.product.name} · {found.lot}"


def _warning_facts(form: WarningMeasureForm) -> list[tuple[str, str]]:
    level = WarningLevel(form.level.data) if form.level.data in set(WarningLevel) else None
    factor = form.sampling_factor.data or 1
    tightening = [
        str(_("Sampling rate × %(n)s", n=factor)) if factor > 1 else "",
        str(_("Inspection before release")) if form.require_inspection.data else "",
        str(_("Exits held for the office's release")) if form.hold_exits.data else "",
    ]
    return [
        (_("Level"), office_labels.word(level)),
        (_("Title"), form.title.data or ""),
        (_("Text"), form.body.data or ""),
        (_("HS code prefix"), form.hs_prefix.data or _("the goods of the information")),
        (_("Tightened control"), "、".join(t for t in tightening if t) or _("none")),
    ]


def _information_page(
    information_id: int,
    error: str | None,
    status: int,
    **forms: OfficeForm,
) -> Page:
    actor = current_actor()
    with runtime().transaction() as db:
        info = risk_intake.get_information(db, actor, information_id)
        page = render_template(
            "office/risk.html",
            info=info,
            assessment=risk_intake.latest_assessment(info),
            measures=[_measure_row(db, d) for d in risk_intake.measures_of(info)],
            product=registry.get_product(db, actor, info.product_id) if info.product_id else None,
            batch=batches.get_batch(db, actor, info.batch_id) if info.batch_id else None,
            assess_form=forms.get("AssessmentForm") or AssessmentForm(prefix="assess", formdata=None),
            warning_form=forms.get("WarningMeasureForm") or _warning_form(info),
            check_form=forms.get("CheckMeasureForm") or CheckMeasureForm(prefix="check", formdata=None),
            recall_form=forms.get("RecallMeasureForm") or RecallMeasureForm(prefix="recall", formdata=None),
            assessed=info.status is RiskInfoStatus.ASSESSED,
            levels=list(RiskLevel),
            warning_levels=list(WarningLevel),
            error=error,
        )
    return with_status(page, status)


def _warning_form(info: RiskInformation) -> WarningMeasureForm:
    form = WarningMeasureForm(prefix="warning", formdata=None)
    form.title.data = info.title
    return form


def _measure_row(db: Session, disposal: RiskDisposal) -> Measure:
    """A measure with its target's summary, state and page (the other half of the chain)."""
    summary, state, link = "", "", ""
    if disposal.kind is DisposalKind.WARNING:
        warned = db.get(RiskWarning, disposal.target_id)
        if warned is not None:
            summary = f"{office_labels.word(warned.level)} · {warned.title}"
            state = str(_("Withdrawn") if warned.withdrawn_at else _("In force"))
        link = url_for("recall_pages.warnings")
    elif disposal.kind is DisposalKind.SPOT_CHECK:
        check = db.get(SpotCheck, disposal.target_id)
        if check is not None:
            summary = f"{check.batch.product.name} · {check.batch.lot}"
            state = office_labels.word(check.status)
        link = url_for("office_checks.check", spot_check_id=disposal.target_id)
    else:
        opened = db.get(Recall, disposal.target_id)
        if opened is not None:
            summary = f"{office_labels.word(opened.kind)} · {opened.batch.product.name} · {opened.batch.lot}"
            state = office_labels.word(opened.status)
        link = url_for("recall_pages.regulator_recall", recall_id=disposal.target_id)
    return Measure(disposal.kind, disposal.created_at, disposal.created_by, summary, state, link)
