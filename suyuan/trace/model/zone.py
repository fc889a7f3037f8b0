"""The bonded-zone workflow's tables: entry, ledger, inspection, spot checks, exits, returns, recalls, credit.

Codes still cost no row each: per-code rows exist only for units that were sold on an order
(``sold_code``) or came back (``return_item``). The ledger is append-only with signed quantities, so a
batch's balance is a ``SUM`` and every movement stays on record (DOMAIN-DETAIL §11.3).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from suyuan.trace.db import Base
from suyuan.trace.model.goods import Batch, Product
from suyuan.trace.model.parties import Enterprise, str_enum
from suyuan.trace.model.trade import TradeMode
from suyuan.trace.model.types import UtcDateTime, utcnow


class EntryStatus(enum.StrEnum):
    """How the office's match of an entry declaration against admitted filings came out (SZ Art. 13)."""

    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly_accepted"
    REFUSED = "refused"


class QuarantineStatus(enum.StrEnum):
    """Where an entry declaration stands with quarantine (SZ Art. 14-15); ``failed`` is final."""

    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"


class QuarantineOutcome(enum.StrEnum):
    """One quarantine result: passed, passed after treatment, or failed."""

    PASSED = "passed"
    TREATED = "treated"
    FAILED = "failed"


class QuarantineScope(enum.StrEnum):
    """What was inspected (DOMAIN-DETAIL §11.3)."""

    GOODS = "goods"
    CONTAINER = "container"
    WOOD_PACKAGING = "wood_packaging"


class LineRefusal(enum.StrEnum):
    """Why an entry line did not match the merchant's admitted filings; documented in docs/zone.md."""

    NOT_FILED = "not_filed"
    NOT_ADMITTED = "not_admitted"
    SUPPLIER_MISMATCH = "supplier_mismatch"
    EXPIRED = "expired"
    LOT_EXISTS = "lot_exists"
    DUPLICATE_LINE = "duplicate_line"
    SANCTIONED = "sanctioned"
    DIRECT_MAIL = "direct_mail"


class ReportKind(enum.StrEnum):
    """Documents the office reviews before sale (SZ Art. 17(3)-(4), 19)."""

    FOREIGN_TEST_REPORT = "foreign_test_report"
    CONFORMITY_DECLARATION = "conformity_declaration"
    DOMESTIC_TEST_REPORT = "domestic_test_report"
    SELF_TEST_REPORT = "self_test_report"


class ReportStatus(enum.StrEnum):
    """A report is submitted, then accepted or rejected by the office."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class LedgerKind(enum.StrEnum):
    """Movements on the zone ledger (底账); the sign of the quantity follows the kind."""

    ENTRY = "entry"
    WRITE_OFF = "write_off"
    CONSUMER_RETURN = "consumer_return"
    RETURN_SHIPMENT = "return_shipment"
    DESTRUCTION = "destruction"
    SAMPLE = "sample"


class SpotCheckStatus(enum.StrEnum):
    """planned → sampled → passed | failed (DOMAIN-DETAIL §12.6)."""

    PLANNED = "planned"
    SAMPLED = "sampled"
    PASSED = "passed"
    FAILED = "failed"


class SampleChannel(enum.StrEnum):
    """Online: bought as a consumer on the platform; offline: taken in the bonded warehouse (G15 §2(2))."""

    ONLINE = "online"
    OFFLINE = "offline"


class ExitStatus(enum.StrEnum):
    """An exit declaration passed its check and was written off, awaits rectification, or passed but is
    held for the office's release (goods under tightened control)."""

    RECTIFICATION_REQUIRED = "rectification_required"
    HELD = "held"
    WRITTEN_OFF = "written_off"


class SoldStatus(enum.StrEnum):
    """A unit on an order is sold; a consumer return brings it back into the zone."""

    SOLD = "sold"
    RETURNED = "returned"


class RecallKind(enum.StrEnum):
    """A recall takes goods back; a stop-sale halts sales (DESIGN.md §6)."""

    RECALL = "recall"
    STOP_SALE = "stop_sale"


