"""Factories that build test worlds through the domain services, never by hand-written rows."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from suyuan.trace import accounts, batches, issuance, keys, registry
from suyuan.trace.actors import OPERATOR, Actor
from suyuan.trace.identifiers import complete_gtin, complete_uscc
from suyuan.trace.model import Batch, Enterprise, Office, Product
from suyuan.trace.registry import DocumentFiling, EnterpriseFiling, ProductFiling

BASE = "HTTPS://SY.EXAMPLE.CN"
_counter = itertools.count(1)


@dataclass
class World:
    """An office with a regulator and two merchants with one staff user each."""

    office: Office
    merchant: Enterprise
    merchant_b: Enterprise
    regulator: Actor
    merchant_staff: Actor
    merchant_b_staff: Actor
    tokens: dict[str, str]


def make_enterprise(session: Session, kind: str = "merchant", office_code: str = "SZ-QH") -> Enterprise:
    n = next(_counter)
    uscc = complete_uscc("91440300", f"MA{n:05d}T")
    return registry.file_enterprise(
        session,
        OPERATOR,
        EnterpriseFiling(
            kind=kind, name=f"测试企业{n}", name_en=f"Test enterprise {n}", uscc=uscc, office_code=office_code
        ),
    )


def make_world(session: Session, ring: keys.KeyRing, *, with_key: bool = True) -> World:
    office = Office(code="SZ-QH", name="深圳海关前海办事处", name_en="Qianhai Office")
    session.add(office)
    session.flush()
    if with_key:
        keys.create_key(session, OPERATOR, ring)
    merchant, merchant_b = make_enterprise(session), make_enterprise(session)
    reg = accounts.create_user(
        session,
        OPERATOR,
        email="officer@test.example",
        name="Officer",
        role="regulator",
        password="password1",
        office_id=office.id,
    )
    m = accounts.create_user(
        session,
        OPERATOR,
        email="staff@a.example",
        name="Staff A",
        role="merchant",
        password="password1",
        enterprise_id=merchant.id,
    )
    mb = accounts.create_user(
        session,
        OPERATOR,
        email="staff@b.example",
        name="Staff B",
        role="merchant",
        password="password1",
        enterprise_id=merchant_b.id,
    )
    tokens = {
        who: accounts.issue_token(session, OPERATOR, user.id, "test")[1]
        for who, user in (("regulator", reg), ("merchant", m), ("merchant_b", mb))
    }
    session.commit()
    return World(
        office, merchant, merchant_b, Actor.for_user(reg), Actor.for_user(m), Actor.for_user(mb), tokens
    )


FULL_DOCS = tuple(
    DocumentFiling(
        kind=k, number=f"N-{i}", issuer="SGS", issued_on=date(2026, 1, 1), valid_until=date(2099, 1, 1)
    )
    for i, k in enumerate(
        [
            "free_sale_certificate",
            "certificate_of_origin",
            "test_report",
            "third_party_test_report",
            "food_producer_registration",
        ]
    )
)


def product_filing(**overrides: Any) -> ProductFiling:
    n = next(_counter)
    filing = ProductFiling(
        gtin=complete_gtin(f"94212345{n:04d}"),
        name=f"婴儿配方奶粉 {n}",
        name_en=f"Infant formula {n}",
        hs_code="1901101000",
        category="food",
        manufacturer="Aotearoa Dairy",
        origin_country="NZ",
        supplier_name="Aotearoa Dairy Export Ltd",
        supplier_country="NZ",
        documents=FULL_DOCS,
    )
    return replace(filing, **overrides)


def make_product(
    session: Session, world: World, *, owner: str = "merchant", admit: bool = True, **overrides: Any
) -> Product:
    staff = world.merchant_staff if owner == "merchant" else world.merchant_b_staff
    enterprise = world.merchant if owner == "merchant" else world.merchant_b
    product = registry.file_product(session, staff, enterprise.id, product_filing(**overrides))
    if admit:
        registry.decide_admission(session, world.regulator, product.id, admit=True)
    session.commit()
    return product


def make_batch(
    session: Session,
    world: World,
    ring: keys.KeyRing,
    *,
    count: int = 100,
    released: bool = True,
    quantity: int = 1000,
    owner: str = "merchant",
    lot: str | None = None,
) -> Batch:
    """An admitted product's batch with ``count`` issued codes, released for sale unless told otherwise."""
    product = make_product(session, world, owner=owner)
    staff = world.merchant_staff if owner == "merchant" else world.merchant_b_staff
    batch = batches.register_batch(
        session,
        staff,
        product.id,
        lot=lot or f"L{next(_counter):05d}",
        quantity=quantity,
        production_date=date(2026, 9, 1),
        expiry_date=date(2028, 9, 1),
    )
    if count:
        issuance.issue_codes(session, staff, ring, batch.id, count, BASE)
    if released:
        batches.release_batch(session, world.regulator, batch.id)
    session.commit()
    return batch


def code_urls(
    session: Session,
    ring: keys.KeyRing,
    batch: Batch,
    first: int = 1,
    last: int | None = None,
    base: str = BASE,
) -> list[str]:
    serials = issuance.issued_range(session, batch.id, first, last)
    return list(issuance.code_urls(session, ring, batch, serials, base))
