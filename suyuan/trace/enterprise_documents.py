"""The contents of an enterprise filing: its documents, its basic systems, and what is still missing.

SZ Art. 8 asks an enterprise to file its basic information with the business licence (营业执照), the
organisation-code certificate (组织机构代码证) and the signed *Quality Safety Commitment*
(质量安全承诺书); O15 §5 adds the enterprise's basic systems (企业基本制度), and SZ Art. 7, 18 and 25 and
G15 §2(4) name the ones the office checks. :data:`FILING_DOCUMENTS` and :data:`SYSTEMS` turn that into
one fixed list per kind of enterprise; :func:`filing_contents` says, item by item, what is on file and
what is missing.

* **The organisation code.** Since the 2015 "three certificates in one" reform the unified social credit
  code (USCC) replaced the organisation-code certificate: characters 9-17 of the USCC *are* the
  organisation code (GB 32100, checked when the enterprise is filed). The item therefore counts as
  present without a document (``in_uscc``) and pages say so; an uploaded certificate is kept and shown.
* **Gaps do not block.** The office files an enterprise whatever its documents (the filing records
  the commitment as signed, :func:`suyuan.trace.registry.file_enterprise`), and the enterprise or its
  office adds the documents afterwards. The gaps are shown to both on their pages and in the API, so a
  demanding office sees them and can act (a sanction, SZ Art. 30, is its decision, not this module's).
* **Files.** PDF, JPEG or PNG, recognised by their first bytes (never by the name or the type the client
  claims), at most :data:`MAX_DOCUMENT_BYTES`, not empty: the limits of a report upload at the desk. The
  bytes are stored in the database beside the document's SHA-256 and served only as a download, under
  a file name whose extension matches the recognised type.
* **Who.** The enterprise's own staff and the office in whose remit the enterprise lies, for adding,
  listing and downloading alike (:mod:`suyuan.trace.remit`); to anyone else a document or its
  enterprise does not exist. Documents are never edited or removed: a newer document of the same kind
  supersedes the older one, which stays on record. A revoked filing takes no more documents.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import audit, fields
from suyuan.trace.actors import Actor
from suyuan.trace.errors import FileRejected, FileTooLarge, InvalidInput, InvalidState, NotFound
from suyuan.trace.model import (
    Enterprise,
    EnterpriseDocument,
    EnterpriseDocumentFile,
    EnterpriseDocumentKind,
    EnterpriseKind,
    FilingStatus,
)
from suyuan.trace.remit import visible

Kind = EnterpriseDocumentKind

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
"""The largest document file accepted: a scanned licence or a system of many pages fits easily."""

MAX_FILE_NAME = 200

MEDIA_TYPES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
"""The file types accepted, by the bytes they start with."""

EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}
"""File-name extensions of each accepted type; the first is added to a name that has none of them."""

FILING_DOCUMENTS: tuple[Kind, ...] = (
    Kind.BUSINESS_LICENCE,
    Kind.ORG_CODE_CERTIFICATE,
    Kind.QUALITY_COMMITMENT,
)
"""The documents every enterprise files (SZ Art. 8), whatever its kind."""

SYSTEMS: dict[EnterpriseKind, tuple[Kind, ...]] = {
    # the subject of quality-safety responsibility (SZ 7 ¶1, 25), marks its goods for tracing (O15 §3(2),
    # SZ 17(2)) and reports risks and recalls of its own accord (G15 §2(4))
    EnterpriseKind.MERCHANT: (
        Kind.QUALITY_MANAGEMENT_SYSTEM,
        Kind.TRACEABILITY_SYSTEM,
        Kind.RISK_RECALL_SYSTEM,
    ),
    # quality supervision of its merchants (SZ 7 ¶2) through the three mechanisms of SZ Art. 18 (and 25)
    EnterpriseKind.PLATFORM: (
        Kind.QUALITY_SUPERVISION_SYSTEM,
        Kind.PRE_LISTING_REVIEW_SYSTEM,
        Kind.INFORMATION_DISCLOSURE_SYSTEM,
        Kind.FIRST_INQUIRY_SYSTEM,
    ),
    # the quality-safety management of the goods it keeps (SZ 25: every e-commerce entity)
    EnterpriseKind.WAREHOUSE: (Kind.QUALITY_MANAGEMENT_SYSTEM,),
}
"""The basic systems (企业基本制度) an enterprise of each kind must have on file (O15 §5; SZ Art. 25)."""


class ItemState(enum.StrEnum):
    """Where one required item of a filing stands."""

    ON_FILE = "on_file"  # a document of its kind is on file
    IN_USCC = "in_uscc"  # the organisation code, carried by the USCC (three certificates in one)
    MISSING = "missing"


@dataclass(frozen=True)
class DocumentUpload:
    """A document as it arrives: its kind (a value of :class:`EnterpriseDocumentKind`), the name the
    sender gave the file, and the file's bytes."""

    kind: str
    file_name: str
    data: bytes


