"""The filing registry: enterprises and products are filed, and the office decides admission.

Use cases only; each validates everything before writing anything, writes its audit entry in the
same transaction, and raises a named domain error on any broken rule (SZ Art. 8-12).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import audit, filing_attributes, negative_list, requirements
from suyuan.trace.actors import Actor
from suyuan.trace.errors import (
    DisclosureRequired,
    Duplicate,
    InvalidInput,
    InvalidState,
    NotFound,
    PermissionDenied,
    ProhibitedGoods,
    RequirementsNotMet,
)
from suyuan.trace.identifiers import (
    normalize_country,
    normalize_gtin,
    normalize_hs_code,
    normalize_uscc,
    organisation_code,
)
from suyuan.trace.model import (
    AdmissionStatus,
    DocumentKind,
    Enterprise,
    EnterpriseKind,
    GoodsCondition,
    Office,
    Product,
    ProductCategory,
    ProductDocument,
    RiskClass,
    Supplier,
    TradeMode,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import remit_of, visible, within_remit

E = TypeVar("E", bound=enum.StrEnum)


@dataclass(frozen=True)
class EnterpriseFiling:
    """What an enterprise files (SZ Art. 8): identity, kind, office and the signed commitment."""

    kind: str
    name: str
    uscc: str
    office_code: str
    name_en: str = ""
    address: str = ""
    commitment_signed: bool = True


@dataclass(frozen=True)
class DocumentFiling:
    """A certificate or report behind a product filing."""

    kind: str
    number: str = ""
    issuer: str = ""
    issued_on: date | None = None
    valid_until: date | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class ProductFiling:
    """What a merchant files per product (SZ Art. 9; O15 §5)."""

    gtin: str
    name: str
    hs_code: str
    category: str
    manufacturer: str
    origin_country: str
    supplier_name: str
    supplier_country: str
    name_en: str = ""
    brand: str = ""
    spec_model: str = ""
    condition: str = "new"
    main_ingredients: str = ""
    performance_indicators: str = ""
    standards: str = ""
    in_ccc_catalogue: bool = False
    in_food_registration_catalogue: bool = False
    documents: tuple[DocumentFiling, ...] = field(default_factory=tuple)
    attributes: dict[str, str] = field(default_factory=dict)  # suyuan.trace.filing_attributes
    procurement_source: str = ""
    trade_mode: str = "bonded"  # TradeMode: bonded (1210), direct_mail (9610) or b2b (R2)


def file_enterprise(session: Session, actor: Actor, filing: EnterpriseFiling) -> Enterprise:
    """File an enterprise with its office; the USCC must pass GB 32100 and be new.

    The filing's documents (licence, commitment, basic systems) follow, put on file by the enterprise or
    its office (:mod:`suyuan.trace.enterprise_documents`): an enterprise is filed with items missing, and
    its gaps are shown rather than blocking the filing.
    """
    actor.require_regulator()
    uscc = normalize_uscc(filing.uscc)
    kind = _choice(EnterpriseKind, filing.kind, "kind")
    name = _required_text(filing.name, "name", 200)
    office = session.scalar(select(Office).filter_by(code=filing.office_code))
    if office is None:
        raise NotFound(f"office {filing.office_code!r} does not exist")
    if not actor.operator and office.id != actor.office_id:
        raise PermissionDenied("a regulator files enterprises with its own office only")
    if not filing.commitment_signed:
        raise InvalidInput("the quality-safety commitment must be signed to file", field="commitment_signed")
    if session.scalar(select(Enterprise).filter_by(uscc=uscc)):
        raise Duplicate(f"an enterprise with USCC {uscc} is already filed")
    enterprise = Enterprise(
        kind=kind,
        name=name,
        name_en=filing.name_en.strip(),
        uscc=uscc,
        org_code=organisation_code(uscc),
        office_id=office.id,
        address=filing.address.strip(),
        commitment_signed=True,
    )
    session.add(enterprise)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="enterprise.filed",
        subject=f"enterprise:{enterprise.id}",
        payload={"uscc": uscc, "kind": kind.value, "name": name, "office": office.code},
    )
    return enterprise


def file_product(session: Session, actor: Actor, enterprise_id: int, filing: ProductFiling) -> Product:
    """File a product for a merchant; goods on the negative list are recorded as refused, with the reason."""
    enterprise = get_enterprise(session, actor, enterprise_id)
    if enterprise.kind is not EnterpriseKind.MERCHANT:
        raise InvalidInput("only merchants (operating enterprises) file products", field="enterprise")
    product = _build_product(session, enterprise, filing)
    if session.scalar(select(Product).filter_by(enterprise_id=enterprise.id, gtin=product.gtin)):
        raise Duplicate(f"GTIN {product.gtin} is already filed by this merchant")
    session.add(product)
    session.flush()
    rule = negative_list.find_match(session, product)
    action = "product.filed"
    if rule is not None:
        _refuse(product, negative_list.refusal_reason(rule), RiskClass.PROHIBITED)
        action = "product.refused"
    audit.record(
        session,
        actor=actor.label,
        action=action,
        subject=f"product:{product.id}",
        payload={
            "gtin": product.gtin,
            "name": product.name,
            "hs_code": product.hs_code,
            "refusal_reason": product.refusal_reason,
        },
    )
    return product


def _build_product(session: Session, enterprise: Enterprise, filing: ProductFiling) -> Product:
    product = Product(
        enterprise_id=enterprise.id,
        gtin=normalize_gtin(filing.gtin),
        name=_required_text(filing.name, "name", 200),
        name_en=_optional_text(filing.name_en, "name_en", 200),
        brand=_optional_text(filing.brand, "brand", 100),
        spec_model=_optional_text(filing.spec_model, "spec_model", 100),
        hs_code=normalize_hs_code(filing.hs_code),
        category=_choice(ProductCategory, filing.category, "category"),
        condition=_choice(GoodsCondition, filing.condition, "condition"),
        manufacturer=_required_text(filing.manufacturer, "manufacturer", 200),
        origin_country=normalize_country(filing.origin_country, "origin_country"),
        main_ingredients=_optional_text(filing.main_ingredients, "main_ingredients", 4000),
        performance_indicators=_optional_text(filing.performance_indicators, "performance_indicators", 4000),
        standards=_optional_text(filing.standards, "standards", 4000),
        in_ccc_catalogue=filing.in_ccc_catalogue,
        in_food_registration_catalogue=filing.in_food_registration_catalogue,
        unmet_requirements=[],
        documents=[_build_document(d) for d in filing.documents],
        attributes=filing_attributes.attributes(filing.attributes),
        procurement_source=filing_attributes.procurement_source(filing.procurement_source),
        trade_mode=_choice(TradeMode, filing.trade_mode, "trade_mode"),
    )
    product.supplier = supplier_for(session, filing.supplier_name, filing.supplier_country)
    return product


def _build_document(doc: DocumentFiling) -> ProductDocument:
    kind = _choice(DocumentKind, doc.kind, "document kind")
    if doc.issued_on and doc.valid_until and doc.valid_until < doc.issued_on:
        raise InvalidInput(f"{kind}: valid_until is before issued_on", field="valid_until")
    if doc.sha256 is not None and not _is_sha256(doc.sha256):
        raise InvalidInput(f"{kind}: sha256 must be 64 hex digits", field="sha256")
    return ProductDocument(
        kind=kind,
        number=_optional_text(doc.number, "number", 100),
        issuer=_optional_text(doc.issuer, "issuer", 200),
        issued_on=doc.issued_on,
        valid_until=doc.valid_until,
        sha256=doc.sha256.lower() if doc.sha256 else None,
    )


def add_document(session: Session, actor: Actor, product_id: int, doc: DocumentFiling) -> ProductDocument:
    """Attach a document to a product filing that the office has not decided yet."""
    product = get_product(session, actor, product_id)
    if product.admission_status is not AdmissionStatus.FILED:
        raise InvalidState("documents can only be added before the admission decision")
    document = _build_document(doc)
    product.documents.append(document)
    session.flush()
    audit.record(
        session,
        actor=actor.label,
        action="product.document_added",
        subject=f"product:{product.id}",
        payload={"kind": document.kind.value, "number": document.number, "sha256": document.sha256},
    )
    return document


def supplier_for(session: Session, name: str, country: str) -> Supplier:
    """The supplier with this name and country, filed on first use."""
    name = _required_text(name, "supplier_name", 200)
    country = normalize_country(country, "supplier_country")
    supplier = session.scalar(select(Supplier).filter_by(name=name, country=country))
    if supplier is None:
        supplier = Supplier(name=name, country=country)
        session.add(supplier)
        session.flush()
    return supplier


def decide_admission(
    session: Session,
    actor: Actor,
    product_id: int,
    *,
    admit: bool,
    risk_class: int | None = None,
    disclosure: str | None = None,
    reason: str | None = None,
    today: date | None = None,
    disclosure_en: str | None = None,
) -> Product:
    """The office admits or refuses a filed product (SZ Art. 12) and assigns its risk class (G15).

    ``disclosure`` is the consumer disclosure in Chinese, ``disclosure_en`` its optional English
    version; pages show the reader's language.
    """
    actor.require_regulator()
    product = get_product(session, actor, product_id)
    if product.admission_status is not AdmissionStatus.FILED:
        raise InvalidState(f"product {product.id} was already decided: {product.admission_status}")
    if admit:
        _admit(session, product, risk_class, disclosure, today or utcnow().date())
        _translate_disclosure(product, disclosure_en)
    else:
        _refuse(product, _required_text(reason or "", "reason", 2000), None)
    product.decided_at = utcnow()
    product.decided_by_id = actor.user_id
    audit.record(
        session,
        actor=actor.label,
        action=f"product.{product.admission_status}",
        subject=f"product:{product.id}",
        payload={
            "risk_class": product.risk_class,
            "unmet": product.unmet_requirements,
            "disclosure": product.consumer_disclosure,
            "disclosure_en": product.consumer_disclosure_en,
            "reason": product.refusal_reason,
        },
    )
    return product


def _admit(
    session: Session, product: Product, risk_class: int | None, disclosure: str | None, today: date
) -> None:
    rule = negative_list.find_match(session, product)
    if rule is not None:
        raise ProhibitedGoods(negative_list.refusal_reason(rule))
    assessment = requirements.assess(product, today)
    if assessment.hard_unmet:
        raise RequirementsNotMet("missing: " + ", ".join(assessment.hard_unmet))
    text = (disclosure or "").strip()
    if assessment.soft_unmet and len(text) < 10:
        raise DisclosureRequired(
            "unmet items need a consumer disclosure (at least 10 characters): "
            + ", ".join(assessment.soft_unmet)
        )
    chosen = requirements.suggested_risk_class(product) if risk_class is None else risk_class
    if chosen not in (RiskClass.KEY_SUPERVISION, RiskClass.GENERAL_SUPERVISION):
        raise InvalidInput("an admitted product has risk class 2 (key) or 3 (general)", field="risk_class")
    product.risk_class = chosen
    product.unmet_requirements = [r.value for r in assessment.soft_unmet]
    product.consumer_disclosure = text if assessment.soft_unmet else None
    product.admission_status = (
        AdmissionStatus.ADMITTED_WITH_DISCLOSURE if assessment.soft_unmet else AdmissionStatus.ADMITTED
    )


def _translate_disclosure(product: Product, disclosure_en: str | None) -> None:
    """Keep the English disclosure beside the Chinese one, only when there is a disclosure at all."""
    english = (disclosure_en or "").strip()
    if len(english) > 2000:
        raise InvalidInput("disclosure_en is at most 2000 characters", field="disclosure_en")
    product.consumer_disclosure_en = english if product.consumer_disclosure and english else None


def _refuse(product: Product, reason: str, risk_class: RiskClass | None) -> None:
    product.admission_status = AdmissionStatus.REFUSED
    product.refusal_reason = reason
    product.risk_class = int(risk_class) if risk_class is not None else product.risk_class


def get_enterprise(session: Session, actor: Actor, enterprise_id: int) -> Enterprise:
    """An enterprise within the actor's remit (its own, or one filed with its office); others, like
    unknown ids, answer ``NotFound`` with the same message."""
    return visible(session, actor, Enterprise, enterprise_id)


def get_product(session: Session, actor: Actor, product_id: int) -> Product:
    """A product filing within the actor's remit; others answer ``NotFound`` like an unknown id."""
    return visible(session, actor, Product, product_id)


