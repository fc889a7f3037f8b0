"""The zone ledger: append-only signed movements, never negative, reconciled with the codes sold."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.errors import InvalidInput, LedgerWouldGoNegative, NotFound
from suyuan.trace.model import LedgerKind, SoldCode
from suyuan.trace.zone import exits, inspection, ledger, returns
from tests.factories import SECRET, code_urls, exit_filing, invariant_holds, make_world, make_zone_batch


def test_every_movement_is_listed_with_the_balance_after_it(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    urls = code_urls(session, runtime.ring, batch)
    reports = [ledger.ledger_report(session, world.regulator, batch.id)]
    order = exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:4])]), secret=SECRET
    )
    reports.append(ledger.ledger_report(session, world.regulator, batch.id))
    returns.record_return(session, world.merchant_staff, order.id, urls[:1], "damaged in transit")
    reports.append(ledger.ledger_report(session, world.regulator, batch.id))
    inspection.dispose_goods(
        session, world.regulator, batch.id, kind="destruction", quantity=2, reason="damaged"
    )
    reports.append(ledger.ledger_report(session, world.regulator, batch.id))
    assert all(invariant_holds(r) for r in reports)
    final = reports[-1]
    assert [(m.kind.value, m.quantity, m.balance) for m in final.movements] == [
        ("entry", 10, 10),
        ("write_off", -4, 6),
        ("consumer_return", 1, 7),
        ("destruction", -2, 5),
    ]
    assert final.movements[1].source == f"exit:{order.id}"
    data = final.as_json()
    assert {
        k: data[k] for k in ("entered", "written_off", "returned_in", "destroyed", "in_zone", "sold_units")
    } == {
        "entered": 10,
        "written_off": 4,
        "returned_in": 1,
        "destroyed": 2,
        "in_zone": 5,
        "sold_units": 3,
    }


def test_movements_page_with_a_running_balance(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    urls = code_urls(session, runtime.ring, batch)
    for i in range(4):
        exits.declare_exit(
            session,
            world.merchant_staff,
            runtime.ring,
            exit_filing([(batch, urls[i : i + 1])]),
            secret=SECRET,
        )
    first = ledger.ledger_report(session, world.merchant_staff, batch.id, limit=2)
    assert [m.balance for m in first.movements] == [10, 9] and first.next_after is not None
    rest = ledger.ledger_report(session, world.merchant_staff, batch.id, after=first.next_after, limit=10)
    assert [m.balance for m in rest.movements] == [8, 7, 6] and rest.next_after is None
    assert ledger.ledger_report(session, world.merchant_staff, batch.id, limit=0).movements == []
    with pytest.raises(InvalidInput):
        ledger.ledger_report(session, world.merchant_staff, batch.id, limit=100_001)
    with pytest.raises(NotFound):
        ledger.ledger_report(session, world.merchant_b_staff, batch.id)


def test_the_ledger_never_goes_negative(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=3, codes=0)
    ledger.lock_batches(session, [batch.id])
    with pytest.raises(LedgerWouldGoNegative, match="holds 3 units"):
        ledger.post(
            session, batch_id=batch.id, kind=LedgerKind.WRITE_OFF, quantity=4, source="t", posted_by="t"
        )
    with pytest.raises(InvalidInput):
        ledger.post(session, batch_id=batch.id, kind=LedgerKind.ENTRY, quantity=0, source="t", posted_by="t")
    ledger.post(session, batch_id=batch.id, kind=LedgerKind.WRITE_OFF, quantity=3, source="t", posted_by="t")
    assert ledger.balance(session, batch.id) == 0
    with pytest.raises(NotFound):
        ledger.lock_batches(session, [batch.id, 987654])


def test_a_sold_code_without_its_write_off_shows_as_unbalanced(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=3)
    order = exits.declare_exit(
        session,
        world.merchant_staff,
        runtime.ring,
        exit_filing([(batch, code_urls(session, runtime.ring, batch, 1, 1))]),
        secret=SECRET,
    )
    assert ledger.ledger_report(session, world.regulator, batch.id).balanced
    session.add(SoldCode(batch_id=batch.id, serial="3", exit_declaration_id=order.id))
    session.flush()
    assert not ledger.ledger_report(session, world.regulator, batch.id).balanced
