"""Consumer complaints through the JSON API: filing (anonymous), the public status, answers and triage.

A child of :data:`suyuan.web.api.bp` (endpoints ``api.complaints.*``; CSRF-exempt like all of the
API: it authenticates with bearer tokens, and filing is anonymous anyway). Rules live in
:mod:`suyuan.trace.complaints`; filing goes through :mod:`suyuan.web.complaint_intake`, the same path as
the scan page's form, and a multipart filing's fields are read by the JSON body's model. The trace of a
complaint (``/complaints/{id}/trace``) is served by :mod:`suyuan.web.api.trace`.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Blueprint, Response, abort, jsonify, request, url_for
from sqlalchemy.orm import Session

from suyuan.scanner.images import ImageRejected
from suyuan.trace import complaints
from suyuan.trace.actors import Actor
from suyuan.trace.complaints import PublicStatus
from suyuan.trace.model import Complaint, ComplaintEvent, ComplaintPhoto
from suyuan.web import runtime
from suyuan.web.api.common import created, int_arg, parse
from suyuan.web.api.scan import UploadRejected
from suyuan.web.auth import api_auth, current_actor
from suyuan.web.bodies import complaints as bodies
from suyuan.web.bodies.errors import validate
from suyuan.web.complaint_intake import submit_complaint

bp = Blueprint("complaints", __name__)


@bp.post("/complaints")
def file_complaint() -> tuple[Response, int]:
    """A consumer files a complaint about a code: JSON, or multipart with an optional ``photo``."""
    if request.mimetype == "multipart/form-data":  # the same fields as texts; other parts are ignored
        fields = bodies.ComplaintFiling.model_fields
        filing = validate(bodies.ComplaintFiling, {k: v for k, v in request.form.items() if k in fields})
        upload = request.files.get("photo")
    else:
        filing = parse(bodies.ComplaintFiling)
        upload = None
    try:
        complaint = submit_complaint(filing.code, filing.category, filing.text, filing.contact or "", upload)
    except ImageRejected as exc:
        photo_rejected(exc)
    return created(
        {
            "id": complaint.id,
            "reference": complaint.reference,
            "status": complaint.status.value,
            "category": complaint.category.value,
            "verdict": complaint.verdict,
            "status_url": url_for(
                "api.complaints.complaint_status", reference=complaint.reference, _external=True
            ),
            "page_url": url_for("complaints.status", reference=complaint.reference, _external=True),
        }
    )


def photo_rejected(exc: ImageRejected) -> NoReturn:
    """A refused photo as the scan-image endpoint answers one: 413 when too large, else 400 ``image_*``."""
    if exc.reason == "too_large":
        abort(413, description=exc.message)
    raise UploadRejected(exc.reason, exc.message) from exc


@bp.get("/complaints/status/<reference>")
def complaint_status(reference: str) -> Response:
    """The public status of a complaint under its reference (no contact, no device, no office notes)."""
    with runtime().transaction() as db:
        return jsonify(public_status_json(complaints.public_status(db, reference)))


@bp.get("/complaints")
@api_auth
def list_complaints() -> Response:
    """The caller's complaints (merchant: its own; office: its own and unassigned), newest first."""
    limit = int_arg("limit")
    with runtime().transaction() as db:
        rows = complaints.list_complaints(
            db,
            current_actor(),
            status=request.args.get("status") or None,
            batch_id=int_arg("batch_id", 1),
            limit=100 if limit is None else limit,
        )
        photos = complaints.photos_of(db, [c.id for c in rows])
        return jsonify({"complaints": [complaint_json(c, photos.get(c.id)) for c in rows]})


@bp.get("/complaints/<int:complaint_id>")
@api_auth
def get_complaint(complaint_id: int) -> Response:
    """One complaint with its timeline (offices also see their internal notes)."""
    with runtime().transaction() as db:
        return _detail(db, complaints.get_complaint(db, current_actor(), complaint_id))


