"""The platform's read-only view over HTTP: ``GET /api/v1/platform/overview`` (issue 14, docs/ceb.md §6).

A child of :data:`suyuan.web.api.bp` (endpoints ``api.platform.*``). A platform enterprise's staff read
the admission decisions, recalls, risk warnings and complaints about the goods sold on the platform and
the receipts of its orders (:mod:`suyuan.trace.platform_view`). Only reading: the platform acts on none
of these through any route, and anyone who is not a platform's staff is refused (403).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from suyuan.trace import platform_view
from suyuan.web import runtime
from suyuan.web.api.ceb import receipt_json
from suyuan.web.auth import api_auth, current_actor

bp = Blueprint("platform", __name__, url_prefix="/platform")


@bp.get("/overview")
@api_auth
def overview() -> Response:
    """What was sold on the caller's platform: admissions, recalls, warnings, complaints, receipts."""
    with runtime().transaction() as db:
        return jsonify(overview_json(platform_view.overview(db, current_actor())))


def overview_json(view: platform_view.PlatformOverview) -> dict[str, Any]:
    """The overview as the API answers it (:class:`suyuan.web.responses.platform.PlatformOverview`)."""
    return {
        "platform": {"id": view.platform_id, "name": view.platform_name},
        "admissions": [
            {
                "product_id": a.product_id,
                "gtin": a.gtin,
                "name": a.name,
                "name_en": a.name_en,
                "seller": a.seller,
                "admission_status": a.status,
                "risk_class": a.risk_class,
                "consumer_disclosure": a.disclosure,
                "consumer_disclosure_en": a.disclosure_en,
                "decided_at": _iso(a.decided_at),
                "sanction_status": a.sanction,
            }
            for a in view.admissions
        ],
        "recalls": [
            {
                "id": r.recall_id,
                "kind": r.kind,
                "scope": r.scope,
                "status": r.status,
                "reason": r.reason,
                "reason_en": r.reason_en,
                "instructions": r.instructions,
                "instructions_en": r.instructions_en,
                "product": r.product,
                "gtin": r.gtin,
                "lot": r.lot,
                "opened_at": r.opened_at.isoformat(),
                "closed_at": _iso(r.closed_at),
                "units_sold_here": r.units_sold_here,
            }
            for r in view.recalls
        ],
        "warnings": [
            {
                "id": w.warning_id,
                "level": w.level,
                "title": w.title,
                "title_en": w.title_en,
                "body": w.body,
                "body_en": w.body_en,
                "goods": w.goods,
                "published_at": w.published_at.isoformat(),
                "withdrawn_at": _iso(w.withdrawn_at),
            }
            for w in view.warnings
        ],
        "complaints": [
            {
                "id": c.complaint_id,
                "reference": c.reference,
                "category": c.category,
                "status": c.status,
                "text": c.text,
                "product": c.product,
                "gtin": c.gtin,
                "lot": c.lot,
                "serial": c.serial,
                "order_no": c.order_no,
                "filed_at": c.filed_at.isoformat(),
                "updated_at": c.updated_at.isoformat(),
            }
            for c in view.complaints
        ],
        "receipts": [receipt_json(r) for r in view.receipts],
    }


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None
