"""The customs single-window (CEB) messages Suyuan received, the documents they carry and its receipts.

Kept apart from the zone tables because they mirror an outside standard (GACC/China E-Port 202205):
their keys are the customs keys (platform + order number, logistics company + waybill number, payment
company + transaction id), and they reach Suyuan's own model only through an inventory's exit
declaration (``exit_declaration_id``) and a return's ``consumer_return_id``.

Personal data is minimised as in the zone: buyer and payer ID numbers only as keyed hashes, names
masked, consignees and addresses as keyed hashes; the stored copy of each message has these
elements redacted, beside the SHA-256 of the bytes as received (docs/ceb.md).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from suyuan.trace.db import Base
from suyuan.trace.model.types import UtcDateTime, utcnow


class ReturnStatus(enum.IntEnum):
    """The ``returnStatus`` values Suyuan answers with (README §5.1); negative codes are errors."""

    DECLARING = 2
    REJECTED = 100
    STORED = 120
    CONCLUDED = 399
    RELEASED = 800
    CLOSED = 899


class CebPartyCode(Base):
    """A 10-character customs registration code naming a filed enterprise (USCCs resolve directly)."""

    __tablename__ = "ceb_party_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(18), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CebItemRecord(Base):
    """An account-book item (``emsNo`` + ``itemRecordNo``) known to be a product, for lines without a GTIN."""

    __tablename__ = "ceb_item_record"
    __table_args__ = (UniqueConstraint("ems_no", "item_record_no", name="uq_ceb_item_record"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ems_no: Mapped[str] = mapped_column(String(30))
    item_record_no: Mapped[str] = mapped_column(String(30))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))


class CebMessage(Base):
    """One message as received: its hash, its redacted copy, what Suyuan answered and why.

    ``dedupe_key`` is the message guid of the first message with that guid (unique), so a repeated
    message finds its answer; a later message reusing the guid with other content is kept with a
    NULL key and refused.
    """

    __tablename__ = "ceb_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str | None] = mapped_column(String(36), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    message_type: Mapped[str] = mapped_column(String(16))
    transport: Mapped[str] = mapped_column(String(8), default="bare")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(64), default="")
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    received_by: Mapped[str] = mapped_column(String(200))


class CebReceipt(Base):
    """A receipt for one document (order, payment, waybill, inventory, return), as Suyuan issued it or
    as customs did (``issuer``); the owners let the platform and the merchant see it."""

    __tablename__ = "ceb_receipt"
    __table_args__ = (Index("ix_ceb_receipt_subject", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("ceb_message.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(16), default="suyuan")
    receipt_type: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(40), default="")
    entity_guid: Mapped[str] = mapped_column(String(36), default="")
    order_no: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(64), default="")
    info: Mapped[str] = mapped_column(String(1000), default="")
    xml: Mapped[str] = mapped_column(Text)
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CebOrder(Base):
    """A CEB311 order head with its lines (``lines``: gnum, gtin, product_id, qty, price and total in fen)."""

    __tablename__ = "ceb_order"
    __table_args__ = (UniqueConstraint("platform_id", "order_no", name="uq_ceb_order_platform_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("ceb_message.id"))
    guid: Mapped[str] = mapped_column(String(36))
    platform_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    order_no: Mapped[str] = mapped_column(String(60))
    goods_fen: Mapped[int] = mapped_column()
    freight_fen: Mapped[int] = mapped_column()
    discount_fen: Mapped[int] = mapped_column()
    tax_fen: Mapped[int] = mapped_column()
    paid_fen: Mapped[int] = mapped_column()
    buyer_hash: Mapped[str] = mapped_column(String(64))
    buyer_name_masked: Mapped[str] = mapped_column(String(60))
    consignee_hash: Mapped[str] = mapped_column(String(64))
    address_hash: Mapped[str] = mapped_column(String(64))
    pay_code: Mapped[str] = mapped_column(String(18), default="")
    pay_transaction_id: Mapped[str] = mapped_column(String(60), default="")
    disclosure_accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disclosure_source: Mapped[str] = mapped_column(String(16), default="")
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CebPayment(Base):
    """A CEB411 payment voucher; ``payer_hash`` must be the order's buyer."""

    __tablename__ = "ceb_payment"
    __table_args__ = (
        UniqueConstraint("pay_code", "pay_transaction_id", name="uq_ceb_payment_transaction"),
        Index("ix_ceb_payment_order", "platform_id", "order_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("ceb_message.id"))
    guid: Mapped[str] = mapped_column(String(36))
    platform_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    order_no: Mapped[str] = mapped_column(String(60))
    pay_code: Mapped[str] = mapped_column(String(18))
    pay_transaction_id: Mapped[str] = mapped_column(String(60))
    amount_fen: Mapped[int] = mapped_column()
    payer_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CebWaybill(Base):
    """A CEB511 waybill; its consignee (name, telephone, address) must be the order's."""

    __tablename__ = "ceb_waybill"
    __table_args__ = (UniqueConstraint("logistics_code", "logistics_no", name="uq_ceb_waybill_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("ceb_message.id"))
    guid: Mapped[str] = mapped_column(String(36))
    logistics_code: Mapped[str] = mapped_column(String(18))
    logistics_no: Mapped[str] = mapped_column(String(60))
    order_no: Mapped[str] = mapped_column(String(60), index=True)
    consignee_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CebInventory(Base):
    """A CEB621 inventory (清单): one order leaving the zone, matched against its three documents.

    ``status`` is Suyuan's receipt status (120 awaiting documents, 399 matched, 800 released, 100
    rejected); ``waiting_for`` names what it waits for; ``customs_status`` is the highest status of
    the customs receipts (CEB622) forwarded to Suyuan. ``lines``: gnum, gtin, item_record_no,
    product_id, qty, price and total in fen, and at release the packed codes.
    """

    __tablename__ = "ceb_inventory"
    __table_args__ = (UniqueConstraint("platform_id", "order_no", name="uq_ceb_inventory_platform_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("ceb_message.id"))
    guid: Mapped[str] = mapped_column(String(36))
    platform_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    merchant_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    order_no: Mapped[str] = mapped_column(String(60))
    ebp_code: Mapped[str] = mapped_column(String(18))
    ebc_code: Mapped[str] = mapped_column(String(18))
    cop_no: Mapped[str] = mapped_column(String(20))
    agent_code: Mapped[str] = mapped_column(String(18))
    area_code: Mapped[str] = mapped_column(String(18), default="")
    logistics_code: Mapped[str] = mapped_column(String(18))
    logistics_no: Mapped[str] = mapped_column(String(60))
    customs_code: Mapped[str] = mapped_column(String(4))
    trade_mode: Mapped[str] = mapped_column(String(4))
    ems_no: Mapped[str] = mapped_column(String(30), default="")
    buyer_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column()
    waiting_for: Mapped[list[str]] = mapped_column(JSON, default=list)
    customs_status: Mapped[int | None] = mapped_column()
    pre_no: Mapped[str] = mapped_column(String(18))
    invt_no: Mapped[str | None] = mapped_column(String(18), index=True)
    exit_declaration_id: Mapped[int | None] = mapped_column(ForeignKey("exit_declaration.id"))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CebRefund(Base):
    """A CEB625 return application for lines of a released inventory; concluded (399) when its units
    are back on the ledger through ``consumer_return_id``."""

    __tablename__ = "ceb_refund"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("ceb_message.id"))
    guid: Mapped[str] = mapped_column(String(36))
    inventory_id: Mapped[int] = mapped_column(ForeignKey("ceb_inventory.id"), index=True)
    cop_no: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(1000))
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[int] = mapped_column()
    consumer_return_id: Mapped[int | None] = mapped_column(ForeignKey("consumer_return.id"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
