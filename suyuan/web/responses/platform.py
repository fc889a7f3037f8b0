"""Responses of the platform's read-only view (``GET /api/v1/platform/overview``, docs/ceb.md §6).

What a platform's staff read about the goods sold on it (:mod:`suyuan.trace.platform_view`): the
office's admission decisions, recalls and stop-sales, risk warnings and complaints, and the receipts of
its orders. Each shape holds exactly what the domain allows a platform to read: no complainant's
contact, no office's internal reason.
"""

from __future__ import annotations

from pydantic import Field

from suyuan.web.responses import enums
from suyuan.web.responses.ceb import Receipt
from suyuan.web.responses.common import DateTime, Shape


class PlatformIdentity(Shape):
    """The platform enterprise the caller works for."""

    id: int
    name: str


class PlatformAdmission(Shape):
    """The office's decision on a product on the platform's orders, and a sanction on it if any."""

    product_id: int
    gtin: str
    name: str
    name_en: str
    seller: str = Field(description="the merchant that filed the product")
    admission_status: enums.AdmissionStatus
    risk_class: enums.RiskClass | None
    consumer_disclosure: str | None = Field(description="what the buyer must accept (SZ Art. 11), or null")
    consumer_disclosure_en: str | None
    decided_at: DateTime | None
    sanction_status: enums.FilingStatus = Field(description="suspended or revoked: it may not be sold")


class PlatformRecall(Shape):
    """A recall or stop-sale of a batch of a product on the platform's orders."""

    id: int
    kind: enums.RecallKind
    scope: enums.RecallScope
    status: enums.RecallStatus
    reason: str
    reason_en: str
    instructions: str
    instructions_en: str
    product: str
    gtin: str
    lot: str
    opened_at: DateTime
    closed_at: DateTime | None
    units_sold_here: int = Field(description="units of the batch sold on this platform: its buyers to tell")


class PlatformWarning(Shape):
    """A risk warning naming goods on the platform's orders (a product, a batch or an HS prefix)."""

    id: int
    level: enums.WarningLevel
    title: str
    title_en: str
    body: str
    body_en: str
    goods: str = Field(description="what the warning names, as people read it")
    published_at: DateTime
    withdrawn_at: DateTime | None


class PlatformComplaint(Shape):
    """A consumer's complaint about a unit sold on the platform, with the order it left on (no contact)."""

    id: int
    reference: str
    category: enums.ComplaintCategory
    status: enums.ComplaintStatus
    text: str
    product: str
    gtin: str
    lot: str
    serial: str
    order_no: str = Field(description="the platform's order the unit was sold on")
    filed_at: DateTime
    updated_at: DateTime


class PlatformOverview(Shape):
    """Everything the platform's staff read about what was sold on it, newest first, 200 of each at most."""

    platform: PlatformIdentity
    admissions: list[PlatformAdmission]
    recalls: list[PlatformRecall]
    warnings: list[PlatformWarning]
    complaints: list[PlatformComplaint]
    receipts: list[Receipt]