@bp.post("/complaints/<int:complaint_id>/answer")
@api_auth
def answer_complaint(complaint_id: int) -> Response:
    """The batch's merchant answers the consumer: ``{"text"}``."""
    actor = current_actor()
    with runtime().transaction() as db:
        complaints.complaint_to_answer(db, actor, complaint_id)  # refuse outsiders before reading the body
        answer = parse(bodies.ComplaintAnswer)
        return _detail(db, complaints.answer_complaint(db, actor, complaint_id, answer.text))


@bp.post("/complaints/<int:complaint_id>/status")
@api_auth
def set_complaint_status(complaint_id: int) -> Response:
    """The office moves a complaint on: ``{"status", "note"?, "public"?}``; without status, a note only."""
    actor = current_actor()
    with runtime().transaction() as db:
        complaints.complaint_to_decide(db, actor, complaint_id)  # refuse outsiders before reading the body
        change = parse(bodies.ComplaintStatusChange)
        note = change.note or ""
        if change.status is None:
            complaint = complaints.add_note(db, actor, complaint_id, note)
        else:
            complaint = complaints.set_status(
                db, actor, complaint_id, change.status, note, public_note=change.public
            )
        return _detail(db, complaint)


@bp.get("/complaints/<int:complaint_id>/photo")
@api_auth
def complaint_photo(complaint_id: int) -> Response:
    """The complaint's photo as re-encoded on filing (merchant and office of the remit)."""
    with runtime().transaction() as db:
        photo = complaints.photo_of(db, current_actor(), complaint_id)
        response = Response(photo.data, mimetype=photo.media_type)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = f'inline; filename="complaint-{complaint_id}.jpg"'
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


# --- JSON shapes ----------------------------------------------------------------------------------


def complaint_json(c: Complaint, photo: ComplaintPhoto | None) -> dict[str, Any]:
    """A complaint as its merchant and office see it (never the device hash)."""
    return {
        "id": c.id,
        "reference": c.reference,
        "status": c.status.value,
        "category": c.category.value,
        "verdict": c.verdict,
        "code": {"gtin": c.gtin, "lot": c.lot, "serial": c.serial},
        "code_url": c.code_url,
        "text": c.text,
        "contact": c.contact,
        "region": c.region,
        "batch_id": c.batch_id,
        "office_id": c.office_id,
        "enterprise_id": c.enterprise_id,
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
        "photo": {
            "url": url_for("api.complaints.complaint_photo", complaint_id=c.id, _external=True),
            "media_type": photo.media_type,
            "width": photo.width,
            "height": photo.height,
            "sha256": photo.sha256,
        }
        if photo is not None
        else None,
    }


def _detail(db: Session, c: Complaint) -> Response:
    """A complaint with its photo's metadata and the timeline the caller may see."""
    actor = current_actor()
    data = complaint_json(c, complaints.photos_of(db, [c.id]).get(c.id))
    data["events"] = [event_json(e, actor) for e in complaints.visible_events(actor, c)]
    return jsonify(data)


def event_json(e: ComplaintEvent, actor: Actor) -> dict[str, Any]:
    """One timeline step; who did it is shown to offices only."""
    data: dict[str, Any] = {
        "at": e.at.isoformat(),
        "kind": e.kind,
        "status": e.status,
        "text": e.text,
        "public": e.public,
    }
    if actor.is_regulator:
        data["actor"] = e.actor
    return data


def public_status_json(s: PublicStatus) -> dict[str, Any]:
    """The consumer's view of a complaint."""
    return {
        "reference": s.reference,
        "status": s.status.value,
        "category": s.category.value,
        "created_at": s.created_at.isoformat(),
        "updated_at": s.updated_at.isoformat(),
        "code": {"gtin": s.gtin, "lot": s.lot, "serial": s.serial},
        "events": [
            {"at": e.at.isoformat(), "kind": e.kind, "status": e.status, "text": e.text} for e in s.events
        ],
    }
