"""The audit log through the JSON API: checking its hash chain and signed checkpoints (regulators).

A child of :data:`suyuan.web.api.bp` (endpoints ``api.audit.*``); the same check as ``suyuan audit verify``.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from suyuan.trace import audit_checkpoints
from suyuan.web import runtime
from suyuan.web.auth import api_auth, current_actor

bp = Blueprint("audit", __name__)


@bp.get("/audit/verify")
@api_auth
def verify_audit() -> Response:
    """Check the audit chain and its signed checkpoints, as ``suyuan audit verify`` does (regulators)."""
    current_actor().require_regulator()
    rt = runtime()
    with rt.transaction() as db:
        report = audit_checkpoints.verify_log(db, rt.ring)
    return jsonify(
        {
            "ok": report.ok,
            "entries": report.entries,
            "broken_seq": report.broken_seq,
            "problem": report.problem,
            "checkpoints": report.checkpoints,
            "latest_checkpoint_seq": report.latest.seq if report.latest else None,
        }
    )
