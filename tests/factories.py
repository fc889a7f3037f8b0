"""Factories that build test worlds through the domain services, never by hand-written rows."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from suyuan.trace import accounts, batches, issuance, keys, registry
from suyuan.trace.actors import OPERATOR, Actor
from suyuan.trace.identifiers import complete_gtin, complete_uscc
from suyuan.trace.model import Batch, Enterprise, EntryDeclaration, LedgerKind, Office, Product
from suyuan.trace.registry import DocumentFiling, EnterpriseFiling, ProductFiling
from suyuan.trace.zone import entry, inspection
from suyuan.trace.zone.entry import EntryFiling, EntryLineFiling
from suyuan.trace.zone.exits import Buyer, ExitFiling, ExitLineFiling
from suyuan.trace.zone.inspection import ReportFiling
from suyuan.trace.zone.ledger import LedgerReport
from tests.complaint_factories import make_other_office

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


def make_second_office(session: Session) -> World:
    """Office B (Nanshan, ``SZ-NS``) with its own regulator and one merchant, as a :class:`World`.

    For tests of what lies outside office A's remit (:func:`make_world`); the office has a single
    merchant, so ``merchant_b`` is that merchant again. Needs :func:`make_world` first (the signing key).
    """
    other = make_other_office(session)
    merchant = make_enterprise(session, office_code=other.office.code)
    staff = accounts.create_user(
        session,
        OPERATOR,
        email="staff@ns.example",
        name="Staff NS",
        role="merchant",
        password="password1",
        enterprise_id=merchant.id,
    )
    token = accounts.issue_token(session, OPERATOR, staff.id, "test")[1]
    session.commit()
    actor = Actor.for_user(staff)
    tokens = {"regulator": other.token, "merchant": token, "merchant_b": token}
    return World(other.office, merchant, merchant, other.regulator, actor, actor, tokens)


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
        inspection.release_batch(session, world.regulator, batch.id)
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


# --- the bonded zone ---------------------------------------------------------------------------

SECRET = "test-secret-key"
REPORT_SHA = "ab" * 32


def id_number(n: int, birth: str = "19900101") -> str:
    """A valid resident ID number (GB 11643): area 110105, a birth date, sequence ``n``, check character."""
    body = f"110105{birth}{n % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = (12 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11) % 11
    return body + ("X" if check == 10 else str(check))


def entry_line(
    product: Product, *, lot: str | None = None, quantity: int = 100, **overrides: Any
) -> EntryLineFiling:
    line = EntryLineFiling(
        gtin=product.gtin,
        lot=f"Z{next(_counter):05d}" if lot is None else lot,
        quantity=quantity,
        supplier_name=product.supplier.name,
        supplier_country=product.supplier.country,
        production_date=date(2026, 9, 1),
        expiry_date=date(2099, 9, 1),
    )
    return replace(line, **overrides)


def declare(
    session: Session,
    world: World,
    *lines: EntryLineFiling,
    owner: str = "merchant",
    reference: str | None = None,
) -> EntryDeclaration:
    staff = world.merchant_staff if owner == "merchant" else world.merchant_b_staff
    enterprise = world.merchant if owner == "merchant" else world.merchant_b
    declaration = entry.declare_entry(
        session,
        staff,
        enterprise.id,
        EntryFiling(reference=reference or f"ENT-{next(_counter)}", lines=lines),
    )
    session.commit()
    return declaration


def clear_for_sale(session: Session, world: World, batch: Batch, *, owner: str = "merchant") -> Batch:
    """Quarantine passed, a foreign test report submitted and accepted, the batch released."""
    staff = world.merchant_staff if owner == "merchant" else world.merchant_b_staff
    line = entry.entry_line_of(session, batch.id)
    assert line is not None
    if line.declaration.quarantine_status.value == "pending":
        inspection.record_quarantine(session, world.regulator, line.declaration_id, outcome="passed")
    report = inspection.submit_report(
        session,
        staff,
        batch.id,
        ReportFiling(
            kind="foreign_test_report", issuer="SGS NZ", issued_on=date(2026, 1, 5), sha256=REPORT_SHA
        ),
    )
    inspection.review_report(session, world.regulator, report.id, accept=True)
    inspection.release_batch(session, world.regulator, batch.id)
    session.commit()
    return batch


def make_zone_batch(
    session: Session,
    world: World,
    ring: keys.KeyRing,
    *,
    quantity: int = 100,
    codes: int | None = None,
    released: bool = True,
    owner: str = "merchant",
    lot: str | None = None,
    **product_overrides: Any,
) -> Batch:
    """A batch that entered the zone through a declaration, with codes issued, released unless told not."""
    product = make_product(session, world, owner=owner, **product_overrides)
    declaration = declare(session, world, entry_line(product, lot=lot, quantity=quantity), owner=owner)
    batch = declaration.lines[0].batch
    assert batch is not None
    staff = world.merchant_staff if owner == "merchant" else world.merchant_b_staff
    if codes is None or codes:
        issuance.issue_codes(session, staff, ring, batch.id, codes or quantity, BASE)
    if released:
        clear_for_sale(session, world, batch, owner=owner)
    session.commit()
    return batch


def exit_filing(
    lines: list[tuple[Batch, list[str]]],
    *,
    order_no: str | None = None,
    unit_price: str = "100.00",
    payment: str | None = None,
    buyer: Buyer | None = None,
    quantities: list[int] | None = None,
) -> ExitFiling:
    """An order of the given units (batch, code URLs) at ``unit_price`` each, paid in full."""
    exit_lines = tuple(
        ExitLineFiling(
            batch_id=batch.id,
            quantity=quantities[i] if quantities else len(urls),
            unit_price=unit_price,
            codes=tuple(urls),
        )
        for i, (batch, urls) in enumerate(lines)
    )
    units = sum(line.quantity for line in exit_lines)
    n = next(_counter)
    return ExitFiling(
        order_no=order_no or f"ORD-{n}",
        payment_ref=f"PAY-{n}",
        waybill_no=f"WB-{n}",
        payment_amount=payment or str(Decimal(unit_price) * units),
        buyer=buyer or Buyer(id_number=id_number(n), name="张三丰", address=f"深圳市南山区{n}号"),
        lines=exit_lines,
        platform="前海跨境购",
    )


def invariant_holds(report: LedgerReport) -> bool:
    """entered + returned_in = in_zone + written_off + returned_out + destroyed + sampled, in_zone >= 0,
    and the net units written off are exactly the codes sold."""
    total = report.total
    return (
        report.in_zone >= 0
        and total(LedgerKind.ENTRY) + total(LedgerKind.CONSUMER_RETURN)
        == report.in_zone
        + total(LedgerKind.WRITE_OFF)
        + total(LedgerKind.RETURN_SHIPMENT)
        + total(LedgerKind.DESTRUCTION)
        + total(LedgerKind.SAMPLE)
        and report.balanced
    )
