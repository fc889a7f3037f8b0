"""The contents of an enterprise filing on the pages: the enterprise's own page, and the upload form shared
with the office's page of the enterprise.

``/merchant/filing`` shows the signed-in staff's own enterprise: its basic information, the documents of
SZ Art. 8 item by item, the basic systems of its kind, every document on file (each a download) and what
is still missing; its form puts a document on file. The office's page of an enterprise
(:mod:`suyuan.web.office_credit`) shows the same section, :data:`SECTION`, with the same form. Rules
live in :mod:`suyuan.trace.enterprise_documents`; a refused upload is shown again with a sentence in the
reader's language and the refusal's status (413 too large, 422 empty or not PDF/JPEG/PNG, 400 otherwise),
nothing written. Times are Beijing time; downloads go through the API's route, which the session opens.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO, cast

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response
from wtforms import SelectField

from suyuan.trace import enterprise_documents
from suyuan.trace.actors import Actor
from suyuan.trace.enterprise_documents import MAX_DOCUMENT_BYTES, DocumentUpload
from suyuan.trace.errors import DomainError, FileRejected, FileTooLarge, InvalidInput, InvalidState
from suyuan.trace.model import EnterpriseDocument, EnterpriseDocumentKind, Role
from suyuan.web import office_labels, runtime
from suyuan.web.auth import current_actor, login_required
from suyuan.web.errors import status_of

bp = Blueprint("filing_pages", __name__)
office_labels.install(bp)
Page = str | tuple[str, int]
SECTION = "filing/_contents.html"
"""The template of the filing's contents and its upload form, included by both parties' pages."""


class DocumentForm(FlaskForm):  # type: ignore[misc]
    """A document of the filing: its kind and its file."""

    kind = SelectField("kind", choices=[k.value for k in EnterpriseDocumentKind])
    file = FileField("file")


class NoFile(Exception):
    """The form came without a file."""


@bp.get("/merchant/filing")
@login_required(Role.MERCHANT)
def filing() -> Page:
    """The signed-in staff's own enterprise filing: contents, documents, gaps, and the upload form."""
    return _page(DocumentForm(formdata=None), None, 200)


@bp.post("/merchant/filing/documents")
@login_required(Role.MERCHANT)
def add_document() -> Page | Response:
    """Put a document on the enterprise's own filing."""
    actor = current_actor()
    assert actor.enterprise_id is not None  # merchant staff belong to an enterprise
    form = DocumentForm()
    error, status = upload(actor, actor.enterprise_id, form)
    if error is not None:
        return _page(form, error, status)
    return redirect(url_for("filing_pages.filing") + "#filing", code=303)


def upload(actor: Actor, enterprise_id: int, form: DocumentForm) -> tuple[str | None, int]:
    """Put the form's document on the filing in one unit of work: ``(None, 303)``, or the refusal's
    sentence and status. A 404 (an enterprise outside the remit) is not a form problem: it propagates."""
    if not form.validate():
        return str(_("Please choose what the document is.")), 400
    try:
        data = _file_bytes(form.file.data)
        with runtime().transaction() as db:
            document = enterprise_documents.add_document(
                db, actor, enterprise_id, DocumentUpload(form.kind.data or "", form.file.data.filename, data)
            )
            name = document.file_name
    except NoFile:
        return str(_("Choose the document's file (PDF, JPEG or PNG).")), 400
    except DomainError as exc:
        if status_of(exc) == 404:
            raise
        return refusal(exc), status_of(exc)
    flash(_("%(name)s is on file.", name=name))
    return None, 303


def refusal(exc: DomainError) -> str:
    """Why a document was refused, in the reader's language (English pages: the domain's message)."""
    if get_locale() is not None and str(get_locale().language) == "en":
        return exc.message
    megabytes = MAX_DOCUMENT_BYTES // (1024 * 1024)
    if isinstance(exc, FileTooLarge):
        return str(_("The file is larger than %(mb)s MB.", mb=megabytes))
    if isinstance(exc, FileRejected):
        return str(
            _("The file is empty.")
            if exc.reason == "empty"
            else _("Only PDF, JPEG or PNG files are accepted.")
        )
    if isinstance(exc, InvalidState):
        return str(_("The filing is revoked; it takes no more documents."))
    if isinstance(exc, InvalidInput) and exc.field == "kind":
        return str(_("This kind of document is no part of this enterprise's filing."))
    return str(_("The document was refused; nothing was saved."))


def section(db: Session, actor: Actor, enterprise_id: int, form: DocumentForm, action: str) -> dict[str, Any]:
    """What :data:`SECTION` shows: the filing's contents, the kinds offered and the form posting to
    ``action``."""
    contents = enterprise_documents.filing_contents(db, actor, enterprise_id)
    return {
        "contents": contents,
        "missing_text": _listed(office_labels.word(k) for k in contents.missing),
        "offered": enterprise_documents.accepted_kinds(contents.enterprise.kind),
        "document_form": form,
        "upload_url": action,
        "max_document_mb": MAX_DOCUMENT_BYTES // (1024 * 1024),
        "document_url": document_url,
        "file_size": file_size,
    }


def document_url(document: EnterpriseDocument) -> str:
    """Where a document's file is downloaded (the API's route; a signed-in session opens it)."""
    return url_for(
        "api.registry.enterprise_document", enterprise_id=document.enterprise_id, document_id=document.id
    )


def file_size(size: int) -> str:
    """A file's size for people: bytes, KB or MB (of 1,024)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _listed(words: Iterable[str]) -> str:
    """Words as a list in the reader's language: 营业执照、质量安全承诺书 / Business licence, ..."""
    english = get_locale() is not None and str(get_locale().language) == "en"
    return (", " if english else "、").join(words)


def _file_bytes(upload: object) -> bytes:
    if not isinstance(upload, FileStorage) or not upload.filename:
        raise NoFile
    return enterprise_documents.read_document(cast(BinaryIO, upload.stream))


def _page(form: DocumentForm, error: str | None, status: int) -> Page:
    actor = current_actor()
    assert actor.enterprise_id is not None
    with runtime().transaction() as db:
        action = url_for("filing_pages.add_document")
        page = render_template(
            "filing/merchant.html", error=error, **section(db, actor, actor.enterprise_id, form, action)
        )
    return (page, status) if status != 200 else page
