"""Words for the merchant's desk: stored values, field names and domain refusals in the reader's language.

The domain keeps stable English words (``partly_accepted``, ``quantity_mismatch``, ``invalid_gtin``);
pages never show them raw. Kept apart from the views so that every desk page and message says a thing
the same way, and a translator finds them in one place.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from suyuan.trace.model import (
    DocumentKind,
    EntryStatus,
    ExitStatus,
    GoodsCondition,
    LedgerKind,
    LineRefusal,
    ProductCategory,
    QuarantineOutcome,
    QuarantineScope,
    QuarantineStatus,
    ReportKind,
    ReportStatus,
    TradeMode,
)
from suyuan.trace.zone.exits import Finding
from suyuan.trace.zone.inspection import ReleaseGap
from suyuan.web.dashboard import LABELS

CATEGORY: dict[str, LazyString] = {
    ProductCategory.FOOD: _l("Food"),
    ProductCategory.COSMETIC: _l("Cosmetics"),
    ProductCategory.APPLIANCE: _l("Electrical appliance"),
    ProductCategory.TOY: _l("Toy"),
    ProductCategory.TEXTILE: _l("Textile"),
    ProductCategory.BIOLOGIC: _l("Biological product"),
    ProductCategory.GENERAL: _l("General goods"),
}
CONDITION: dict[str, LazyString] = {GoodsCondition.NEW: _l("New"), GoodsCondition.USED: _l("Used")}
DOCUMENT_KIND: dict[str, LazyString] = {
    DocumentKind.CCC_CERTIFICATE: _l("CCC certificate"),
    DocumentKind.CCC_EXEMPTION: _l("CCC exemption"),
    DocumentKind.FOOD_PRODUCER_REGISTRATION: _l("Registration of the overseas food producer"),
    DocumentKind.SPECIAL_ARTICLE_APPROVAL: _l("Approval of special articles"),
    DocumentKind.FREE_SALE_CERTIFICATE: _l("Free sale certificate"),
    DocumentKind.CERTIFICATE_OF_ORIGIN: _l("Certificate of origin"),
    DocumentKind.TEST_REPORT: _l("Test report"),
    DocumentKind.THIRD_PARTY_TEST_REPORT: _l("Third-party test report"),
}
REPORT_KIND: dict[str, LazyString] = {
    ReportKind.FOREIGN_TEST_REPORT: _l("Foreign test report"),
    ReportKind.CONFORMITY_DECLARATION: _l("Declaration of conformity"),
    ReportKind.DOMESTIC_TEST_REPORT: _l("Domestic test report"),
    ReportKind.SELF_TEST_REPORT: _l("Own test report"),
}
REPORT_STATUS: dict[str, LazyString] = {
    ReportStatus.SUBMITTED: _l("Awaiting the office's review"),
    ReportStatus.ACCEPTED: _l("Accepted"),
    ReportStatus.REJECTED: _l("Rejected"),
}
ENTRY_STATUS: dict[str, LazyString] = {
    EntryStatus.ACCEPTED: _l("Accepted"),
    EntryStatus.PARTLY_ACCEPTED: _l("Partly accepted"),
    EntryStatus.REFUSED: _l("Refused"),
}
QUARANTINE_STATUS: dict[str, LazyString] = {
    QuarantineStatus.PENDING: _l("Awaiting quarantine"),
    QuarantineStatus.PASSED: _l("Quarantine passed"),
    QuarantineStatus.FAILED: _l("Quarantine failed"),
    QuarantineStatus.NOT_APPLICABLE: _l("No quarantine (nothing accepted)"),
}
LINE_REFUSAL: dict[str, LazyString] = {
    LineRefusal.NOT_FILED: _l("No product filing with this GTIN"),
    LineRefusal.NOT_ADMITTED: _l("The product is not admitted"),
    LineRefusal.SUPPLIER_MISMATCH: _l("The supplier is not the filed supplier"),
    LineRefusal.EXPIRED: _l("Already expired"),
    LineRefusal.LOT_EXISTS: _l("This lot already entered"),
    LineRefusal.DUPLICATE_LINE: _l("The same lot twice in this declaration"),
    LineRefusal.SANCTIONED: _l("The product's admission is suspended or revoked"),
    LineRefusal.DIRECT_MAIL: _l("Direct-mail goods do not enter the bonded zone"),
}
EXIT_STATUS: dict[str, LazyString] = {
    ExitStatus.RECTIFICATION_REQUIRED: _l("Awaiting rectification"),
    ExitStatus.HELD: _l("Held for the office's release"),
    ExitStatus.WRITTEN_OFF: _l("Released and written off"),
}
FINDING: dict[str, LazyString] = {
    Finding.QUANTITY_MISMATCH: _l("The quantity differs from the number of codes scanned"),
    Finding.COUNTERFEIT: _l("A code is not genuine"),
    Finding.REVOKED: _l("A code's key was revoked"),
    Finding.WRONG_BATCH: _l("A code belongs to another of your batches"),
    Finding.OTHER_MERCHANT: _l("A code belongs to another merchant's goods"),
    Finding.DUPLICATE_CODE: _l("The same code was scanned twice"),
    Finding.ALREADY_SOLD: _l("The unit was already sold on another order"),
    Finding.NOT_RELEASED: _l("The batch is not released for sale yet"),
    Finding.EXIT_BLOCKED: _l("The batch is blocked, stopped or recalled"),
    Finding.LEDGER_UNDERFLOW: _l("More units than the zone ledger holds"),
    Finding.PAYMENT_MISMATCH: _l("The payment does not match quantity × unit price"),
    Finding.OFFICE_REFUSED: _l("The office refused the order at exit"),
}
RELEASE_GAP: dict[str, LazyString] = {
    ReleaseGap.QUARANTINE_PENDING: _l("quarantine not yet passed"),
    ReleaseGap.QUARANTINE_FAILED: _l("quarantine failed: disposal only"),
    ReleaseGap.REPORTS_IN_REVIEW: _l("reports await the office's review"),
    ReleaseGap.NO_QUALIFYING_REPORT: _l("no accepted foreign test report or declaration of conformity"),
    ReleaseGap.INSPECTION_REQUIRED: _l("inspection required: key supervision or tightened control"),
    ReleaseGap.NO_SUPERVISED_WAREHOUSE: _l("not stored in a supervised warehouse"),
}
LEDGER_KIND: dict[str, LazyString] = {
    LedgerKind.ENTRY: _l("Entry"),
    LedgerKind.WRITE_OFF: _l("Exit write-off"),
    LedgerKind.CONSUMER_RETURN: _l("Consumer return"),
    LedgerKind.RETURN_SHIPMENT: _l("Shipped back abroad"),
    LedgerKind.DESTRUCTION: _l("Destroyed"),
    LedgerKind.SAMPLE: _l("Spot-check sample"),
}
SOURCE: dict[str, LazyString] = {  # the prefix of a ledger movement's source ("exit:12")
    "entry": _l("entry declaration"),
    "exit": _l("order"),
    "return": _l("return"),
    "recall": _l("recall"),
    "complaint": _l("complaint"),
    "spot_check": _l("spot check"),
    "disposal": _l("supervised disposal"),
}
TRADE_MODE: dict[str, LazyString] = {  # the same words as the office's pages (office_labels)
    TradeMode.BONDED: _l("Bonded import (1210)"),
    TradeMode.DIRECT_MAIL: _l("Direct mail (9610)"),
    TradeMode.B2B: _l("B2B (general trade)"),
}
RECALL_SCOPE: dict[str, LazyString] = {"batch": _l("whole batch"), "sold_units": _l("units already sold")}
TEMPLATE: dict[str, LazyString] = {
    "a4-2x7": _l("A4 sheet, 14 large labels 99.1×38.1 mm (e.g. Avery L7163)"),
    "a4-3x8": _l("A4 sheet, 24 labels 70×37 mm edge to edge (e.g. Avery 3474)"),
    "a4-4x10": _l("A4 sheet, 40 small labels 45.7×25.4 mm (e.g. Avery L7654)"),
    "letter-3x10": _l("US Letter sheet, 30 labels 2.625×1 in (Avery 5160 layout)"),
    "roll-50x30": _l("Thermal roll, one 50×30 mm label at a time (203 dpi)"),
}
REQUIREMENT: dict[str, LazyString] = {
    **DOCUMENT_KIND,
    "registered_food_producer": _l("Registration of the overseas food producer"),
}
PACKING_PROBLEM: dict[str, LazyString] = {  # suyuan.trace.ceb.PackingProblem
    "unreadable": _l("Not a traceability code"),
    "counterfeit": _l("Not genuine: counterfeit code"),
    "revoked": _l("The code was revoked"),
    "wrong_product": _l("Wrong product for this line"),
    "recalled": _l("Recalled or stopped: it may not leave"),
    "not_released": _l("The batch is not released for sale"),
    "already_sold": _l("Already sold on another order"),
    "duplicate_code": _l("This unit was already scanned"),
    "wrong_count": _l("Wrong count for this line"),
    "unknown_line": _l("The order has no such line"),
    "exit_check_failed": _l("The exit check failed"),
    "not_trading": _l("Suspended or revoked: it may not leave"),
    "wrong_trade_mode": _l("Wrong trade mode for this order"),
}
INVENTORY_STATUS: dict[int, LazyString] = {  # suyuan.trace.model.ceb.ReturnStatus
    100: _l("Rejected"),
    120: _l("Waiting for documents"),
    399: _l("Ready to pack"),
    800: _l("Released and written off"),
}
QUARANTINE_SCOPE: dict[str, LazyString] = {  # what was inspected (SZ Art. 14)
    QuarantineScope.GOODS: _l("Goods"),
    QuarantineScope.CONTAINER: _l("Container"),
    QuarantineScope.WOOD_PACKAGING: _l("Wood packaging"),
}
QUARANTINE_OUTCOME: dict[str, LazyString] = {
    QuarantineOutcome.PASSED: _l("Passed"),
    QuarantineOutcome.TREATED: _l("Passed after treatment"),
    QuarantineOutcome.FAILED: _l("Failed"),
}
WORDS: dict[str, dict[str, LazyString]] = {
    "status": LABELS,  # admission and batch statuses, as the dashboard says them
    "category": CATEGORY,
    "condition": CONDITION,
    "document": DOCUMENT_KIND,
    "report": REPORT_KIND,
    "report_status": REPORT_STATUS,
    "entry": ENTRY_STATUS,
    "quarantine": QUARANTINE_STATUS,
    "quarantine_scope": QUARANTINE_SCOPE,
    "quarantine_outcome": QUARANTINE_OUTCOME,
    "refusal": LINE_REFUSAL,
    "exit": EXIT_STATUS,
    "finding": FINDING,
    "gap": RELEASE_GAP,
    "requirement": REQUIREMENT,
    "template": TEMPLATE,
    "ledger": LEDGER_KIND,
    "source": SOURCE,
    "scope": RECALL_SCOPE,
    "packing": PACKING_PROBLEM,
    "trade_mode": TRADE_MODE,
}

# Form and domain field names -> what the page calls them.
FIELD_LABELS: dict[str, LazyString] = {
    "gtin": _l("GTIN"),
    "name": _l("Product name"),
    "name_en": _l("English name"),
    "brand": _l("Brand"),
    "spec_model": _l("Specification / model"),
    "hs_code": _l("HS code"),
    "category": _l("Category"),
    "condition": _l("Condition"),
    "manufacturer": _l("Manufacturer"),
    "origin_country": _l("Country of origin"),
    "supplier_name": _l("Supplier"),
    "supplier_country": _l("Supplier's country"),
    "main_ingredients": _l("Main ingredients"),
    "performance_indicators": _l("Performance indicators"),
    "standards": _l("Standards"),
    "kind": _l("Kind"),
    "document kind": _l("Kind"),
    "number": _l("Number"),
    "issuer": _l("Issuer"),
    "issued_on": _l("Issued on"),
    "valid_until": _l("Valid until"),
    "sha256": _l("File"),
    "file": _l("File"),
    "lot": _l("Batch (lot)"),
    "quantity": _l("Quantity"),
    "production_date": _l("Production date"),
    "expiry_date": _l("Expiry date"),
    "count": _l("Number of codes"),
    "reference": _l("Declaration reference"),
    "transport_doc": _l("Transport document"),
    "product_id": _l("Product"),
    "batch_id": _l("Batch"),
    "lines": _l("Lines"),
    "order_no": _l("Order number"),
    "payment_ref": _l("Payment reference"),
    "waybill_no": _l("Waybill number"),
    "payment_amount": _l("Amount paid (RMB)"),
    "platform": _l("Platform"),
    "buyer": _l("Buyer"),
    "buyer_id_number": _l("Buyer's ID number"),
    "buyer_name": _l("Buyer's name"),
    "buyer_address": _l("Delivery address"),
    "buyer.address": _l("Delivery address"),
    "unit_price": _l("Unit price (RMB)"),
    "codes": _l("Codes"),
    "reason": _l("Reason"),
    "first": _l("First serial"),
    "last": _l("Last serial"),
    "template": _l("Template"),
    "format": _l("Format"),
    "trade_mode": _l("Trade mode"),
    "procurement_source": _l("Procurement source"),
    "attributes": _l("Other information the office requires"),
    "title": _l("Title"),
    "description": _l("What you found"),
    "hs_prefix": _l("HS code prefix"),
    "warehouse_id": _l("Supervised warehouse"),
}

# Field problems whose cause is plain whatever the exact value.
FIELD_PROBLEMS: dict[str, LazyString] = {
    "valid_until": _l("“Valid until” must not be before the issue date, nor already past."),
    "issued_on": _l("The issue date must not be in the future."),
    "expiry_date": _l("The expiry date must be after the production date."),
    "lot": _l("The lot is 1-20 letters, digits or GS1 symbols, without spaces."),
    "quantity": _l("The quantity is out of range."),
    "count": _l("The number of codes is out of range."),
    "codes": _l("A scanned line is not a traceability code; scan it again or delete the line."),
    "buyer": _l("The buyer's ID number or name is not valid."),
    "payment_amount": _l("Enter the amount in RMB, such as 199.00."),
    "sha256": _l("The file could not be read."),
    "text": _l("The answer is 5 to 2,000 characters."),
    "first": _l("The serial range is outside the codes issued; issue more codes on the batch's page first."),
    "attributes": _l(
        "Other information: at most 20 items, each a name of up to 50 letters, digits, _ or - "
        "and a value of one line of at most 500 characters."
    ),
    "procurement_source": _l("The procurement source is one line of at most 300 characters."),
}

# Refusals that say the same whatever the field.
ERROR_MESSAGES: dict[str, LazyString] = {
    "packing_refused": _l("Some scans were refused; nothing was released. Check the marked codes."),
    "inventory_not_ready": _l(
        "This order cannot be packed: its documents are not matched, customs holds it, or it was released."
    ),
    "invalid_gtin": _l("The GTIN is not valid: 8, 12, 13 or 14 digits with a correct check digit."),
    "invalid_hs_code": _l("The HS code is not valid: 6, 8 or 10 digits of an existing chapter."),
    "invalid_country": _l("Enter the country as a two-letter code, such as NZ, FR or KR."),
    "duplicate": _l("This already exists; nothing was saved."),
    "duplicate_order": _l("This order number was already declared."),
    "disclosure_not_accepted": _l(
        "The order includes goods admitted with a consumer disclosure: tick that the buyer accepted it "
        "before the order leaves. Nothing was declared."
    ),
    "quantity_exceeded": _l("The batch has fewer units left than the codes asked for."),
    "quota_exceeded": _l("The order breaks the buyer's cross-border quota (per order or per year)."),
    "buyer_blocked": _l(
        "The inspection office has blocked this buyer (buying for trade); their orders may not leave."
    ),
    "not_on_ledger": _l(
        "This batch did not enter through an entry declaration, so it cannot leave the zone."
    ),
    "code_already_sold": _l("Another order took one of these units first; nothing was saved."),
    "return_not_allowed": _l(
        "These units cannot be returned: not sold on this order, already returned, or past the return window."
    ),
    "prohibited_goods": _l("The goods are on the negative list and may not be filed."),
    "admission_sanctioned": _l(
        "The product's admission is suspended or revoked: its goods may not enter, leave or get new codes."
    ),
    "filing_sanctioned": _l(
        "Your enterprise's filing is suspended or revoked: it may not declare goods, let them leave or "
        "issue codes."
    ),
    "forbidden": _l("Your account may not do this."),
    "rate_limited": _l("Too many attempts; please try again later."),
    "key_unavailable": _l("Codes cannot be signed right now; please try again later."),
}
