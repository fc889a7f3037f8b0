"""Buyer identity and personal quotas (MOF/GACC/STA 2018 No. 49): RMB 5,000 per order, 26,000 a year.

The buyer's resident ID number (GB 11643) is never stored: only ``HMAC-SHA256(secret, id)``, which is
enough to add up a person's purchases, and a masked name for people to read (PIPL minimisation). The
calendar year is China's (UTC+8). An order's value counts toward the year once it is written off; the
value of units the buyer returned is given back.

Concurrent orders of one buyer are serialised (:func:`lock_buyer`, taken before the quota is read and
held until the order is written): a transaction-scoped advisory lock per buyer on PostgreSQL, the
database's write lock (``BEGIN IMMEDIATE``) on SQLite, so two orders cannot both squeeze under the
limit. The check and the write are one unit of work on both databases.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.trace.db import serialise
from suyuan.trace.errors import InvalidInput, QuotaExceeded
from suyuan.trace.identifiers import resident_id_valid
from suyuan.trace.model import ConsumerReturn, ExitDeclaration, ExitStatus
from suyuan.trace.model.types import BEIJING
from suyuan.trace.zone.rules import FEN_PER_YUAN, QuotaRules

MAX_AMOUNT_FEN = 100_000_000 * FEN_PER_YUAN


def normalize_id_number(value: str) -> str:
    """An 18-character resident ID number with a valid check character and birth date, upper-case.

    Checked by :func:`suyuan.trace.identifiers.resident_id_valid` (no area table), so numbers such as
    Shanghai Pudong's ``310115…`` that python-stdnum's table lacks are accepted.
    """
    number = (value or "").strip().upper()
    if not resident_id_valid(number):
        raise InvalidInput("buyer.id_number is not a valid resident ID number (GB 11643)", field="buyer")
    return number


def buyer_hash(secret: str, id_number: str) -> str:
    """The stored identity of a buyer: a keyed hash of the normalised ID number."""
    return hmac.new(secret.encode(), f"suyuan-buyer:v1|{id_number}".encode(), hashlib.sha256).hexdigest()


def address_hash(secret: str, address: str) -> str:
    """A keyed hash of a delivery address (case, width and whitespace folded); "" for no address."""
    folded = "".join(unicodedata.normalize("NFKC", address).casefold().split())
    if not folded:
        return ""
    return hmac.new(secret.encode(), f"suyuan-address:v1|{folded}".encode(), hashlib.sha256).hexdigest()


def mask_name(name: str) -> str:
    """The first character of a name and a star for each of the others (at least one): 张三丰 → 张**."""
    cleaned = " ".join((name or "").split())
    if not cleaned or len(cleaned) > 100:
        raise InvalidInput("buyer.name is required (at most 100 characters)", field="buyer")
    return cleaned[0] + "*" * max(1, len(cleaned) - 1)


def parse_amount(value: object, name: str) -> int:
    """An amount in RMB (a decimal string such as "199.00", or a number) as whole fen."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidInput(f'{name} must be an amount in RMB such as "199.00"', field=name)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f'{name} must be an amount in RMB such as "199.00"', field=name) from None
    fen = amount * FEN_PER_YUAN if amount.is_finite() else Decimal(-1)
    if fen != fen.to_integral_value() or not 0 <= fen <= MAX_AMOUNT_FEN:
        raise InvalidInput(
            f"{name} must be 0-{MAX_AMOUNT_FEN // FEN_PER_YUAN:,} RMB with at most 2 decimals", field=name
        )
    return int(fen)


def yuan(fen: int) -> str:
    """Fen written as RMB: 123456 → "1234.56"."""
    return f"{fen // FEN_PER_YUAN}.{fen % FEN_PER_YUAN:02d}"


def year_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The calendar year (China time) containing ``moment``, as UTC instants [start, end)."""
    year = moment.astimezone(BEIJING).year
    start = datetime(year, 1, 1, tzinfo=BEIJING).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=BEIJING).astimezone(UTC)
    return start, end


def lock_buyer(session: Session, buyer: str) -> None:
    """Serialise quota decisions of one buyer until the unit of work ends; call before :func:`check_quota`.

    PostgreSQL: an advisory lock per buyer; SQLite: the database's write lock
    (:func:`suyuan.trace.db.serialise`).
    """
    serialise(session, "buyer", buyer)


def used_this_year(session: Session, buyer: str, moment: datetime) -> int:
    """Fen of the buyer's written-off orders this year, less what they returned.

    Orders held for the office's release count from their check, so that waiting orders cannot be
    squeezed under the limit twice.
    """
    start, end = year_bounds(moment)
    counted_at = func.coalesce(ExitDeclaration.written_off_at, ExitDeclaration.checked_at)
    in_year = (
        ExitDeclaration.buyer_hash == buyer,
        ExitDeclaration.status.in_((ExitStatus.WRITTEN_OFF, ExitStatus.HELD)),
        counted_at >= start,
        counted_at < end,
    )
    spent = select(func.coalesce(func.sum(ExitDeclaration.total_fen), 0)).where(*in_year).scalar_subquery()
    returned = (
        select(func.coalesce(func.sum(ConsumerReturn.value_fen), 0))
        .join(ExitDeclaration, ExitDeclaration.id == ConsumerReturn.exit_declaration_id)
        .where(*in_year)
        .scalar_subquery()
    )
    return int(session.scalar(select(spent - returned)) or 0)


def check_quota(
    session: Session, rules: QuotaRules, buyer: str, order_fen: int, units: int, moment: datetime
) -> None:
    """Refuse an order over the per-order limit (single units excepted) or over the annual quota."""
    single = rules.single_item_exempt and units == 1
    if order_fen > rules.per_order_fen and not single:
        raise QuotaExceeded(
            f"the order's value RMB {yuan(order_fen)} is over the per-order limit "
            f"of RMB {yuan(rules.per_order_fen)}"
        )
    used = used_this_year(session, buyer, moment)
    if used + order_fen > rules.per_year_fen:
        raise QuotaExceeded(
            f"the buyer has used RMB {yuan(used)} of the annual quota of RMB {yuan(rules.per_year_fen)}; "
            f"this order (RMB {yuan(order_fen)}) would exceed it"
        )
