"""Responses of the filing registry, batches and codes: who calls, enterprises, products, the negative list,
batches with their issuances, label templates, photo scans and the audit check (suyuan.web.api, api_labels,
api_scan; shapes from suyuan.web.serialize).

A product and a batch have a public face (what the scan shows consumers) and the full one merchants
and offices see; the full models extend the public ones, as ``serialize`` adds keys to the public dict.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from suyuan.web.responses.common import Date, DateTime, ErrorDetail, Sha256, Shape, Supplier, Url
from suyuan.web.responses.enums import (
    AdmissionStatus,
    BatchStatus,
    CreditGrade,
    DocumentKind,
    DocumentMediaType,
    EnterpriseDocumentKind,
    EnterpriseKind,
    FilingItemState,
    FilingStatus,
    GoodsCondition,
    LabelKind,
    NegativeRuleKind,
    ProductCategory,
    Reason,
    Requirement,
    RiskClass,
    Role,
    TradeMode,
    Verdict,
)


class Caller(Shape):
    """Who the token (or signed-in session) belongs to."""

    role: Role
    office_id: int | None = Field(description="the office of a regulator; null for merchants")
    enterprise_id: int | None = Field(description="the enterprise of a merchant; null for regulators")


# --- enterprises ----------------------------------------------------------------------------------


class Enterprise(Shape):
    """An enterprise filing."""

    id: int
    kind: EnterpriseKind
    name: str
    name_en: str = Field(description="empty when not given")
    uscc: str = Field(description="unified social credit code (GB 32100)")
    org_code: str = Field(description="the organisation code inside the USCC")
    office: str = Field(description="the code of the office it is filed with, e.g. SZ-QH")
    filing_status: FilingStatus
    credit_grade: CreditGrade


class EnterpriseList(Shape):
    """Enterprises visible to the caller."""

    enterprises: list[Enterprise]


class EnterpriseDocument(Shape):
    """A document of an enterprise filing (the file is downloaded from ``url``)."""

    id: int
    enterprise_id: int
    kind: EnterpriseDocumentKind
    file_name: str = Field(description="the sender's name, cleaned, ending in an extension of its type")
    media_type: DocumentMediaType = Field(description="recognised from the file's first bytes")
    size: int = Field(description="bytes")
    sha256: Sha256
    uploaded_at: DateTime
    uploaded_by_office: bool = Field(description="put on file by the office rather than the enterprise")
    uploaded_by: str | None = Field(description="who uploaded it (shown to offices only; null for merchants)")
    url: Url = Field(description="the file, as a download")


class EnterpriseDocumentList(Shape):
    """The documents of an enterprise filing, newest first."""

    documents: list[EnterpriseDocument]


class FilingItem(Shape):
    """One required item of an enterprise filing and where it stands."""

    kind: EnterpriseDocumentKind
    state: FilingItemState = Field(
        description="on_file; in_uscc (the organisation code, carried by the USCC since 2015); missing"
    )
    document: EnterpriseDocument | None = Field(description="the newest document of its kind, if any")


class EnterpriseFilingContents(Shape):
    """What an enterprise filing holds (SZ Art. 8, 25; O15 §5): the documents, the basic systems of its kind,
    what is missing. A filing with missing items stands; the gaps are for the office to see and act on."""

    enterprise: Enterprise
    commitment_signed: bool = Field(description="the commitment was declared signed at filing")
    items: list[FilingItem] = Field(
        description="business licence, organisation-code certificate, quality-safety commitment"
    )
    systems: list[FilingItem] = Field(description="the basic systems an enterprise of its kind must have")
    missing: list[EnterpriseDocumentKind] = Field(description="required items without a document")
    complete: bool
    documents: list[EnterpriseDocument] = Field(description="every document on file, newest first")


# --- products -------------------------------------------------------------------------------------


class PublicProduct(Shape):
    """A product filing as consumers see it on a scan: no ids, documents or refusal."""

    gtin: str
    name: str
    name_en: str
    brand: str
    hs_code: str
    category: ProductCategory
    manufacturer: str
    origin_country: str = Field(description="ISO 3166-1 alpha-2")
    main_ingredients: str
    standards: str
    admission_status: AdmissionStatus
    risk_class: RiskClass | None = Field(description="set by the office on admission")
    consumer_disclosure: str | None = Field(
        description="what consumers must be told (soft requirements unmet)"
    )
    unmet_requirements: list[Requirement] = Field(description="soft admission requirements not met")


class ProductDocument(Shape):
    """A certificate or report attached to a product filing."""

    id: int
    kind: DocumentKind
    number: str
    issuer: str
    issued_on: Date | None
    valid_until: Date | None
    sha256: Sha256 | None


class Product(PublicProduct):
    """A product filing as its merchant and the office see it."""

    id: int
    enterprise_id: int
    supplier: Supplier
    performance_indicators: str
    refusal_reason: str | None
    in_ccc_catalogue: bool
    condition: GoodsCondition
    decided_at: DateTime | None = Field(description="when the office admitted or refused it")
    attributes: dict[str, str] = Field(description="other information the office requires (SZ Art. 9(5))")
    procurement_source: str = Field(description="where the goods are bought (SZ Art. 9(4))")
    trade_mode: TradeMode = Field(description="bonded (1210), direct mail (9610) or B2B")
    sanction_status: FilingStatus = Field(description="filed (no sanction), suspended or revoked")
    documents: list[ProductDocument]


class ProductList(Shape):
    """Product filings visible to the caller."""

    products: list[Product]


class NegativeListEntry(Shape):
    """A negative-list rule: goods it matches cannot be filed."""

    id: int
    category: str = Field(description="N1-N8")
    kind: NegativeRuleKind
    value: str = Field(description="an HS prefix, a keyword, or the condition `used`")
    reason: str
    active: bool


class NegativeList(Shape):
    """The negative list, oldest rule first."""

    entries: list[NegativeListEntry]


# --- batches and codes ----------------------------------------------------------------------------


class PublicBatch(Shape):
    """A batch as consumers see it on a scan."""

    gtin: str
    lot: str
    status: BatchStatus
    production_date: Date | None
    expiry_date: Date | None


class BatchRecord(PublicBatch):
    """A batch as its merchant and the office see it, without its code count (the answer of a release)."""

    id: int
    product_id: int
    quantity: int = Field(description="units in the batch; no more codes can be issued")
    supplier: Supplier
    product: str = Field(description="the product's name")
    bonded: bool = Field(description="entered through an entry declaration; a lot registered directly is not")
    warehouse_id: int | None = Field(description="the supervised warehouse it is stored in")
    trade_mode: TradeMode = Field(description="bonded (1210), direct mail (9610) or B2B")


class Batch(BatchRecord):
    """A batch with how many codes it has."""

    codes_issued: int


class Issuance(Shape):
    """One signed range of serials, its signing key and where its signed statement lives."""

    id: int
    batch_id: int
    first_serial: int
    last_serial: int
    count: int
    kid: str = Field(description="the signing key's id in the JWKS")
    created_at: DateTime
    statement_url: Url = Field(description="the signed issuance statement (GET /issuances/{id})")


class BatchDetail(Batch):
    """A batch with its issuances, oldest first."""

    issuances: list[Issuance]


class BatchList(Shape):
    """Batches visible to the caller, with their code counts."""

    batches: list[Batch]


class LabelTemplate(Shape):
    """A label stock the label download can print on."""

    name: str = Field(description="the value of ?template= on the labels download")
    description: str
    kind: LabelKind = Field(description="sheet (A4, Letter) or roll (thermal)")
    dpi: int = Field(description="the printer resolution it is normally used with")
    page_mm: list[float] = Field(min_length=2, max_length=2, description="page width and height")
    label_mm: list[float] = Field(min_length=2, max_length=2, description="label width and height")
    columns: int
    rows: int
    labels_per_page: int


class LabelTemplates(Shape):
    """Every label template, by name."""

    templates: list[LabelTemplate]


class ProofMisses(Shape):
    """What the print proof found wrong, at most 100 code URLs of each kind."""

    missing: list[str] = Field(description="expected codes that did not decode")
    unexpected: list[str] = Field(description="decoded codes that were not expected")
    rejected: list[str] = Field(description="decoded codes that do not verify (counterfeit or revoked)")


class ProofFailed(Shape):
    """422 ``proof_failed``: the label file was not sent, since a label failed its print proof."""

    error: ErrorDetail
    proof: ProofMisses


Point = Annotated[list[int], Field(min_length=2, max_length=2)]


class ScannedCode(Shape):
    """A code found in the uploaded photo or PDF, with its verdict (no scan is recorded)."""

    text: str = Field(description="the text the symbol encodes, normally a code URL")
    verdict: Verdict
    reasons: list[Reason]
    position: list[Point] = Field(
        description="the symbol's corners as [x, y] pixels of the image as displayed, "
        "top-left, top-right, bottom-right, bottom-left"
    )
    page: int = Field(description="0-based PDF page or animation frame")
    method: str = Field(description="the decoding pass that found it")
    product: str | None = Field(description="the product of the lot the code names (its name); null if none")


class ScanResult(Shape):
    """Every code found in an upload."""

    codes: list[ScannedCode]


class AuditVerification(Shape):
    """The audit hash chain checked end to end against its signed checkpoints."""

    ok: bool
    entries: int = Field(description="entries in the log")
    broken_seq: int | None = Field(description="the first entry where the chain breaks")
    problem: str | None = Field(description="what is wrong; null when ok")
    checkpoints: int = Field(description="stored checkpoints checked")
    latest_checkpoint_seq: int | None
