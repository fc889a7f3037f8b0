"""What is traded: suppliers, product filings with their documents, the negative list, batches."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from suyuan.trace.db import Base
from suyuan.trace.model.parties import Enterprise, FilingStatus, Office, User, str_enum
from suyuan.trace.model.trade import TradeMode
from suyuan.trace.model.types import UtcDateTime, utcnow


class ProductCategory(enum.StrEnum):
    """Categories that decide which admission requirements apply (SZ Art. 11)."""

    FOOD = "food"
    COSMETIC = "cosmetic"
    APPLIANCE = "appliance"
    TOY = "toy"
    TEXTILE = "textile"
    BIOLOGIC = "biologic"
    GENERAL = "general"


class GoodsCondition(enum.StrEnum):
    """New or used: used goods are on the negative list whatever their HS code (N6)."""

    NEW = "new"
    USED = "used"


class AdmissionStatus(enum.StrEnum):
    """Where a product filing stands with the office (DOMAIN-DETAIL §12.2)."""

    FILED = "filed"
    ADMITTED = "admitted"
    ADMITTED_WITH_DISCLOSURE = "admitted_with_disclosure"
    REFUSED = "refused"


ADMITTED = (AdmissionStatus.ADMITTED, AdmissionStatus.ADMITTED_WITH_DISCLOSURE)
"""The admission statuses whose goods may be traded (with or without a consumer disclosure)."""


class RiskClass(enum.IntEnum):
    """The three risk classes of G15 §2(1)2."""

    PROHIBITED = 1
    KEY_SUPERVISION = 2
    GENERAL_SUPERVISION = 3


class DocumentKind(enum.StrEnum):
    """Documents behind an admission decision (SZ Art. 11 items 1-5)."""

    CCC_CERTIFICATE = "ccc_certificate"
    CCC_EXEMPTION = "ccc_exemption"
    FOOD_PRODUCER_REGISTRATION = "food_producer_registration"
    SPECIAL_ARTICLE_APPROVAL = "special_article_approval"
    FREE_SALE_CERTIFICATE = "free_sale_certificate"
    CERTIFICATE_OF_ORIGIN = "certificate_of_origin"
    TEST_REPORT = "test_report"
    THIRD_PARTY_TEST_REPORT = "third_party_test_report"


class NegativeRuleKind(enum.StrEnum):
    """How a negative-list entry matches a product filing."""

    HS_PREFIX = "hs_prefix"
    KEYWORD = "keyword"
    CONDITION = "condition"


class BatchStatus(enum.StrEnum):
    """Life of a batch in the bonded zone; only ``released`` goods may be sold.

    ``exit_blocked`` follows a failed spot check (SZ Art. 21): nothing more leaves the zone, and the
    units already sold are recalled (their codes answer ``recalled``, see ``suyuan.trace.recalls``).
    """

    IN_ZONE = "in_zone"
    RELEASED = "released"
    EXIT_BLOCKED = "exit_blocked"
    STOPPED = "stopped"
    RECALLED = "recalled"
    CLOSED = "closed"


class Supplier(Base):
    """Who supplied the goods, and from which country (SZ Art. 9(4))."""

    __tablename__ = "supplier"
    __table_args__ = (UniqueConstraint("name", "country", name="uq_supplier_name_country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    address: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Product(Base):
    """A merchant's product filing (商品备案) and the office's admission decision on it."""

    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("enterprise_id", "gtin", name="uq_product_enterprise_gtin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    gtin: Mapped[str] = mapped_column(String(14), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    brand: Mapped[str] = mapped_column(String(100), default="")
    spec_model: Mapped[str] = mapped_column(String(100), default="")
    hs_code: Mapped[str] = mapped_column(String(10))
    category: Mapped[ProductCategory] = mapped_column(str_enum(ProductCategory, "product_category"))
    condition: Mapped[GoodsCondition] = mapped_column(
        str_enum(GoodsCondition, "goods_condition"), default=GoodsCondition.NEW
    )
    manufacturer: Mapped[str] = mapped_column(String(200))
    origin_country: Mapped[str] = mapped_column(String(2))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    main_ingredients: Mapped[str] = mapped_column(Text, default="")
    performance_indicators: Mapped[str] = mapped_column(Text, default="")
    standards: Mapped[str] = mapped_column(Text, default="")
    in_ccc_catalogue: Mapped[bool] = mapped_column(default=False)
    in_food_registration_catalogue: Mapped[bool] = mapped_column(default=False)
    # "Other information the office requires" (SZ Art. 9(5)) as bounded key/value pairs, and where the
    # goods are bought (SZ Art. 9(4)): see suyuan.trace.filing_attributes.
    attributes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    procurement_source: Mapped[str] = mapped_column(String(300), default="")
    admission_status: Mapped[AdmissionStatus] = mapped_column(
        str_enum(AdmissionStatus, "admission_status"), default=AdmissionStatus.FILED
    )
    risk_class: Mapped[int | None] = mapped_column()
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    unmet_requirements: Mapped[list[str]] = mapped_column(JSON, default=list)
    consumer_disclosure: Mapped[str | None] = mapped_column(Text)
    consumer_disclosure_en: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Sanction on the admission (SZ Art. 30): filed = none; suspended or revoked blocks entry, exit, codes.
    sanction_status: Mapped[FilingStatus] = mapped_column(
        str_enum(FilingStatus, "product_sanction_status"), default=FilingStatus.FILED, server_default="filed"
    )
    trade_mode: Mapped[TradeMode] = mapped_column(
        str_enum(TradeMode, "product_trade_mode"), default=TradeMode.BONDED, server_default="bonded"
    )

    enterprise: Mapped[Enterprise] = relationship()
    supplier: Mapped[Supplier] = relationship()
    decided_by: Mapped[User | None] = relationship()
    documents: Mapped[list[ProductDocument]] = relationship(
        back_populates="product", order_by="ProductDocument.id", cascade="all, delete-orphan"
    )

    @property
    def may_trade(self) -> bool:
        """Whether the product's goods may be moved or marked now: admitted by the office, and neither
        its admission nor its enterprise's filing suspended or revoked (SZ Art. 11, 30).

        The one predicate by which forms and pickers offer products for entry, new batches, new codes,
        exits and packing, so that they offer only what the use cases accept (those refuse the rest
        with named errors: ``register_batch``, :func:`suyuan.trace.sanctions.require_trading`).
        """
        return (
            self.admission_status in ADMITTED
            and self.sanction_status is FilingStatus.FILED
            and self.enterprise.filing_status is FilingStatus.FILED
        )


class ProductDocument(Base):
    """A certificate or report filed with a product; the file itself is referenced by its SHA-256."""

    __tablename__ = "product_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind, "document_kind"))
    number: Mapped[str] = mapped_column(String(100), default="")
    issuer: Mapped[str] = mapped_column(String(200), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="documents")


class NegativeListEntry(Base):
    """One rule of the negative list (负面清单), maintained by offices as data, not code."""

    __tablename__ = "negative_list_entry"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_negative_kind_value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(4))
    kind: Mapped[NegativeRuleKind] = mapped_column(str_enum(NegativeRuleKind, "negative_rule_kind"))
    value: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    office: Mapped[Office | None] = relationship()


class Batch(Base):
    """A lot of one product in the bonded zone; its GTIN is copied so (gtin, lot) names it uniquely."""

    __tablename__ = "batch"
    __table_args__ = (UniqueConstraint("gtin", "lot", name="uq_batch_gtin_lot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str] = mapped_column(String(20))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    quantity: Mapped[int] = mapped_column()
    production_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[BatchStatus] = mapped_column(
        str_enum(BatchStatus, "batch_status"), default=BatchStatus.IN_ZONE
    )
    # True only for lots that entered through an entry declaration (R33): a lot registered directly is
    # non-bonded, never on the zone ledger, and cannot leave the zone by a bonded exit.
    bonded: Mapped[bool] = mapped_column(default=False)
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("supervised_warehouse.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    trade_mode: Mapped[TradeMode] = mapped_column(
        str_enum(TradeMode, "batch_trade_mode"), default=TradeMode.BONDED, server_default="bonded"
    )
    # Set by tightened control (a risk warning): the batch's exits wait for an officer's release.
    exit_hold_required: Mapped[bool] = mapped_column(default=False, server_default=false())

    product: Mapped[Product] = relationship()
    supplier: Mapped[Supplier] = relationship()
