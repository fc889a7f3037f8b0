"""The closed sets of words the API answers with, as ``Literal`` types for the response models.

Each mirrors the values of a domain ``StrEnum`` (or a fixed tuple) named in its comment; the values are
written out so type checkers and the published schemas see them, and
``tests/web/test_response_models.py`` holds every one equal to its source, so neither can drift.
"""

from __future__ import annotations

from typing import Literal

# suyuan.trace.model.EnterpriseKind
EnterpriseKind = Literal["merchant", "platform", "warehouse"]
# suyuan.trace.model.FilingStatus
FilingStatus = Literal["filed", "suspended", "revoked"]
# suyuan.trace.model.Role
Role = Literal["regulator", "merchant"]
# suyuan.trace.zone.credit.GRADES
CreditGrade = Literal["A", "B", "C", "D"]
# suyuan.trace.model.EnterpriseDocumentKind
EnterpriseDocumentKind = Literal[
    "business_licence",
    "org_code_certificate",
    "quality_commitment",
    "quality_management_system",
    "traceability_system",
    "risk_recall_system",
    "quality_supervision_system",
    "pre_listing_review_system",
    "information_disclosure_system",
    "first_inquiry_system",
    "other_document",
]
# suyuan.trace.enterprise_documents.ItemState
FilingItemState = Literal["on_file", "in_uscc", "missing"]
# suyuan.trace.enterprise_documents.MEDIA_TYPES
DocumentMediaType = Literal["application/pdf", "image/jpeg", "image/png"]

# suyuan.trace.model.ProductCategory
ProductCategory = Literal["food", "cosmetic", "appliance", "toy", "textile", "biologic", "general"]
# suyuan.trace.model.GoodsCondition
GoodsCondition = Literal["new", "used"]
# suyuan.trace.model.AdmissionStatus
AdmissionStatus = Literal["filed", "admitted", "admitted_with_disclosure", "refused"]
# suyuan.trace.model.RiskClass
RiskClass = Literal[1, 2, 3]
# suyuan.trace.model.DocumentKind
DocumentKind = Literal[
    "ccc_certificate",
    "ccc_exemption",
    "food_producer_registration",
    "special_article_approval",
    "free_sale_certificate",
    "certificate_of_origin",
    "test_report",
    "third_party_test_report",
]
# suyuan.trace.requirements.Requirement
Requirement = Literal[
    "ccc_certificate",
    "registered_food_producer",
    "special_article_approval",
    "free_sale_certificate",
    "certificate_of_origin",
    "test_report",
    "third_party_test_report",
]
# suyuan.trace.model.NegativeRuleKind
NegativeRuleKind = Literal["hs_prefix", "keyword", "condition"]
# suyuan.trace.model.BatchStatus
BatchStatus = Literal["in_zone", "released", "exit_blocked", "stopped", "recalled", "closed"]
# suyuan.labels.templates.Kind
LabelKind = Literal["sheet", "roll"]
# suyuan.trace.model.KeyStatus
KeyStatus = Literal["active", "retired", "revoked"]

# suyuan.trace.verdicts.Verdict
Verdict = Literal["genuine", "counterfeit", "suspect", "recalled", "revoked"]
# suyuan.trace.verdicts.Reason
Reason = Literal[
    "malformed_code",
    "missing_signature",
    "duplicate_signature",
    "malformed_signature",
    "unknown_key",
    "bad_signature",
    "unknown_batch",
    "serial_out_of_range",
    "wrong_key",
    "key_revoked",
    "code_voided",
    "batch_recalled",
    "batch_stop_sale",
    "not_released",
    "many_devices",
    "many_regions",
    "claimed_by_other",
    "offline_unchecked",
]

# suyuan.trace.model.EntryStatus
EntryStatus = Literal["accepted", "partly_accepted", "refused"]
# suyuan.trace.model.QuarantineStatus
QuarantineStatus = Literal["pending", "passed", "failed", "not_applicable"]
# suyuan.trace.model.QuarantineOutcome
QuarantineOutcome = Literal["passed", "treated", "failed"]
# suyuan.trace.model.QuarantineScope
QuarantineScope = Literal["goods", "container", "wood_packaging"]
# suyuan.trace.model.LineRefusal
LineRefusal = Literal[
    "not_filed",
    "not_admitted",
    "supplier_mismatch",
    "expired",
    "lot_exists",
    "duplicate_line",
    "sanctioned",
    "direct_mail",
]
# suyuan.trace.model.ReportKind
ReportKind = Literal[
    "foreign_test_report", "conformity_declaration", "domestic_test_report", "self_test_report"
]
# suyuan.trace.model.ReportStatus
ReportStatus = Literal["submitted", "accepted", "rejected"]
# suyuan.trace.model.LedgerKind
LedgerKind = Literal["entry", "write_off", "consumer_return", "return_shipment", "destruction", "sample"]
# suyuan.trace.model.SpotCheckStatus
SpotCheckStatus = Literal["planned", "sampled", "passed", "failed"]
# suyuan.trace.model.SampleChannel
SampleChannel = Literal["online", "offline"]
# suyuan.trace.model.ExitStatus
ExitStatus = Literal["rectification_required", "held", "written_off"]
# suyuan.trace.model.TradeMode
TradeMode = Literal["bonded", "direct_mail", "b2b"]
# suyuan.trace.zone.exits.Finding
Finding = Literal[
    "quantity_mismatch",
    "counterfeit",
    "revoked",
    "wrong_batch",
    "other_merchant",
    "duplicate_code",
    "already_sold",
    "not_released",
    "exit_blocked",
    "ledger_underflow",
    "payment_mismatch",
    "office_refused",
]
# suyuan.trace.zone.anomalies.AnomalyRule
AnomalyRule = Literal["many_orders_one_buyer", "many_orders_one_address", "bulk_order", "bulk_buyer"]
# suyuan.trace.model.CreditEventKind
CreditEventKind = Literal[
    "spot_check_failed", "recall_ordered", "recall_voluntary", "complaint_upheld", "violation"
]

# suyuan.trace.model.RecallKind
RecallKind = Literal["recall", "stop_sale"]
# suyuan.trace.model.RecallScope
RecallScope = Literal["batch", "sold_units"]
# suyuan.trace.model.RecallStatus
RecallStatus = Literal["open", "closed"]
# suyuan.trace.model.WarningLevel
WarningLevel = Literal["notice", "warning", "danger"]

# suyuan.trace.model.ComplaintCategory
ComplaintCategory = Literal["quality", "suspected_fake", "labelling", "safety_incident", "other"]
# suyuan.trace.model.ComplaintStatus
ComplaintStatus = Literal["received", "triaged", "answered", "upheld", "dismissed", "closed"]
# the kinds suyuan.trace.complaints writes on a timeline (``_event`` calls)
ComplaintEventKind = Literal["filed", "answer", "status", "note"]
# suyuan.trace.recalls.Notification.source
NotificationSource = Literal["complaint", "claim"]

# suyuan.trace.onboarding.UserKind
UserKind = Literal[
    "office_admin", "officer", "enterprise_admin", "enterprise_staff", "platform_admin", "platform_staff"
]
# suyuan.trace.onboarding.UserStatus
UserStatus = Literal["active", "invited", "disabled"]
# suyuan.trace.model.TokenScope
TokenScope = Literal["read", "write"]
