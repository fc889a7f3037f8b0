"""Pydantic models of every JSON response of the API, for the OpenAPI document to publish.

:data:`RESPONSES` maps each operation of the OpenAPI document that answers JSON, as
``(method, path template)``, to its success status and the model of its body;
:data:`OTHER_RESPONSES` adds the other JSON bodies an operation may answer with (the linkset and the
malformed-code verdict of the resolver, a stored exit declaration that failed its check, a failed label
proof), and :data:`ERROR` is the body of every error. :func:`response_schemas` gives them all as
``components.schemas`` entries, each referenced as ``#/components/schemas/<model name>``.

Downloads (CSV, XLSX, PDF, images, EPCIS JSON-LD) are files, not API objects, and are not here. The
models are checked against what the real routes answer by ``tests/web/test_response_models.py``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from suyuan.web.responses.accounts import (
    InvitedUser,
    IssuedToken,
    TokenList,
    TokenRecord,
    UserList,
    UserRecord,
)
from suyuan.web.responses.ceb import (
    DisclosureAccepted,
    InventoryList,
    PackingRefusedAnswer,
    ReceiptList,
    Refund,
    ReturnList,
    ScanAnswer,
)
from suyuan.web.responses.ceb import Inventory as CebInventory
from suyuan.web.responses.common import ErrorResponse
from suyuan.web.responses.complaints import (
    ComplaintDetail,
    ComplaintFiled,
    ComplaintList,
    ComplaintPublicStatus,
)
from suyuan.web.responses.enforcement import (
    BuyerRestrictionList,
    BuyerRestrictionRecord,
    CreditListEntries,
    CreditListRecord,
    PublicCredit,
    SanctionList,
    SanctionRecord,
)
from suyuan.web.responses.major_cases import (
    MajorCaseList,
    MajorCaseNoticeList,
    MajorCaseNoticeRecord,
    MajorCaseRecord,
)
from suyuan.web.responses.platform import PlatformOverview
from suyuan.web.responses.public import (
    AuditCheckpoints,
    IssuanceStatement,
    Jwks,
    Linkset,
    MalformedCode,
    OpenApiDocument,
    SignedDocument,
    VerdictDocument,
)
from suyuan.web.responses.recalls import (
    PublicNotices,
    Recall,
    RecallDestruction,
    RecallList,
    RecallNotifications,
    RecallWithUnits,
    RiskWarningList,
    RiskWarningRecord,
)
from suyuan.web.responses.rectification import (
    Interview,
    OrderList,
    OrderRecord,
    RectificationOverview,
    ReportRecord,
)
from suyuan.web.responses.registry import (
    AuditVerification,
    Batch,
    BatchDetail,
    BatchList,
    BatchRecord,
    Caller,
    Enterprise,
    EnterpriseDocument,
    EnterpriseDocumentList,
    EnterpriseFilingContents,
    EnterpriseList,
    Issuance,
    LabelTemplates,
    NegativeList,
    NegativeListEntry,
    Product,
    ProductList,
    ProofFailed,
    ScanResult,
)
from suyuan.web.responses.reports import HalfYearReport
from suyuan.web.responses.supervision import (
    BatchSupervision,
    EntryQuarantine,
    ListEntries,
    ListEntryRecord,
    RiskInformationList,
    RiskInformationRecord,
    Warehouse,
    WarehouseList,
)
from suyuan.web.responses.trace import TraceDocument
from suyuan.web.responses.zone import (
    AnomalyList,
    BatchReport,
    BatchReportList,
    ConsumerReturn,
    CreditProfile,
    EntryDeclarationList,
    EntryDeclarationRecord,
    ExitCheckFailed,
    ExitDeclarationList,
    ExitDeclarationRecord,
    GradedCreditEvent,
    LedgerPosting,
    LedgerReport,
    SpotCheck,
    SpotCheckList,
)

Operation = tuple[str, str]
"""An operation of the OpenAPI document: (HTTP method in lower case, path template)."""

ERROR: type[BaseModel] = ErrorResponse
"""The body of every 4xx and 5xx answer."""

RESOLVER = "/01/{gtin}/10/{lot}/21/{serial}"
JSON = "application/json"

RESPONSES: dict[Operation, tuple[int, type[BaseModel]]] = {
    # the registry, batches and codes (suyuan.web.api, api_labels, api_scan)
    ("get", "/api/v1/openapi.json"): (200, OpenApiDocument),
    ("get", "/api/v1/me"): (200, Caller),
    ("get", "/api/v1/enterprises"): (200, EnterpriseList),
    ("post", "/api/v1/enterprises"): (201, Enterprise),
    ("get", "/api/v1/enterprises/{enterprise_id}/filing"): (200, EnterpriseFilingContents),
    ("get", "/api/v1/enterprises/{enterprise_id}/documents"): (200, EnterpriseDocumentList),
    ("post", "/api/v1/enterprises/{enterprise_id}/documents"): (201, EnterpriseDocument),
    ("get", "/api/v1/products"): (200, ProductList),
    ("post", "/api/v1/products"): (201, Product),
    ("get", "/api/v1/products/{product_id}"): (200, Product),
    ("post", "/api/v1/products/{product_id}/documents"): (201, Product),
    ("post", "/api/v1/products/{product_id}/admission"): (200, Product),
    ("get", "/api/v1/negative-list"): (200, NegativeList),
    ("post", "/api/v1/negative-list"): (201, NegativeListEntry),
    ("post", "/api/v1/negative-list/{rule_id}/withdraw"): (200, NegativeListEntry),
    ("get", "/api/v1/supervision-lists"): (200, ListEntries),
    ("post", "/api/v1/supervision-lists"): (201, ListEntryRecord),
    ("post", "/api/v1/supervision-lists/{list_entry_id}/withdraw"): (200, ListEntryRecord),
    ("get", "/api/v1/risk-information"): (200, RiskInformationList),
    ("post", "/api/v1/risk-information"): (201, RiskInformationRecord),
    ("get", "/api/v1/risk-information/{information_id}"): (200, RiskInformationRecord),
    ("post", "/api/v1/risk-information/{information_id}/assessment"): (201, RiskInformationRecord),
    ("post", "/api/v1/risk-information/{information_id}/warning"): (201, RiskWarningRecord),
    ("post", "/api/v1/risk-information/{information_id}/spot-check"): (201, SpotCheck),
    ("post", "/api/v1/risk-information/{information_id}/recall"): (201, Recall),
    ("get", "/api/v1/warehouses"): (200, WarehouseList),
    ("post", "/api/v1/warehouses"): (201, Warehouse),
    ("post", "/api/v1/warehouses/{warehouse_id}/withdraw"): (200, Warehouse),
    ("post", "/api/v1/entry-declarations/{declaration_id}/warehouse"): (200, EntryQuarantine),
    ("post", "/api/v1/entry-declarations/{declaration_id}/quarantine-scopes"): (200, EntryQuarantine),
    ("get", "/api/v1/batches/{batch_id}/supervision"): (200, BatchSupervision),
    ("get", "/api/v1/batches"): (200, BatchList),
    ("post", "/api/v1/batches"): (201, Batch),
    ("get", "/api/v1/batches/{batch_id}"): (200, BatchDetail),
    ("patch", "/api/v1/batches/{batch_id}"): (200, Batch),
    ("post", "/api/v1/batches/{batch_id}/release"): (200, BatchRecord),
    ("post", "/api/v1/batches/{batch_id}/codes"): (201, Issuance),
    ("get", "/api/v1/batches/{batch_id}/codes"): (200, BatchDetail),
    ("get", "/api/v1/label-templates"): (200, LabelTemplates),
    ("post", "/api/v1/scan-image"): (200, ScanResult),
    ("get", "/api/v1/audit/verify"): (200, AuditVerification),
    ("get", "/api/v1/reports/half-year"): (200, HalfYearReport),
    ("post", "/api/v1/major-cases"): (201, MajorCaseRecord),
    ("get", "/api/v1/major-cases"): (200, MajorCaseList),
    ("get", "/api/v1/major-cases/{major_case_id}"): (200, MajorCaseRecord),
    ("get", "/api/v1/major-case-notices"): (200, MajorCaseNoticeList),
    ("post", "/api/v1/major-case-notices/{notice_id}/acknowledge"): (200, MajorCaseNoticeRecord),
    # the bonded zone (suyuan.web.api_zone)
    ("get", "/api/v1/entry-declarations"): (200, EntryDeclarationList),
    ("post", "/api/v1/entry-declarations"): (201, EntryDeclarationRecord),
    ("get", "/api/v1/entry-declarations/{declaration_id}"): (200, EntryDeclarationRecord),
    ("post", "/api/v1/entry-declarations/{declaration_id}/quarantine"): (200, EntryDeclarationRecord),
    ("get", "/api/v1/batches/{batch_id}/reports"): (200, BatchReportList),
    ("post", "/api/v1/batches/{batch_id}/reports"): (201, BatchReport),
    ("post", "/api/v1/reports/{report_id}/review"): (200, BatchReport),
    ("get", "/api/v1/batches/{batch_id}/ledger"): (200, LedgerReport),
    ("post", "/api/v1/batches/{batch_id}/disposals"): (201, LedgerPosting),
    ("get", "/api/v1/spot-checks"): (200, SpotCheckList),
    ("post", "/api/v1/spot-checks"): (201, SpotCheck),
    ("post", "/api/v1/spot-checks/draw"): (201, SpotCheckList),
    ("get", "/api/v1/spot-checks/{spot_check_id}"): (200, SpotCheck),
    ("post", "/api/v1/spot-checks/{spot_check_id}/sample"): (200, SpotCheck),
    ("post", "/api/v1/spot-checks/{spot_check_id}/result"): (200, SpotCheck),
    ("get", "/api/v1/exit-declarations"): (200, ExitDeclarationList),
    ("post", "/api/v1/exit-declarations"): (201, ExitDeclarationRecord),
    ("get", "/api/v1/exit-declarations/{declaration_id}"): (200, ExitDeclarationRecord),
    ("post", "/api/v1/exit-declarations/{declaration_id}/recheck"): (200, ExitDeclarationRecord),
    ("post", "/api/v1/exit-declarations/{declaration_id}/returns"): (201, ConsumerReturn),
    ("post", "/api/v1/exit-declarations/{declaration_id}/hold-decision"): (200, ExitDeclarationRecord),
    ("get", "/api/v1/enterprises/{enterprise_id}/sanctions"): (200, SanctionList),
    ("post", "/api/v1/enterprises/{enterprise_id}/sanctions"): (201, SanctionRecord),
    ("post", "/api/v1/products/{product_id}/sanctions"): (201, SanctionRecord),
    ("get", "/api/v1/credit-lists"): (200, CreditListEntries),
    ("post", "/api/v1/enterprises/{enterprise_id}/credit-lists"): (201, CreditListRecord),
    ("post", "/api/v1/credit-lists/{entry_id}/removal"): (200, CreditListRecord),
    ("get", "/api/v1/public/credit"): (200, PublicCredit),
    ("get", "/api/v1/enterprises/{enterprise_id}/rectification"): (200, RectificationOverview),
    ("post", "/api/v1/enterprises/{enterprise_id}/interviews"): (201, Interview),
    ("post", "/api/v1/enterprises/{enterprise_id}/rectification-orders"): (201, OrderRecord),
    ("get", "/api/v1/rectification-orders"): (200, OrderList),
    ("get", "/api/v1/rectification-orders/{order_id}"): (200, OrderRecord),
    ("post", "/api/v1/rectification-orders/{order_id}/reports"): (201, ReportRecord),
    ("post", "/api/v1/rectification-reports/{rectification_report_id}/review"): (200, ReportRecord),
    ("get", "/api/v1/anomalies"): (200, AnomalyList),
    ("get", "/api/v1/buyer-restrictions"): (200, BuyerRestrictionList),
    ("post", "/api/v1/buyer-restrictions"): (201, BuyerRestrictionRecord),
    ("post", "/api/v1/buyer-restrictions/{restriction_id}/lift"): (200, BuyerRestrictionRecord),
    ("get", "/api/v1/enterprises/{enterprise_id}/credit"): (200, CreditProfile),
    ("post", "/api/v1/enterprises/{enterprise_id}/credit-events"): (201, GradedCreditEvent),
    # complaints (suyuan.web.api_complaints)
    ("post", "/api/v1/complaints"): (201, ComplaintFiled),
    ("get", "/api/v1/complaints"): (200, ComplaintList),
    ("get", "/api/v1/complaints/status/{reference}"): (200, ComplaintPublicStatus),
    ("get", "/api/v1/complaints/{complaint_id}"): (200, ComplaintDetail),
    ("post", "/api/v1/complaints/{complaint_id}/answer"): (200, ComplaintDetail),
    ("post", "/api/v1/complaints/{complaint_id}/status"): (200, ComplaintDetail),
    # recalls, warnings and the notice board (suyuan.web.api_recalls)
    ("post", "/api/v1/batches/{batch_id}/recall"): (201, Recall),
    ("post", "/api/v1/batches/{batch_id}/destruction"): (201, RecallDestruction),
    ("get", "/api/v1/recalls"): (200, RecallList),
    ("get", "/api/v1/recalls/{recall_id}"): (200, RecallWithUnits),
    ("post", "/api/v1/recalls/{recall_id}/close"): (200, RecallWithUnits),
    ("post", "/api/v1/recalls/{recall_id}/lift"): (200, Recall),
    ("get", "/api/v1/recalls/{recall_id}/notifications"): (200, RecallNotifications),
    ("post", "/api/v1/recalls/{recall_id}/returns"): (201, ExitDeclarationRecord),
    ("get", "/api/v1/warnings"): (200, RiskWarningList),
    ("post", "/api/v1/warnings"): (201, RiskWarningRecord),
    ("post", "/api/v1/warnings/{warning_id}/withdraw"): (200, RiskWarningRecord),
    ("get", "/api/v1/public/notices"): (200, PublicNotices),
    # the trace (suyuan.web.api_trace)
    ("get", "/api/v1/batches/{batch_id}/trace"): (200, TraceDocument),
    ("get", "/api/v1/complaints/{complaint_id}/trace"): (200, TraceDocument),
    # accounts (suyuan.web.api.accounts)
    ("get", "/api/v1/users"): (200, UserList),
    ("post", "/api/v1/users"): (201, InvitedUser),
    ("post", "/api/v1/users/{user_id}/disable"): (200, UserRecord),
    ("post", "/api/v1/users/{user_id}/enable"): (200, UserRecord),
    ("get", "/api/v1/tokens"): (200, TokenList),
    ("post", "/api/v1/tokens"): (201, IssuedToken),
    ("post", "/api/v1/tokens/{token_id}/revoke"): (200, TokenRecord),
    ("post", "/api/v1/account/password"): (200, UserRecord),
    # customs messages and the packing station (suyuan.web.api.ceb; POST /api/v1/ceb answers XML)
    ("get", "/api/v1/ceb/inventories"): (200, InventoryList),
    ("get", "/api/v1/ceb/inventories/{inventory_id}"): (200, CebInventory),
    ("get", "/api/v1/ceb/receipts"): (200, ReceiptList),
    ("post", "/api/v1/ceb/inventories/{inventory_id}/scan-check"): (200, ScanAnswer),
    ("post", "/api/v1/ceb/inventories/{inventory_id}/packing"): (200, CebInventory),
    ("post", "/api/v1/ceb/disclosure-acceptances"): (200, DisclosureAccepted),
    ("post", "/api/v1/ceb/refunds/{refund_id}/conclusion"): (200, Refund),
    ("get", "/api/v1/ceb/refunds"): (200, ReturnList),
    # the platform's read-only view of what was sold on it (suyuan.web.api.platform)
    ("get", "/api/v1/platform/overview"): (200, PlatformOverview),
    # the public face (suyuan.web.consumer)
    ("get", RESOLVER): (200, VerdictDocument),
    ("get", "/.well-known/jwks.json"): (200, Jwks),
    ("get", "/.well-known/suyuan/revocations.json"): (200, SignedDocument),
    ("get", "/.well-known/suyuan/audit-checkpoints.json"): (200, AuditCheckpoints),
    ("get", "/issuances/{issuance_id}"): (200, IssuanceStatement),
}

OTHER_RESPONSES: dict[Operation, list[tuple[int, str, type[BaseModel]]]] = {
    ("get", RESOLVER): [
        (200, "application/linkset+json", Linkset),
        (400, JSON, MalformedCode),
    ],
    ("post", "/api/v1/exit-declarations"): [
        (202, "application/json", ExitDeclarationRecord),
        (422, "application/json", ExitCheckFailed),
    ],
    ("post", "/api/v1/exit-declarations/{declaration_id}/recheck"): [
        (202, "application/json", ExitDeclarationRecord),
        (422, "application/json", ExitCheckFailed),
    ],
    ("get", "/api/v1/batches/{batch_id}/labels"): [(422, "application/json", ProofFailed)],
    ("post", "/api/v1/ceb/inventories/{inventory_id}/packing"): [(409, JSON, PackingRefusedAnswer)],
}
"""Other JSON bodies of an operation: (status, media type, model); they replace :data:`ERROR` there."""


class _UntitledProperties(GenerateJsonSchema):
    """Leave out the titles pydantic derives from field names ("Batch Id"): the key says it already."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def response_models() -> list[type[BaseModel]]:
    """Every response model, once each, in a stable order (nested models come along by ``$ref``)."""
    models = [model for _status, model in RESPONSES.values()]
    models += [model for others in OTHER_RESPONSES.values() for _s, _m, model in others]
    return list(dict.fromkeys([*models, ERROR]))


def response_schemas() -> dict[str, Any]:
    """``components.schemas`` entries of every response model and the models they nest."""
    _, top = models_json_schema(
        [(model, "validation") for model in response_models()],
        ref_template="#/components/schemas/{model}",
        schema_generator=_UntitledProperties,
    )
    defs: dict[str, Any] = top.get("$defs", {})
    return defs


__all__ = ["ERROR", "OTHER_RESPONSES", "RESPONSES", "Operation", "response_models", "response_schemas"]
