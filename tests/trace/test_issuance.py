"""Issuing codes: one row per range, within the batch quantity, by the batch's merchant, signed statement."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import batch_quantity, issuance, jws, keys
from suyuan.trace.errors import InvalidInput, NotFound, PermissionDenied
from suyuan.trace.issuance import QuantityExceeded
from suyuan.trace.keys import KeyUnavailable
from suyuan.trace.model import Issuance
from tests.factories import BASE, code_urls, make_batch, make_world


def test_a_large_issuance_is_one_row(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=0, quantity=1_000_000)
    issued = issuance.issue_codes(session, world.merchant_staff, runtime.ring, batch.id, 1_000_000, BASE)
    session.commit()
    assert (issued.first_serial, issued.last_serial, issued.count) == (1, 1_000_000, 1_000_000)
    assert session.scalar(select(func.count()).select_from(Issuance)) == 1


def test_serials_continue_and_never_exceed_the_batch_quantity(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=60, quantity=100)
    second = issuance.issue_codes(session, world.merchant_staff, runtime.ring, batch.id, 40, BASE)
    assert (second.first_serial, second.last_serial) == (61, 100)
    with pytest.raises(QuantityExceeded, match="at most 0 more"):
        issuance.issue_codes(session, world.merchant_staff, runtime.ring, batch.id, 1, BASE)


@pytest.mark.parametrize("count", [0, -5, 1_000_001])
def test_counts_outside_limits_are_refused(session: Session, runtime: Runtime, count: int) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=0)
    with pytest.raises(InvalidInput):
        issuance.issue_codes(session, world.merchant_staff, runtime.ring, batch.id, count, BASE)


def test_only_the_batch_merchant_issues_codes(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=0)
    with pytest.raises(NotFound):
        issuance.issue_codes(session, world.merchant_b_staff, runtime.ring, batch.id, 1, BASE)
    with pytest.raises(PermissionDenied):
        issuance.issue_codes(session, world.regulator, runtime.ring, batch.id, 1, BASE)


def test_issuing_without_an_active_key_says_how_to_fix_it(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring, with_key=False)
    batch = make_batch(session, world, runtime.ring, count=0)
    with pytest.raises(KeyUnavailable, match="keys create"):
        issuance.issue_codes(session, world.merchant_staff, runtime.ring, batch.id, 1, BASE)


def test_the_issuance_statement_binds_supplier_and_range_and_verifies_with_the_jwks(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=25)
    statement = issuance.issuances_of(session, batch.id)[0].statement
    kid = jws.header_of(statement)["kid"]
    key = next(k for k in keys.list_keys(session) if k.kid == kid)
    payload = jws.verify(statement, runtime.ring.public_key(kid, key.public_key))
    assert payload["gtin"] == batch.gtin and payload["lot"] == batch.lot
    assert payload["serials"] == {"first": "1", "last": "25"}
    assert payload["supplier"] == {"name": batch.supplier.name, "country": batch.supplier.country}
    assert payload["merchant"]["uscc"] == world.merchant.uscc
    forged = statement[:-4] + ("AAAA" if not statement.endswith("AAAA") else "BBBB")
    with pytest.raises(ValueError):
        jws.verify(forged, runtime.ring.public_key(kid, key.public_key))


def test_code_urls_are_rederived_identically_and_respect_the_range(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=10)
    assert code_urls(session, runtime.ring, batch, 3, 5) == code_urls(session, runtime.ring, batch)[2:5]
    with pytest.raises(InvalidInput, match="outside the issued range"):
        issuance.issued_range(session, batch.id, 5, 11)


def test_rotation_signs_new_ranges_with_the_new_key(session: Session, runtime: Runtime) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=5)
    new_key = keys.rotate_key(session, world.regulator, runtime.ring)
    later = issuance.issue_codes(session, world.merchant_staff, runtime.ring, batch.id, 5, BASE)
    assert later.kid == new_key.kid != issuance.issuances_of(session, batch.id)[0].kid
    urls = code_urls(session, runtime.ring, batch)
    assert {u.split("?s=")[1][0] for u in urls} == {"1", "2"}


def test_amending_the_batch_quantity_allows_more_codes_but_never_below_issued(
    session: Session, runtime: Runtime
) -> None:

    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=100, quantity=100)
    with pytest.raises(InvalidInput, match="already issued"):
        batch_quantity.amend_quantity(session, world.merchant_staff, batch.id, 99, "miscount")
    with pytest.raises(InvalidInput, match="why"):
        batch_quantity.amend_quantity(session, world.merchant_staff, batch.id, 150, " ")
    with pytest.raises(PermissionDenied):
        batch_quantity.amend_quantity(session, world.regulator, batch.id, 150, "more")
    batch_quantity.amend_quantity(session, world.merchant_staff, batch.id, 150, "second pallet arrived")
    more = issuance.issue_codes(session, world.merchant_staff, runtime.ring, batch.id, 50, BASE)
    assert (more.first_serial, more.last_serial) == (101, 150)
