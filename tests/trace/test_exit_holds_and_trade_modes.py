"""The office's step at exit for goods under tightened control (hold / release / refuse) and the trade
modes (R2): bonded 1210 on the ledger, direct mail 9610 without it, B2B never on a consumer order."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import batches, issuance
from suyuan.trace.errors import InvalidInput, InvalidState, PermissionDenied, TradeModeNotRetail
from suyuan.trace.model import ExitStatus, LedgerEntry, LineRefusal, SoldCode, TradeMode
from suyuan.trace.model.types import utcnow
from suyuan.trace.zone import exits, inspection, ledger, quotas
from suyuan.trace.zone.exits import Buyer
from tests.factories import (
    BASE,
    SECRET,
    code_urls,
    declare,
    entry_line,
    exit_filing,
    id_number,
    make_product,
    make_world,
    make_zone_batch,
)


def sold_units(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SoldCode)) or 0)


def held_world(session: Session, runtime: Runtime):  # type: ignore[no-untyped-def]
    world = make_world(session, runtime.ring)
    batch = make_zone_batch(session, world, runtime.ring, quantity=10)
    batch.exit_hold_required = True  # what tightened control sets (part B feeds this hook)
    session.commit()
    return world, batch, code_urls(session, runtime.ring, batch)


def declare_exit(session: Session, runtime: Runtime, world, filing):  # type: ignore[no-untyped-def]
    declaration = exits.declare_exit(session, world.merchant_staff, runtime.ring, filing, secret=SECRET)
    session.commit()
    return declaration


def test_goods_under_tightened_control_are_held_until_an_officer_releases_them(
    session: Session, runtime: Runtime
) -> None:
    world, batch, urls = held_world(session, runtime)
    assert exits.requires_office_release(session, batch)
    held = declare_exit(session, runtime, world, exit_filing([(batch, urls[:2])]))
    assert held.status is ExitStatus.HELD and held.findings == []
    assert sold_units(session) == 0 and ledger.balance(session, batch.id) == 10
    with pytest.raises(PermissionDenied):
        exits.decide_held_exit(session, world.merchant_staff, held.id, release=True, note="")
    released = exits.decide_held_exit(session, world.regulator, held.id, release=True, note="seals checked")
    session.commit()
    assert released.status is ExitStatus.WRITTEN_OFF and released.released_by == world.regulator.label
    assert sold_units(session) == 2 and ledger.balance(session, batch.id) == 8
    with pytest.raises(InvalidState, match="not held"):
        exits.decide_held_exit(session, world.regulator, held.id, release=True, note="")


def test_a_refused_hold_goes_back_to_rectification_with_the_officers_note(
    session: Session, runtime: Runtime
) -> None:
    world, batch, urls = held_world(session, runtime)
    held = declare_exit(session, runtime, world, exit_filing([(batch, urls[:1])]))
    with pytest.raises(InvalidInput, match="note"):
        exits.decide_held_exit(session, world.regulator, held.id, release=False, note=" ")
    refused = exits.decide_held_exit(session, world.regulator, held.id, release=False, note="seal broken")
    assert refused.status is ExitStatus.RECTIFICATION_REQUIRED
    assert [(f["problem"], f["message"]) for f in refused.findings] == [("office_refused", "seal broken")]
    assert sold_units(session) == 0


def test_a_release_rechecks_units_sold_meanwhile(session: Session, runtime: Runtime) -> None:
    world, batch, urls = held_world(session, runtime)
    first = declare_exit(session, runtime, world, exit_filing([(batch, urls[:2])]))
    second = declare_exit(session, runtime, world, exit_filing([(batch, urls[1:3])]))
    assert (first.status, second.status) == (ExitStatus.HELD, ExitStatus.HELD)
    exits.decide_held_exit(session, world.regulator, first.id, release=True, note="")
    late = exits.decide_held_exit(session, world.regulator, second.id, release=True, note="")
    assert late.status is ExitStatus.RECTIFICATION_REQUIRED
    assert [f["problem"] for f in late.findings] == ["already_sold"]
    assert sold_units(session) == 2


def test_held_orders_count_against_the_buyers_quota(session: Session, runtime: Runtime) -> None:
    world, batch, urls = held_world(session, runtime)
    buyer = Buyer(id_number=id_number(5), name="陈小红")
    declare_exit(session, runtime, world, exit_filing([(batch, urls[:2])], unit_price="300.00", buyer=buyer))
    now = utcnow()
    assert quotas.used_this_year(session, quotas.buyer_hash(SECRET, id_number(5)), now) == 60000


def test_direct_mail_goods_leave_without_a_ledger_write_off(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    product = make_product(session, world, trade_mode="direct_mail")
    batch = batches.register_batch(
        session, world.merchant_staff, product.id, lot="DM-1", quantity=5, expiry_date=date(2099, 1, 1)
    )
    issuance.issue_codes(session, world.merchant_staff, runtime.ring, batch.id, 5, BASE)
    inspection.release_batch(session, world.regulator, batch.id)
    session.commit()
    assert batch.trade_mode is TradeMode.DIRECT_MAIL
    urls = code_urls(session, runtime.ring, batch)
    declaration = declare_exit(session, runtime, world, exit_filing([(batch, urls[:2])]))
    assert declaration.status is ExitStatus.WRITTEN_OFF and declaration.trade_mode is TradeMode.DIRECT_MAIL
    assert sold_units(session) == 2
    assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
    refused = declare(session, world, entry_line(product))  # direct mail does not enter the bonded zone
    assert refused.lines[0].refusal is LineRefusal.DIRECT_MAIL


def test_b2b_goods_are_refused_from_the_retail_exit_and_orders_do_not_mix_modes(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    b2b = make_zone_batch(session, world, runtime.ring, quantity=5, trade_mode="b2b")
    bonded = make_zone_batch(session, world, runtime.ring, quantity=5)
    assert (b2b.trade_mode, bonded.trade_mode) == (TradeMode.B2B, TradeMode.BONDED)
    with pytest.raises(TradeModeNotRetail, match="B2B"):
        exits.declare_exit(
            session,
            world.merchant_staff,
            runtime.ring,
            exit_filing([(b2b, code_urls(session, runtime.ring, b2b)[:1])]),
            secret=SECRET,
        )
    session.rollback()
    direct = make_product(session, world, trade_mode="direct_mail")
    mail = batches.register_batch(session, world.merchant_staff, direct.id, lot="DM-2", quantity=5)
    issuance.issue_codes(session, world.merchant_staff, runtime.ring, mail.id, 5, BASE)
    inspection.release_batch(session, world.regulator, mail.id)
    session.commit()
    mixed = exit_filing(
        [
            (bonded, code_urls(session, runtime.ring, bonded)[:1]),
            (mail, code_urls(session, runtime.ring, mail)[:1]),
        ]
    )
    with pytest.raises(InvalidInput, match="all bonded"):
        exits.declare_exit(session, world.merchant_staff, runtime.ring, mixed, secret=SECRET)
    with pytest.raises(InvalidInput, match="trade_mode"):
        make_product(session, world, trade_mode="smuggled")
