"""Responses of the customs (CEB) API: inventories (the exit side of a CEB621), receipts, and the packing
station's answers (one scan checked on the spot; a release refused with every refused scan).

The receipts themselves are XML in customs' shape (``POST /api/v1/ceb``); these JSON reads are what a
platform or warehouse polls, so that it need not parse receipts to know where an order stands.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from suyuan.web.responses.common import Amount, DateTime, ErrorDetail, Shape

# suyuan.trace.ceb.PackingProblem (tests/web/test_response_models.py holds them equal)
PackingProblem = Literal[
    "unreadable",
    "counterfeit",
    "revoked",
    "wrong_product",
    "recalled",
    "not_released",
    "already_sold",
    "duplicate_code",
    "wrong_count",
    "unknown_line",
    "exit_check_failed",
    "not_trading",
    "wrong_trade_mode",
]


class InventoryLine(Shape):
    """One declared line: the product it joined and, once packed, the code URLs of its units."""

    gnum: int = Field(description="the line's number in the CEB621")
    gtin: str
    item_record_no: str = Field(description="account-book item (bonded), or empty")
    product_id: int
    name: str
    qty: int
    unit_price: Amount
    total: Amount
    codes: list[str] = Field(description="code URLs bound at packing; empty until released")


class Inventory(Shape):
    """A CEB621 inventory as Suyuan holds it: its customs keys, matching state and release."""

    id: int
    order_no: str
    platform_id: int
    merchant_id: int
    trade_mode: str = Field(description="1210 bonded (written off the zone ledger) or 9610 direct mail")
    ems_no: str
    area_code: str = Field(description="the zone warehouse that packs it")
    logistics_code: str
    logistics_no: str
    cop_no: str
    pre_no: str
    invt_no: str | None = Field(description="customs' inventory number, once a customs receipt gave it")
    status: int = Field(description="120 waiting, 399 matched (ready to pack), 800 released, 100 rejected")
    waiting_for: list[str] = Field(description="order, payment, waybill, disclosure_acceptance")
    customs_status: int | None = Field(description="the highest status customs forwarded")
    exit_declaration_id: int | None = Field(
        description="the exit declared at packing (1210: written off the ledger; 9610: bound, no ledger)"
    )
    received_at: DateTime
    released_at: DateTime | None
    lines: list[InventoryLine]


class InventoryList(Shape):
    """Inventories visible to the caller, newest first."""

    inventories: list[Inventory]


class Receipt(Shape):
    """A stored receipt, Suyuan's or customs', with its XML."""

    id: int
    message_id: int | None
    issuer: str = Field(description="suyuan or customs")
    receipt_type: str = Field(description="CEB312Message, CEB622Message, …")
    subject: str = Field(description="what it answers, e.g. inventory:7")
    order_no: str
    status: int
    reason: str = Field(description="stable reason of a rejection, else empty")
    info: str
    issued_at: DateTime
    xml: str


class ReceiptList(Shape):
    """Receipts visible to the caller, newest first."""

    receipts: list[Receipt]


class ScanAnswer(Shape):
    """One scan at the packing station: accepted, or refused with a named problem (the on-the-spot cue)."""

    gnum: int
    ok: bool
    problem: PackingProblem | None
    message: str
    serial: str


class PackingRefusedAnswer(Shape):
    """A release refused: nothing was written; every refused scan (and count) is listed."""

    error: ErrorDetail
    refusals: list[ScanAnswer]


class DisclosureAccepted(Shape):
    """An order whose buyer's acceptance of the consumer disclosure is recorded, with its inventory."""

    order_no: str
    platform_id: int
    merchant_id: int
    disclosure_accepted_at: DateTime
    disclosure_source: Literal["call"] = Field(description="recorded by this call")
    inventory: Inventory | None = Field(
        description="the order's inventory (its status says whether it is now ready to pack), or null"
    )


class RefundLine(Shape):
    """A returned line of the inventory and how many of its units come back."""

    gnum: int
    qty: int
    product_id: int


class Refund(Shape):
    """A CEB625 return: 120 waiting for its units at the return desk, 399 concluded (back on the ledger)."""

    id: int
    inventory_id: int
    order_no: str
    cop_no: str
    reason: str
    status: int = Field(description="120 waiting for its units, 399 concluded")
    lines: list[RefundLine]
    consumer_return_id: int | None = Field(description="the zone return that credited the ledger (1210)")
    received_at: DateTime


class ReturnListItem(Shape):
    """One return on the return desk's list: a CEB625 return or one taken at the merchant's desk."""

    kind: Literal["ceb625", "desk"] = Field(description="ceb625: a CEB625 message; desk: the merchant's desk")
    id: int = Field(description="the CEB625 return's id (ceb625) or the desk return's id (desk)")
    status: Literal["waiting", "concluded"] = Field(
        description="waiting for its units at the return desk (CEB625 120), or concluded"
    )
    ceb_status: int | None = Field(description="120 or 399 for a CEB625 return, null for a desk return")
    order_no: str
    inventory_id: int | None = Field(description="the CEB621 inventory (ceb625), else null")
    exit_declaration_id: int | None
    consumer_return_id: int | None = Field(description="the zone return that took the units back")
    units: int
    reason: str
    at: DateTime = Field(description="when the return arrived (ceb625) or was recorded (desk)")


class ReturnList(Shape):
    """A page of returns visible to the caller, newest first; ``next_offset`` continues (null: last)."""

    returns: list[ReturnListItem]
    next_offset: int | None
