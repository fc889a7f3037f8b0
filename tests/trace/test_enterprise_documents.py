"""The contents of an enterprise filing (R6; SZ Art. 8, 25; O15 §5): documents, basic systems and gaps.

An enterprise files its business licence, its organisation-code certificate (carried by the USCC since
the 2015 reform) and its signed quality-safety commitment, and the basic systems of its kind. The
enterprise's own staff and its office put documents on file; nobody else sees them. Files are PDF, JPEG
or PNG by their bytes, never empty, at most 10 MB; a refusal writes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import enterprise_documents, sanctions
from suyuan.trace.actors import ANONYMOUS, OPERATOR
from suyuan.trace.enterprise_documents import (
    MAX_DOCUMENT_BYTES,
    SYSTEMS,
    DocumentUpload,
    ItemState,
    file_name,
)
from suyuan.trace.errors import FileRejected, FileTooLarge, InvalidInput, InvalidState, NotFound
from suyuan.trace.model import (
    AuditEntry,
    EnterpriseDocument,
    EnterpriseDocumentFile,
    EnterpriseDocumentKind,
    EnterpriseKind,
)
from tests.factories import World, make_enterprise, make_second_office, make_world

Kind = EnterpriseDocumentKind
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def world(session: Session, runtime: Runtime) -> World:
    return make_world(session, runtime.ring, with_key=False)


def pdf(kind: str, name: str = "doc.pdf", data: bytes = PDF) -> DocumentUpload:
    return DocumentUpload(kind, name, data)


def audit_length(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_a_new_filing_lists_what_it_lacks_and_takes_the_org_code_from_the_uscc(
    session: Session, world: World
) -> None:
    contents = enterprise_documents.filing_contents(session, world.regulator, world.merchant.id)
    assert [(i.kind, i.state) for i in contents.items] == [
        (Kind.BUSINESS_LICENCE, ItemState.MISSING),
        (Kind.ORG_CODE_CERTIFICATE, ItemState.IN_USCC),
        (Kind.QUALITY_COMMITMENT, ItemState.MISSING),
    ]
    assert [i.kind for i in contents.systems] == [
        Kind.QUALITY_MANAGEMENT_SYSTEM,
        Kind.TRACEABILITY_SYSTEM,
        Kind.RISK_RECALL_SYSTEM,
    ]
    assert contents.missing == (
        Kind.BUSINESS_LICENCE,
        Kind.QUALITY_COMMITMENT,
        Kind.QUALITY_MANAGEMENT_SYSTEM,
        Kind.TRACEABILITY_SYSTEM,
        Kind.RISK_RECALL_SYSTEM,
    )
    assert not contents.complete and contents.documents == ()
    assert world.merchant.org_code == world.merchant.uscc[8:17]  # what the page quotes


def test_the_enterprise_and_its_office_complete_the_filing_and_a_newer_document_supersedes(
    session: Session, world: World
) -> None:
    first = enterprise_documents.add_document(
        session, world.merchant_staff, world.merchant.id, pdf("business_licence", "执照.pdf")
    )
    for kind in ("quality_commitment", "quality_management_system", "traceability_system"):
        enterprise_documents.add_document(session, world.merchant_staff, world.merchant.id, pdf(kind))
    by_office = enterprise_documents.add_document(
        session, world.regulator, world.merchant.id, pdf("risk_recall_system", "召回制度.pdf")
    )
    renewed = enterprise_documents.add_document(
        session, world.merchant_staff, world.merchant.id, pdf("business_licence", "执照-2027.pdf", PDF + b" ")
    )
    session.commit()
    contents = enterprise_documents.filing_contents(session, world.merchant_staff, world.merchant.id)
    assert contents.complete and contents.missing == ()
    licence = contents.items[0]
    assert licence.state is ItemState.ON_FILE and licence.document is not None
    assert licence.document.id == renewed.id  # the newest of its kind is the one in force
    assert contents.documents[0].id == renewed.id and first in contents.documents  # the older stays
    assert contents.items[1].state is ItemState.IN_USCC  # still no certificate needed
    assert (by_office.uploaded_by_office, first.uploaded_by_office) == (True, False)
    assert by_office.uploaded_by == world.regulator.label
    assert first.size == len(PDF) and first.sha256 == hashlib.sha256(PDF).hexdigest()
    assert enterprise_documents.document_file(session, first) == PDF


def test_an_uploaded_org_code_certificate_is_kept_and_shown(session: Session, world: World) -> None:
    enterprise_documents.add_document(
        session, world.regulator, world.merchant.id, pdf("org_code_certificate", "代码证.pdf")
    )
    item = enterprise_documents.filing_contents(session, world.regulator, world.merchant.id).items[1]
    assert item.state is ItemState.ON_FILE and item.document is not None


def test_each_kind_of_enterprise_has_its_own_systems(session: Session, world: World) -> None:
    platform = make_enterprise(session, kind="platform")
    warehouse = make_enterprise(session, kind="warehouse")
    platform_systems = enterprise_documents.filing_contents(session, OPERATOR, platform.id).systems
    assert [i.kind for i in platform_systems] == [
        Kind.QUALITY_SUPERVISION_SYSTEM,
        Kind.PRE_LISTING_REVIEW_SYSTEM,
        Kind.INFORMATION_DISCLOSURE_SYSTEM,
        Kind.FIRST_INQUIRY_SYSTEM,
    ]
    assert [
        i.kind for i in enterprise_documents.filing_contents(session, OPERATOR, warehouse.id).systems
    ] == [Kind.QUALITY_MANAGEMENT_SYSTEM]
    assert set(SYSTEMS) == set(EnterpriseKind)
    with pytest.raises(InvalidInput) as refused:  # a merchant runs no platform's pre-listing review
        enterprise_documents.add_document(
            session, OPERATOR, world.merchant.id, pdf("pre_listing_review_system")
        )
    assert refused.value.field == "kind"
    other = enterprise_documents.add_document(session, OPERATOR, world.merchant.id, pdf("other_document"))
    assert other.kind is Kind.OTHER_DOCUMENT  # other material is taken, and required of nobody
    assert (
        Kind.OTHER_DOCUMENT
        not in enterprise_documents.filing_contents(session, OPERATOR, world.merchant.id).missing
    )


def test_files_are_recognised_by_their_bytes_not_their_names(session: Session, world: World) -> None:
    actor, enterprise_id = world.merchant_staff, world.merchant.id
    png = enterprise_documents.add_document(
        session, actor, enterprise_id, pdf("business_licence", "执照.pdf", PNG)
    )
    jpeg = enterprise_documents.add_document(
        session, actor, enterprise_id, pdf("other_document", "scan.JPEG", JPEG)
    )
    assert (png.media_type, png.file_name) == ("image/png", "执照.pdf.png")  # never downloaded as .pdf
    assert (jpeg.media_type, jpeg.file_name) == ("image/jpeg", "scan.JPEG")


@pytest.mark.parametrize(
    ("upload", "error", "reason"),
    [
        (pdf("business_licence", data=b""), FileRejected, "empty"),
        (pdf("business_licence", "page.pdf", b"<html><script>alert(1)</script>"), FileRejected, "type"),
        (pdf("business_licence", "a.pdf", b"MZ\x90\x00" + b"\x00" * 64), FileRejected, "type"),
        (pdf("business_licence", data=b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES), FileTooLarge, None),
        (pdf("passport"), InvalidInput, None),
        (pdf("BUSINESS_LICENCE"), InvalidInput, None),
    ],
    ids=["empty", "html", "exe", "oversized", "unknown-kind", "kind-in-capitals"],
)
def test_bad_uploads_are_refused_and_nothing_is_written(
    session: Session, world: World, upload: DocumentUpload, error: type[Exception], reason: str | None
) -> None:
    before = audit_length(session)
    with pytest.raises(error) as refused:
        enterprise_documents.add_document(session, world.merchant_staff, world.merchant.id, upload)
    assert getattr(refused.value, "reason", None) == reason
    session.rollback()
    assert audit_length(session) == before
    assert session.scalar(select(func.count()).select_from(EnterpriseDocument)) == 0
    assert session.scalar(select(func.count()).select_from(EnterpriseDocumentFile)) == 0


def test_an_upload_is_read_at_most_one_byte_past_the_limit() -> None:
    class Endless(io.RawIOBase):
        read_bytes = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            buffer[:] = b"\x00" * len(buffer)
            self.read_bytes += len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(FileTooLarge):
        enterprise_documents.read_document(io.BufferedReader(stream))
    assert stream.read_bytes <= MAX_DOCUMENT_BYTES + 64 * 1024  # one buffer past the limit, never the rest
    assert enterprise_documents.read_document(io.BytesIO(PDF)) == PDF


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("C:\\Users\\王\\营业执照.pdf", "营业执照.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("licence\r\n\x00.pdf", "licence .pdf"),
        ("", "business_licence.pdf"),
        ("report.PDF", "report.PDF"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
        ("y" * 300, "y" * 196 + ".pdf"),
    ],
)
def test_file_names_lose_their_paths_and_control_characters_and_fit(given: str, kept: str) -> None:
    assert file_name(given, Kind.BUSINESS_LICENCE, "application/pdf") == kept
    assert len(kept) <= 200


def test_nobody_outside_the_remit_sees_or_adds_documents(
    session: Session, runtime: Runtime, world: World
) -> None:
    office_b = make_second_office(session)
    document = enterprise_documents.add_document(
        session, world.merchant_staff, world.merchant.id, pdf("business_licence")
    )
    session.commit()
    before = audit_length(session)
    unknown_document, unknown_enterprise = document.id + 1000, world.merchant.id + 1000
    for outsider in (world.merchant_b_staff, office_b.regulator, office_b.merchant_staff, ANONYMOUS):
        for call, unknown in (
            (lambda a, i: enterprise_documents.filing_contents(session, a, i), unknown_enterprise),
            (lambda a, i: enterprise_documents.list_documents(session, a, i), unknown_enterprise),
            (
                lambda a, i: enterprise_documents.add_document(session, a, i, pdf("other_document")),
                unknown_enterprise,
            ),
        ):
            messages = []
            for enterprise_id in (world.merchant.id, unknown):
                with pytest.raises(NotFound) as missing:
                    call(outsider, enterprise_id)
                messages.append(missing.value.message.replace(str(enterprise_id), "<id>"))
            assert messages[0] == messages[1]
        for document_id in (document.id, unknown_document):
            with pytest.raises(NotFound, match=f"enterprise document {document_id} does not exist"):
                enterprise_documents.get_document(session, outsider, document_id)
    with pytest.raises(NotFound):  # the right document under another enterprise's path
        enterprise_documents.get_document(session, world.merchant_staff, document.id, world.merchant_b.id)
    assert audit_length(session) == before


def test_a_revoked_filing_takes_no_documents_but_keeps_its_own(session: Session, world: World) -> None:
    enterprise_documents.add_document(
        session, world.merchant_staff, world.merchant.id, pdf("business_licence")
    )
    sanctions.sanction_enterprise(session, world.regulator, world.merchant.id, "revoke", "counterfeits sold")
    with pytest.raises(InvalidState):
        enterprise_documents.add_document(
            session, world.regulator, world.merchant.id, pdf("quality_commitment")
        )
    assert len(enterprise_documents.list_documents(session, world.regulator, world.merchant.id)) == 1


def test_adding_a_document_is_audited(session: Session, world: World) -> None:
    document = enterprise_documents.add_document(
        session, world.merchant_staff, world.merchant.id, pdf("quality_commitment", "承诺书.pdf")
    )
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.action == "enterprise.document_added"
    assert entry.subject == f"enterprise:{world.merchant.id}" and entry.actor == world.merchant_staff.label
    assert json.loads(entry.payload) == {
        "document": document.id,
        "kind": "quality_commitment",
        "file_name": "承诺书.pdf",
        "media_type": "application/pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
    }


def test_the_gaps_of_many_enterprises_agree_with_each_filing(session: Session, world: World) -> None:
    platform = make_enterprise(session, kind="platform")
    enterprise_documents.add_document(session, OPERATOR, world.merchant.id, pdf("business_licence"))
    enterprise_documents.add_document(session, OPERATOR, platform.id, pdf("first_inquiry_system"))
    enterprises = [world.merchant, world.merchant_b, platform]
    gaps = enterprise_documents.missing_by_enterprise(session, enterprises)
    for e in enterprises:
        assert gaps[e.id] == enterprise_documents.filing_contents(session, OPERATOR, e.id).missing
    assert Kind.BUSINESS_LICENCE not in gaps[world.merchant.id] and Kind.BUSINESS_LICENCE in gaps[platform.id]
    assert enterprise_documents.missing_by_enterprise(session, []) == {}


def test_an_office_files_an_enterprise_whatever_its_documents(session: Session, world: World) -> None:
    """Gaps do not block filing (R6 records the contents; a sanction is the office's decision)."""
    filed = make_enterprise(session)
    contents = enterprise_documents.filing_contents(session, world.regulator, filed.id)
    assert filed.commitment_signed and not contents.complete
