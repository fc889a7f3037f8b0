"""Responsibility interviews, rectification orders and reports through the JSON API (R52, G15 §2(3)).

A child of :data:`suyuan.web.api.bp` (endpoints ``api.rectification.*``). The office of the enterprise
records interviews, issues orders and reviews reports; the enterprise's own staff submit reports
(multipart ``text`` and an optional ``file``); both read. Ids outside the caller's remit answer 404
before any body is read. Rules in :mod:`suyuan.trace.rectification`.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO, cast

from flask import Blueprint, Response, jsonify, request, send_file, url_for
from werkzeug.exceptions import UnsupportedMediaType

from suyuan.trace import rectification, registry
from suyuan.trace.enterprise_documents import read_document
from suyuan.trace.errors import NotFound
from suyuan.trace.model import RectificationOrder, RectificationReport, ResponsibilityInterview, Role
from suyuan.trace.rectification import InterviewRecord, OrderTerms, ReportFile
from suyuan.web import runtime
from suyuan.web.api.common import created, int_arg, parse
from suyuan.web.auth import api_auth, api_role, api_visible, current_actor
from suyuan.web.bodies import rectification as bodies
from suyuan.web.bodies.errors import validate

bp = Blueprint("rectification", __name__)


@bp.get("/enterprises/<int:enterprise_id>/rectification")
@api_auth
@api_visible("enterprise_id", registry.get_enterprise)
def overview(enterprise_id: int) -> Response:
    """An enterprise's interviews and orders, and whether it is under strict inspection."""
    actor = current_actor()
    with runtime().transaction() as db:
        strict = rectification.strict_inspection(db, enterprise_id)
        return jsonify(
            {
                "enterprise_id": enterprise_id,
                "strict_inspection": strict_json(strict),
                "interviews": [
                    interview_json(i)
                    for i in rectification.list_interviews(db, actor, enterprise_id=enterprise_id)
                ],
                "orders": [
                    order_json(o) for o in rectification.list_orders(db, actor, enterprise_id=enterprise_id)
                ],
            }
        )


@bp.post("/enterprises/<int:enterprise_id>/interviews")
@api_role(Role.REGULATOR)
@api_visible("enterprise_id", registry.get_enterprise)
def record_interview(enterprise_id: int) -> tuple[Response, int]:
    """The office records a responsibility interview held with the enterprise."""
    body = parse(bodies.InterviewRecord)
    record = InterviewRecord(body.held_on, body.place, body.participants, body.matter, body.commitments)
    with runtime().transaction() as db:
        return created(
            interview_json(rectification.record_interview(db, current_actor(), enterprise_id, record))
        )


@bp.post("/enterprises/<int:enterprise_id>/rectification-orders")
@api_role(Role.REGULATOR)
@api_visible("enterprise_id", registry.get_enterprise)
def issue_order(enterprise_id: int) -> tuple[Response, int]:
    """The office orders the enterprise to rectify by a deadline, optionally naming the cause."""
    body = parse(bodies.OrderIssue)
    terms = OrderTerms(body.matter, body.requirements, body.deadline, body.cause_kind, body.cause_id)
    with runtime().transaction() as db:
        return created(order_json(rectification.issue_order(db, current_actor(), enterprise_id, terms)))


@bp.get("/rectification-orders")
@api_auth
def list_orders() -> Response:
    """Orders within the caller's remit, newest first; ``?enterprise_id=`` narrows to one enterprise."""
    enterprise_id = int_arg("enterprise_id", 1)
    with runtime().transaction() as db:
        orders = rectification.list_orders(db, current_actor(), enterprise_id=enterprise_id)
        return jsonify({"orders": [order_json(o) for o in orders]})


@bp.get("/rectification-orders/<int:order_id>")
@api_auth
def get_order(order_id: int) -> Response:
    """One order with its reports (its enterprise's staff, its office)."""
    with runtime().transaction() as db:
        return jsonify(order_json(rectification.get_order(db, current_actor(), order_id)))