class RecallScope(enum.StrEnum):
    """The whole batch, or only the units already sold (after a failed spot check, SZ Art. 21)."""

    BATCH = "batch"
    SOLD_UNITS = "sold_units"


class RecallStatus(enum.StrEnum):
    """Open until the office closes it (units returned or destroyed, see ``suyuan.trace.recalls``)."""

    OPEN = "open"
    CLOSED = "closed"


class CreditEventKind(enum.StrEnum):
    """What counts against an enterprise's credit (O15 §6(2); SZ Art. 30)."""

    SPOT_CHECK_FAILED = "spot_check_failed"
    RECALL_ORDERED = "recall_ordered"
    RECALL_VOLUNTARY = "recall_voluntary"
    COMPLAINT_UPHELD = "complaint_upheld"
    VIOLATION = "violation"


class EntryDeclaration(Base):
    """A merchant's declaration of goods entering the zone (入区申报), with the office's match result."""

    __tablename__ = "entry_declaration"
    __table_args__ = (UniqueConstraint("enterprise_id", "reference", name="uq_entry_enterprise_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    reference: Mapped[str] = mapped_column(String(64))
    transport_doc: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[EntryStatus] = mapped_column(str_enum(EntryStatus, "entry_status"))
    quarantine_status: Mapped[QuarantineStatus] = mapped_column(
        str_enum(QuarantineStatus, "quarantine_status"), default=QuarantineStatus.PENDING
    )
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    declared_by: Mapped[str] = mapped_column(String(200))
    # The quarantine scopes the office requires (goods, container, wood_packaging); empty: the first
    # result concludes quarantine, as before (suyuan.trace.zone.inspection.record_quarantine).
    required_quarantine: Mapped[list[str]] = mapped_column(JSON, default=list)
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("supervised_warehouse.id"))

    enterprise: Mapped[Enterprise] = relationship()
    lines: Mapped[list[EntryLine]] = relationship(
        back_populates="declaration", order_by="EntryLine.line_no", cascade="all, delete-orphan"
    )
    quarantine_results: Mapped[list[QuarantineResult]] = relationship(
        back_populates="declaration", order_by="QuarantineResult.id", cascade="all, delete-orphan"
    )


class EntryLine(Base):
    """One declared lot: accepted lines point at the batch they created, refused ones say why."""

    __tablename__ = "entry_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("entry_declaration.id"), index=True)
    line_no: Mapped[int] = mapped_column()
    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column()
    production_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    supplier_name: Mapped[str] = mapped_column(String(200))
    supplier_country: Mapped[str] = mapped_column(String(2))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"), unique=True)
    refusal: Mapped[LineRefusal | None] = mapped_column(str_enum(LineRefusal, "line_refusal"))
    refusal_message: Mapped[str | None] = mapped_column(Text)

    declaration: Mapped[EntryDeclaration] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()
    batch: Mapped[Batch | None] = relationship()


class QuarantineResult(Base):
    """A quarantine inspection of an entry's goods, containers or wood packaging."""

    __tablename__ = "quarantine_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("entry_declaration.id"), index=True)
    scope: Mapped[QuarantineScope] = mapped_column(str_enum(QuarantineScope, "quarantine_scope"))
    outcome: Mapped[QuarantineOutcome] = mapped_column(str_enum(QuarantineOutcome, "quarantine_outcome"))
    treatment: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))

    declaration: Mapped[EntryDeclaration] = relationship(back_populates="quarantine_results")


class BatchReport(Base):
    """A test report or conformity declaration for a batch; the file itself is referenced by SHA-256."""

    __tablename__ = "batch_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    kind: Mapped[ReportKind] = mapped_column(str_enum(ReportKind, "report_kind"))
    number: Mapped[str] = mapped_column(String(100), default="")
    issuer: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status"), default=ReportStatus.SUBMITTED
    )
    review_note: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    submitted_by: Mapped[str] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))

    batch: Mapped[Batch] = relationship()


