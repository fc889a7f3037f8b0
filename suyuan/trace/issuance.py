"""Issuing codes: a batch gets a signed serial range, one row and one signed statement per issuance.

Codes themselves are never stored: Ed25519 signatures are deterministic, so any code of a range can
be re-derived when labels are printed or the CSV is downloaded. The statement (a compact JWS) binds
GTIN, lot, supplier, merchant, serial range and key, so the supplier binding is checkable offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from suyuan.trace import audit, jws, sanctions
from suyuan.trace.actors import Actor
from suyuan.trace.batches import get_batch
from suyuan.trace.codes import CodeId, code_url, signed_message
from suyuan.trace.errors import InvalidInput, NotFound
from suyuan.trace.keys import KeyRing, require_active_key
from suyuan.trace.model import Batch, Issuance, SigningKey
from suyuan.trace.model.types import utcnow

MAX_CODES_PER_ISSUANCE = 1_000_000
STATEMENT_TYPE = "suyuan-issuance+jws"


class QuantityExceeded(InvalidInput):
    """More codes were asked for than the batch holds units."""

    code = "quantity_exceeded"


@dataclass(frozen=True)
class SerialRange:
    """An inclusive range of serial numbers within a batch."""

    first: int
    last: int

    def __len__(self) -> int:
        return self.last - self.first + 1


def issue_codes(
    session: Session, actor: Actor, ring: KeyRing, batch_id: int, count: int, base: str
) -> Issuance:
    """Issue the next ``count`` serials of a batch (its merchant only), never beyond its quantity."""
    actor.require_merchant("only the batch's merchant issues its codes")
    batch = get_batch(session, actor, batch_id)
    sanctions.require_trading(batch.product.enterprise, batch.product)  # no new codes (SZ Art. 30)
    if not 1 <= count <= MAX_CODES_PER_ISSUANCE:
        raise InvalidInput(f"count must be 1-{MAX_CODES_PER_ISSUANCE:,}", field="count")
    session.refresh(batch, with_for_update=True)  # serialise concurrent issuances of one batch
    issued = issued_count(session, batch.id)
    if issued + count > batch.quantity:
        raise QuantityExceeded(
            f"batch {batch.id} holds {batch.quantity} units and {issued} codes are issued; "
            f"at most {batch.quantity - issued} more",
            field="count",
        )
    key = require_active_key(session)
    issuance = Issuance(
        batch_id=batch.id,
        first_serial=issued + 1,
        last_serial=issued + count,
        kid=key.kid,
        statement="",
        created_by=actor.label,
        created_at=utcnow(),
    )
    session.add(issuance)
    session.flush()
    issuance.statement = jws.sign(
        statement_payload(issuance, batch, base), ring.private_key(key), key.kid, STATEMENT_TYPE
    )
    audit.record(
        session,
        actor=actor.label,
        action="codes.issued",
        subject=f"batch:{batch.id}",
        payload={
            "issuance": issuance.id,
            "first": issuance.first_serial,
            "last": issuance.last_serial,
            "kid": key.kid,
        },
    )
    return issuance


def statement_payload(issuance: Issuance, batch: Batch, base: str) -> dict[str, object]:
    """What a statement asserts: these serials of this lot came from this supplier via this merchant."""
    product = batch.product
    return {
        "iss": base,
        "issuance": issuance.id,
        "iat": int(issuance.created_at.timestamp()),
        "gtin": batch.gtin,
        "lot": batch.lot,
        "serials": {"first": str(issuance.first_serial), "last": str(issuance.last_serial)},
        "kid": issuance.kid,
        "product": {
            "name": product.name,
            "hs_code": product.hs_code,
            "origin_country": product.origin_country,
        },
        "supplier": {"name": batch.supplier.name, "country": batch.supplier.country},
        "merchant": {"name": product.enterprise.name, "uscc": product.enterprise.uscc},
    }


def issued_count(session: Session, batch_id: int) -> int:
    """How many serials of the batch are issued so far."""
    total = session.scalar(
        select(func.coalesce(func.sum(Issuance.last_serial - Issuance.first_serial + 1), 0)).where(
            Issuance.batch_id == batch_id
        )
    )
    return int(total or 0)


def issuances_of(session: Session, batch_id: int) -> list[Issuance]:
    """A batch's issuances, in serial order."""
    return list(
        session.scalars(select(Issuance).filter_by(batch_id=batch_id).order_by(Issuance.first_serial))
    )


def covers(serial: int | ColumnElement[int]) -> ColumnElement[bool]:
    """The condition "this issuance's range holds ``serial``", for a value or a bind parameter.

    Why a condition of its own: the scan path joins it into one prebuilt statement
    (:mod:`suyuan.trace.scanning`), :func:`issuance_covering` asks it alone; both mean the same range.
    """
    return and_(Issuance.first_serial <= serial, Issuance.last_serial >= serial)


def issuance_covering(session: Session, batch_id: int, serial: int) -> Issuance | None:
    """The issuance whose range holds ``serial``, if any."""
    return session.scalar(select(Issuance).where(Issuance.batch_id == batch_id, covers(serial)))


def get_issuance(session: Session, issuance_id: int) -> Issuance:
    """An issuance by id; its statement is public (it is linked from every scan page)."""
    issuance = session.get(Issuance, issuance_id)
    if issuance is None:
        raise NotFound(f"issuance {issuance_id} does not exist")
    return issuance


def issued_range(session: Session, batch_id: int, first: int | None, last: int | None) -> SerialRange:
    """Resolve an optional ``first``/``last`` against what is issued; refuse ranges outside it."""
    total = issued_count(session, batch_id)
    if total == 0:
        raise InvalidInput(f"batch {batch_id} has no issued codes yet", field="first")
    lo = 1 if first is None else first
    hi = total if last is None else last
    if not 1 <= lo <= hi <= total:
        raise InvalidInput(f"serials {lo}-{hi} are outside the issued range 1-{total}", field="first")
    return SerialRange(lo, hi)


def code_urls(
    session: Session, ring: KeyRing, batch: Batch, serials: SerialRange, base: str
) -> Iterator[str]:
    """Re-derive the code URLs of ``serials`` (streaming, ~30,000 per second per core)."""
    keys = {key.kid: key for key in session.scalars(select(SigningKey))}
    for issuance in issuances_of(session, batch.id):
        lo, hi = max(serials.first, issuance.first_serial), min(serials.last, issuance.last_serial)
        private = ring.private_key(keys[issuance.kid])
        for serial in range(lo, hi + 1):
            code = CodeId(batch.gtin, batch.lot, str(serial))
            yield code_url(base, code, issuance.kid, private.sign(signed_message(code, issuance.kid)))
