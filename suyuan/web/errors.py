"""The one place where errors become HTTP responses.

API paths answer ``{"error": {"code", "message"}}``; pages answer a small localised error page.
Unexpected exceptions are logged and answered with a generic 500 that never shows a traceback.

The page says what happened in the reader's language: a title per status and a sentence per error
code (or per status). The domain's and Werkzeug's messages are English, for programs and logs; the
English page shows them as the detail, the Chinese page never does.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from suyuan.trace import errors as domain
from suyuan.trace.keys import KeyUnavailable

log = logging.getLogger(__name__)


class Unauthorized(domain.DomainError):
    """No valid credentials were presented (an edge concern: the domain only knows actors)."""

    code = "unauthorized"


STATUS: dict[type[domain.DomainError], int] = {
    Unauthorized: 401,
    domain.InvalidInput: 400,
    domain.FileTooLarge: 413,
    domain.UnprocessableInput: 422,
    domain.NotFound: 404,
    domain.PermissionDenied: 403,
    domain.Duplicate: 409,
    domain.InvalidState: 409,
    domain.ProhibitedGoods: 422,
    domain.RequirementsNotMet: 422,
    domain.DisclosureRequired: 422,
    domain.QuotaExceeded: 422,
    domain.RateLimited: 429,
    KeyUnavailable: 503,
}


def status_of(exc: domain.DomainError) -> int:
    """The HTTP status of a domain error (most specific class wins)."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 409


# Paths only programs call (the API, signed statements, well-known documents): errors are always JSON.
MACHINE_PATHS = ("/api/", "/issuances/", "/.well-known/")


STATUS_TITLES: dict[int, LazyString] = {
    400: _l("The request could not be processed"),
    401: _l("Please sign in"),
    403: _l("No access"),
    404: _l("Page not found"),
    405: _l("This page cannot be used that way"),
    409: _l("Not possible right now"),
    413: _l("The upload is too large"),
    422: _l("The input cannot be accepted"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}

STATUS_TEXTS: dict[int, LazyString] = {
    400: _l("The page received something it cannot use. Go back, check what you entered and try again."),
    401: _l("Sign in to see this page."),
    403: _l("Your account may not see or do this."),
    404: _l(
        "There is no such page, or it is not available to you. "
        "Check the address, or start from the home page."
    ),
    405: _l("This address does not take this kind of request. Use the links and buttons on the pages."),
    409: _l(
        "This conflicts with the current state of the record; nothing was changed. Reload the page and check."
    ),
    413: _l("What you sent is larger than this site accepts. Send a smaller file."),
    422: _l("What you entered breaks a rule of the traceability system; nothing was changed."),
    429: _l("Too many requests in a short time. Please wait a little and try again."),
    500: _l("Something went wrong on our side; nothing was changed. Please try again later."),
    503: _l("A service this page needs is not available right now. Please try again later."),
}

CODE_TEXTS: dict[str, LazyString] = {
    "csrf": _l("The form expired or was not sent by this site. Reload the page and try again."),
    "conflict": _l("The change conflicts with existing data; nothing was written."),
    "rate_limited": _l("Too many requests in a short time. Please wait a little and try again."),
    "key_unavailable": _l("The signing key is not available right now; nothing was changed."),
}


def error_title(status: int) -> str:
    """The page title for an HTTP error status, in the reader's language."""
    return str(STATUS_TITLES.get(status) or STATUS_TITLES[400 if status < 500 else 500])


def page_message(status: int, code: str, message: str) -> str:
    """What the error page says: the English detail on English pages, a localised sentence otherwise."""
    locale = get_locale()
    if locale is not None and locale.language == "en":
        return message
    text = CODE_TEXTS.get(code) or STATUS_TEXTS.get(status) or STATUS_TEXTS[400 if status < 500 else 500]
    return str(text)


def error_response(
    status: int, code: str, message: str, *, localized: bool = False
) -> Response | tuple[str, int]:
    """A JSON error for API and machine clients, an HTML page for browsers.

    ``localized`` says ``message`` is already in the reader's language (it is then shown as it is).
    """
    wants_json = request.path.startswith(MACHINE_PATHS) or request.accept_mimetypes.best == "application/json"
    if wants_json:
        response = jsonify({"error": {"code": code, "message": message}})
        response.status_code = status
        return response
    shown = message if localized else page_message(status, code, message)
    return render_template("error.html", status=status, code=code, message=shown), status


def protocol_headers(exc: HTTPException) -> list[tuple[str, str]]:
    """The headers HTTP requires with an error (``Allow`` on 405, ``Retry-After``, ``WWW-Authenticate``).

    Werkzeug puts them on its own HTML response; our JSON or page body replaces that response, so they
    are carried over, all but its ``Content-Type``.
    """
    return [(name, value) for name, value in exc.get_headers() if name.lower() != "content-type"]


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""
    app.add_template_global(error_title, "error_title")

    @app.errorhandler(domain.DomainError)
    def _domain(exc: domain.DomainError) -> Response | tuple[str, int]:
        return error_response(status_of(exc), exc.code, exc.message)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Response | tuple[str, int]:
        return error_response(400, "csrf", "the form expired or was not sent by this site; reload and retry")

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Response | tuple[str, int]:
        log.warning("integrity error: %s", exc.orig)
        return error_response(409, "conflict", "the change conflicts with existing data; nothing was written")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        code = (exc.name or "error").lower().replace(" ", "_")
        response = make_response(error_response(exc.code or 500, code, exc.description or code))
        response.headers.extend(protocol_headers(exc))
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response | tuple[str, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal", "something went wrong on our side; nothing was changed")


def register_throttled(app: Flask) -> None:
    """Answer :class:`~suyuan.trace.errors.Throttled` with 429 and ``Retry-After`` (seconds).

    Its status is ``RateLimited``'s; this handler adds the header that tells clients when to retry,
    and a localised message on pages.
    """

    @app.errorhandler(domain.Throttled)
    def _throttled(exc: domain.Throttled) -> Response:
        message = exc.message
        if not (request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"):
            minutes = max(1, -(-exc.retry_after // 60))
            message = _("Too many attempts. Please try again in %(minutes)d minutes.", minutes=minutes)
        response = make_response(error_response(429, exc.code, message, localized=message != exc.message))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
