"""Words for the stored values the office's pages show (statuses, kinds, outcomes), in the reader's language.

The domain's values are stable English identifiers (API contract, audit log); a page never shows them
raw. Templates of the office's pages call ``word(value)``: the value's enum type picks the table.
"""

from __future__ import annotations

import enum
from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from suyuan.trace.enterprise_documents import ItemState
from suyuan.trace.lookup import Match
from suyuan.trace.model import (
    AdmissionStatus,
    BatchStatus,
    BuyerRestrictionLevel,
    ComplaintCategory,
    CreditEventKind,
    CreditListKind,
    DisposalKind,
    DocumentKind,
    EnterpriseDocumentKind,
    EnterpriseKind,
    EntryStatus,
    ExitStatus,
    FilingStatus,
    LedgerKind,
    LineRefusal,
    ListKind,
    ListMatch,
    MajorCaseKind,
    NegativeRuleKind,
    ProductCategory,
    QuarantineOutcome,
    QuarantineScope,
    QuarantineStatus,
    RecallKind,
    RecallScope,
    RecallStatus,
    RectificationCause,
    RectificationStatus,
    ReportDecision,
    ReportKind,
    ReportStatus,
    RiskInfoStatus,
    RiskLevel,
    RiskSource,
    SampleChannel,
    SanctionAction,
    SpotCheckStatus,
    TradeMode,
    WarningLevel,
)
from suyuan.trace.requirements import Requirement
from suyuan.trace.zone.anomalies import AnomalyRule
from suyuan.trace.zone.exits import Finding
from suyuan.trace.zone.inspection import ReleaseGap

