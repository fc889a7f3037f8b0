"""Responses of the bonded-zone workflow: entry and quarantine, reports, the ledger and disposals, spot
checks, exits and returns, anomalies and credit (shapes of suyuan.web.api_zone and the ledger report).

Names that the request schemas already use (``EntryDeclaration``, ``ExitDeclaration``, ``ExitLine``,
``CreditEvent``) take the suffix ``Record`` here: the stored object as the API answers it.
"""

from __future__ import annotations

from pydantic import Field

from suyuan.web.responses.common import (
    Amount,
    CodeIdentity,
    Date,
    DateTime,
    ErrorDetail,
    Sha256,
    Shape,
    optional_key,
)
from suyuan.web.responses.enums import (
    AnomalyRule,
    BatchStatus,
    CreditEventKind,
    CreditGrade,
    EntryStatus,
    ExitStatus,
    Finding,
    LedgerKind,
    LineRefusal,
    QuarantineOutcome,
    QuarantineScope,
    QuarantineStatus,
    RecallKind,
    RecallScope,
    RecallStatus,
    ReportKind,
    ReportStatus,
    SampleChannel,
    SpotCheckStatus,
    TradeMode,
)

# --- entry and quarantine -------------------------------------------------------------------------


class EntryLineResult(Shape):
    """One line of an entry declaration and how it matched the merchant's admitted filings."""

    line: int = Field(description="1-based line number")
    gtin: str
    lot: str
    quantity: int
    product_id: int | None = Field(description="the admitted filing it matched")
    batch_id: int | None = Field(description="the batch it became; null when refused")
    accepted: bool
    refusal: LineRefusal | None
    refusal_message: str | None


class QuarantineResult(Shape):
    """One quarantine result recorded by the office."""

    scope: QuarantineScope
    outcome: QuarantineOutcome
    treatment: str
    note: str
    recorded_at: DateTime


class EntryDeclarationRecord(Shape):
    """An entry declaration with its line results and quarantine."""

    id: int
    enterprise_id: int
    reference: str
    transport_doc: str
    status: EntryStatus
    quarantine_status: QuarantineStatus
    declared_at: DateTime
    lines: list[EntryLineResult]
    quarantine: list[QuarantineResult]


class EntryDeclarationList(Shape):
    """Entry declarations visible to the caller, newest first."""

    entry_declarations: list[EntryDeclarationRecord]


# --- reports, ledger and disposal -----------------------------------------------------------------


class BatchReport(Shape):
    """A test report or conformity declaration of a batch, and the office's review."""

    id: int
    batch_id: int
    kind: ReportKind
    number: str
    issuer: str
    issued_on: Date
    valid_until: Date | None
    sha256: Sha256
    status: ReportStatus
    review_note: str


class BatchReportList(Shape):
    """A batch's reports."""

    reports: list[BatchReport]


class LedgerMovement(Shape):
    """One ledger movement, with the balance after it."""

    id: int
    at: DateTime
    kind: LedgerKind
    quantity: int = Field(description="signed: credits positive, debits negative")
    source: str = Field(description="what caused it, e.g. entry:3, exit:7, recall:2")
    balance: int = Field(description="units in the zone after this movement")


class LedgerReport(Shape):
    """A batch's zone ledger: units moved by kind (all positive), the balance, and a page of movements."""

    batch_id: int
    gtin: str
    lot: str
    status: BatchStatus
    entered: int
    written_off: int
    returned_in: int
    returned_out: int
    destroyed: int
    sampled: int
    in_zone: int = Field(description="the balance: units in the zone now")
    sold_units: int = Field(description="codes currently sold on an order")
    balanced: bool = Field(description="never negative, and net units written off equal the codes sold")
    movements: list[LedgerMovement]
    next_after: int | None = Field(description="pass as ?after= for the next page; null on the last")


class LedgerPosting(Shape):
    """A movement just posted by a supervised disposal, and the balance after it."""

    id: int
    batch_id: int
    kind: LedgerKind
    quantity: int = Field(description="signed: a disposal is negative")
    source: str
    in_zone: int


# --- spot checks ----------------------------------------------------------------------------------


class SpotCheckRecall(Shape):
    """The recall of sold units that a failed spot check opened."""

    id: int
    batch_id: int
    kind: RecallKind
    scope: RecallScope
    status: RecallStatus
    voluntary: bool
    reason: str
    affected_units: int
    affected_orders: int
    opened_at: DateTime


