"""Entry declarations: lines are matched against the merchant's admitted filings; refused lines say why."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import batch_quantity
from suyuan.trace.errors import Duplicate, InvalidGtin, InvalidInput, InvalidState, NotFound, PermissionDenied
from suyuan.trace.model import (
    AuditEntry,
    Batch,
    EntryDeclaration,
    EntryStatus,
    FilingStatus,
    LedgerEntry,
    LineRefusal,
    QuarantineStatus,
)
from suyuan.trace.zone import entry, ledger
from suyuan.trace.zone.entry import EntryFiling
from tests.factories import declare, entry_line, make_batch, make_product, make_world


def count(session: Session, model: type) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_accepted_line_becomes_a_batch_and_enters_the_ledger(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world)
    declaration = declare(session, world, entry_line(product, lot="NZ2611", quantity=240))
    assert declaration.status is EntryStatus.ACCEPTED
    assert declaration.quarantine_status is QuarantineStatus.PENDING
    line = declaration.lines[0]
    assert line.refusal is None and line.batch is not None
    assert (line.batch.gtin, line.batch.lot, line.batch.quantity) == (product.gtin, "NZ2611", 240)
    assert line.batch.supplier_id == product.supplier_id
    assert ledger.balance(session, line.batch.id) == 240
    report = ledger.ledger_report(session, world.merchant_staff, line.batch.id)
    assert (report.entered, report.in_zone, report.balanced) == (240, 240, True)
    assert [m.kind.value for m in report.movements] == ["entry"]


def test_each_refused_line_says_why_and_the_others_still_enter(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    admitted = make_product(session, world)
    pending = make_product(session, world, admit=False)
    foreign = make_product(session, world, owner="merchant_b")
    existing = make_batch(session, world, runtime.ring, count=0)
    declaration = declare(
        session,
        world,
        entry_line(admitted, lot="OK1"),
        entry_line(pending),
        entry_line(foreign),
        entry_line(admitted, lot="SUP1", supplier_name="Someone Else Ltd"),
        entry_line(admitted, lot="OLD1", production_date=date(2020, 1, 1), expiry_date=date(2021, 1, 1)),
        entry_line(existing.product, lot=existing.lot),
        entry_line(admitted, lot="OK1"),
    )
    assert declaration.status is EntryStatus.PARTLY_ACCEPTED
    assert [line.refusal for line in declaration.lines] == [
        None,
        LineRefusal.NOT_ADMITTED,
        LineRefusal.NOT_FILED,
        LineRefusal.SUPPLIER_MISMATCH,
        LineRefusal.EXPIRED,
        LineRefusal.LOT_EXISTS,
        LineRefusal.DUPLICATE_LINE,
    ]
    assert all(line.refusal_message for line in declaration.lines[1:])
    assert "Someone Else Ltd" in (declaration.lines[3].refusal_message or "")
    assert [line.batch_id is not None for line in declaration.lines] == [True] + [False] * 6


def test_a_declaration_of_nothing_admitted_is_recorded_as_refused(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    pending = make_product(session, world, admit=False)
    declaration = declare(session, world, entry_line(pending))
    assert declaration.status is EntryStatus.REFUSED
    assert declaration.quarantine_status is QuarantineStatus.NOT_APPLICABLE
    assert count(session, Batch) == 0 and count(session, LedgerEntry) == 0


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({"gtin": "9421234500019"}, InvalidGtin, "line 2: GTIN"),
        ({"lot": "bad lot!"}, InvalidInput, "lot"),
        ({"lot": ""}, InvalidInput, "lot"),
        ({"quantity": 0}, InvalidInput, "quantity"),
        ({"quantity": 10_000_001}, InvalidInput, "quantity"),
        ({"supplier_name": " "}, InvalidInput, "supplier_name"),
        ({"supplier_country": "QQ"}, InvalidInput, "country"),
        ({"production_date": date(2026, 2, 1), "expiry_date": date(2026, 1, 1)}, InvalidInput, "expiry"),
    ],
)
def test_malformed_lines_refuse_the_whole_declaration_and_write_nothing(
    session: Session, runtime: Runtime, overrides: dict[str, object], error: type[Exception], message: str
) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world)
    before = (count(session, EntryDeclaration), count(session, Batch), count(session, AuditEntry))
    with pytest.raises(error, match=message):
        declare(session, world, entry_line(product), entry_line(product, **overrides))
    session.rollback()
    assert (count(session, EntryDeclaration), count(session, Batch), count(session, AuditEntry)) == before


def test_references_are_unique_per_merchant_and_lines_are_bounded(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world)
    declare(session, world, entry_line(product), reference="ENT-1")
    with pytest.raises(Duplicate):
        declare(session, world, entry_line(product), reference="ENT-1")
    session.rollback()
    with pytest.raises(InvalidInput, match="1-200 lines"):
        entry.declare_entry(session, world.merchant_staff, world.merchant.id, EntryFiling("ENT-2", ()))
    with pytest.raises(InvalidInput, match="reference is required"):
        entry.declare_entry(
            session, world.merchant_staff, world.merchant.id, EntryFiling(" ", (entry_line(product),))
        )


def test_only_the_merchant_itself_declares_and_a_suspended_filing_cannot(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world)
    filing = EntryFiling("ENT-X", (entry_line(product),))
    with pytest.raises(NotFound):
        entry.declare_entry(session, world.merchant_b_staff, world.merchant.id, filing)
    with pytest.raises(PermissionDenied):
        entry.declare_entry(session, world.regulator, world.merchant.id, filing)
    world.merchant.filing_status = FilingStatus.SUSPENDED
    with pytest.raises(InvalidState, match="suspended"):
        entry.declare_entry(session, world.merchant_staff, world.merchant.id, filing)


def test_declarations_are_visible_to_their_merchant_and_the_office_only(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world)
    declaration = declare(session, world, entry_line(product))
    assert entry.get_entry(session, world.regulator, declaration.id) is declaration
    assert [d.id for d in entry.list_entries(session, world.merchant_staff)] == [declaration.id]
    assert entry.list_entries(session, world.merchant_b_staff) == []
    with pytest.raises(NotFound):
        entry.get_entry(session, world.merchant_b_staff, declaration.id)


def test_a_ledgered_batch_cannot_have_its_quantity_amended(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world)
    batch = declare(session, world, entry_line(product, quantity=10)).lines[0].batch
    assert batch is not None
    with pytest.raises(InvalidState, match="ledger"):
        batch_quantity.amend_quantity(session, world.merchant_staff, batch.id, 5, "short delivery")
