"""The office's filing desk: product filings awaiting admission, and the admission decision.

``/regulator/filings`` lists the filings of the office's enterprises, those awaiting a decision first
(the console's "awaiting admission" tile leads here). ``/regulator/filings/<id>`` shows one filing
with its documents, the requirements the domain finds unmet and any negative-list match, and the form
that admits, admits with a consumer disclosure, or refuses it (SZ Art. 12), with a confirmation step:
a decision is final. The rules are :func:`suyuan.trace.registry.decide_admission`'s.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import SelectField, TextAreaField
from wtforms.validators import AnyOf, Length, ValidationError

from suyuan.trace import negative_list, registry, requirements
from suyuan.trace.model import AdmissionStatus, Product, Role
from suyuan.trace.model.types import utcnow
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.office_desk import OfficeForm, Page, confirm_page, decide, with_status

bp = Blueprint("office_filings", __name__, url_prefix="/regulator/filings")
office_labels.install(bp)
DECISIONS = ("admit", "admit_with_disclosure", "refuse")


class AdmissionForm(OfficeForm):
    """Admit, admit with disclosure, or refuse; the risk class for an admission, a reason for a refusal."""

    decision = SelectField("decision", choices=list(DECISIONS), validators=[AnyOf(DECISIONS)])
    risk_class = SelectField("risk_class", choices=["", "2", "3"], default="")
    disclosure = TextAreaField("disclosure", validators=[Length(max=2000)])
    disclosure_en = TextAreaField("disclosure_en", validators=[Length(max=2000)])
    reason = TextAreaField("reason", validators=[Length(max=2000)])

    def validate_reason(self, field: TextAreaField) -> None:
        """A refusal says why (the merchant reads it)."""
        if self.decision.data == "refuse" and not (field.data or "").strip():
            raise ValidationError("say why")


@bp.get("")
@login_required(Role.REGULATOR)
def filings() -> str:
    """The office's product filings: awaiting admission first, then the decided ones."""
    with runtime().transaction() as db:
        products = registry.list_products(db, current_actor())
        waiting = [p for p in products if p.admission_status is AdmissionStatus.FILED]
        decided = [p for p in reversed(products) if p.admission_status is not AdmissionStatus.FILED]
        return render_template("office/filings.html", waiting=waiting, decided=decided)


@bp.get("/<int:product_id>")
@login_required(Role.REGULATOR)
def filing(product_id: int) -> Page:
    """One product filing with what the domain finds, and the decision form if it awaits one."""
    return _filing_page(product_id, AdmissionForm(prefix="admission", formdata=None), None, 200)


@bp.post("/<int:product_id>")
@login_required(Role.REGULATOR)
def decide_filing(product_id: int) -> Page | Response:
    """Decide admission: first post asks for confirmation, the confirmed one decides."""
    with runtime().transaction() as db:
        product = registry.get_product(db, current_actor(), product_id)  # outside the remit: 404 first
        name, gtin = product.name, product.gtin
    form = AdmissionForm(prefix="admission")
    return decide(
        form,
        act=lambda db: _decide(db, product_id, form),
        confirm=lambda: confirm_page(
            form,
            title=_("Confirm the admission decision"),
            action=url_for("office_filings.decide_filing", product_id=product_id),
            facts=_facts(form, name, gtin),
            consequence=_("An admission decision is final and is published on the product's scan pages."),
            back=url_for("office_filings.filing", product_id=product_id),
        ),
        again=lambda error, status: _filing_page(product_id, form, error, status),
        done=url_for("office_filings.filing", product_id=product_id),
        message=_("The admission decision is recorded."),
    )


def _decide(db: Session, product_id: int, form: AdmissionForm) -> Product:
    decision = form.decision.data
    return registry.decide_admission(
        db,
        current_actor(),
        product_id,
        admit=decision != "refuse",
        risk_class=int(form.risk_class.data) if form.risk_class.data else None,
        disclosure=(form.disclosure.data or "") if decision == "admit_with_disclosure" else None,
        disclosure_en=(form.disclosure_en.data or "") if decision == "admit_with_disclosure" else None,
        reason=form.reason.data or "" if decision == "refuse" else None,
    )


def _facts(form: AdmissionForm, name: str, gtin: str) -> list[tuple[str, str]]:
    words = {
        "admit": _("Admit"),
        "admit_with_disclosure": _("Admit with consumer disclosure"),
        "refuse": _("Refuse"),
    }
    facts = [(_("Product"), f"{name} · {gtin}"), (_("Decision"), words[form.decision.data])]
    if form.decision.data == "refuse":
        facts.append((_("Reason"), form.reason.data or ""))
    else:
        risk = int(form.risk_class.data) if form.risk_class.data else None
        facts.append((_("Risk class"), office_labels.risk_word(risk) if risk else _("as suggested")))
    if form.decision.data == "admit_with_disclosure":
        facts.append((_("Consumer disclosure"), form.disclosure.data or ""))
    return facts


def _filing_page(product_id: int, form: AdmissionForm, error: str | None, status: int) -> Page:
    with runtime().transaction() as db:
        product = registry.get_product(db, current_actor(), product_id)
        assessment = requirements.assess(product, utcnow().date())
        rule = negative_list.find_match(db, product)
        page = render_template(
            "office/filing.html",
            p=product,
            assessment=assessment,
            suggested=requirements.suggested_risk_class(product),
            prohibited=rule is not None,
            form=form,
            error=error,
        )
    return with_status(page, status)
