"""Sanctions and credit publicity (SZ Art. 30, CQ §2(2)3): the office's decisions against a filing,
and the abnormal-operations and serious-violators lists.

Kept apart from ``parties`` and ``goods`` because these rows are the office's record of what it did and
why (each decision with reason, date and office), while the filings only carry the resulting state.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
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