@dataclass(frozen=True)
class FilingItem:
    """One required item: its kind, its state, and the newest document of its kind (if any)."""

    kind: Kind
    state: ItemState
    document: EnterpriseDocument | None


@dataclass(frozen=True)
class FilingContents:
    """An enterprise's filing: the SZ Art. 8 documents, the systems of its kind, every document on file."""

    enterprise: Enterprise
    items: tuple[FilingItem, ...]
    systems: tuple[FilingItem, ...]
    documents: tuple[EnterpriseDocument, ...]  # newest first

    @property
    def missing(self) -> tuple[Kind, ...]:
        """The required items without a document (the organisation code never is: the USCC holds it)."""
        return tuple(i.kind for i in (*self.items, *self.systems) if i.state is ItemState.MISSING)

    @property
    def complete(self) -> bool:
        """Whether nothing required is missing."""
        return not self.missing


def required_kinds(kind: EnterpriseKind) -> tuple[Kind, ...]:
    """What an enterprise of ``kind`` must have on file: the SZ Art. 8 documents, then its systems."""
    return FILING_DOCUMENTS + SYSTEMS[kind]


def accepted_kinds(kind: EnterpriseKind) -> tuple[Kind, ...]:
    """The kinds of document an enterprise of ``kind`` files: the required ones and other material.

    Another kind's systems (a merchant's "pre-listing review", a platform's "traceability") are refused:
    they are no part of its filing and would read as if it had a duty it has not.
    """
    return (*required_kinds(kind), Kind.OTHER_DOCUMENT)


def missing_kinds(kind: EnterpriseKind, on_file: Iterable[Kind]) -> tuple[Kind, ...]:
    """The required kinds of an enterprise of ``kind`` that ``on_file`` lacks (in the order of the list)."""
    held = set(on_file) | {Kind.ORG_CODE_CERTIFICATE}  # the USCC carries the organisation code
    return tuple(k for k in required_kinds(kind) if k not in held)


def read_document(stream: BinaryIO) -> bytes:
    """Read an uploaded file, at most :data:`MAX_DOCUMENT_BYTES` (one byte more is refused unread)."""
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _too_large()
    return data


def add_document(
    session: Session, actor: Actor, enterprise_id: int, upload: DocumentUpload
) -> EnterpriseDocument:
    """Put a document on the enterprise's filing: its own staff or its office; audited."""
    enterprise = visible(session, actor, Enterprise, enterprise_id)
    if enterprise.filing_status is FilingStatus.REVOKED:
        raise InvalidState(f"the filing of enterprise {enterprise.id} is revoked; it takes no documents")
    kind = fields.choice(Kind, upload.kind, "kind")
    if kind not in accepted_kinds(enterprise.kind):
        raise InvalidInput(f"a {enterprise.kind} does not file a {kind}", field="kind")
    media_type = media_type_of(upload.data)
    document = EnterpriseDocument(
        enterprise_id=enterprise.id,
        kind=kind,
        file_name=file_name(upload.file_name, kind, media_type),
        media_type=media_type,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        uploaded_by=actor.label,
        uploaded_by_office=actor.is_regulator,
    )
    session.add(document)
    session.flush()
    session.add(EnterpriseDocumentFile(document_id=document.id, data=upload.data))
    audit.record(
        session,
        actor=actor.label,
        action="enterprise.document_added",
        subject=f"enterprise:{enterprise.id}",
        payload={
            "document": document.id,
            "kind": kind.value,
            "file_name": document.file_name,
            "media_type": media_type,
            "size": document.size,
            "sha256": document.sha256,
        },
    )
    return document


def media_type_of(data: bytes) -> str:
    """The media type of an accepted file, from its first bytes; refuse an empty, oversized or other one."""
    if not data:
        raise FileRejected("the file is empty", "empty")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _too_large()
    for signature, media_type in MEDIA_TYPES:
        if data.startswith(signature):
            return media_type
    raise FileRejected("only PDF, JPEG or PNG files are accepted", "type")


