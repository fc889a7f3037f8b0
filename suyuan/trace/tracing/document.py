"""The trace document: what a batch's trace holds, as frozen dataclasses, and how much of it to include.

The document never holds a row per code or per scan: codes are ranges and counts, scans are
aggregates (:mod:`suyuan.trace.tracing.scans`), orders a page with totals. Personal data stays out:
the buyer appears only masked, complaints without their contact. The shapes live apart from the
queries that fill them (:mod:`suyuan.trace.tracing.batch_trace`) because the web pages and the API
read them too, and :meth:`TraceDocument.as_json` is the API's JSON.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from suyuan.trace.errors import InvalidInput
from suyuan.trace.tracing.scans import MAX_TOP, TRACE_DAYS, ScanSummary

DEFAULT_ORDERS = 50
MAX_ORDERS = 1000
MAX_COMPLAINTS = 100


# --- the document ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductInfo:
    """The product filing and the office's admission decision."""

    id: int
    gtin: str
    name: str
    name_en: str
    brand: str
    hs_code: str
    category: str
    manufacturer: str
    origin_country: str
    risk_class: int | None
    admission_status: str


@dataclass(frozen=True)
class SupplierInfo:
    """Who supplied the goods, from which country."""

    id: int
    name: str
    country: str


@dataclass(frozen=True)
class MerchantInfo:
    """The operating enterprise that bears quality-safety responsibility."""

    id: int
    name: str
    name_en: str
    uscc: str
    credit_grade: str
    office_id: int


@dataclass(frozen=True)
class BatchInfo:
    """The lot: its identity, status, quantity and dates."""

    id: int
    gtin: str
    lot: str
    traceability_lot_code: str
    status: str
    quantity: int
    production_date: date | None
    expiry_date: date | None
    created_at: datetime


@dataclass(frozen=True)
class QuarantineInfo:
    """One quarantine result of the entry."""

    scope: str
    outcome: str
    treatment: str
    recorded_at: datetime


@dataclass(frozen=True)
class EntryInfo:
    """The entry declaration the batch came in with (SZ Art. 13) and its quarantine (Art. 14-15)."""

    declaration_id: int
    reference: str
    transport_doc: str
    status: str
    declared_at: datetime
    declared_quantity: int
    quarantine_status: str
    quarantine: list[QuarantineInfo]


@dataclass(frozen=True)
class ReportInfo:
    """A test report or conformity declaration and the office's review of it."""

    id: int
    kind: str
    number: str
    issuer: str
    issued_on: date
    valid_until: date | None
    sha256: str
    status: str
    submitted_at: datetime
    reviewed_at: datetime | None


@dataclass(frozen=True)
class SpotCheckInfo:
    """A supervisory spot check and its result."""

    id: int
    status: str
    channel: str | None
    sample_quantity: int
    lab: str
    failed_items: list[str]
    planned_at: datetime
    sampled_at: datetime | None
    decided_at: datetime | None
    recall_id: int | None


@dataclass(frozen=True)
class RecallInfo:
    """A recall or stop-sale of the batch."""

    id: int
    kind: str
    scope: str
    status: str
    voluntary: bool
    reason: str
    instructions: str
    affected_units: int
    affected_orders: int
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class LedgerTotals:
    """The zone ledger's units by movement (all positive) and the balance in the zone."""

    on_ledger: bool
    entered: int
    written_off: int
    returned_in: int
    returned_out: int
    destroyed: int
    sampled: int
    in_zone: int


@dataclass(frozen=True)
class IssuanceRange:
    """One signed serial range (one row, however many codes)."""

    id: int
    first_serial: int
    last_serial: int
    count: int
    kid: str
    created_at: datetime


@dataclass(frozen=True)
class CodesSummary:
    """The batch's codes as ranges and counts: never a row per code.

    ``sold`` units are on a buyer's order now, ``returned`` ones came back (and may be sold again),
    ``in_zone`` is every issued code not currently sold.
    """

    issued: int
    sold: int
    returned: int
    in_zone: int
    issuances: list[IssuanceRange]


@dataclass(frozen=True)
class OrderRow:
    """One consumer order with units of the batch; the buyer only masked."""

    id: int
    order_no: str
    platform: str
    waybill_no: str
    buyer: str
    declared_at: datetime
    written_off_at: datetime | None
    units: int
    status: str


@dataclass(frozen=True)
class OrdersPage:
    """Where the units went: totals over every order, and one page of orders, newest first."""

    total: int
    shipped: int
    units_shipped: int
    offset: int
    limit: int
    items: list[OrderRow]
    next_offset: int | None


@dataclass(frozen=True)
class ComplaintRow:
    """A complaint about the batch, without its text or the consumer's contact."""

    id: int
    reference: str
    category: str
    status: str
    serial: str
    created_at: datetime


@dataclass(frozen=True)
class ComplaintsPage:
    """Complaints on the same batch, newest first (at most :data:`MAX_COMPLAINTS`)."""

    total: int
    items: list[ComplaintRow]


@dataclass(frozen=True)
class ComplaintInfo:
    """The complaint a trace started from: what the consumer said, never their contact or device."""

    id: int
    reference: str
    category: str
    status: str
    verdict: str
    gtin: str
    lot: str
    serial: str
    region: str
    text: str
    created_at: datetime
    batch_id: int | None


@dataclass(frozen=True)
class TraceDocument:
    """Everything known about a batch (or what a complaint on an unknown code matched)."""

    subject: str
    generated_at: datetime
    complaint: ComplaintInfo | None = None
    product: ProductInfo | None = None
    supplier: SupplierInfo | None = None
    merchant: MerchantInfo | None = None
    batch: BatchInfo | None = None
    entry: EntryInfo | None = None
    reports: list[ReportInfo] = field(default_factory=list)
    spot_checks: list[SpotCheckInfo] = field(default_factory=list)
    recalls: list[RecallInfo] = field(default_factory=list)
    ledger: LedgerTotals | None = None
    codes: CodesSummary | None = None
    orders: OrdersPage | None = None
    scans: ScanSummary | None = None
    complaints: ComplaintsPage | None = None

    def as_json(self) -> dict[str, Any]:
        """The document as plain JSON data: ISO dates and times, enums by value."""
        plain = _plain(self)
        assert isinstance(plain, dict)
        return plain


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class TraceOptions:
    """How much of the lists to include: the page of orders, and the top regions and suspect codes."""

    orders_offset: int = 0
    orders_limit: int = DEFAULT_ORDERS
    top: int = 10
    days: int = TRACE_DAYS

    def __post_init__(self) -> None:
        if not 0 <= self.orders_offset <= 10_000_000:
            raise InvalidInput("orders_offset must be 0 or more", field="orders_offset")
        if not 0 <= self.orders_limit <= MAX_ORDERS:
            raise InvalidInput(f"orders_limit must be 0-{MAX_ORDERS}", field="orders_limit")
        if not 1 <= self.top <= MAX_TOP:
            raise InvalidInput(f"top must be 1-{MAX_TOP}", field="top")
