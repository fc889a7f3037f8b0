"""Complaint pages for each party: the consumer's form and status page, the merchant's and the office's desks.

One blueprint (``complaints``) with absolute paths: ``/complaints…`` for consumers (no account; the
reference is their key), ``/merchant/complaints…`` and ``/regulator/complaints…`` for signed-in staff.
Forms carry CSRF tokens (the app-wide ``CSRFProtect``); a refused form is shown again with the message and
a 4xx status. Rules live in :mod:`suyuan.trace.complaints`; filing shares
:mod:`suyuan.web.complaint_intake` with the JSON API.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from suyuan.scanner.images import ImageRejected
from suyuan.trace import complaints
from suyuan.trace.complaint_queue import QueueFilter, QueueOrder, complaint_queue
from suyuan.trace.errors import DomainError
from suyuan.trace.model import ComplaintCategory, ComplaintStatus, Role
from suyuan.web import runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.complaint_intake import submit_complaint
from suyuan.web.desk import domain_message
from suyuan.web.errors import status_of
from suyuan.web.office_desk import problem

bp = Blueprint("complaints", __name__)
PAGE = 200


def _input_message(exc: DomainError) -> str:
    """The consumer's form error in their language (the domain's messages are English)."""
    field = getattr(exc, "field", None)
    messages: dict[str, str] = {
        "rate_limited": _("You have sent many complaints in a short time; please try again later."),
        "text": _("Describe the problem in 5 to 2,000 characters."),
        "category": _("Choose what the complaint is about."),
        "code": _("The product's code is missing or is not a traceability code; scan it again."),
        "contact": _("The contact is at most 200 characters."),
    }
    return messages.get(exc.code, messages.get(field or "", exc.message))


def _photo_message(exc: ImageRejected) -> str:
    """Why a photo was refused, in the consumer's language."""
    messages: dict[str, str] = {
        "too_large": _("The photo is larger than 10 MB."),
        "too_many_pixels": _("The photo has too many pixels."),
        "not_an_image": _("The file is not a photo (JPEG, PNG, WebP, ...)."),
        "malformed_image": _("The photo is damaged or incomplete."),
        "empty": _("The photo file is empty."),
        "too_many_pages": _("The file has too many frames."),
    }
    return str(_("The photo was refused: %(why)s", why=messages.get(exc.reason, exc.message)))


# --- consumers ----------------------------------------------------------------------------------


@bp.post("/complaints")
def file_form() -> Response | tuple[str, int]:
    """File the scan page's complaint form; on success go to the status page under the new reference."""
    form = request.form
    values = {k: form.get(k, "") for k in ("code", "category", "text", "contact", "malformed")}
    try:
        complaint = submit_complaint(
            values["code"],
            values["category"],
            values["text"],
            values["contact"],
            request.files.get("photo"),
            accept_malformed=values["malformed"] == "1",  # sent by the malformed-code page's form
        )
    except DomainError as exc:
        return _form_again(values, _input_message(exc), status_of(exc))
    except ImageRejected as exc:
        return _form_again(values, _photo_message(exc), 413 if exc.reason == "too_large" else 400)
    return redirect(url_for("complaints.status", reference=complaint.reference, new=1), code=303)


def _form_again(values: dict[str, str], message: str, status: int) -> tuple[str, int]:
    return render_template(
        "complaints/new.html",
        code_url=values["code"],
        complaint_values=values,
        complaint_error=message,
        malformed_code=values.get("malformed") == "1",
    ), status


@bp.get("/complaints")
def lookup() -> Response | tuple[str, int] | str:
    """Find a complaint by the reference the consumer kept."""
    typed = request.args.get("reference", "")
    if not typed:
        return render_template("complaints/lookup.html", typed="", missing=False)
    canonical = complaints.normalise_reference(typed)
    if canonical is None:
        return render_template("complaints/lookup.html", typed=typed, missing=True), 404
    return redirect(url_for("complaints.status", reference=canonical))


@bp.get("/complaints/<reference>")
def status(reference: str) -> tuple[str, int] | str:
    """The consumer's view of their complaint: status and public timeline, never contact or device."""
    try:
        with runtime().transaction() as db:
            public = complaints.public_status(db, reference)
    except DomainError:
        return render_template("complaints/lookup.html", typed=reference, missing=True), 404
    return render_template("complaints/status.html", c=public, new=request.args.get("new") == "1")


# --- merchants and offices -----------------------------------------------------------------------


@bp.get("/merchant/complaints")
@login_required(Role.MERCHANT)
def merchant_list() -> str | tuple[str, int]:
    """The merchant's complaints, newest first, by status."""
    return _list("merchant")


