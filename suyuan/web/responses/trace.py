"""The trace document of a batch or a complaint (``TraceDocument.as_json`` of the trace package).

Never a row per code or per scan: codes are ranges and counts, scans aggregates, orders a page with
totals; buyers appear masked and complaints without their contact. A trace started from a complaint
whose code matched no batch holds only the complaint, the product its GTIN names and its supplier:
the other parts are ``null`` and the lists empty.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from suyuan.web.responses.common import Date, DateTime, Sha256, Shape, Supplier
from suyuan.web.responses.enums import (
    AdmissionStatus,
    BatchStatus,
    ComplaintCategory,
    ComplaintStatus,
    CreditGrade,
    EntryStatus,
    ExitStatus,
    ProductCategory,
    QuarantineOutcome,
    QuarantineScope,
    QuarantineStatus,
    RecallKind,
    RecallScope,
    RecallStatus,
    ReportKind,
    ReportStatus,
    RiskClass,
    SampleChannel,
    SpotCheckStatus,
    Verdict,
)


class TracedComplaint(Shape):
    """The complaint a trace started from: what the consumer said, never their contact or device."""

    id: int
    reference: str
    category: ComplaintCategory
    status: ComplaintStatus
    verdict: Verdict
    gtin: str
    lot: str
    serial: str
    region: str
    text: str
    created_at: DateTime
    batch_id: int | None


class TracedProduct(Shape):
    """The product filing and the office's admission decision."""

    id: int
    gtin: str
    name: str
    name_en: str
    brand: str
    hs_code: str
    category: ProductCategory
    manufacturer: str
    origin_country: str
    risk_class: RiskClass | None
    admission_status: AdmissionStatus


class TracedMerchant(Shape):
    """The operating enterprise that bears quality-safety responsibility."""

    id: int
    name: str
    name_en: str
    uscc: str
    credit_grade: CreditGrade
    office_id: int


class TracedBatch(Shape):
    """The lot: its identity, status, quantity and dates."""

    id: int
    gtin: str
    lot: str
    traceability_lot_code: str = Field(description="GS1 element string, e.g. (01)09421234500010(10)L1")
    status: BatchStatus
    quantity: int
    production_date: Date | None
    expiry_date: Date | None
    created_at: DateTime


class TracedQuarantine(Shape):
    """One quarantine result of the entry."""

    scope: QuarantineScope
    outcome: QuarantineOutcome
    treatment: str
    recorded_at: DateTime


class TracedEntry(Shape):
    """The entry declaration the batch came in with, and its quarantine."""

    declaration_id: int
    reference: str
    transport_doc: str
    status: EntryStatus
    declared_at: DateTime
    declared_quantity: int = Field(description="units of this batch on the declaration")
    quarantine_status: QuarantineStatus
    quarantine: list[TracedQuarantine]


class TracedReport(Shape):
    """A test report or conformity declaration and the office's review of it."""

    id: int
    kind: ReportKind
    number: str
    issuer: str
    issued_on: Date
    valid_until: Date | None
    sha256: Sha256
    status: ReportStatus
    submitted_at: DateTime
    reviewed_at: DateTime | None


class TracedSpotCheck(Shape):
    """A spot check and its result (merchants see decided checks only)."""

    id: int
    status: SpotCheckStatus
    channel: SampleChannel | None
    sample_quantity: int
    lab: str
    failed_items: list[str]
    planned_at: DateTime
    sampled_at: DateTime | None
    decided_at: DateTime | None
    recall_id: int | None = Field(description="the recall a failure opened")


class TracedRecall(Shape):
    """A recall or stop-sale of the batch."""

    id: int
    kind: RecallKind
    scope: RecallScope
    status: RecallStatus
    voluntary: bool
    reason: str
    instructions: str
    affected_units: int
    affected_orders: int
    opened_at: DateTime
    closed_at: DateTime | None


class LedgerTotals(Shape):
    """The zone ledger's units by movement (all positive) and the balance in the zone."""

    on_ledger: bool = Field(description="the batch entered through an entry declaration")
    entered: int
    written_off: int
    returned_in: int
    returned_out: int
    destroyed: int
    sampled: int
    in_zone: int


class IssuanceRange(Shape):
    """One signed serial range."""

    id: int
    first_serial: int
    last_serial: int
    count: int
    kid: str
    created_at: DateTime


class CodesSummary(Shape):
    """The batch's codes as ranges and counts."""

    issued: int
    sold: int = Field(description="units on a buyer's order now")
    returned: int = Field(description="units that came back (and may be sold again)")
    in_zone: int = Field(description="issued codes not currently sold")
    issuances: list[IssuanceRange]


class TracedOrder(Shape):
    """A consumer order with units of the batch; the buyer only masked."""

    id: int
    order_no: str
    platform: str
    waybill_no: str
    buyer: str = Field(description="the masked name")
    declared_at: DateTime
    written_off_at: DateTime | None
    units: int = Field(description="units of this batch on the order")
    status: ExitStatus


class OrdersPage(Shape):
    """Where the units went: totals over every order, and one page of orders, newest first."""

    total: int
    shipped: int = Field(description="orders written off")
    units_shipped: int
    offset: int
    limit: int
    items: list[TracedOrder]
    next_offset: int | None = Field(description="pass as ?orders_offset= for the next page; null on the last")


class DayCount(Shape):
    """Scans on one calendar day (China Standard Time)."""

    date: Date
    scans: int


class RegionCount(Shape):
    """Scans from one region; ``unknown``: none recorded, ``other``: every region below the top."""

    region: str
    scans: int


class SuspectCode(Shape):
    """A code of the batch and how many of its scans answered ``suspect``."""

    serial: str
    suspect_scans: int


class ScanSummary(Shape):
    """What the scans of the batch's codes say, as aggregates."""

    total: int
    distinct_codes: int
    by_verdict: dict[Verdict, int]
    by_day: list[DayCount] = Field(description="every day of the window, zero-filled")
    by_region: list[RegionCount] = Field(description="the top regions, then other")
    suspect_codes: list[SuspectCode] = Field(description="the codes with the most suspect scans")
    days: int = Field(description="the length of the by_day window")
    first_day: Date


class TracedComplaintRow(Shape):
    """A complaint about the batch, without its text or the consumer's contact."""

    id: int
    reference: str
    category: ComplaintCategory
    status: ComplaintStatus
    serial: str
    created_at: DateTime


class ComplaintsPage(Shape):
    """Complaints on the same batch, newest first (at most 100; a complaint's trace leaves itself out)."""

    total: int
    items: list[TracedComplaintRow]


class TraceDocument(Shape):
    """Everything known about a batch, from product to supplier, codes, orders, scans and complaints."""

    subject: Literal["batch", "complaint"] = Field(description="what the trace started from")
    generated_at: DateTime
    complaint: TracedComplaint | None = Field(description="null when tracing a batch")
    product: TracedProduct | None
    supplier: Supplier | None
    merchant: TracedMerchant | None
    batch: TracedBatch | None
    entry: TracedEntry | None = Field(description="null for a batch registered without an entry declaration")
    reports: list[TracedReport]
    spot_checks: list[TracedSpotCheck]
    recalls: list[TracedRecall]
    ledger: LedgerTotals | None
    codes: CodesSummary | None
    orders: OrdersPage | None
    scans: ScanSummary | None
    complaints: ComplaintsPage | None
