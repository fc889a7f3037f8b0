"""Who acts: inspection offices, filed enterprises (with their filing documents), their users, invitations
and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from suyuan.trace.db import Base
from suyuan.trace.model.types import UtcDateTime, utcnow


def str_enum(cls: type[enum.StrEnum], name: str) -> Enum:
    """Store a StrEnum by value as a plain string column (portable; no native PG enum to migrate)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        length=32,
    )


class EnterpriseKind(enum.StrEnum):
    """The three kinds of filed enterprise (DOMAIN.md §2)."""

    MERCHANT = "merchant"
    PLATFORM = "platform"
    WAREHOUSE = "warehouse"


class FilingStatus(enum.StrEnum):
    """State of an enterprise filing: filed, or sanctioned (SZ Art. 30)."""

    FILED = "filed"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class Role(enum.StrEnum):
    """What a signed-in user is: office staff, or staff of one enterprise."""

    REGULATOR = "regulator"
    MERCHANT = "merchant"


class TokenScope(enum.StrEnum):
    """What an API token may do: only read (safe methods), or read and write.

    A read-only token is what a dashboard, a report script or an auditor's tool needs; if it leaks, it
    cannot change anything.
    """

    READ = "read"
    WRITE = "write"


class Office(Base):
    """A branch inspection office (检验检疫分支机构): decides admission, supervises its merchants."""

    __tablename__ = "office"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Enterprise(Base):
    """A filed enterprise (企业备案), keyed by its unified social credit code."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EnterpriseKind] = mapped_column(str_enum(EnterpriseKind, "enterprise_kind"))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    org_code: Mapped[str] = mapped_column(String(9))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    filing_status: Mapped[FilingStatus] = mapped_column(
        str_enum(FilingStatus, "filing_status"), default=FilingStatus.FILED
    )
    commitment_signed: Mapped[bool] = mapped_column(default=False)
    credit_grade: Mapped[str] = mapped_column(String(2), default="B")
    address: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    office: Mapped[Office] = relationship()


class EnterpriseDocumentKind(enum.StrEnum):
    """What an enterprise filing holds beside its basic information (SZ Art. 8, 25; O15 §5).

    The three documents of SZ Art. 8 (business licence, organisation-code certificate, the signed
    quality-safety commitment), the enterprise's basic systems (企业基本制度: O15 §5; the ones SZ Art. 7,
    18 and 25 and G15 §2(4) name), and any other material the office asks for. Which of them an
    enterprise of each kind must have is :mod:`suyuan.trace.enterprise_documents`' rule.
    """

    BUSINESS_LICENCE = "business_licence"  # 营业执照
    ORG_CODE_CERTIFICATE = "org_code_certificate"  # 组织机构代码证 (now inside the USCC)
    QUALITY_COMMITMENT = "quality_commitment"  # 质量安全承诺书
    QUALITY_MANAGEMENT_SYSTEM = "quality_management_system"  # 质量安全管理制度 (SZ 7, 25)
    TRACEABILITY_SYSTEM = "traceability_system"  # 质量追溯制度 (O15 §3(2); SZ 17(2))
    RISK_RECALL_SYSTEM = "risk_recall_system"  # 产品风险主动报告和召回制度 (G15 §2(4))
    QUALITY_SUPERVISION_SYSTEM = "quality_supervision_system"  # 质量监督制度 (SZ 7 ¶2)
    PRE_LISTING_REVIEW_SYSTEM = "pre_listing_review_system"  # 前置约束 (SZ 18(1), 25)
    INFORMATION_DISCLOSURE_SYSTEM = "information_disclosure_system"  # 信息披露 (SZ 18(2), 25)
    FIRST_INQUIRY_SYSTEM = "first_inquiry_system"  # 首问负责、保证金和先行赔付 (SZ 18(3), 25)
    OTHER_DOCUMENT = "other_document"  # 其他相关资料 (SZ 8 "等相关资料")


class EnterpriseDocument(Base):
    """A document of an enterprise filing: what it is, the file as uploaded (name, type, size, SHA-256),
    and who put it on file when. The bytes are in :class:`EnterpriseDocumentFile`, read only to download.

    Documents are never changed or removed: a newer one of the same kind supersedes the older, which
    stays on record.
    """

    __tablename__ = "enterprise_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    kind: Mapped[EnterpriseDocumentKind] = mapped_column(
        str_enum(EnterpriseDocumentKind, "enterprise_document_kind")
    )
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(200))  # the actor's audit label
    uploaded_by_office: Mapped[bool] = mapped_column(default=False)  # the office put it on file

    enterprise: Mapped[Enterprise] = relationship()


class EnterpriseDocumentFile(Base):
    """The bytes of one enterprise document, apart so that listing documents never loads them."""

    __tablename__ = "enterprise_document_file"

    document_id: Mapped[int] = mapped_column(ForeignKey("enterprise_document.id"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class User(Base):
    """A person who signs in: regulators belong to an office, merchant staff to an enterprise."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(
            "(role = 'regulator' AND office_id IS NOT NULL AND enterprise_id IS NULL) OR "
            "(role = 'merchant' AND enterprise_id IS NOT NULL AND office_id IS NULL)",
            name="user_role_binding",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Bumped on logout and password change: a session cookie carries the generation it was issued
    # under, so every older cookie of the user stops working at once (server-side revocation).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # The administrator of its party (office or enterprise): adds, invites and disables its users.
    admin: Mapped[bool] = mapped_column(default=False, server_default=false())

    office: Mapped[Office | None] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship()


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    scope: Mapped[TokenScope] = mapped_column(
        Enum(
            TokenScope,
            name="token_scope",
            native_enum=False,
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
            length=16,
        ),
        default=TokenScope.WRITE,
        server_default="write",
    )

    user: Mapped[User] = relationship()


class Invitation(Base):
    """A one-time link through which an added user chooses a name and password (issue 13).

    Only the SHA-256 of the random token is stored, as for API tokens: a copy of the database does not
    let anyone take over a pending account. A link works once, until ``expires_at``, and only while it
    is the user's newest one (sending a new link revokes the older ones).
    """

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship()
