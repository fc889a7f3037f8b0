"""Responses of recalls, stop-sales, destruction, risk warnings and the public notice board (shapes of
suyuan.web.recall_json and suyuan.web.api_recalls).

As in ``recall_json``, a recall and a warning have a full face (office and merchant) and a public one
(consumers), which leaves out ids, people and internal accounting.
"""

from __future__ import annotations

from pydantic import Field

from suyuan.web.responses.common import DateTime, Shape
from suyuan.web.responses.enums import (
    BatchStatus,
    LedgerKind,
    NotificationSource,
    RecallKind,
    RecallScope,
    RecallStatus,
    WarningLevel,
)


class Recall(Shape):
    """A recall or stop-sale as the office and the batch's merchant see it."""

    id: int
    batch_id: int
    gtin: str
    lot: str
    product: str = Field(description="the product's name")
    batch_status: BatchStatus = Field(description="the batch's status now")
    kind: RecallKind
    scope: RecallScope
    status: RecallStatus
    voluntary: bool = Field(description="opened by the merchant rather than ordered by the office")
    reason: str
    instructions: str
    instructions_en: str
    source: str = Field(description="what opened it, e.g. spot_check:4; empty when opened by hand")
    affected_units: int = Field(description="units sold when it opened (sold-units scope)")
    affected_orders: int
    opened_at: DateTime
    opened_by: str
    closed_at: DateTime | None
    closed_by: str | None
    close_note: str | None


class RecallUnits(Shape):
    """Where a recall's units went; null where the batch has no zone ledger to count from."""

    on_ledger: bool = Field(description="the batch entered through an entry declaration")
    quantity: int
    codes_issued: int
    with_consumers: int | None
    returned: int = Field(description="units returned by consumers since it opened")
    destroyed: int = Field(description="units destroyed under it")
    in_zone: int | None
    outstanding: int | None = Field(description="units not yet accounted for")


class RecallWithUnits(Recall):
    """A recall with the account of its units."""

    units: RecallUnits


class RecallList(Shape):
    """Recalls visible to the caller, newest first."""

    recalls: list[Recall]


class RecallNotification(Shape):
    """A consumer to tell: where they left a contact, and the contact."""

    source: NotificationSource = Field(description="where the contact was left")
    reference: str = Field(description="the complaint's reference, or the serial of the claimed code")
    contact: str


class RecallNotifications(Shape):
    """Consumers who left a contact on a complaint or an "I bought this" claim about the batch."""

    recall_id: int
    notifications: list[RecallNotification]


class RecallDestruction(Shape):
    """Units of a batch under recall or stop-sale destroyed in the zone, as posted on the ledger."""

    ledger_entry: int = Field(description="the id of the ledger movement")
    batch_id: int
    kind: LedgerKind = Field(description="destruction")
    quantity: int = Field(description="signed: negative, a debit")
    source: str = Field(description="recall:<id>, or empty")
    in_zone: int = Field(description="the balance after it")


# --- warnings and the notice board ----------------------------------------------------------------


class NoticeProduct(Shape):
    """The goods a notice names."""

    name: str
    name_en: str
    gtin: str


class NoticeOffice(Shape):
    """The office that published a warning."""

    name: str
    name_en: str


class PublicWarning(Shape):
    """A risk warning as the public sees it."""

    level: WarningLevel
    title: str
    title_en: str
    body: str
    body_en: str
    hs_prefix: str | None = Field(description="the HS code prefix of the goods it names")
    product: NoticeProduct | None
    lot: str | None
    office: NoticeOffice | None
    published_at: DateTime


class RiskWarningRecord(PublicWarning):
    """A risk warning as regulators and merchants see it, withdrawn ones included."""

    id: int
    office_id: int
    product_id: int | None
    batch_id: int | None
    published_by: str
    withdrawn_at: DateTime | None
    withdrawn_by: str | None
    active: bool = Field(description="not withdrawn")
    sampling_factor: int = Field(description="tightened control: multiplies the covered goods' sampling rate")
    require_inspection: bool = Field(description="tightened control: a passed inspection before release")
    hold_exits: bool = Field(description="tightened control: exits of the covered goods wait for the office")


class RiskWarningList(Shape):
    """Every office's risk warnings."""

    warnings: list[RiskWarningRecord]


class PublicRecall(Shape):
    """An open recall or stop-sale as the public notice board shows it."""

    kind: RecallKind
    scope: RecallScope
    status: RecallStatus
    product: NoticeProduct
    lot: str
    reason: str
    instructions: str
    instructions_en: str
    voluntary: bool
    opened_at: DateTime


class PublicNotices(Shape):
    """The public notice board: active warnings and open recalls and stop-sales, nothing internal."""

    warnings: list[PublicWarning]
    recalls: list[PublicRecall]
