"""Supervision beyond admission: positive and key-supervision lists, risk information and its
assessment and disposal, and the office's supervised warehouses (issue 15 part B; R13, R15, R27, R48, R49).

Kept apart from ``goods.py`` and ``zone.py`` because these tables describe the office's supervision of
goods rather than the goods' own life: they are read by the release gate and the draw, never written by
the merchant's everyday flow (a merchant's self-report is the one exception).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from suyuan.trace.db import Base
from suyuan.trace.model.parties import Enterprise, Office, str_enum
from suyuan.trace.model.types import UtcDateTime, utcnow


class ListKind(enum.StrEnum):
    """The office's lists beside the negative list: goods it admits, goods it supervises closely."""

    POSITIVE = "positive"
    KEY_SUPERVISION = "key_supervision"


class ListMatch(enum.StrEnum):
    """How a list entry names goods: by a prefix of the HS code or by product category."""

    HS_PREFIX = "hs_prefix"
    CATEGORY = "category"


class SupervisionListEntry(Base):
    """One entry of an office's positive or key-supervision list; withdrawn entries stay on record."""

    __tablename__ = "supervision_list_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    list_kind: Mapped[ListKind] = mapped_column(str_enum(ListKind, "list_kind"))
    match: Mapped[ListMatch] = mapped_column(str_enum(ListMatch, "list_match"))
    value: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_by: Mapped[str] = mapped_column(String(200), default="")
    withdrawal_note: Mapped[str] = mapped_column(Text, default="")

    office: Mapped[Office] = relationship()


class RiskSource(enum.StrEnum):
    """Where a piece of risk information came from (G15 §2(2); SZ Art. 27)."""

    SELF_REPORT = "self_report"
    FOREIGN_NOTIFICATION = "foreign_notification"
    INCIDENT = "incident"


class RiskInfoStatus(enum.StrEnum):
    """``received`` → ``assessed`` (a risk assessment recorded) → measures may follow."""

    RECEIVED = "received"
    ASSESSED = "assessed"


class RiskLevel(enum.StrEnum):
    """The assessed level of a risk."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class DisposalKind(enum.StrEnum):
    """What an office turned a piece of risk information into."""

    WARNING = "warning"
    SPOT_CHECK = "spot_check"
    RECALL = "recall"


class RiskInformation(Base):
    """A piece of risk information the office received, with the goods it concerns."""

    __tablename__ = "risk_information"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    source: Mapped[RiskSource] = mapped_column(str_enum(RiskSource, "risk_source"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    hs_prefix: Mapped[str] = mapped_column(String(10), default="")
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[RiskInfoStatus] = mapped_column(
        str_enum(RiskInfoStatus, "risk_info_status"), default=RiskInfoStatus.RECEIVED
    )

    enterprise: Mapped[Enterprise | None] = relationship()
    assessments: Mapped[list[RiskAssessment]] = relationship(
        back_populates="information", order_by="RiskAssessment.id"
    )
    disposals: Mapped[list[RiskDisposal]] = relationship(
        back_populates="information", order_by="RiskDisposal.id"
    )


class RiskAssessment(Base):
    """The office's assessment of a piece of risk information: level, rationale, assessor."""

    __tablename__ = "risk_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    information_id: Mapped[int] = mapped_column(ForeignKey("risk_information.id"), index=True)
    level: Mapped[RiskLevel] = mapped_column(str_enum(RiskLevel, "risk_level"))
    rationale: Mapped[str] = mapped_column(Text)
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    assessed_by: Mapped[str] = mapped_column(String(200))

    information: Mapped[RiskInformation] = relationship(back_populates="assessments")


class RiskDisposal(Base):
    """The link from risk information to the measure it led to (a warning, a spot check, a recall)."""

    __tablename__ = "risk_disposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    information_id: Mapped[int] = mapped_column(ForeignKey("risk_information.id"), index=True)
    kind: Mapped[DisposalKind] = mapped_column(str_enum(DisposalKind, "disposal_kind"))
    target_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    information: Mapped[RiskInformation] = relationship(back_populates="disposals")


class SupervisedWarehouse(Base):
    """A warehouse enterprise the office designated as a supervised warehouse (SZ Art. 16, 34)."""

    __tablename__ = "supervised_warehouse"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    address: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)
    designated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    designated_by: Mapped[str] = mapped_column(String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_by: Mapped[str] = mapped_column(String(200), default="")

    enterprise: Mapped[Enterprise] = relationship()
