"""Consumer returns: units of a released order come back into the zone with their codes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace.errors import InvalidInput, NotFound, PermissionDenied, ReturnNotAllowed
from suyuan.trace.model import ExitStatus, LedgerKind, SoldCode, SoldStatus
from suyuan.trace.model.types import utcnow
from suyuan.trace.zone import exits, ledger, returns
from suyuan.trace.zone.rules import ZoneRules
from tests.factories import SECRET, code_urls, exit_filing, make_world, make_zone_batch


@pytest.fixture
def sold(session: Session, runtime: Runtime):  # type: ignore[no-untyped-def]
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    urls = code_urls(session, runtime.ring, batch)
    order = exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:3])]), secret=SECRET
    )
    session.commit()
    return world, batch, urls, order


def test_a_return_credits_the_ledger_and_frees_the_codes_for_sale_again(session, runtime, sold) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls, order = sold
    back = returns.record_return(session, world.merchant_staff, order.id, urls[:2], "changed mind")
    session.commit()
    assert (back.quantity, back.value_fen, [i.serial for i in back.items]) == (2, 20_000, ["1", "2"])
    report = ledger.ledger_report(session, world.regulator, batch.id)
    assert (report.entered, report.total(LedgerKind.WRITE_OFF), report.total(LedgerKind.CONSUMER_RETURN)) == (
        10,
        3,
        2,
    )
    assert (report.in_zone, report.sold_units, report.balanced) == (9, 1, True)
    statuses = dict(session.execute(select(SoldCode.serial, SoldCode.status)).all())
    assert statuses == {"1": SoldStatus.RETURNED, "2": SoldStatus.RETURNED, "3": SoldStatus.SOLD}
    resold = exits.declare_exit(
        session, world.merchant_staff, runtime.ring, exit_filing([(batch, urls[:1])]), secret=SECRET
    )
    session.commit()
    assert resold.status is ExitStatus.WRITTEN_OFF
    row = session.scalars(select(SoldCode).filter_by(serial="1")).one()
    assert (row.status, row.exit_declaration_id, row.returned_at) == (SoldStatus.SOLD, resold.id, None)
    assert ledger.ledger_report(session, world.regulator, batch.id).balanced
    assert [r.id for r in returns.returns_of(session, world.regulator, order.id)] == [back.id]


def test_only_unreturned_units_of_the_order_come_back(session, runtime, sold) -> None:  # type: ignore[no-untyped-def]
    world, _batch, urls, order = sold
    with pytest.raises(ReturnNotAllowed, match="not an unreturned unit"):
        returns.record_return(session, world.merchant_staff, order.id, [urls[5]], "never sold on it")
    other = make_zone_batch(session, world, runtime.ring, quantity=2)
    with pytest.raises(ReturnNotAllowed, match="was not sold on order"):
        returns.record_return(
            session,
            world.merchant_staff,
            order.id,
            code_urls(session, runtime.ring, other, 1, 1),
            "wrong lot",
        )
    returns.record_return(session, world.merchant_staff, order.id, urls[:1], "broken")
    session.commit()
    with pytest.raises(ReturnNotAllowed):
        returns.record_return(session, world.merchant_staff, order.id, urls[:1], "twice")


def test_returns_close_after_the_window(session, runtime, sold) -> None:  # type: ignore[no-untyped-def]
    world, _batch, urls, order = sold
    late = utcnow() + timedelta(days=31)
    with pytest.raises(ReturnNotAllowed, match="30 days"):
        returns.record_return(session, world.merchant_staff, order.id, urls[:1], "late", now=late)
    returns.record_return(
        session, world.merchant_staff, order.id, urls[:1], "late", now=late, rules=ZoneRules(return_days=45)
    )


def test_bad_returns_are_refused(session, runtime, sold) -> None:  # type: ignore[no-untyped-def]
    world, batch, urls, order = sold
    with pytest.raises(InvalidInput, match="reason"):
        returns.record_return(session, world.merchant_staff, order.id, urls[:1], " ")
    with pytest.raises(InvalidInput, match="twice"):
        returns.record_return(session, world.merchant_staff, order.id, urls[:1] * 2, "x")
    with pytest.raises(InvalidInput, match="not a traceability code"):
        returns.record_return(session, world.merchant_staff, order.id, ["https://example.com"], "x")
    with pytest.raises(InvalidInput, match="1-200"):
        returns.record_return(session, world.merchant_staff, order.id, [], "x")
    with pytest.raises(NotFound):
        returns.record_return(session, world.merchant_b_staff, order.id, urls[:1], "x")
    with pytest.raises(PermissionDenied):
        returns.record_return(session, world.regulator, order.id, urls[:1], "x")
    failed = exits.declare_exit(
        session,
        world.merchant_staff,
        runtime.ring,
        exit_filing([(batch, urls[5:6])], payment="1.00"),
        secret=SECRET,
    )
    with pytest.raises(ReturnNotAllowed, match="not released"):
        returns.record_return(session, world.merchant_staff, failed.id, urls[5:6], "x")