@bp.post("/rectification-orders/<int:order_id>/reports")
@api_role(Role.MERCHANT)
@api_visible("order_id", rectification.get_order)
def submit_report(order_id: int) -> tuple[Response, int]:
    """The enterprise reports its rectification: multipart ``text`` and optionally ``file``."""
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType(
            "send the report as multipart/form-data: the field text, optionally a file"
        )
    fields = bodies.ReportForm.model_fields
    form = validate(bodies.ReportForm, {k: v for k, v in request.form.items() if k in fields})
    upload = request.files.get("file")
    attachment = None
    if upload is not None and upload.filename:
        attachment = ReportFile(upload.filename, read_document(cast(BinaryIO, upload.stream)))
    with runtime().transaction() as db:
        report = rectification.submit_report(db, current_actor(), order_id, form.text, attachment)
        return created(report_json(report))


@bp.post("/rectification-reports/<int:rectification_report_id>/review")
@api_role(Role.REGULATOR)
@api_visible("rectification_report_id", rectification.get_report)
def review_report(rectification_report_id: int) -> Response:
    """The office accepts a report (the order closes) or rejects it with a reason (the order reopens)."""
    body = parse(bodies.ReportReview)
    with runtime().transaction() as db:
        report = rectification.review_report(
            db,
            current_actor(),
            rectification_report_id,
            accept=body.decision == "accept",
            reason=body.reason or "",
        )
        return jsonify(report_json(report))


@bp.get("/rectification-reports/<int:rectification_report_id>/file")
@api_auth
def report_file(rectification_report_id: int) -> Response:
    """The report's file as uploaded, as a download (its enterprise's staff, its office)."""
    with runtime().transaction() as db:
        report = rectification.get_report(db, current_actor(), rectification_report_id)
        data = rectification.report_file(db, report)
        if data is None or report.media_type is None or report.file_name is None:
            raise NotFound(f"rectification report {rectification_report_id} has no file")
        name, media_type = report.file_name, report.media_type
    response = send_file(io.BytesIO(data), mimetype=media_type, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def strict_json(strict: rectification.StrictInspection) -> dict[str, Any]:
    """Whether an enterprise is under strict inspection, and why."""
    return {
        "applies": strict.applies,
        "overdue_orders": list(strict.overdue_orders),
        "recent_orders": strict.recent_orders,
    }


def interview_json(i: ResponsibilityInterview) -> dict[str, Any]:
    """A responsibility interview."""
    return {
        "id": i.id,
        "enterprise_id": i.enterprise_id,
        "enterprise_name": i.enterprise.name,
        "office_id": i.office_id,
        "held_on": i.held_on.isoformat(),
        "place": i.place,
        "participants": i.participants,
        "matter": i.matter,
        "commitments": i.commitments,
        "recorded_at": i.recorded_at.isoformat(),
    }


def order_json(o: RectificationOrder) -> dict[str, Any]:
    """An order with its cause, state (overdue computed now) and reports, newest first."""
    return {
        "id": o.id,
        "enterprise_id": o.enterprise_id,
        "enterprise_name": o.enterprise.name,
        "office_id": o.office_id,
        "matter": o.matter,
        "requirements": o.requirements,
        "deadline": o.deadline.isoformat(),
        "cause_kind": o.cause_kind.value if o.cause_kind else None,
        "cause_id": o.cause_id,
        "status": o.status.value,
        "overdue": rectification.is_overdue(o),
        "issued_at": o.issued_at.isoformat(),
        "closed_at": o.closed_at.isoformat() if o.closed_at else None,
        "reports": [report_json(r) for r in o.reports],
    }


def report_json(r: RectificationReport) -> dict[str, Any]:
    """A report and the office's decision; its file (if any) with the download URL."""
    file = None
    if r.file_name is not None and r.media_type is not None and r.size is not None and r.sha256 is not None:
        file = {
            "name": r.file_name,
            "media_type": r.media_type,
            "size": r.size,
            "sha256": r.sha256,
            "url": url_for("api.rectification.report_file", rectification_report_id=r.id),
        }
    return {
        "id": r.id,
        "order_id": r.order_id,
        "text": r.text,
        "file": file,
        "submitted_at": r.submitted_at.isoformat(),
        "decision": r.decision.value,
        "decided_at": r.decided_at.isoformat() if r.decided_at else None,
        "rejection_reason": r.rejection_reason,
    }