class LedgerEntry(Base):
    """One append-only movement of a batch's units on the zone ledger; never updated or deleted."""

    __tablename__ = "ledger_entry"
    __table_args__ = (Index("ix_ledger_entry_batch_kind", "batch_id", "kind", "quantity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    kind: Mapped[LedgerKind] = mapped_column(str_enum(LedgerKind, "ledger_kind"))
    quantity: Mapped[int] = mapped_column()
    source: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    posted_by: Mapped[str] = mapped_column(String(200))


class Recall(Base):
    """A recall or stop-sale of a batch, or of only its sold units, from opening to closing by the office."""

    __tablename__ = "recall"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    kind: Mapped[RecallKind] = mapped_column(str_enum(RecallKind, "recall_kind"))
    scope: Mapped[RecallScope] = mapped_column(str_enum(RecallScope, "recall_scope"))
    status: Mapped[RecallStatus] = mapped_column(
        str_enum(RecallStatus, "recall_status"), default=RecallStatus.OPEN
    )
    voluntary: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text)  # public: the notice on scan pages says why (Chinese)
    instructions: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(64), default="")
    affected_units: Mapped[int] = mapped_column(default=0)
    affected_orders: Mapped[int] = mapped_column(default=0)
    instructions_en: Mapped[str] = mapped_column(Text, default="")
    reason_en: Mapped[str] = mapped_column(Text, default="")
    internal_reason: Mapped[str] = mapped_column(Text, default="")  # office and merchant only, never public
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by: Mapped[str] = mapped_column(String(200), default="")
    close_note: Mapped[str] = mapped_column(Text, default="")

    batch: Mapped[Batch] = relationship()


class SpotCheck(Base):
    """A supervisory spot check of a batch (监督抽检), drawn by risk or opened by an officer."""

    __tablename__ = "spot_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    status: Mapped[SpotCheckStatus] = mapped_column(
        str_enum(SpotCheckStatus, "spot_check_status"), default=SpotCheckStatus.PLANNED
    )
    rate: Mapped[float | None] = mapped_column()
    draw: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[SampleChannel | None] = mapped_column(str_enum(SampleChannel, "sample_channel"))
    sample_quantity: Mapped[int] = mapped_column(default=0)
    order_ref: Mapped[str] = mapped_column(String(64), default="")
    lab: Mapped[str] = mapped_column(String(200), default="")
    report_sha256: Mapped[str | None] = mapped_column(String(64))
    failed_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    recall_id: Mapped[int | None] = mapped_column(ForeignKey("recall.id"))
    planned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    planned_by: Mapped[str] = mapped_column(String(200))
    sampled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    batch: Mapped[Batch] = relationship()
    recall: Mapped[Recall | None] = relationship()


