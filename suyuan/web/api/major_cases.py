"""Major-case reports and their notices to the other offices through the JSON API (R60, R55; G15 §3(5)).

A child of :data:`suyuan.web.api.bp` (endpoints ``api.major_cases.*``). An office marks a record of its
remit as a major case; every other office receives a notice and acknowledges it; the operator reads all.
Merchants are refused. Rules in :mod:`suyuan.trace.major_cases`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from suyuan.trace import major_cases
from suyuan.trace.model import MajorCaseNotice, MajorCaseReport, Role
from suyuan.web import runtime
from suyuan.web.api.common import created, parse
from suyuan.web.auth import api_role, current_actor
from suyuan.web.bodies import major_cases as bodies

bp = Blueprint("major_cases", __name__)


@bp.post("/major-cases")
@api_role(Role.REGULATOR)
def report_case() -> tuple[Response, int]:
    """The office marks a complaint, recall, risk information or failed spot check as a major case."""
    body = parse(bodies.MajorCaseMarking)
    with runtime().transaction() as db:
        report = major_cases.report_major_case(
            db, current_actor(), body.case_kind, body.case_id, body.summary
        )
        return created(report_json(report))


@bp.get("/major-cases")
@api_role(Role.REGULATOR)
def list_reports() -> Response:
    """Reports the caller's office made (every report for the operator), newest first."""
    with runtime().transaction() as db:
        return jsonify({"reports": [report_json(r) for r in major_cases.list_reports(db, current_actor())]})


@bp.get("/major-cases/<int:major_case_id>")
@api_role(Role.REGULATOR)
def get_report(major_case_id: int) -> Response:
    """One report (its office's, or one sent to the caller's office) with each notice's state."""
    with runtime().transaction() as db:
        return jsonify(report_json(major_cases.get_report(db, current_actor(), major_case_id)))


@bp.get("/major-case-notices")
@api_role(Role.REGULATOR)
def list_notices() -> Response:
    """Notices received by the caller's office, newest first."""
    with runtime().transaction() as db:
        return jsonify({"notices": [notice_json(n) for n in major_cases.list_notices(db, current_actor())]})


@bp.post("/major-case-notices/<int:notice_id>/acknowledge")
@api_role(Role.REGULATOR)
def acknowledge(notice_id: int) -> Response:
    """An officer of the receiving office acknowledges the notice, once."""
    with runtime().transaction() as db:
        return jsonify(notice_json(major_cases.acknowledge(db, current_actor(), notice_id)))


def report_json(r: MajorCaseReport) -> dict[str, Any]:
    """A report with its case, summary and each notice's state."""
    return {
        "id": r.id,
        "office_id": r.office_id,
        "office_name": r.office.name,
        "case_kind": r.case_kind.value,
        "case_id": r.case_id,
        "enterprise_id": r.enterprise_id,
        "enterprise_name": r.enterprise.name if r.enterprise else None,
        "summary": r.summary,
        "reported_at": r.reported_at.isoformat(),
        "notices": [
            {
                "id": n.id,
                "office_id": n.office_id,
                "office_name": n.office.name,
                "acknowledged_at": n.acknowledged_at.isoformat() if n.acknowledged_at else None,
                "acknowledged_by": n.acknowledged_by,
            }
            for n in r.notices
        ],
    }


def notice_json(n: MajorCaseNotice) -> dict[str, Any]:
    """A notice with its report."""
    return {
        "id": n.id,
        "office_id": n.office_id,
        "acknowledged_at": n.acknowledged_at.isoformat() if n.acknowledged_at else None,
        "acknowledged_by": n.acknowledged_by,
        "report": report_json(n.report),
    }
