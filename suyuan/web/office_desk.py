"""The office's desk: what every officer form page shares (confirmation step, refusals in zh-CN).

The officer's pages that *decide* (admission, quarantine, report review, release, disposal, spot
checks, credit events, recalls from the trace page) live in ``office_*`` modules, one per concern.
Every such decision is final, so each form takes two posts: the first validates the form and shows a
confirmation page that repeats what will happen (no JavaScript needed; the CSP forbids inline
scripts anyway); the second, carrying ``confirmed=yes``, calls the one use case in one
``runtime().transaction()``. A refusal rolls the unit of work back and the form page is shown again
with a sentence in the reader's language and the refusal's 4xx status. A record outside the office's
remit answers 404 before the form is read, exactly like an unknown id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import HiddenField

from suyuan.trace import batches
from suyuan.trace.errors import DomainError
from suyuan.web import runtime
from suyuan.web.auth import current_actor
from suyuan.web.errors import status_of

Page = str | tuple[str, int]
CONFIRMED = "yes"

ERROR_MESSAGES: dict[str, LazyString] = {
    "invalid_state": _l(
        "This record is no longer in a state that allows this decision (it may have been decided "
        "already). Nothing was changed."
    ),
    "already_recalled": _l(
        "The batch is already under an equal or stricter recall or stop-sale. Nothing was changed."
    ),
    "ledger_would_go_negative": _l(
        "The quantity is more than the batch still holds in the zone. Nothing was changed."
    ),
    "not_on_ledger": _l("This batch did not enter through an entry declaration, so it has no zone ledger."),
    "release_conditions_not_met": _l(
        "The batch cannot be released yet: quarantine must have passed, no report may await review, "
        "and a valid foreign test report or conformity declaration must be accepted."
    ),
    "prohibited_goods": _l("The product is on the negative list and cannot be admitted."),
    "requirements_not_met": _l(
        "A mandatory requirement (CCC, registered producer or special approval) is missing: "
        "the product cannot be admitted."
    ),
    "disclosure_required": _l(
        "Some requirements are unmet: admission with disclosure needs a consumer disclosure "
        "of at least 10 characters."
    ),
    "forbidden": _l("Your role may not do this."),
    "duplicate": _l("This already exists. Nothing was changed."),
    "invalid_gtin": _l("The GTIN is not valid (8, 12, 13 or 14 digits with a correct check digit)."),
}
FIELD_LABELS: dict[str, LazyString] = {
    "q": _l("Search"),
    "year": _l("Year"),
    "half": _l("Half-year"),
    "reason": _l("Reason"),
    "note": _l("Note"),
    "risk_class": _l("Risk class"),
    "disclosure": _l("Consumer disclosure"),
    "disclosure_en": _l("Consumer disclosure (English)"),
    "decision": _l("Decision"),
    "outcome": _l("Result"),
    "scope": _l("What was inspected"),
    "treatment": _l("Treatment"),
    "kind": _l("Kind"),
    "quantity": _l("Quantity"),
    "channel": _l("Sampling channel"),
    "order_ref": _l("Order number"),
    "lab": _l("Laboratory"),
    "report_sha256": _l("SHA-256 of the lab report"),
    "failed_items": _l("Failed items"),
    "seed": _l("Draw seed"),
    "instructions": _l("Instructions to consumers (Chinese)"),
    "instructions_en": _l("Instructions to consumers (English, optional)"),
    "reason_en": _l("Reason (English, optional)"),
    "internal_reason": _l("Internal reason"),
    "level": _l("Level"),
    "title": _l("Title"),
    "title_en": _l("Title (English, optional)"),
    "body": _l("Text"),
    "body_en": _l("Text (English, optional)"),
    "hs_prefix": _l("HS code prefix"),
    "accept": _l("Decision"),
    "since": _l("From"),
    "until": _l("To"),
    "search": _l("Search"),
    # supervision pages (office_risk, office_lists, office_warehouses)
    "source": _l("Source"),
    "description": _l("Description"),
    "reference": _l("Reference"),
    "product_id": _l("Product"),
    "batch_id": _l("Batch number"),
    "rationale": _l("Assessment rationale"),
    "sampling_factor": _l("Sampling factor"),
    "list_kind": _l("Which list"),
    "match": _l("Matched by"),
    "value": _l("Entry value"),
    "category": _l("Negative list category"),
    "enterprise_id": _l("Enterprise"),
    "address": _l("Address"),
    "warehouse_id": _l("Supervised warehouse"),
    # major cases (suyuan.web.office_major_cases)
    "case_kind": _l("Kind of case"),
    "case_id": _l("Number of the case record"),
    "summary": _l("Summary"),
    # rectification (suyuan.web.rectification_pages)
    "held_on": _l("Date held"),
    "place": _l("Place or means"),
    "participants": _l("Participants"),
    "matter": _l("Matter"),
    "commitments": _l("Commitments of the enterprise"),
    "requirements": _l("Requirements"),
    "deadline": _l("Deadline"),
    "cause_kind": _l("Cause"),
    "cause_id": _l("Number of the cause record"),
}


class OfficeForm(FlaskForm):  # type: ignore[misc]
    """A decision form: its fields, and ``confirmed`` set by the confirmation page's second post."""

    confirmed = HiddenField("confirmed")

    def is_confirmed(self) -> bool:
        """Whether this post comes from the confirmation page."""
        return bool(self.confirmed.data == CONFIRMED)