class ExitDeclaration(Base):
    """One consumer order leaving the zone (出区申报) with its three documents and its check result.

    The buyer is kept only as a keyed hash of the ID number (for quotas and anomaly rules) and a
    masked name; the delivery address only as a keyed hash.
    """

    __tablename__ = "exit_declaration"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "order_no", name="uq_exit_enterprise_order"),
        Index("ix_exit_buyer", "buyer_hash", "declared_at"),
        Index("ix_exit_address", "address_hash", "declared_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    order_no: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(200), default="")
    payment_ref: Mapped[str] = mapped_column(String(64))
    waybill_no: Mapped[str] = mapped_column(String(64))
    payment_fen: Mapped[int] = mapped_column()
    total_fen: Mapped[int] = mapped_column()
    buyer_hash: Mapped[str] = mapped_column(String(64))
    buyer_name_masked: Mapped[str] = mapped_column(String(50))
    address_hash: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[ExitStatus] = mapped_column(str_enum(ExitStatus, "exit_status"))
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(default=1)
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    declared_by: Mapped[str] = mapped_column(String(200))
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    written_off_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    trade_mode: Mapped[TradeMode] = mapped_column(
        str_enum(TradeMode, "exit_trade_mode"), default=TradeMode.BONDED, server_default="bonded"
    )
    # The office's step at exit for goods under tightened control: who released a held order, and when.
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    released_by: Mapped[str | None] = mapped_column(String(200))

    enterprise: Mapped[Enterprise] = relationship()
    lines: Mapped[list[ExitLine]] = relationship(
        back_populates="declaration", order_by="ExitLine.line_no", cascade="all, delete-orphan"
    )


class ExitLine(Base):
    """The units of one batch on an order: declared quantity, unit price and the codes presented."""

    __tablename__ = "exit_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("exit_declaration.id"), index=True)
    line_no: Mapped[int] = mapped_column()
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    quantity: Mapped[int] = mapped_column()
    unit_price_fen: Mapped[int] = mapped_column()
    codes: Mapped[list[list[str]]] = mapped_column(JSON, default=list)

    declaration: Mapped[ExitDeclaration] = relationship(back_populates="lines")
    batch: Mapped[Batch] = relationship()


class SoldCode(Base):
    """A unit sold on an order; the unique (batch, serial) lets exactly one order win a code."""

    __tablename__ = "sold_code"
    __table_args__ = (UniqueConstraint("batch_id", "serial", name="uq_sold_code_batch_serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    serial: Mapped[str] = mapped_column(String(20))
    exit_declaration_id: Mapped[int] = mapped_column(ForeignKey("exit_declaration.id"), index=True)
    status: Mapped[SoldStatus] = mapped_column(str_enum(SoldStatus, "sold_status"), default=SoldStatus.SOLD)
    sold_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ConsumerReturn(Base):
    """Units of a written-off order that came back into the zone (退货, CQ §2(1)4)."""

    __tablename__ = "consumer_return"

    id: Mapped[int] = mapped_column(primary_key=True)
    exit_declaration_id: Mapped[int] = mapped_column(ForeignKey("exit_declaration.id"), index=True)
    quantity: Mapped[int] = mapped_column()
    value_fen: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    returned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))

    items: Mapped[list[ReturnItem]] = relationship(order_by="ReturnItem.id", cascade="all, delete-orphan")


class ReturnItem(Base):
    """One returned unit, by its code."""

    __tablename__ = "return_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("consumer_return.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    serial: Mapped[str] = mapped_column(String(20))


class CreditEvent(Base):
    """Something that counts against an enterprise's credit; the grade is recomputed from these."""

    __tablename__ = "credit_event"
    __table_args__ = (Index("ix_credit_event_enterprise", "enterprise_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    kind: Mapped[CreditEventKind] = mapped_column(str_enum(CreditEventKind, "credit_event_kind"))
    points: Mapped[int] = mapped_column()
    source: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))


class BuyerRestrictionLevel(enum.StrEnum):
    """What an office does about a buyer whose orders look like trade (SZ Art. 28-29).

    ``watch``: the buyer's exits wait for an officer's release (the office's step at exit);
    ``block``: the buyer's orders and exits are refused (a personal breach of trust).
    """

    WATCH = "watch"
    BLOCK = "block"


class BuyerRestriction(Base):
    """An office's restriction of one buyer, known only by the keyed hash of the ID number.

    Acted on from the order-monitoring alerts; lifting keeps the row (who lifted it, when, why), so the
    history of a decision about a person stays on record.
    """

    __tablename__ = "buyer_restriction"
    __table_args__ = (Index("ix_buyer_restriction_buyer", "buyer_hash", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    buyer_hash: Mapped[str] = mapped_column(String(64))
    buyer_label: Mapped[str] = mapped_column(String(80))
    level: Mapped[BuyerRestrictionLevel] = mapped_column(
        str_enum(BuyerRestrictionLevel, "buyer_restriction_level")
    )
    rule: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lifted_by: Mapped[str] = mapped_column(String(200), default="")
    lift_reason: Mapped[str] = mapped_column(Text, default="")