def file_name(given: str, kind: str, media_type: str) -> str:
    """The name a document is kept and downloaded under: the last part of the name the sender gave,
        without control characters, at most :data:`MAX_FILE_NAME` characters, ending in an extension of its
        recognised type (added when missing, so a PDF is never saved as ``.html``); ``kind`` (a document kind,
    or any other word for what the file is) if none."""
    name = (given or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join("".join(c if c.isprintable() else " " for c in name).split())
    extensions = EXTENSIONS[media_type]
    if not name.lower().endswith(extensions):
        name = (name or str(kind)) + extensions[0]
    stem, dot, extension = name.rpartition(".")
    return stem[: MAX_FILE_NAME - len(extension) - 1] + dot + extension


def list_documents(session: Session, actor: Actor, enterprise_id: int) -> list[EnterpriseDocument]:
    """The documents of an enterprise within the actor's remit, newest first (bytes not loaded)."""
    enterprise = visible(session, actor, Enterprise, enterprise_id)
    return _documents_of(session, enterprise.id)


def get_document(
    session: Session, actor: Actor, document_id: int, enterprise_id: int | None = None
) -> EnterpriseDocument:
    """One document within the actor's remit (of ``enterprise_id``, when given); others: ``NotFound``."""
    document = visible(session, actor, EnterpriseDocument, document_id)
    if enterprise_id is not None and document.enterprise_id != enterprise_id:
        raise NotFound(f"enterprise document {document_id} does not exist")
    return document


def document_file(session: Session, document: EnterpriseDocument) -> bytes:
    """The bytes of a document already found within the caller's remit (:func:`get_document`)."""
    data = session.scalar(
        select(EnterpriseDocumentFile.data).where(EnterpriseDocumentFile.document_id == document.id)
    )
    if data is None:  # every document is written with its file; a missing one is not the caller's fault
        raise RuntimeError(f"enterprise document {document.id} has no file")
    return data


def filing_contents(session: Session, actor: Actor, enterprise_id: int) -> FilingContents:
    """An enterprise's filing within the actor's remit, item by item, with what is missing."""
    enterprise = visible(session, actor, Enterprise, enterprise_id)
    documents = _documents_of(session, enterprise.id)
    newest: dict[Kind, EnterpriseDocument] = {}
    for document in documents:  # newest first: the first of a kind is the one in force
        newest.setdefault(document.kind, document)
    return FilingContents(
        enterprise=enterprise,
        items=tuple(_item(kind, newest.get(kind)) for kind in FILING_DOCUMENTS),
        systems=tuple(_item(kind, newest.get(kind)) for kind in SYSTEMS[enterprise.kind]),
        documents=tuple(documents),
    )


def missing_by_enterprise(session: Session, enterprises: Sequence[Enterprise]) -> dict[int, tuple[Kind, ...]]:
    """What each of ``enterprises`` (already within the caller's remit) still lacks, in one query."""
    ids = [e.id for e in enterprises]
    held: dict[int, set[Kind]] = {i: set() for i in ids}
    if ids:
        rows = session.execute(
            select(EnterpriseDocument.enterprise_id, EnterpriseDocument.kind)
            .where(EnterpriseDocument.enterprise_id.in_(ids))
            .distinct()
        )
        for enterprise_id, kind in rows:
            held[enterprise_id].add(kind)
    return {e.id: missing_kinds(e.kind, held[e.id]) for e in enterprises}


def _item(kind: Kind, document: EnterpriseDocument | None) -> FilingItem:
    if document is not None:
        return FilingItem(kind, ItemState.ON_FILE, document)
    state = ItemState.IN_USCC if kind is Kind.ORG_CODE_CERTIFICATE else ItemState.MISSING
    return FilingItem(kind, state, None)


def _documents_of(session: Session, enterprise_id: int) -> list[EnterpriseDocument]:
    stmt = (
        select(EnterpriseDocument)
        .where(EnterpriseDocument.enterprise_id == enterprise_id)
        .order_by(EnterpriseDocument.id.desc())
    )
    return list(session.scalars(stmt))


def _too_large() -> FileTooLarge:
    megabytes = MAX_DOCUMENT_BYTES // (1024 * 1024)
    return FileTooLarge(f"the file is larger than {megabytes} MB", field="file")