WORDS: dict[type[enum.Enum], dict[Any, LazyString]] = {
    AdmissionStatus: {
        AdmissionStatus.FILED: _l("Awaiting admission"),
        AdmissionStatus.ADMITTED: _l("Admitted"),
        AdmissionStatus.ADMITTED_WITH_DISCLOSURE: _l("Admitted with disclosure"),
        AdmissionStatus.REFUSED: _l("Refused"),
    },
    BatchStatus: {
        BatchStatus.IN_ZONE: _l("In the zone"),
        BatchStatus.RELEASED: _l("Released for sale"),
        BatchStatus.EXIT_BLOCKED: _l("Exit blocked"),
        BatchStatus.STOPPED: _l("Sale stopped"),
        BatchStatus.RECALLED: _l("Recalled"),
        BatchStatus.CLOSED: _l("Closed"),
    },
    Requirement: {
        Requirement.CCC_CERTIFICATE: _l("CCC certificate or exemption"),
        Requirement.REGISTERED_FOOD_PRODUCER: _l("Registered overseas food producer"),
        Requirement.SPECIAL_ARTICLE_APPROVAL: _l("Special article approval"),
        Requirement.FREE_SALE_CERTIFICATE: _l("Free sale certificate"),
        Requirement.CERTIFICATE_OF_ORIGIN: _l("Certificate of origin"),
        Requirement.TEST_REPORT: _l("Test report"),
        Requirement.THIRD_PARTY_TEST_REPORT: _l("Third-party test report"),
    },
    DocumentKind: {
        DocumentKind.CCC_CERTIFICATE: _l("CCC certificate"),
        DocumentKind.CCC_EXEMPTION: _l("CCC exemption"),
        DocumentKind.FOOD_PRODUCER_REGISTRATION: _l("Overseas food producer registration"),
        DocumentKind.SPECIAL_ARTICLE_APPROVAL: _l("Special article approval"),
        DocumentKind.FREE_SALE_CERTIFICATE: _l("Free sale certificate"),
        DocumentKind.CERTIFICATE_OF_ORIGIN: _l("Certificate of origin"),
        DocumentKind.TEST_REPORT: _l("Test report"),
        DocumentKind.THIRD_PARTY_TEST_REPORT: _l("Third-party test report"),
    },
    ProductCategory: {
        ProductCategory.FOOD: _l("Food"),
        ProductCategory.COSMETIC: _l("Cosmetics"),
        ProductCategory.APPLIANCE: _l("Appliances"),
        ProductCategory.TOY: _l("Toys"),
        ProductCategory.TEXTILE: _l("Textiles"),
        ProductCategory.BIOLOGIC: _l("Biological products"),
        ProductCategory.GENERAL: _l("General goods"),
    },
    EnterpriseKind: {
        EnterpriseKind.MERCHANT: _l("Merchant"),
        EnterpriseKind.PLATFORM: _l("Platform"),
        EnterpriseKind.WAREHOUSE: _l("Warehouse"),
    },
    EnterpriseDocumentKind: {
        EnterpriseDocumentKind.BUSINESS_LICENCE: _l("Business licence"),
        EnterpriseDocumentKind.ORG_CODE_CERTIFICATE: _l("Organisation-code certificate"),
        EnterpriseDocumentKind.QUALITY_COMMITMENT: _l("Quality and safety commitment"),
        EnterpriseDocumentKind.QUALITY_MANAGEMENT_SYSTEM: _l("Quality and safety management system"),
        EnterpriseDocumentKind.TRACEABILITY_SYSTEM: _l("Quality traceability system"),
        EnterpriseDocumentKind.RISK_RECALL_SYSTEM: _l("Risk reporting and recall system"),
        EnterpriseDocumentKind.QUALITY_SUPERVISION_SYSTEM: _l("Quality supervision system"),
        EnterpriseDocumentKind.PRE_LISTING_REVIEW_SYSTEM: _l("Pre-listing review of product information"),
        EnterpriseDocumentKind.INFORMATION_DISCLOSURE_SYSTEM: _l("Information disclosure mechanism"),
        EnterpriseDocumentKind.FIRST_INQUIRY_SYSTEM: _l(
            "First-inquiry responsibility, deposit and advance compensation"
        ),
        EnterpriseDocumentKind.OTHER_DOCUMENT: _l("Other material"),
    },
    ItemState: {
        ItemState.ON_FILE: _l("On file"),
        ItemState.IN_USCC: _l("Carried by the USCC"),
        ItemState.MISSING: _l("Missing"),
    },
    FilingStatus: {
        FilingStatus.FILED: _l("In force"),  # not "Filed": that msgid is the time column "提交时间"
        FilingStatus.SUSPENDED: _l("Suspended"),
        FilingStatus.REVOKED: _l("Revoked"),
    },
    EntryStatus: {
        EntryStatus.ACCEPTED: _l("Accepted"),
        EntryStatus.PARTLY_ACCEPTED: _l("Partly accepted"),
        EntryStatus.REFUSED: _l("Refused"),
    },
    QuarantineStatus: {
        QuarantineStatus.PENDING: _l("Quarantine pending"),
        QuarantineStatus.PASSED: _l("Quarantine passed"),
        QuarantineStatus.FAILED: _l("Quarantine failed"),
        QuarantineStatus.NOT_APPLICABLE: _l("No quarantine needed"),
    },
    QuarantineOutcome: {
        QuarantineOutcome.PASSED: _l("Passed"),
        QuarantineOutcome.TREATED: _l("Passed after treatment"),
        QuarantineOutcome.FAILED: _l("Failed"),
    },
    QuarantineScope: {
        QuarantineScope.GOODS: _l("Goods"),
        QuarantineScope.CONTAINER: _l("Container"),
        QuarantineScope.WOOD_PACKAGING: _l("Wood packaging"),
    },
    ReportKind: {
        ReportKind.FOREIGN_TEST_REPORT: _l("Foreign test report"),
        ReportKind.CONFORMITY_DECLARATION: _l("Declaration of conformity"),
        ReportKind.DOMESTIC_TEST_REPORT: _l("Domestic test report"),
        ReportKind.SELF_TEST_REPORT: _l("Self-test report"),
    },
    ReportStatus: {
        ReportStatus.SUBMITTED: _l("Awaiting review"),
        ReportStatus.ACCEPTED: _l("Accepted"),
        ReportStatus.REJECTED: _l("Rejected"),
    },
    SpotCheckStatus: {
        SpotCheckStatus.PLANNED: _l("Planned"),
        SpotCheckStatus.SAMPLED: _l("Sampled, awaiting result"),
        SpotCheckStatus.PASSED: _l("Passed"),
        SpotCheckStatus.FAILED: _l("Failed"),
    },
    SampleChannel: {
        SampleChannel.ONLINE: _l("Bought online"),
        SampleChannel.OFFLINE: _l("Taken in the warehouse"),
    },
    CreditEventKind: {
        CreditEventKind.SPOT_CHECK_FAILED: _l("Spot check failed"),
        CreditEventKind.RECALL_ORDERED: _l("Recall ordered"),
        CreditEventKind.RECALL_VOLUNTARY: _l("Voluntary recall"),
        CreditEventKind.COMPLAINT_UPHELD: _l("Complaint upheld"),
        CreditEventKind.VIOLATION: _l("Violation"),
    },
    ExitStatus: {
        ExitStatus.RECTIFICATION_REQUIRED: _l("To rectify"),
        ExitStatus.HELD: _l("Held for the office's release"),
        ExitStatus.WRITTEN_OFF: _l("Released and written off"),
    },
    LedgerKind: {
        LedgerKind.ENTRY: _l("Entry"),
        LedgerKind.WRITE_OFF: _l("Written off (sold)"),
        LedgerKind.CONSUMER_RETURN: _l("Returned by consumers"),
        LedgerKind.RETURN_SHIPMENT: _l("Return shipment"),
        LedgerKind.DESTRUCTION: _l("Destroyed"),
        LedgerKind.SAMPLE: _l("Samples"),
    },
    RecallKind: {RecallKind.RECALL: _l("Recall"), RecallKind.STOP_SALE: _l("Stop-sale")},
    RecallScope: {RecallScope.BATCH: _l("whole batch"), RecallScope.SOLD_UNITS: _l("units already sold")},
    RecallStatus: {RecallStatus.OPEN: _l("open"), RecallStatus.CLOSED: _l("closed")},
    ComplaintCategory: {
        ComplaintCategory.QUALITY: _l("Quality"),
        ComplaintCategory.SUSPECTED_FAKE: _l("Suspected fake"),
        ComplaintCategory.LABELLING: _l("Labelling"),
        ComplaintCategory.SAFETY_INCIDENT: _l("Safety incident"),
        ComplaintCategory.OTHER: _l("Other"),
    },
    ReleaseGap: {
        ReleaseGap.QUARANTINE_PENDING: _l("The entry's quarantine result is still pending."),
        ReleaseGap.QUARANTINE_FAILED: _l("The entry failed quarantine: the goods may only be disposed of."),
        ReleaseGap.REPORTS_IN_REVIEW: _l("Reports await the office's review."),
        ReleaseGap.NO_QUALIFYING_REPORT: _l(
            "No accepted, valid foreign test report or declaration of conformity."
        ),
        ReleaseGap.INSPECTION_REQUIRED: _l(
            "Goods under key supervision or tightened control need a passed inspection (spot check)."
        ),
        ReleaseGap.NO_SUPERVISED_WAREHOUSE: _l("The goods are not stored in a supervised warehouse."),
    },
    LineRefusal: {
        LineRefusal.NOT_FILED: _l("No product filing with this GTIN"),
        LineRefusal.NOT_ADMITTED: _l("The product filing is not admitted"),
        LineRefusal.SUPPLIER_MISMATCH: _l("Not the filing's supplier"),
        LineRefusal.EXPIRED: _l("Expired"),
        LineRefusal.LOT_EXISTS: _l("This lot already entered"),
        LineRefusal.DUPLICATE_LINE: _l("The lot appears twice"),
        LineRefusal.SANCTIONED: _l("The product's admission is suspended or revoked"),
        LineRefusal.DIRECT_MAIL: _l("Direct-mail goods do not enter the bonded zone"),
    },
    Finding: {
        Finding.QUANTITY_MISMATCH: _l("Declared quantity differs from the codes presented"),
        Finding.LEDGER_UNDERFLOW: _l("More units than the zone holds"),
        Finding.NOT_RELEASED: _l("Batch not released"),
        Finding.EXIT_BLOCKED: _l("Batch blocked, stopped or recalled"),
        Finding.COUNTERFEIT: _l("Counterfeit code"),
        Finding.REVOKED: _l("Code of a revoked key"),
        Finding.WRONG_BATCH: _l("Code of another batch"),
        Finding.OTHER_MERCHANT: _l("Code of another merchant"),
        Finding.DUPLICATE_CODE: _l("Same code twice"),
        Finding.ALREADY_SOLD: _l("Unit already sold"),
        Finding.PAYMENT_MISMATCH: _l("Payment differs from the order total"),
        Finding.OFFICE_REFUSED: _l("Refused by the office at exit"),
    },
    TradeMode: {
        TradeMode.BONDED: _l("Bonded import (1210)"),
        TradeMode.DIRECT_MAIL: _l("Direct mail (9610)"),
        TradeMode.B2B: _l("B2B (general trade)"),
    },
    SanctionAction: {
        SanctionAction.SUSPEND: _l("Suspend"),
        SanctionAction.REVOKE: _l("Revoke"),
        SanctionAction.LIFT: _l("Lift the suspension"),
    },
    CreditListKind: {
        CreditListKind.ABNORMAL_OPERATIONS: _l("Abnormal operations list"),
        CreditListKind.SERIOUS_VIOLATORS: _l("Serious violators list"),
    },
    # rectification (R52: suyuan.web.rectification_pages)
    RectificationStatus: {
        RectificationStatus.OPEN: _l("Awaiting the enterprise's report"),
        RectificationStatus.REPORTED: _l("Report awaiting review"),
        RectificationStatus.CLOSED: _l("Rectified and closed"),
    },
    RectificationCause: {
        RectificationCause.COMPLAINT: _l("Consumer complaint"),
        RectificationCause.SPOT_CHECK: _l("Spot check"),
        RectificationCause.RISK_INFORMATION: _l("Risk information"),
        RectificationCause.RECALL: _l("Recall or stop-sale"),
    },
    # major cases (R60: suyuan.web.office_major_cases)
    MajorCaseKind: {
        MajorCaseKind.COMPLAINT: _l("Consumer complaint"),
        MajorCaseKind.RECALL: _l("Recall or stop-sale"),
        MajorCaseKind.RISK_INFORMATION: _l("Risk information"),
        MajorCaseKind.SPOT_CHECK: _l("Failed spot check"),
    },
    ReportDecision: {
        ReportDecision.PENDING: _l("Awaiting review"),
        ReportDecision.ACCEPTED: _l("Accepted"),
        ReportDecision.REJECTED: _l("Rejected"),
    },
    BuyerRestrictionLevel: {
        BuyerRestrictionLevel.WATCH: _l("Watch: exits wait for an officer's release"),
        BuyerRestrictionLevel.BLOCK: _l("Block: orders and exits refused"),
    },
    AnomalyRule: {
        AnomalyRule.MANY_ORDERS_ONE_BUYER: _l("Many orders by one buyer"),
        AnomalyRule.MANY_ORDERS_ONE_ADDRESS: _l("Many orders to one address"),
        AnomalyRule.BULK_ORDER: _l("Bulk quantity on one order"),
        AnomalyRule.BULK_BUYER: _l("Bulk quantity bought by one buyer"),
    },
    # supervision pages (issue 15: office_risk, office_lists, office_warehouses, desk_risk)
    RiskSource: {
        RiskSource.SELF_REPORT: _l("Enterprise self-report"),
        RiskSource.FOREIGN_NOTIFICATION: _l("Foreign notification"),
        RiskSource.INCIDENT: _l("Incident"),
    },
    RiskInfoStatus: {
        RiskInfoStatus.RECEIVED: _l("Received, awaiting assessment"),
        RiskInfoStatus.ASSESSED: _l("Assessed"),
    },
    RiskLevel: {
        RiskLevel.LOW: _l("Low risk"),
        RiskLevel.MEDIUM: _l("Medium risk"),
        RiskLevel.HIGH: _l("High risk"),
    },
    DisposalKind: {
        DisposalKind.WARNING: _l("Risk warning"),
        DisposalKind.SPOT_CHECK: _l("Spot check"),
        DisposalKind.RECALL: _l("Recall or stop-sale"),
    },
    WarningLevel: {
        WarningLevel.NOTICE: _l("Notice"),
        WarningLevel.WARNING: _l("Warning"),
        WarningLevel.DANGER: _l("Danger: stop using"),
    },
    ListKind: {ListKind.POSITIVE: _l("Positive list"), ListKind.KEY_SUPERVISION: _l("Key supervision list")},
    ListMatch: {ListMatch.HS_PREFIX: _l("HS code prefix"), ListMatch.CATEGORY: _l("Product category")},
    NegativeRuleKind: {
        NegativeRuleKind.HS_PREFIX: _l("HS code prefix"),
        NegativeRuleKind.KEYWORD: _l("Keyword in name or ingredients"),
        NegativeRuleKind.CONDITION: _l("Condition (used goods)"),
    },
    Match: {
        Match.BATCH_ID: _l("Batch number"),
        Match.CODE: _l("Code or lot link"),
        Match.ELEMENT_STRING: _l("GS1 element string"),
        Match.COMPLAINT: _l("Complaint reference"),
        Match.GTIN: _l("GTIN"),
        Match.LOT: _l("Lot"),
        Match.ORDER: _l("Order number"),
        Match.ENTERPRISE: _l("Enterprise"),
        Match.PRODUCT: _l("Product name"),
        Match.SUPPLIER: _l("Supplier"),
    },
}
RISK_CLASSES: dict[int, LazyString] = {
    1: _l("Class 1: prohibited"),
    2: _l("Class 2: key supervision"),
    3: _l("Class 3: general supervision"),
}