def problem(exc: DomainError) -> str:
    """A domain refusal in the reader's language: the domain's precise (English) message on English
    pages; on Chinese pages a sentence chosen by the error's stable code, else by its field."""
    if str(get_locale() or "zh").startswith("en"):
        return exc.message
    if exc.code in ERROR_MESSAGES:
        return str(ERROR_MESSAGES[exc.code])
    field = getattr(exc, "field", None) or ""
    if field in FIELD_LABELS:
        return str(_("Please check “%(field)s”.", field=FIELD_LABELS[field]))
    if exc.code == "not_found":
        return str(_("No such record within your office's remit."))
    return str(_("The decision was refused; nothing was changed."))


def form_problem(form: FlaskForm) -> str:
    """The form's first validation problem, naming the field in the reader's language."""
    for name in form.errors:
        if name == "csrf_token":
            return str(_("The form expired; reload the page and try again."))
        if name in FIELD_LABELS:
            return str(_("Please check “%(field)s”.", field=FIELD_LABELS[name]))
    return str(_("The form is incomplete."))


def attempt(action: Callable[[Session], Any]) -> tuple[str | None, int]:
    """Run one use case in its own unit of work; a refusal rolls it back and becomes (message, status).

    A 404 is not a form problem (the record is outside the remit): it propagates to the error page.
    """
    try:
        with runtime().transaction() as db:
            action(db)
    except DomainError as exc:
        if status_of(exc) == 404:
            raise
        return problem(exc), status_of(exc)
    return None, 200


def batch_label(batch_id: int) -> str:
    """ "Product · lot" of a batch the officer acts on, for its form and confirmation pages.

    Loading it through the domain's getter is also the remit check: a batch of another office answers
    404 before any form is read.
    """
    with runtime().transaction() as db:
        batch = batches.get_batch(db, current_actor(), batch_id)
        return f"{batch.product.name} · {batch.lot}"


def with_status(page: str, status: int) -> Page:
    """A rendered page with its status (200 stays implicit)."""
    return (page, status) if status != 200 else page


def decide(
    form: OfficeForm,
    *,
    act: Callable[[Session], Any],
    confirm: Callable[[], str],
    again: Callable[[str, int], Page],
    done: str | Callable[[], str],
    message: str,
) -> Page | Response:
    """The two-step decision: invalid form → ``again`` (400); first post → ``confirm``; confirmed post
    → ``act`` in one unit of work, then a flashed ``message`` and a redirect to ``done`` (303); a
    refusal → ``again`` with the zh-CN message and its status, nothing written."""
    if not form.validate_on_submit():
        return again(form_problem(form), 400)
    if not form.is_confirmed():
        return confirm()
    error, status = attempt(act)
    if error is not None:
        return again(error, status)
    flash(message)
    return redirect(done() if callable(done) else done, code=303)


def confirm_page(
    form: OfficeForm,
    *,
    title: str,
    action: str,
    facts: list[tuple[str, str]],
    consequence: str,
    back: str,
) -> str:
    """The confirmation step: what will be decided, what follows, and the form posted again, confirmed."""
    return render_template(
        "office/confirm.html",
        form=form,
        title=title,
        action=action,
        facts=facts,
        consequence=consequence,
        back=back,
    )
