"""Bodies of the bonded-zone workflow: entry, quarantine, reports, disposal, spot checks, exits, credit.

Every body here is closed. Lists are bounded at :data:`MAX_ITEMS` entries before the domain's own, smaller
bounds (lines of a declaration, codes of a line) are checked with their messages.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from suyuan.trace.bounds import MAX_INT
from suyuan.trace.model import CreditEventKind, QuarantineOutcome, QuarantineScope, ReportKind, SampleChannel
from suyuan.trace.zone import entry, exits, inspection, spot_checks
from suyuan.web.bodies.common import (
    LOT,
    SHA256,
    Amount,
    Body,
    Day,
    Id,
    Quantity,
    Whole,
    between,
    filled,
    one_of,
    rule,
    states,
    text,
)

MAX_ITEMS = 500
"""Entries a list of a body may have at all (lines, codes)."""

CodeUrl = Annotated[str, Field(description="code URL")]


class EntryLine(Body):
    """One line of an entry declaration: goods of one lot of one product."""

    gtin: Annotated[str, states(pattern="^[0-9]{8,14}$")]
    lot: Annotated[str, states(pattern=LOT)]
    quantity: Quantity
    supplier_name: Annotated[str, text(200, filled=True)]
    supplier_country: str
    production_date: Day | None = None
    expiry_date: Day | None = None

    def filing(self) -> entry.EntryLineFiling:
        """The domain's line."""
        return entry.EntryLineFiling(**dict(self))


class EntryDeclaration(Body):
    """A consignment declared into the zone; ``enterprise_id`` defaults to the caller's enterprise."""

    enterprise_id: Id | None = None
    reference: Annotated[str, text(64, filled=True)]
    transport_doc: Annotated[str, text(100)] | None = None
    lines: Annotated[
        list[EntryLine], Field(max_length=MAX_ITEMS), states(minItems=1, maxItems=entry.MAX_LINES)
    ]

    def filing(self) -> entry.EntryFiling:
        """The domain's declaration (without the enterprise, which the caller decides)."""
        return entry.EntryFiling(
            reference=self.reference,
            transport_doc=self.transport_doc or "",
            lines=tuple(line.filing() for line in self.lines),
        )


class Quarantine(Body):
    """The quarantine result of an entry declaration."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                rule("outcome", ["treated"], filled("treatment", 200)),
                rule("outcome", ["failed"], filled("note", 4000)),
            ]
        }
    )

    outcome: Annotated[str, one_of(QuarantineOutcome)]
    scope: Annotated[str, one_of(QuarantineScope)] | None = None
    treatment: Annotated[str, text(200)] | None = None
    note: Annotated[str, text(4000)] | None = None


class Report(Body):
    """A batch's test report or conformity declaration, by the SHA-256 of its file."""

    kind: Annotated[str, one_of(ReportKind)]
    issuer: Annotated[str, text(200, filled=True)]
    number: Annotated[str, text(100)] | None = None
    issued_on: Day
    valid_until: Day | None = None
    sha256: Annotated[str, states(pattern=SHA256)]

    def filing(self) -> inspection.ReportFiling:
        """The domain's report filing."""
        return inspection.ReportFiling(
            kind=self.kind,
            issuer=self.issuer,
            issued_on=self.issued_on,
            sha256=self.sha256,
            number=self.number or "",
            valid_until=self.valid_until,
        )


class Review(Body):
    """The office accepts or rejects a report; a rejection says why."""

    model_config = ConfigDict(json_schema_extra=rule("accept", [False], filled("note", 4000)))

    accept: bool
    note: Annotated[str, text(4000)] | None = None


class Disposal(Body):
    """Units destroyed or shipped back under the office's supervision."""

    kind: Annotated[str, one_of(inspection.DISPOSALS)]
    quantity: Annotated[Whole, between(1, MAX_INT)]
    reason: Annotated[str, text(2000, filled=True)]


class SpotCheckRequest(Body):
    """A spot check planned on one batch."""

    batch_id: Id
    note: Annotated[str, text(2000)] | None = None