def word(value: object) -> str:
    """The reader's word for a stored value; ``None`` is a dash."""
    if value is None:
        return "—"
    if isinstance(value, enum.Enum):
        table = WORDS.get(type(value), {})
        return str(table.get(value, value.value))
    return str(value)


def finding_word(value: str) -> str:
    """An exit check's finding (stored as its stable string in the declaration's JSON)."""
    try:
        return word(Finding(value))
    except ValueError:
        return value


def risk_word(value: int | None) -> str:
    """A risk class by its name (G15 §2(1)2), not its number alone."""
    return str(RISK_CLASSES[value]) if value in RISK_CLASSES else "—"


NAMED: dict[str, type[enum.Enum]] = {
    "admission": AdmissionStatus,
    "batch_status": BatchStatus,
    "entry_status": EntryStatus,
    "quarantine": QuarantineStatus,
    "report_kind": ReportKind,
    "report_status": ReportStatus,
    "spot_check_status": SpotCheckStatus,
    "recall_kind": RecallKind,
    "recall_scope": RecallScope,
    "recall_status": RecallStatus,
    "exit_status": ExitStatus,
}


def said(kind: str, value: str | None) -> str:
    """The word for a value kept as a plain string (the trace document's), by the name of its kind."""
    if value is None or value == "":
        return "—"
    try:
        return word(NAMED[kind](value))
    except (KeyError, ValueError):
        return value


def install(bp: Blueprint) -> None:
    """Offer the word helpers to the templates of ``bp``'s pages."""
    helpers = {"word": word, "said": said, "risk_word": risk_word, "finding_word": finding_word}
    bp.context_processor(lambda: helpers)
