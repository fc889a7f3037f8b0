"""The admission requirements of SZ Art. 11, as a pure assessment of a product's documents.

Items (1)-(3) are hard: a product that misses them cannot be admitted. Items (4)-(5) are soft: a
product that misses them may be admitted only with a consumer disclosure, which the scan page shows.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from suyuan.trace.model import DocumentKind, Product, ProductCategory, ProductDocument


class Requirement(enum.StrEnum):
    """One admission requirement; the value is the stable code shown in API errors and on pages."""

    CCC_CERTIFICATE = "ccc_certificate"
    REGISTERED_FOOD_PRODUCER = "registered_food_producer"
    SPECIAL_ARTICLE_APPROVAL = "special_article_approval"
    FREE_SALE_CERTIFICATE = "free_sale_certificate"
    CERTIFICATE_OF_ORIGIN = "certificate_of_origin"
    TEST_REPORT = "test_report"
    THIRD_PARTY_TEST_REPORT = "third_party_test_report"


HARD_REQUIREMENTS = frozenset(
    {Requirement.CCC_CERTIFICATE, Requirement.REGISTERED_FOOD_PRODUCER, Requirement.SPECIAL_ARTICLE_APPROVAL}
)

DESCRIPTIONS: dict[Requirement, tuple[str, str]] = {
    Requirement.CCC_CERTIFICATE: ("有效的CCC认证证书", "a valid CCC certificate"),
    Requirement.REGISTERED_FOOD_PRODUCER: ("境外食品生产企业注册", "a registered overseas food producer"),
    Requirement.SPECIAL_ARTICLE_APPROVAL: ("特殊物品卫生检疫审批单", "a special-article quarantine approval"),
    Requirement.FREE_SALE_CERTIFICATE: (
        "原产国自由销售证明",
        "a free-sale certificate of the origin country",
    ),
    Requirement.CERTIFICATE_OF_ORIGIN: ("原产地证书", "a certificate of origin"),
    Requirement.TEST_REPORT: ("检测报告", "a test report"),
    Requirement.THIRD_PARTY_TEST_REPORT: (
        "第三方检测机构符合性检测报告",
        "a third-party lab report of conformity with mandatory national standards",
    ),
}


@dataclass(frozen=True)
class Assessment:
    """Which requirements a product misses, split into blocking and disclosable ones."""

    hard_unmet: tuple[Requirement, ...]
    soft_unmet: tuple[Requirement, ...]


def assess(product: Product, today: date) -> Assessment:
    """Assess ``product`` against SZ Art. 11 using only documents valid on ``today``."""
    valid = _valid_kinds(product.documents, today)
    unmet = [req for req, needed in _applicable(product) if not needed & valid]
    return Assessment(
        hard_unmet=tuple(r for r in unmet if r in HARD_REQUIREMENTS),
        soft_unmet=tuple(r for r in unmet if r not in HARD_REQUIREMENTS),
    )


def _valid_kinds(documents: Iterable[ProductDocument], today: date) -> set[DocumentKind]:
    return {d.kind for d in documents if d.valid_until is None or d.valid_until >= today}


def _applicable(product: Product) -> list[tuple[Requirement, set[DocumentKind]]]:
    """Each requirement that applies to ``product`` with the document kinds that satisfy it."""
    rules: list[tuple[Requirement, set[DocumentKind]]] = []
    if product.in_ccc_catalogue:
        rules.append(
            (Requirement.CCC_CERTIFICATE, {DocumentKind.CCC_CERTIFICATE, DocumentKind.CCC_EXEMPTION})
        )
    if product.category is ProductCategory.FOOD and product.in_food_registration_catalogue:
        rules.append((Requirement.REGISTERED_FOOD_PRODUCER, {DocumentKind.FOOD_PRODUCER_REGISTRATION}))
    if product.category is ProductCategory.BIOLOGIC:
        rules.append((Requirement.SPECIAL_ARTICLE_APPROVAL, {DocumentKind.SPECIAL_ARTICLE_APPROVAL}))
    if product.category in (ProductCategory.FOOD, ProductCategory.COSMETIC):
        rules.append((Requirement.FREE_SALE_CERTIFICATE, {DocumentKind.FREE_SALE_CERTIFICATE}))
        rules.append((Requirement.CERTIFICATE_OF_ORIGIN, {DocumentKind.CERTIFICATE_OF_ORIGIN}))
        rules.append(
            (Requirement.TEST_REPORT, {DocumentKind.TEST_REPORT, DocumentKind.THIRD_PARTY_TEST_REPORT})
        )
    rules.append((Requirement.THIRD_PARTY_TEST_REPORT, {DocumentKind.THIRD_PARTY_TEST_REPORT}))
    return rules


def suggested_risk_class(product: Product) -> int:
    """Key supervision (2) for licensed or statutory-inspection goods, else general supervision (3)."""
    key = product.in_ccc_catalogue or product.category in (
        ProductCategory.FOOD,
        ProductCategory.COSMETIC,
        ProductCategory.BIOLOGIC,
        ProductCategory.TOY,
        ProductCategory.APPLIANCE,
    )
    return 2 if key else 3