class Draw(Body):
    """A round of risk-based spot checks; the same seed draws the same checks."""

    seed: Annotated[str, text(64)] | None = None


class Sample(Body):
    """Samples taken: offline in the warehouse, or online with the order that bought them."""

    model_config = ConfigDict(json_schema_extra=rule("channel", ["online"], filled("order_ref", 64)))

    channel: Annotated[str, one_of(SampleChannel)]
    quantity: Annotated[Whole, between(1, spot_checks.MAX_OFFLINE_SAMPLE)] = 1
    order_ref: Annotated[str, text(64)] | None = None


class LabResult(Body):
    """The lab's result; a failure names the failed items."""

    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                rule("passed", [True], {"properties": {"failed_items": {"maxItems": 0}}}),
                rule(
                    "passed",
                    [False],
                    {"required": ["failed_items"], "properties": {"failed_items": {"minItems": 1}}},
                ),
            ]
        }
    )

    passed: bool
    lab: Annotated[str, text(200, filled=True)]
    report_sha256: Annotated[str, states(pattern=SHA256)]
    failed_items: Annotated[list[Annotated[str, text(200, filled=True)]], Field(max_length=50)] = Field(
        default_factory=list
    )
    note: Annotated[str, text(4000)] | None = None


class Buyer(Body):
    """The buyer of an order, as the platform declares them."""

    id_number: Annotated[str, Field(description="resident ID number (GB 11643); stored only as a keyed hash")]
    name: Annotated[str, Field(description="stored masked")]
    address: Annotated[str, Field(description="stored only as a keyed hash")] | None = None

    def buyer(self) -> exits.Buyer:
        """The domain's buyer."""
        return exits.Buyer(id_number=self.id_number, name=self.name, address=self.address or "")


class ExitLine(Body):
    """One line of an order: units of one batch, named by their code URLs."""

    batch_id: Id
    quantity: Annotated[Whole, between(1, exits.MAX_CODES)]
    unit_price: Amount
    codes: Annotated[list[CodeUrl], Field(max_length=MAX_ITEMS), states(maxItems=exits.MAX_CODES)]

    def filing(self) -> exits.ExitLineFiling:
        """The domain's line."""
        return exits.ExitLineFiling(
            batch_id=self.batch_id,
            quantity=self.quantity,
            unit_price=self.unit_price,
            codes=tuple(self.codes),
        )


ExitLines = Annotated[
    list[ExitLine], Field(max_length=MAX_ITEMS), states(minItems=1, maxItems=exits.MAX_LINES)
]


class ExitDeclaration(Body):
    """An order declared out of the zone: its documents, buyer and lines."""

    order_no: Annotated[str, text(64, filled=True)]
    payment_ref: Annotated[str, text(64, filled=True)]
    waybill_no: Annotated[str, text(64, filled=True)]
    payment_amount: Amount
    platform: Annotated[str, text(200)] | None = None
    buyer: Buyer
    lines: ExitLines
    disclosure_accepted: bool = Field(
        default=False,
        description="the buyer accepted the consumer disclosure (required for goods admitted with one)",
    )

    def filing(self) -> exits.ExitFiling:
        """The domain's declaration."""
        return exits.ExitFiling(
            order_no=self.order_no,
            payment_ref=self.payment_ref,
            waybill_no=self.waybill_no,
            payment_amount=self.payment_amount,
            platform=self.platform or "",
            buyer=self.buyer.buyer(),
            lines=tuple(line.filing() for line in self.lines),
            disclosure_accepted=self.disclosure_accepted,
        )


class Rectification(Body):
    """New lines for a declaration that failed its check, and the payment if it changed."""

    lines: ExitLines
    payment_amount: Amount | None = None


class Return(Body):
    """Units of a released order back into the zone, named by their code URLs."""

    codes: Annotated[list[str], states(minItems=1, maxItems=exits.MAX_CODES)]
    reason: Annotated[str, text(2000, filled=True)]


class CreditEvent(Body):
    """A credit event the office records against an enterprise."""

    kind: Annotated[str, one_of(CreditEventKind)]
    note: Annotated[str, text(2000, filled=True)]
    source: Annotated[str, text(64)] | None = None
