"""The JSON API under ``/api/v1`` (DESIGN.md §6), described by ``/api/v1/openapi.json``.

:data:`bp` is the parent blueprint: it carries the URL prefix, the document and ``/me``; each part of the
API is a child blueprint in a module of its own (:data:`PARTS`), so its endpoints are named
``api.<part>.<view>`` (``api.zone.declare_entry``). The whole API is exempt from CSRF (it authenticates
with bearer tokens; a browser session must send its CSRF token itself: :mod:`suyuan.web.auth`), which
Flask-WTF applies per blueprint, so :data:`PARTS` lists every one to exempt.

Every view: authenticate, read its body into its model (:func:`suyuan.web.api.common.parse`), call one
domain service in one transaction, serialise. Errors are raised as domain errors and mapped in
:mod:`suyuan.web.errors`.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from suyuan.web.api import (
    accounts,
    audit,
    batches,
    ceb,
    complaints,
    enforcement,
    labels,
    major_cases,
    platform,
    recalls,
    rectification,
    registry,
    reports,
    scan,
    supervision,
    trace,
    zone,
)
from suyuan.web.auth import api_auth, current_actor
from suyuan.web.openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PARTS = (
    registry.bp,
    batches.bp,
    labels.bp,
    scan.bp,
    zone.bp,
    complaints.bp,
    recalls.bp,
    trace.bp,
    audit.bp,
    accounts.bp,
    ceb.bp,
    platform.bp,
    enforcement.bp,
    rectification.bp,
    major_cases.bp,
    reports.bp,
    supervision.bp,
)
"""The child blueprints, one per part of the API."""

for part in PARTS:
    bp.register_blueprint(part)


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 document of this API."""
    return jsonify(openapi_document())


@bp.get("/me")
@api_auth
def me() -> Response:
    """Who the token belongs to."""
    actor = current_actor()
    return jsonify(
        {
            "role": actor.role.value if actor.role else None,
            "office_id": actor.office_id,
            "enterprise_id": actor.enterprise_id,
        }
    )
