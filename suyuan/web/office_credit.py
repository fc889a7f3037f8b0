"""The office's page of one enterprise: its filing, credit grade and the events behind it, its goods.

``/regulator/enterprises/<id>`` shows the grade (A-D) with the points and passed checks it rests on
(:func:`suyuan.trace.zone.credit.credit_profile`), every credit event, the enterprise's product
filings and batches; the form records an event against it (a violation, an upheld complaint),
confirmed first since events are append-only and regrade the merchant at once. The filing's contents
(documents, basic systems, what is missing) are the section of :mod:`suyuan.web.filing_pages`, whose
form the officer uses to put a document on file for the enterprise (no confirmation: a document
changes no decision and a newer one supersedes it). Sanctions of the filing are on the enforcement
desk (:mod:`suyuan.web.office_enforcement`); this page shows the filing status.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from suyuan.trace import lookup, registry
from suyuan.trace.model import CreditEventKind, Role
from suyuan.trace.zone import credit
from suyuan.web import filing_pages, office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.filing_pages import DocumentForm
from suyuan.web.office_desk import OfficeForm, Page, confirm_page, decide, with_status

bp = Blueprint("office_credit", __name__, url_prefix="/regulator/enterprises")
office_labels.install(bp)
RECORDABLE = (
    CreditEventKind.VIOLATION,
    CreditEventKind.COMPLAINT_UPHELD,
)  # the others follow other decisions


class CreditEventForm(OfficeForm):
    """An event against the enterprise, and what happened."""

    kind = SelectField("kind", choices=[k.value for k in RECORDABLE])
    note = TextAreaField("note", validators=[InputRequired(), Length(min=1, max=2000)])


@bp.get("/<int:enterprise_id>")
@login_required(Role.REGULATOR)
def enterprise(enterprise_id: int) -> Page:
    """An enterprise of the office's remit: filing, credit, products and batches."""
    return _page(enterprise_id, CreditEventForm(prefix="credit", formdata=None), None, 200)


@bp.post("/<int:enterprise_id>/credit-events")
@login_required(Role.REGULATOR)
def record_event(enterprise_id: int) -> Page | Response:
    """Record a credit event (confirmed first); the grade is recomputed in the same transaction."""
    with runtime().transaction() as db:
        name = registry.get_enterprise(db, current_actor(), enterprise_id).name
    form = CreditEventForm(prefix="credit")
    back = url_for("office_credit.enterprise", enterprise_id=enterprise_id)
    kind = CreditEventKind(form.kind.data) if form.kind.data in {k.value for k in RECORDABLE} else None
    return decide(
        form,
        act=lambda db: credit.record_credit_event(
            db, current_actor(), enterprise_id, form.kind.data, note=form.note.data or ""
        ),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the credit event"),
            action=url_for("office_credit.record_event", enterprise_id=enterprise_id),
            facts=[
                (_("Enterprise"), name),
                (_("Event"), office_labels.word(kind)),
                (_("Points"), str(credit.POINTS[kind]) if kind else "—"),
                (_("What happened"), form.note.data or ""),
            ],
            consequence=_("Credit events cannot be withdrawn; the grade is recomputed at once."),
            back=back,
        ),
        again=lambda error, status: _page(enterprise_id, form, error, status),
        done=back,
        message=_("The credit event is recorded."),
    )


@bp.post("/<int:enterprise_id>/documents")
@login_required(Role.REGULATOR)
def add_document(enterprise_id: int) -> Page | Response:
    """Put a document on the enterprise's filing for it (an enterprise outside the office: 404)."""
    with runtime().transaction() as db:
        registry.get_enterprise(db, current_actor(), enterprise_id)  # 404 before the form is read
    form = DocumentForm()
    error, status = filing_pages.upload(current_actor(), enterprise_id, form)
    if error is not None:
        return _page(
            enterprise_id, CreditEventForm(prefix="credit", formdata=None), None, status, form, error
        )
    return redirect(url_for("office_credit.enterprise", enterprise_id=enterprise_id) + "#filing", code=303)


def _page(
    enterprise_id: int,
    form: CreditEventForm,
    error: str | None,
    status: int,
    document_form: DocumentForm | None = None,
    document_error: str | None = None,
) -> Page:
    actor = current_actor()
    action = url_for("office_credit.add_document", enterprise_id=enterprise_id)
    with runtime().transaction() as db:
        profile = credit.credit_profile(db, actor, enterprise_id)
        filing = filing_pages.section(
            db, actor, enterprise_id, document_form or DocumentForm(formdata=None), action
        )
        page = render_template(
            "office/enterprise.html",
            e=profile.enterprise,
            profile=profile,
            products=registry.list_products(db, actor, enterprise_id),
            batches=lookup.batches_of(db, actor, enterprise_id=enterprise_id),
            form=form,
            error=error,
            document_error=document_error,
            **filing,
        )
    return with_status(page, status)