@bp.get("/regulator/complaints")
@login_required(Role.REGULATOR)
def regulator_list() -> str | tuple[str, int]:
    """The office's complaint queue: its own and those no office has yet, by status."""
    return _list("regulator")


def _list(audience: str) -> str | tuple[str, int]:
    """The queue narrowed by status, category and filing day (Beijing calendar), searched by reference,
    GTIN, lot or product name, newest or oldest first (:mod:`suyuan.trace.complaint_queue`)."""
    args = request.args
    wanted = QueueFilter(
        status=_known(args.get("status", ""), ComplaintStatus),
        category=_known(args.get("category", ""), ComplaintCategory),
        since=_day(args.get("since", "")),
        until=_day(args.get("until", "")),
        search=args.get("q", ""),
        order=_known(args.get("order", ""), QueueOrder) or QueueOrder.NEWEST,
    )
    error, rows, photos = None, [], {}
    with runtime().transaction() as db:
        try:
            rows = complaint_queue(db, current_actor(), wanted, limit=PAGE)
        except DomainError as exc:
            error = problem(exc)
        photos = complaints.photos_of(db, [c.id for c in rows])
        page = render_template(
            "complaints/list.html",
            rows=rows,
            photos=photos,
            audience=audience,
            wanted=wanted.status,
            filters=wanted,
            error=error,
            statuses=list(ComplaintStatus),
            categories=list(ComplaintCategory),
        )
    return (page, 400) if error else page


def _known(value: str, kind: type[StrEnum]) -> str:
    """A filter value the queue knows, else no filter (a stale bookmark still shows the queue)."""
    return value if value in {member.value for member in kind} else ""


def _day(value: str) -> date | None:
    """A ``YYYY-MM-DD`` day from a date field; anything else does not narrow."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/merchant/complaints/<int:complaint_id>")
@login_required(Role.MERCHANT)
def merchant_detail(complaint_id: int) -> str | tuple[str, int]:
    """One complaint with the answer form."""
    return _detail("merchant", complaint_id)


@bp.get("/regulator/complaints/<int:complaint_id>")
@login_required(Role.REGULATOR)
def regulator_detail(complaint_id: int) -> str | tuple[str, int]:
    """One complaint with the status and note form, its photo and a link to its trace."""
    return _detail("regulator", complaint_id)


def _detail(
    audience: str,
    complaint_id: int,
    *,
    error: str = "",
    http_status: int = 200,
    form: dict[str, str] | None = None,
) -> str | tuple[str, int]:
    """The detail page; after a refused form, with the message, what was typed and a 4xx status."""
    with runtime().transaction() as db:
        actor = current_actor()
        complaint = complaints.get_complaint(db, actor, complaint_id)
        page = render_template(
            "complaints/detail.html",
            c=complaint,
            photo=complaints.photos_of(db, [complaint.id]).get(complaint.id),
            events=complaints.visible_events(actor, complaint),
            audience=audience,
            next_statuses=sorted(complaints.TRANSITIONS[complaint.status]),
            answerable=complaint.status in complaints.ANSWERABLE,
            error=error,
            form=form or {},
        )
    return (page, http_status) if http_status != 200 else page


@bp.post("/merchant/complaints/<int:complaint_id>/answer")
@login_required(Role.MERCHANT)
def merchant_answer(complaint_id: int) -> Any:
    """The merchant's answer to the consumer."""
    text = request.form.get("text", "")
    try:
        with runtime().transaction() as db:
            complaints.answer_complaint(db, current_actor(), complaint_id, text)
    except DomainError as exc:
        if status_of(exc) == 404:
            raise
        return _detail(
            "merchant",
            complaint_id,
            error=domain_message(exc),  # the merchant's desk words: zh-CN, the domain's on English pages
            http_status=status_of(exc),
            form={"text": text},
        )
    return redirect(url_for("complaints.merchant_detail", complaint_id=complaint_id), code=303)


@bp.post("/regulator/complaints/<int:complaint_id>/status")
@login_required(Role.REGULATOR)
def regulator_status(complaint_id: int) -> Any:
    """The office moves the complaint on (or only adds a note), with a note."""
    new, note = request.form.get("status", ""), request.form.get("note", "")
    public = request.form.get("public") == "1"
    try:
        with runtime().transaction() as db:
            if new:
                complaints.set_status(db, current_actor(), complaint_id, new, note, public_note=public)
            else:
                complaints.add_note(db, current_actor(), complaint_id, note)
    except DomainError as exc:
        if status_of(exc) == 404:
            raise
        form = {"note": note, "status": new}
        return _detail("regulator", complaint_id, error=exc.message, http_status=status_of(exc), form=form)
    return redirect(url_for("complaints.regulator_detail", complaint_id=complaint_id), code=303)
