"""Bodies of the filing registry: enterprises (and the documents of their filings), products and their
documents, admission, the negative list.

A product filing and its documents are closed (a misspelt field never silently drops a certificate) and
are read the same from the API and from ``suyuan product add --file``; the other bodies ignore unknown
fields, as they always have.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field

from suyuan.trace import filing_attributes, negative_list, registry
from suyuan.trace.model import (
    DocumentKind,
    EnterpriseDocumentKind,
    EnterpriseKind,
    GoodsCondition,
    NegativeRuleKind,
    ProductCategory,
    TradeMode,
)
from suyuan.web.bodies.common import (
    ONE_LINE,
    SHA256,
    Body,
    Day,
    Id,
    Whole,
    filled,
    nonblank,
    one_of,
    rule,
    states,
    text,
)

KEY = Annotated[str, states(pattern=filing_attributes.KEY_PATTERN)]
COUNTRY = states(pattern="^[A-Za-z]{2,3}$")
# A negative-list keyword: 2-100 characters once outer spaces are stripped.
KEYWORD = "^\\s*[^\\s\\u0085][\\s\\S]{0,98}[^\\s\\u0085]\\s*$"


class EnterpriseFiling(Body):
    """An enterprise filed by its office (regulators)."""

    model_config = ConfigDict(extra="ignore")

    kind: Annotated[str, one_of(EnterpriseKind)]
    name: Annotated[str, text(200, filled=True)]
    uscc: Annotated[
        str,
        states(pattern="^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"),
        Field(description="GB 32100, check characters included"),
    ]
    office: Annotated[str, states(maxLength=32), Field(description="the office code, e.g. SZ-QH")]
    name_en: Annotated[str, text(200)] | None = None
    address: Annotated[str, text(500)] | None = None
    commitment_signed: (
        Annotated[bool, states(const=True), Field(description="filing needs the signed commitment")] | None
    ) = None

    def filing(self) -> registry.EnterpriseFiling:
        """The domain's filing."""
        return registry.EnterpriseFiling(
            kind=self.kind,
            name=self.name,
            uscc=self.uscc,
            office_code=self.office,
            name_en=self.name_en or "",
            address=self.address or "",
            commitment_signed=True if self.commitment_signed is None else self.commitment_signed,
        )


class EnterpriseDocumentForm(Body):
    """A document of an enterprise filing, sent as ``multipart/form-data``: its ``kind`` here, the file
    itself as the part ``file`` (PDF, JPEG or PNG; suyuan.trace.enterprise_documents). Other parts are
    ignored."""

    model_config = ConfigDict(extra="ignore")

    kind: Annotated[
        str,
        one_of(EnterpriseDocumentKind),
        Field(
            description="which document: a filing document, a basic system of the enterprise's kind, or other"
        ),
    ]


class Document(Body):
    """A certificate or report of a product filing."""

    kind: Annotated[str, one_of(DocumentKind)]
    number: Annotated[str, text(100)] | None = None
    issuer: Annotated[str, text(200)] | None = None
    issued_on: Day | None = None
    valid_until: Day | None = None
    sha256: Annotated[str, states(pattern=SHA256)] | None = None

    def filing(self) -> registry.DocumentFiling:
        """The domain's document filing."""
        return registry.DocumentFiling(
            kind=self.kind,
            number=self.number or "",
            issuer=self.issuer or "",
            issued_on=self.issued_on,
            valid_until=self.valid_until,
            sha256=self.sha256,
        )


class ProductFiling(Body):
    """A product filed by a merchant; ``enterprise_id`` defaults to the caller's enterprise."""

    enterprise_id: Id | None = None
    gtin: Annotated[str, states(pattern="^([0-9]{8}|[0-9]{12,14})$")]
    name: Annotated[str, text(200, filled=True)]
    name_en: Annotated[str, text(200)] = ""
    brand: Annotated[str, text(100)] = ""
    spec_model: Annotated[str, text(100)] = ""
    hs_code: Annotated[str, states(pattern="^[0-9.]{6,13}$")]
    category: Annotated[str, one_of(ProductCategory)]
    condition: Annotated[str, one_of(GoodsCondition)] = GoodsCondition.NEW.value
    manufacturer: Annotated[str, text(200, filled=True)]
    origin_country: Annotated[str, COUNTRY]
    supplier_name: Annotated[str, text(200, filled=True)]
    supplier_country: Annotated[str, COUNTRY]
    main_ingredients: Annotated[str, text(4000)] = ""
    performance_indicators: Annotated[str, text(4000)] = ""
    standards: Annotated[str, text(4000)] = ""
    in_ccc_catalogue: bool = False
    in_food_registration_catalogue: bool = False
    documents: Annotated[list[Document], Field(max_length=50)] = Field(default_factory=list)
    attributes: Annotated[
        dict[
            Annotated[str, states(pattern="^[\\w\\-]{1,50}$")],
            Annotated[str, states(maxLength=500, pattern=ONE_LINE)],
        ],
        Field(max_length=20, description="other information the office requires (SZ Art. 9(5))"),
    ] = Field(default_factory=dict)
    procurement_source: Annotated[str, states(maxLength=300, pattern=ONE_LINE)] = ""
    trade_mode: Annotated[str, one_of(TradeMode)] = Field(
        default="bonded", description="bonded (1210), direct_mail (9610) or b2b (general trade)"
    )

    def filing(self) -> registry.ProductFiling:
        """The domain's filing (without the enterprise, which the caller decides)."""
        return registry.ProductFiling(
            **self.model_dump(exclude={"enterprise_id", "documents", "attributes"}),
            documents=tuple(d.filing() for d in self.documents),
            attributes=dict(self.attributes),
        )


class AdmissionDecision(Body):
    """The office admits a product (with a risk class, and a disclosure if needed) or refuses it."""

    model_config = ConfigDict(
        extra="ignore", json_schema_extra=rule("admit", [False], filled("reason", 2000))
    )

    admit: bool
    risk_class: Annotated[Whole, one_of([2, 3])] | None = None
    disclosure: Annotated[str, text(2000)] | None = None
    reason: Annotated[str, text(2000)] | None = None


class NegativeRule(Body):
    """A rule of the negative list: goods it matches may not be filed."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "allOf": [
                rule("kind", ["hs_prefix"], {"properties": {"value": {"pattern": "^\\s*[0-9]{2,10}\\s*$"}}}),
                rule("kind", ["condition"], {"properties": {"value": {"enum": ["used"]}}}),
                rule("kind", ["keyword"], {"properties": {"value": {"pattern": KEYWORD}}}),
            ]
        },
    )

    category: Annotated[str, one_of(negative_list.CATEGORIES)]
    kind: Annotated[str, one_of(NegativeRuleKind)]
    value: str
    reason: Annotated[str, nonblank()]