def list_enterprises(session: Session, actor: Actor) -> list[Enterprise]:
    """Enterprises within the actor's remit: its own for a merchant, its office's for a regulator."""
    stmt = select(Enterprise).order_by(Enterprise.id)
    return list(session.scalars(within_remit(stmt, remit_of(session, actor), Enterprise)))


def list_products(session: Session, actor: Actor, enterprise_id: int | None = None) -> list[Product]:
    """Product filings within the actor's remit, optionally of one enterprise."""
    stmt = select(Product).order_by(Product.id)
    if enterprise_id is not None:
        stmt = stmt.where(Product.enterprise_id == enterprise_id)
    return list(session.scalars(within_remit(stmt, remit_of(session, actor), Product)))


def _choice(enum_type: type[E], value: str, field_name: str) -> E:
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum_type)
        raise InvalidInput(f"{field_name} must be one of: {allowed}", field=field_name) from None


def _required_text(value: str, field_name: str, max_length: int) -> str:
    text = _optional_text(value, field_name, max_length)
    if not text:
        raise InvalidInput(f"{field_name} is required", field=field_name)
    return text


def _optional_text(value: str | None, field_name: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise InvalidInput(f"{field_name} is longer than {max_length} characters", field=field_name)
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise InvalidInput(f"{field_name} contains control characters", field=field_name)
    return text


def _is_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdefABCDEF" for c in value)
