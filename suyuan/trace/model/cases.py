"""Major-case reports (重大案件及时上报, G15 §3(5)) and their notices to the other offices (G15 §2(2)-(3)).

Kept apart from ``sanctions`` and ``supervision`` because these rows are an exchange between bureaus
about a case already on record (a complaint, a recall, risk information or a failed spot check), not a
decision on an enterprise: the reporting office's summary, and one notice per receiving office with its
acknowledgement (:mod:`suyuan.trace.major_cases`).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from suyuan.trace.db import Base
from suyuan.trace.model.parties import Enterprise, Office, str_enum
from suyuan.trace.model.types import UtcDateTime, utcnow


class MajorCaseKind(enum.StrEnum):
    """The kind of record an office marks as a major case."""

    COMPLAINT = "complaint"
    RECALL = "recall"
    RISK_INFORMATION = "risk_information"
    SPOT_CHECK = "spot_check"


class MajorCaseReport(Base):
    """A case an office marked as major, with its summary; at most one report per case."""

    __tablename__ = "major_case_report"
    __table_args__ = (UniqueConstraint("case_kind", "case_id", name="uq_major_case_report_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    case_kind: Mapped[MajorCaseKind] = mapped_column(str_enum(MajorCaseKind, "major_case_kind"))
    case_id: Mapped[int] = mapped_column()
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    summary: Mapped[str] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    reported_by: Mapped[str] = mapped_column(String(200))

    office: Mapped[Office] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship()
    notices: Mapped[list[MajorCaseNotice]] = relationship(
        back_populates="report", order_by="MajorCaseNotice.id"
    )


class MajorCaseNotice(Base):
    """A major-case report as sent to one other office, and that office's acknowledgement."""

    __tablename__ = "major_case_notice"
    __table_args__ = (
        UniqueConstraint("report_id", "office_id", name="uq_major_case_notice_office"),
        Index("ix_major_case_notice_office", "office_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("major_case_report.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[str] = mapped_column(String(200), default="")

    report: Mapped[MajorCaseReport] = relationship(back_populates="notices")
    office: Mapped[Office] = relationship()
