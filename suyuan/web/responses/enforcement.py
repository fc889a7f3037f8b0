"""Response models of the office's enforcement calls and of the public credit page's JSON twin.

Kept apart from ``responses.zone`` because :class:`PublicCredit` is read by anyone: it must hold the
public fields only, and having it next to the internal records makes the difference plain.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from suyuan.web.responses.common import DateTime, Shape
from suyuan.web.responses.enums import CreditGrade, FilingStatus

# suyuan.trace.model.SanctionAction
SanctionAction = Literal["suspend", "revoke", "lift"]
# suyuan.trace.model.CreditListKind
CreditListKind = Literal["abnormal_operations", "serious_violators"]
# suyuan.trace.model.BuyerRestrictionLevel
BuyerRestrictionLevel = Literal["watch", "block"]


class SanctionRecord(Shape):
    """One decision of an office against an enterprise's filing or a product's admission."""

    id: int
    enterprise_id: int
    product_id: int | None = Field(description="the product whose admission it concerns; null: the filing")
    action: SanctionAction
    reason: str
    office_id: int
    decided_at: DateTime
    status: FilingStatus = Field(description="the filing's or admission's status after the decision")


class SanctionList(Shape):
    """The decisions against one enterprise and its products, newest first."""

    filing_status: FilingStatus
    sanctions: list[SanctionRecord]


class CreditListRecord(Shape):
    """An enterprise on a credit list; ``removed_at`` once an office took it off."""

    id: int
    enterprise_id: int
    enterprise_name: str
    list_kind: CreditListKind
    reason: str
    office_id: int
    listed_at: DateTime
    removed_at: DateTime | None
    removal_reason: str | None


class CreditListEntries(Shape):
    """The list entries within the caller's remit, newest first."""

    entries: list[CreditListRecord]


class PublicListing(Shape):
    """A current list entry as published: the list, the reason, the date and the office."""

    list_kind: CreditListKind
    reason: str
    listed_on: str = Field(description="YYYY-MM-DD")
    office: str


class PublicEnterpriseCredit(Shape):
    """One merchant on the public credit page: public fields only."""

    name: str
    uscc: str
    office: str
    grade: CreditGrade
    filing_status: FilingStatus
    listings: list[PublicListing]


class PublicCredit(Shape):
    """Every merchant's grade, filing status and current list entries (no login)."""

    enterprises: list[PublicEnterpriseCredit]


class BuyerRestrictionRecord(Shape):
    """An office's restriction of a buyer (by masked name and hash prefix); ``lifted_at`` once ended."""

    id: int
    office_id: int
    buyer: str = Field(description="masked name and the buyer reference's first 8 characters")
    level: BuyerRestrictionLevel = Field(description="watch: exits wait for an officer; block: refused")
    rule: str = Field(description="the alert rule it followed, or 'manual'")
    reason: str
    decided_by: str
    decided_at: DateTime
    lifted_at: DateTime | None
    lifted_by: str | None
    lift_reason: str | None


class BuyerRestrictionList(Shape):
    """The office's buyer restrictions, newest first."""

    restrictions: list[BuyerRestrictionRecord]
