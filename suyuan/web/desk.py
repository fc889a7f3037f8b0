"""The merchant's desk: the blueprint its form pages share, and what every one of them needs.

The desk's pages (products, batches, codes, reports, entries, exits, returns, the print proof) live in
``desk_*`` modules, one per concern, all on :data:`bp`. Each view parses a Flask-WTF form (CSRF),
calls one use case of :mod:`suyuan.trace` inside one ``runtime().transaction()`` and renders. A
refused form is shown again with a message in the reader's language and a 4xx status; the unit of
work was rolled back, so nothing is half-written. A batch or order of another enterprise answers 404
before its form is even read (the domain's visibility check), like an unknown id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Blueprint, current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from suyuan.trace.errors import DomainError
from suyuan.trace.zone.rules import ZoneRules
from suyuan.web import desk_words, runtime
from suyuan.web.errors import status_of

bp = Blueprint("desk", __name__, url_prefix="/merchant")
T = TypeVar("T")
Page = str | tuple[str, int]


@bp.app_context_processor
def _words() -> dict[str, Any]:
    """The translated words for stored values (statuses, kinds, findings), for the desk's pages and the
    merchant's other pages (labels, zone) alike."""
    return {"desk_words": desk_words.WORDS}


def zone_rules() -> ZoneRules:
    """The zone rules of this app (quotas, return window): its config over the environment over the
    defaults, read once and shared with the API under the same key."""
    if "suyuan_zone_rules" not in current_app.extensions:
        current_app.extensions["suyuan_zone_rules"] = ZoneRules.from_mapping(current_app.config)
    return cast(ZoneRules, current_app.extensions["suyuan_zone_rules"])


class Refused(Exception):
    """A use case refused: the message in the reader's language and the HTTP status of the refusal."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def attempt(action: Callable[[Session], T], context: str = "") -> T:
    """Run one use case in its own unit of work; a domain refusal rolls it back and raises :class:`Refused`.

    ``context`` names what was attempted, for the message of a refusal that has no words of its own
    (an :class:`~suyuan.trace.errors.InvalidState`, say). A 404 is not a form problem: it propagates.
    """
    try:
        with runtime().transaction() as db:
            return action(db)
    except DomainError as exc:
        if status_of(exc) == 404:
            raise
        raise Refused(domain_message(exc, context), status_of(exc)) from exc


def domain_message(exc: DomainError, context: str = "") -> str:
    """A domain refusal in the reader's language: English pages get the domain's precise message,
    Chinese pages a sentence chosen by the error's stable code and field (its message is English)."""
    if get_locale() is not None and str(get_locale().language) == "en":
        return exc.message
    field = getattr(exc, "field", None) or ""
    by_code = desk_words.ERROR_MESSAGES.get(exc.code)
    if by_code is not None:
        return str(by_code)
    by_field = desk_words.FIELD_PROBLEMS.get(field)
    if by_field is not None:
        return str(by_field)
    if field in desk_words.FIELD_LABELS:
        return str(_("Please check “%(field)s”.", field=desk_words.FIELD_LABELS[field]))
    return context or str(_("The request was refused; nothing was saved."))


def form_problem(form: FlaskForm) -> str:
    """The form's first validation problem, naming the field in the reader's language."""
    for name, problems in form.errors.items():
        if isinstance(problems, dict):  # a sub-form (a document or an order line): its own fields
            inner = next(iter(problems), "")
            return _field_sentence(str(inner).rsplit("-", 1)[-1])
        if isinstance(problems, list) and problems and isinstance(problems[0], dict):
            for entry in problems:
                if entry:
                    return _field_sentence(next(iter(entry)))
        if name == "csrf_token":
            return str(_("The form expired; reload the page and try again."))
        return _field_sentence(name)
    return str(_("The form is incomplete."))


def _field_sentence(name: str) -> str:
    label = desk_words.FIELD_LABELS.get(name)
    if label is None:
        return str(_("The form is incomplete."))
    return str(_("Please check “%(field)s”.", field=label))


def lines_of(text: str | None) -> list[str]:
    """The non-empty lines of a textarea, stripped: one scanned code per line (a scanner's Enter)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
