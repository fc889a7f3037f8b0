"""Filing of enterprises and products, the negative list, and the office's admission decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import negative_list, registry
from suyuan.trace.actors import OPERATOR
from suyuan.trace.errors import (
    DisclosureRequired,
    Duplicate,
    InvalidInput,
    InvalidState,
    InvalidUscc,
    NotFound,
    PermissionDenied,
    ProhibitedGoods,
    RequirementsNotMet,
)
from suyuan.trace.model import AdmissionStatus, AuditEntry, Enterprise, Product
from suyuan.trace.registry import DocumentFiling, EnterpriseFiling
from tests.factories import FULL_DOCS, make_product, make_world, product_filing


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_enterprise_filing_checks_the_uscc_and_writes_nothing_when_wrong(
    session: Session, runtime: Runtime
) -> None:
    make_world(session, runtime.ring)
    before = (_count(session, Enterprise), _count(session, AuditEntry))
    with pytest.raises(InvalidUscc):
        registry.file_enterprise(
            session,
            OPERATOR,
            EnterpriseFiling(kind="merchant", name="X", uscc="91350100M000100Y44", office_code="SZ-QH"),
        )
    session.rollback()
    assert (_count(session, Enterprise), _count(session, AuditEntry)) == before


def test_duplicate_enterprise_filing_is_refused(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    with pytest.raises(Duplicate):
        registry.file_enterprise(
            session,
            OPERATOR,
            EnterpriseFiling(kind="platform", name="Again", uscc=world.merchant.uscc, office_code="SZ-QH"),
        )


def test_enterprise_filing_needs_an_existing_office_a_known_kind_and_a_regulator(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    good = EnterpriseFiling(kind="merchant", name="N", uscc="91350100M000100Y43", office_code="SZ-QH")
    with pytest.raises(NotFound):
        registry.file_enterprise(session, OPERATOR, replace(good, office_code="NOPE"))
    with pytest.raises(InvalidInput, match="kind"):
        registry.file_enterprise(session, OPERATOR, replace(good, kind="bank"))
    with pytest.raises(PermissionDenied):
        registry.file_enterprise(session, world.merchant_staff, good)
    assert registry.file_enterprise(session, world.regulator, good).org_code == "M000100Y4"


def test_product_filing_validates_gtin_hs_and_countries(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    for bad in (
        {"gtin": "9421234500019"},
        {"hs_code": "19"},
        {"origin_country": "XX"},
        {"supplier_country": "New Zealand"},
        {"category": "weapons"},
        {"name": " "},
        {"name": "x" * 201},
        {"condition": "broken"},
    ):
        with pytest.raises(InvalidInput):
            registry.file_product(session, world.merchant_staff, world.merchant.id, product_filing(**bad))
        session.rollback()
    assert _count(session, Product) == 0


def test_a_merchant_files_a_gtin_once_but_two_merchants_may_file_the_same_gtin(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    filing = product_filing()
    registry.file_product(session, world.merchant_staff, world.merchant.id, filing)
    with pytest.raises(Duplicate):
        registry.file_product(session, world.merchant_staff, world.merchant.id, filing)
    session.rollback()
    registry.file_product(session, world.merchant_b_staff, world.merchant_b.id, filing)


def test_merchants_cannot_file_for_other_merchants(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    with pytest.raises(NotFound):
        registry.file_product(session, world.merchant_staff, world.merchant_b.id, product_filing())


def test_used_goods_are_refused_by_the_negative_list_with_the_reason(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    negative_list.add_entry(
        session,
        world.regulator,
        category="N6",
        kind="condition",
        value="used",
        reason="used goods may not enter",
    )
    product = registry.file_product(
        session,
        world.merchant_staff,
        world.merchant.id,
        product_filing(condition="used", category="general", hs_code="4202210000"),
    )
    assert product.admission_status is AdmissionStatus.REFUSED
    assert product.risk_class == 1
    assert "N6" in (product.refusal_reason or "") and "used goods may not enter" in (
        product.refusal_reason or ""
    )


def test_negative_list_matches_hs_prefixes_and_keywords_in_any_language(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    negative_list.add_entry(
        session, world.regulator, category="N3", kind="hs_prefix", value="2837", reason="cyanides"
    )
    negative_list.add_entry(
        session, world.regulator, category="N4", kind="keyword", value="血液", reason="blood"
    )
    cyanide = registry.file_product(
        session,
        world.merchant_staff,
        world.merchant.id,
        product_filing(hs_code="2837110000", category="general"),
    )
    blood = registry.file_product(
        session,
        world.merchant_staff,
        world.merchant.id,
        product_filing(name="人体血液制品", category="general", hs_code="3002120000"),
    )
    milk = registry.file_product(session, world.merchant_staff, world.merchant.id, product_filing())
    assert cyanide.admission_status is AdmissionStatus.REFUSED and "cyanides" in (
        cyanide.refusal_reason or ""
    )
    assert blood.admission_status is AdmissionStatus.REFUSED
    assert milk.admission_status is AdmissionStatus.FILED


def test_a_rule_added_after_filing_blocks_admission(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world, admit=False, hs_code="0207110000", category="food")
    negative_list.add_entry(
        session,
        world.regulator,
        category="N2",
        kind="hs_prefix",
        value="0207",
        reason="poultry without access",
    )
    with pytest.raises(ProhibitedGoods, match="poultry"):
        registry.decide_admission(session, world.regulator, product.id, admit=True)


def test_withdrawn_rules_no_longer_match(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    rule = negative_list.add_entry(
        session, world.regulator, category="N5", kind="keyword", value="radioactive", reason="radioactive"
    )
    negative_list.deactivate_entry(session, world.regulator, rule.id)
    product = registry.file_product(
        session,
        world.merchant_staff,
        world.merchant.id,
        product_filing(name_en="Radioactive-free stone", category="general"),
    )
    assert product.admission_status is AdmissionStatus.FILED


def test_negative_list_entries_are_validated_and_unique(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    for bad in (
        {"kind": "regex", "value": ".*"},
        {"kind": "hs_prefix", "value": "2"},
        {"kind": "hs_prefix", "value": "ab12"},
        {"kind": "condition", "value": "broken"},
        {"kind": "keyword", "value": "x"},
        {"category": "N9"},
        {"reason": "  "},
    ):
        args = {"category": "N1", "kind": "keyword", "value": "ivory", "reason": "banned"} | bad
        with pytest.raises(InvalidInput):
            negative_list.add_entry(session, world.regulator, **args)
    negative_list.add_entry(
        session, world.regulator, category="N1", kind="keyword", value="ivory", reason="x"
    )
    with pytest.raises(Duplicate):
        negative_list.add_entry(
            session, world.regulator, category="N1", kind="keyword", value="ivory", reason="y"
        )
    with pytest.raises(PermissionDenied):
        negative_list.add_entry(
            session, world.merchant_staff, category="N1", kind="keyword", value="horn", reason="x"
        )


def test_ccc_catalogue_goods_need_a_valid_ccc_certificate(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    report = DocumentFiling(kind="third_party_test_report", valid_until=date(2099, 1, 1))
    expired = DocumentFiling(kind="ccc_certificate", number="2020010701234567", valid_until=date(2020, 1, 1))
    dryer = make_product(
        session,
        world,
        admit=False,
        category="appliance",
        hs_code="8516310000",
        in_ccc_catalogue=True,
        documents=(report, expired),
    )
    with pytest.raises(RequirementsNotMet, match="ccc_certificate"):
        registry.decide_admission(session, world.regulator, dryer.id, admit=True)
    session.rollback()
    registry.add_document(
        session,
        world.merchant_staff,
        dryer.id,
        DocumentFiling(kind="ccc_certificate", number="2024010701234567", valid_until=date(2099, 1, 1)),
    )
    admitted = registry.decide_admission(session, world.regulator, dryer.id, admit=True)
    assert admitted.admission_status is AdmissionStatus.ADMITTED
    assert admitted.risk_class == 2


def test_biologics_and_registered_foods_have_hard_requirements(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    docs = tuple(d for d in FULL_DOCS if d.kind != "food_producer_registration")
    food = make_product(session, world, admit=False, in_food_registration_catalogue=True, documents=docs)
    with pytest.raises(RequirementsNotMet, match="registered_food_producer"):
        registry.decide_admission(session, world.regulator, food.id, admit=True, disclosure="x" * 40)
    session.rollback()
    vaccine = make_product(session, world, admit=False, category="biologic", hs_code="3002410000")
    with pytest.raises(RequirementsNotMet, match="special_article_approval"):
        registry.decide_admission(session, world.regulator, vaccine.id, admit=True)


def test_unmet_items_4_and_5_need_a_consumer_disclosure(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    cream = make_product(session, world, admit=False, category="cosmetic", hs_code="3304990099", documents=())
    with pytest.raises(DisclosureRequired) as excinfo:
        registry.decide_admission(session, world.regulator, cream.id, admit=True)
    assert "free_sale_certificate" in excinfo.value.message
    assert "third_party_test_report" in excinfo.value.message
    session.rollback()
    text = "本品缺少自由销售证明和检测报告 / lacks a free-sale certificate and a test report"
    admitted = registry.decide_admission(session, world.regulator, cream.id, admit=True, disclosure=text)
    assert admitted.admission_status is AdmissionStatus.ADMITTED_WITH_DISCLOSURE
    assert admitted.consumer_disclosure == text
    assert set(admitted.unmet_requirements) == {
        "free_sale_certificate",
        "certificate_of_origin",
        "test_report",
        "third_party_test_report",
    }


def test_the_office_assigns_risk_class_2_or_3_and_decides_once(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world, admit=False)
    with pytest.raises(InvalidInput, match="risk class"):
        registry.decide_admission(session, world.regulator, product.id, admit=True, risk_class=1)
    session.rollback()
    decided = registry.decide_admission(session, world.regulator, product.id, admit=True, risk_class=3)
    assert decided.risk_class == 3
    with pytest.raises(InvalidState):
        registry.decide_admission(session, world.regulator, product.id, admit=False, reason="changed my mind")


def test_only_the_own_office_regulator_decides(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world, admit=False)
    with pytest.raises(PermissionDenied):
        registry.decide_admission(session, world.merchant_staff, product.id, admit=True)
    other = replace(world.regulator, office_id=world.office.id + 999)
    with pytest.raises(NotFound, match=f"product {product.id} does not exist"):  # outside its remit
        registry.decide_admission(session, other, product.id, admit=True)


def test_refusal_needs_a_reason(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world, admit=False)
    with pytest.raises(InvalidInput, match="reason"):
        registry.decide_admission(session, world.regulator, product.id, admit=False)
    session.rollback()
    refused = registry.decide_admission(
        session, world.regulator, product.id, admit=False, reason="label untrue"
    )
    assert refused.admission_status is AdmissionStatus.REFUSED
