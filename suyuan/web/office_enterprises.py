"""The office's enterprises: the list of those filed with it, and the form that files one and invites its
administrator.

``/regulator/enterprises`` lists the enterprises of the officer's office (each linking to its page in
:mod:`suyuan.web.office_credit`) and files a new one (:func:`suyuan.trace.registry.file_enterprise`,
with the officer's own office). Filing goes with onboarding (issue 13): the form names the e-mail of
the enterprise's first administrator, and the same unit of work invites them
(:func:`suyuan.trace.onboarding.invite_user`), so either both happen or neither. The one-time link is
in the answer to that post only (never flashed: flashes ride in the cookie); the officer passes it on.
Filing is not a decision on goods, so there is no confirmation step: a mistake is put right by the
USCC check (a second filing of the same USCC is refused) and the enterprise's page.

The filing's documents (business licence, commitment, basic systems) are added afterwards on the
enterprise's page, by the office or the enterprise; a filing with items missing stands, and the list
says per enterprise how many are missing (:mod:`suyuan.trace.enterprise_documents`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from suyuan.trace import enterprise_documents, onboarding, registry
from suyuan.trace.errors import DomainError
from suyuan.trace.model import EnterpriseKind, Office, Role
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.errors import status_of
from suyuan.web.office_desk import FIELD_LABELS, Page, form_problem, problem, with_status

bp = Blueprint("office_enterprises", __name__, url_prefix="/regulator/enterprises")
office_labels.install(bp)
FILING_FIELDS = {
    "uscc": _l("Unified social credit code (USCC)"),
    "name": _l("Name"),
    "email": _l("Administrator's e-mail"),
    "commitment_signed": _l("Quality and safety commitment"),
}


class EnterpriseForm(FlaskForm):  # type: ignore[misc]
    """An enterprise's filing and the e-mail of its first administrator."""

    kind = SelectField("kind", choices=[k.value for k in EnterpriseKind])
    name = StringField("name", validators=[DataRequired(), Length(max=200)])
    name_en = StringField("name_en", validators=[Length(max=200)])
    uscc = StringField("uscc", validators=[DataRequired(), Length(max=18)])
    address = StringField("address", validators=[Length(max=500)])
    commitment_signed = BooleanField("commitment_signed")
    email = EmailField("email", validators=[DataRequired(), Length(max=254)])
    admin_name = StringField("admin_name", validators=[Length(max=200)])


@bp.get("")
@login_required(Role.REGULATOR)
def enterprises() -> Page:
    """The office's enterprises and the filing form."""
    return _page(EnterpriseForm(formdata=None), None, 200)


@bp.post("")
@login_required(Role.REGULATOR)
def file_enterprise() -> Page:
    """File an enterprise with the officer's office and invite its administrator, in one unit of work."""
    form = EnterpriseForm()
    if not form.validate_on_submit():
        return _page(form, _form_problem(form), 400)
    try:
        with runtime().transaction() as db:
            filed = _file_and_invite(db, form)
    except DomainError as exc:
        return _page(form, _problem(exc), status_of(exc))
    return _page(EnterpriseForm(formdata=None), None, 201, filed=filed)


def _file_and_invite(db: Session, form: EnterpriseForm) -> dict[str, Any]:
    """The filing, then the invitation of its administrator; the link to show once."""
    actor = current_actor()
    office = db.get(Office, actor.office_id)
    assert office is not None  # a regulator belongs to an office
    enterprise = registry.file_enterprise(
        db,
        actor,
        registry.EnterpriseFiling(
            kind=form.kind.data or "",
            name=form.name.data or "",
            name_en=form.name_en.data or "",
            uscc=form.uscc.data or "",
            office_code=office.code,
            address=form.address.data or "",
            commitment_signed=bool(form.commitment_signed.data),
        ),
    )
    invited = onboarding.invite_user(
        db,
        actor,
        email=form.email.data or "",
        name=form.admin_name.data or "",
        enterprise_id=enterprise.id,
        admin=True,
    )
    return {
        "id": enterprise.id,
        "name": enterprise.name,
        "email": invited.user.email,
        "link": url_for("account_pages.invite", token=invited.token, _external=True),
        "expires_at": invited.invitation.expires_at,
    }


def _form_problem(form: EnterpriseForm) -> str:
    for name in form.errors:
        if name in FILING_FIELDS:
            return str(_("Please check “%(field)s”.", field=FILING_FIELDS[name]))
    return form_problem(form)


def _problem(exc: DomainError) -> str:
    """The refusal in the reader's language; this form's fields named by their labels."""
    field = getattr(exc, "field", None) or ""
    if field in FILING_FIELDS and field not in FIELD_LABELS and exc.code != "duplicate":
        return str(_("Please check “%(field)s”.", field=FILING_FIELDS[field]))
    return problem(exc)


def _page(form: EnterpriseForm, error: str | None, status: int, filed: dict[str, Any] | None = None) -> Page:
    with runtime().transaction() as db:
        rows = registry.list_enterprises(db, current_actor())
        page = render_template(
            "office/enterprises.html",
            rows=rows,
            gaps=enterprise_documents.missing_by_enterprise(db, rows),
            form=form,
            error=error,
            filed=filed,
            kinds=list(EnterpriseKind),
        )
    return with_status(page, status)
