"""Sanctions and credit publicity (SZ Art. 30, CQ §2(2)3): the office's decisions against a filing,
and the abnormal-operations and serious-violators lists; responsibility interviews, rectification orders
and the enterprise's rectification reports (G15 §2(3); :mod:`suyuan.trace.rectification`).

Kept apart from ``parties`` and ``goods`` because these rows are the office's record of what it did and
why (each decision with reason, date and office), while the filings only carry the resulting state.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from suyuan.trace.db import Base
from suyuan.trace.model.goods import Product
from suyuan.trace.model.parties import Enterprise, Office, str_enum
from suyuan.trace.model.types import UtcDateTime, utcnow


class SanctionAction(enum.StrEnum):
    """What an office did to a filing: suspend, revoke (final) or lift a suspension."""

    SUSPEND = "suspend"
    REVOKE = "revoke"
    LIFT = "lift"


class CreditListKind(enum.StrEnum):
    """The two public lists of the credit system (CQ §2(2)3)."""

    ABNORMAL_OPERATIONS = "abnormal_operations"
    SERIOUS_VIOLATORS = "serious_violators"


class Sanction(Base):
    """One decision against an enterprise's filing or one product's admission, with its reason."""

    __tablename__ = "sanction"
    __table_args__ = (Index("ix_sanction_enterprise", "enterprise_id", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    action: Mapped[SanctionAction] = mapped_column(str_enum(SanctionAction, "sanction_action"))
    reason: Mapped[str] = mapped_column(Text)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_by: Mapped[str] = mapped_column(String(200))

    enterprise: Mapped[Enterprise] = relationship()
    product: Mapped[Product | None] = relationship()
    office: Mapped[Office] = relationship()


class CreditListEntry(Base):
    """An enterprise put on a public credit list, until an office removes it (kept, with the removal)."""

    __tablename__ = "credit_list_entry"
    __table_args__ = (Index("ix_credit_list_entry_enterprise", "enterprise_id", "list_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    list_kind: Mapped[CreditListKind] = mapped_column(str_enum(CreditListKind, "credit_list_kind"))
    reason: Mapped[str] = mapped_column(Text)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    listed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    listed_by: Mapped[str] = mapped_column(String(200))
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    removed_by: Mapped[str | None] = mapped_column(String(200))
    removal_reason: Mapped[str | None] = mapped_column(Text)

    enterprise: Mapped[Enterprise] = relationship()
    office: Mapped[Office] = relationship()


class RectificationStatus(enum.StrEnum):
    """Where a rectification order stands; *overdue* is computed from the deadline, never stored."""

    OPEN = "open"  # awaiting the enterprise's report (again, after a rejected one)
    REPORTED = "reported"  # a report awaits the office's review
    CLOSED = "closed"  # the office accepted a report


class RectificationCause(enum.StrEnum):
    """What an order may name as its cause: a record of the office's remit, by its id."""

    COMPLAINT = "complaint"
    SPOT_CHECK = "spot_check"
    RISK_INFORMATION = "risk_information"
    RECALL = "recall"


class ReportDecision(enum.StrEnum):
    """The office's decision on a rectification report."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ResponsibilityInterview(Base):
    """A responsibility interview (责任约谈) an office held with an enterprise, as it recorded it."""

    __tablename__ = "responsibility_interview"
    __table_args__ = (Index("ix_responsibility_interview_enterprise", "enterprise_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))  # where, or by what means (video call, telephone)
    participants: Mapped[str] = mapped_column(Text)
    matter: Mapped[str] = mapped_column(Text)
    commitments: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))

    enterprise: Mapped[Enterprise] = relationship()
    office: Mapped[Office] = relationship()


class RectificationOrder(Base):
    """An order to rectify (责令整改) by a deadline, optionally naming the record that caused it."""

    __tablename__ = "rectification_order"
    __table_args__ = (Index("ix_rectification_order_enterprise", "enterprise_id", "issued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    matter: Mapped[str] = mapped_column(Text)
    requirements: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    cause_kind: Mapped[RectificationCause | None] = mapped_column(
        str_enum(RectificationCause, "rectification_cause")
    )
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"))
    spot_check_id: Mapped[int | None] = mapped_column(ForeignKey("spot_check.id"))
    risk_information_id: Mapped[int | None] = mapped_column(ForeignKey("risk_information.id"))
    recall_id: Mapped[int | None] = mapped_column(ForeignKey("recall.id"))
    status: Mapped[RectificationStatus] = mapped_column(
        str_enum(RectificationStatus, "rectification_status"), default=RectificationStatus.OPEN
    )
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    enterprise: Mapped[Enterprise] = relationship()
    office: Mapped[Office] = relationship()
    reports: Mapped[list[RectificationReport]] = relationship(
        back_populates="order", order_by="RectificationReport.id.desc()"
    )

    @property
    def cause_id(self) -> int | None:
        """The id of the record named as the cause (in the column of its kind), if any."""
        return self.complaint_id or self.spot_check_id or self.risk_information_id or self.recall_id


class RectificationReport(Base):
    """The enterprise's report on an order, with an optional file, and the office's decision on it."""

    __tablename__ = "rectification_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("rectification_order.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(200))
    media_type: Mapped[str | None] = mapped_column(String(32))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    submitted_by: Mapped[str] = mapped_column(String(200))
    decision: Mapped[ReportDecision] = mapped_column(
        str_enum(ReportDecision, "rectification_report_decision"), default=ReportDecision.PENDING
    )
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    rejection_reason: Mapped[str | None] = mapped_column(Text)

    order: Mapped[RectificationOrder] = relationship(back_populates="reports")


class RectificationReportFile(Base):
    """The bytes of a report's file, apart so that lists never read them."""

    __tablename__ = "rectification_report_file"

    report_id: Mapped[int] = mapped_column(ForeignKey("rectification_report.id"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
