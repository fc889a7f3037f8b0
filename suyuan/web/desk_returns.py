"""The return desk's list at the merchant's desk: the returns the signed-in enterprise may see.

``/merchant/returns`` lists, newest first, CEB625 returns (of the seller's orders, of the platform's, or
of the inventories the zone warehouse packs) and returns taken at the merchant's desk, with where each
stands in words (waiting for its units, concluded) and Beijing time; kind, status and days narrow it, and
it pages on. The rule of who sees which return is :func:`suyuan.trace.ceb.return_desk.list_returns`'s; a
waiting CEB625 return is concluded with the units scanned back through the API
(``POST /api/v1/ceb/refunds/{id}/conclusion``).
"""

from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from suyuan.trace.ceb.return_desk import (
    MAX_OFFSET,
    ReturnFilter,
    ReturnKind,
    ReturnPage,
    ReturnState,
    list_returns,
)
from suyuan.trace.errors import DomainError
from suyuan.trace.model import Role
from suyuan.web import runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.converters import query_int
from suyuan.web.desk import Page, bp, domain_message

PAGE = 50
KIND: dict[str, LazyString] = {
    ReturnKind.CEB625: _l("Customs return application (CEB625)"),
    ReturnKind.DESK: _l("Return taken at the desk"),
}
STATE: dict[str, LazyString] = {
    ReturnState.WAITING: _l("Waiting for its units to be scanned back"),
    ReturnState.CONCLUDED: _l("Concluded: the units are back"),
}


@bp.get("/returns")
@login_required(Role.MERCHANT)
def returns() -> Page:
    """The returns this enterprise may see, newest first, narrowed by kind, status and days."""
    args = request.args
    wanted = ReturnFilter(
        kind=_known(args.get("kind", ""), ReturnKind),
        state=_known(args.get("status", ""), ReturnState),
        since=_day(args.get("since", "")),
        until=_day(args.get("until", "")),
    )
    offset = query_int("offset", 0, high=MAX_OFFSET) or 0
    error, page = None, ReturnPage([], None)
    with runtime().transaction() as db:
        try:
            page = list_returns(db, current_actor(), wanted, offset=offset, limit=PAGE)
        except DomainError as exc:
            error = domain_message(exc)
        html = render_template(
            "merchant/returns.html",
            page=page,
            wanted=wanted,
            offset=offset,
            kinds=KIND,
            states=STATE,
            error=error,
        )
    return (html, 400) if error else html


def _known(value: str, kind: type[ReturnKind] | type[ReturnState]) -> str | None:
    """A filter value the list knows, else no filter (a stale bookmark still shows the list)."""
    return value if value in {member.value for member in kind} else None


def _day(value: str) -> date | None:
    """A ``YYYY-MM-DD`` day from a date field; anything else does not narrow."""
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None
