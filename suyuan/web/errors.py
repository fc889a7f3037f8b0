"""The one place where errors become HTTP responses.

API paths answer ``{"error": {"code", "message"}}``; pages answer a small localised error page.
Unexpected exceptions are logged and answered with a generic 500 that never shows a traceback.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
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


def error_response(status: int, code: str, message: str) -> Response | tuple[str, int]:
    """A JSON error for API and machine clients, an HTML page for browsers."""
    wants_json = request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"
    if wants_json:
        response = jsonify({"error": {"code": code, "message": message}})
        response.status_code = status
        return response
    return render_template("error.html", status=status, code=code, message=message), status


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""

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
    def _http(exc: HTTPException) -> Response | tuple[str, int]:
        code = (exc.name or "error").lower().replace(" ", "_")
        return error_response(exc.code or 500, code, exc.description or code)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response | tuple[str, int]:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal", "something went wrong on our side; nothing was changed")
