"""Consumer complaints and their timelines, and the risk warnings an office publishes to all offices.

A complaint keeps the code it was filed from (GTIN, lot, serial) even when the code matched no batch: a
complaint about a fake is most useful exactly then. Its remit (office, enterprise) is copied from the
batch at filing time so that a merchant or office sees its own complaints with one indexed filter.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from suyuan.trace.db import Base
from suyuan.trace.model.goods import Batch
from suyuan.trace.model.parties import str_enum
from suyuan.trace.model.types import UtcDateTime, utcnow


class ComplaintCategory(enum.StrEnum):
    """What the consumer complains about (the issue's five categories)."""

    QUALITY = "quality"
    SUSPECTED_FAKE = "suspected_fake"
    LABELLING = "labelling"
    SAFETY_INCIDENT = "safety_incident"
    OTHER = "other"


class ComplaintStatus(enum.StrEnum):
    """received → triaged → answered → upheld | dismissed → closed (see docs/complaints.md)."""

    RECEIVED = "received"
    TRIAGED = "triaged"
    ANSWERED = "answered"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    CLOSED = "closed"


class Complaint(Base):
    """One consumer complaint about one scanned code; the reference is what the consumer keeps."""

    __tablename__ = "complaint"
    __table_args__ = (
        Index("ix_complaint_batch", "batch_id", "created_at"),
        Index("ix_complaint_office", "office_id", "status"),
        Index("ix_complaint_enterprise", "enterprise_id", "status"),
        Index("ix_complaint_device", "device_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    gtin: Mapped[str] = mapped_column(String(14), default="")
    lot: Mapped[str] = mapped_column(String(20), default="")
    serial: Mapped[str] = mapped_column(String(20), default="")
    code_url: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[str] = mapped_column(String(16), default="")
    category: Mapped[ComplaintCategory] = mapped_column(str_enum(ComplaintCategory, "complaint_category"))
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(200), default="")
    device_hash: Mapped[str] = mapped_column(String(32), default="")
    region: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[ComplaintStatus] = mapped_column(
        str_enum(ComplaintStatus, "complaint_status"), default=ComplaintStatus.RECEIVED
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    batch: Mapped[Batch | None] = relationship()
    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id", cascade="all, delete-orphan"
    )
    photo: Mapped[ComplaintPhoto | None] = relationship(cascade="all, delete-orphan")


class ComplaintEvent(Base):
    """One step of a complaint's life: a status change, a merchant's answer or an office note.

    ``public`` events (status changes and answers) are what the consumer sees under the reference.
    """

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(default=True)

    complaint: Mapped[Complaint] = relationship(back_populates="events")


class ComplaintPhoto(Base):
    """The photo a consumer attached, re-encoded after the scanner's safety checks (never the upload)."""

    __tablename__ = "complaint_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), unique=True)
    media_type: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary)


class WarningLevel(enum.StrEnum):
    """How strongly a risk warning speaks (风险警示): notice, warning, or danger (stop using)."""

    NOTICE = "notice"
    WARNING = "warning"
    DANGER = "danger"


class RiskWarning(Base):
    """A risk warning an office publishes to all offices and the public, optionally tied to goods."""

    __tablename__ = "risk_warning"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    level: Mapped[WarningLevel] = mapped_column(str_enum(WarningLevel, "warning_level"))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text, default="")
    hs_prefix: Mapped[str] = mapped_column(String(10), default="")
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    published_by: Mapped[str] = mapped_column(String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_by: Mapped[str] = mapped_column(String(200), default="")
    # Tightened control of the covered goods (SZ Art. 32; suyuan.trace.risk_warnings.tightened_control).
    sampling_factor: Mapped[int] = mapped_column(default=1)
    require_inspection: Mapped[bool] = mapped_column(default=False)
    hold_exits: Mapped[bool] = mapped_column(default=False)