class SpotCheck(Shape):
    """A supervisory spot check with its sample, its lab result and the recall it opened."""

    id: int
    batch_id: int
    status: SpotCheckStatus
    rate: float | None = Field(description="the sampling rate of a drawn check; null when planned by hand")
    draw: str = Field(description="the seed of the draw that chose it; empty when planned by hand")
    channel: SampleChannel | None
    sample_quantity: int
    order_ref: str = Field(description="the order an online sample was bought with")
    lab: str
    report_sha256: Sha256 | None
    failed_items: list[str]
    planned_at: DateTime
    decided_at: DateTime | None
    recall: SpotCheckRecall | None


class SpotCheckList(Shape):
    """Spot checks (a draw answers the ones it planned)."""

    spot_checks: list[SpotCheck]


# --- exits and returns ----------------------------------------------------------------------------


class ExitFinding(Shape):
    """Something the exit check found wrong."""

    problem: Finding
    line: int | None = Field(description="the 1-based line it concerns; null for the whole order")
    message: str
    code: CodeIdentity | None = optional_key("the code it concerns, for findings about one code")


class MaskedBuyer(Shape):
    """The buyer, never in clear: a masked name and the first characters of a keyed hash of the ID."""

    name: str
    id: str = Field(description="8 hex digits of the buyer's keyed hash")


class ExitLineRecord(Shape):
    """One line of an order: units of one batch, and the codes of those units."""

    line: int
    batch_id: int
    quantity: int
    unit_price: Amount
    units: list[CodeIdentity]


class ExitDeclarationRecord(Shape):
    """An exit declaration: the order's documents, the masked buyer, lines and codes, the check's result."""

    id: int
    enterprise_id: int
    order_no: str
    platform: str
    payment_ref: str
    waybill_no: str
    payment_amount: Amount
    total: Amount = Field(description="the sum of the lines")
    buyer: MaskedBuyer
    status: ExitStatus
    attempts: int = Field(description="checks run, the first and each recheck")
    findings: list[ExitFinding] = Field(description="empty once written off")
    declared_at: DateTime
    written_off_at: DateTime | None
    trade_mode: TradeMode = Field(description="bonded (1210) or direct mail (9610)")
    released_at: DateTime | None = Field(description="when the office decided on a held order")
    lines: list[ExitLineRecord]


class ExitDeclarationList(Shape):
    """Exit declarations visible to the caller, newest first."""

    exit_declarations: list[ExitDeclarationRecord]


class ExitCheckFailed(Shape):
    """422 ``exit_check_failed``: the declaration is stored, awaiting rectification (recheck)."""

    error: ErrorDetail
    declaration: ExitDeclarationRecord


class ReturnedUnit(Shape):
    """A unit that came back."""

    batch_id: int
    serial: str


class ConsumerReturn(Shape):
    """Units of an order that came back into the zone."""

    id: int
    exit_declaration_id: int
    quantity: int
    value: Amount = Field(description="what the returned units were sold for")
    reason: str
    returned_at: DateTime
    units: list[ReturnedUnit]


# --- monitoring and credit ------------------------------------------------------------------------


class Anomaly(Shape):
    """An alert that suggests B2B trade disguised as consumer purchases."""

    rule: AnomalyRule
    subject: str = Field(description="a masked buyer with a hash prefix, an address hash prefix, or an order")
    value: int = Field(description="the measured count")
    threshold: int = Field(description="the threshold it exceeded")
    detail: str
    buyer: str | None = Field(
        description="the buyer reference to act on (POST /api/v1/buyer-restrictions); null: an address alert"
    )


class AnomalyList(Shape):
    """Alerts over the configured window, most severe first."""

    anomalies: list[Anomaly]


class CreditEventRecord(Shape):
    """A credit event of an enterprise."""

    id: int
    kind: CreditEventKind
    points: int
    source: str
    note: str
    occurred_at: DateTime


class GradedCreditEvent(CreditEventRecord):
    """A credit event just recorded, with the enterprise's grade after it."""

    grade: CreditGrade


class CreditProfile(Shape):
    """An enterprise's credit grade and what it rests on."""

    enterprise_id: int
    grade: CreditGrade
    points: int = Field(description="points within the window")
    passed_spot_checks: int = Field(description="spot checks passed within the window")
    events: list[CreditEventRecord] = Field(description="newest first")
