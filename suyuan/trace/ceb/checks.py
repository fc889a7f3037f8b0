"""The rules of a CEB document that the official schema cannot express: code lists, amounts, identifiers.

The XSD checks structure, lengths and decimal formats only (it has no enumerations), so a ``tradeMode``
of ``9999`` or a wrong total passes it. Each check here raises :class:`Rejection` with the receipt
status to answer (100 customs-style rejection, or a negative China E-Port processing code) and a stable
reason, so that the receipt says exactly what is wrong. Code lists are those of the README (§4): closed
lists are checked by membership, open ones (countries, units) by their documented format and range.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from suyuan.trace.errors import DomainError, InvalidInput
from suyuan.trace.identifiers import normalize_gtin, normalize_uscc, resident_id_valid
from suyuan.trace.zone import quotas

CURRENCY_RMB = "142"
TRADE_MODES = frozenset({"1210", "9610"})
BONDED = "1210"
TRAF_MODES = frozenset("0123456789AHWXYZ")
WRAP_TYPES = frozenset("1234567")
CHINA = "142"
_CUSTOMS_CODE = re.compile(r"[0-9]{4}[0-9A-Z]{6}")
_AREA = re.compile(r"[0-9]{4}")
_DISTRICT = re.compile(r"[1-9][0-9]{5}")
_HS = re.compile(r"[0-9]{10}")
NO_BARCODE = frozenset({"", "无", "NONE", "N/A", "0"})


class Rejection(DomainError):
    """A document breaks a rule: answer it with ``status`` (100 or a negative code) and ``reason``."""

    code = "ceb_rejected"

    def __init__(self, reason: str, message: str, status: int = 100) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


def require(condition: bool, reason: str, message: str, status: int = 100) -> None:
    """Raise :class:`Rejection` unless ``condition`` holds."""
    if not condition:
        raise Rejection(reason, message, status)


def one_of(value: str, allowed: frozenset[str], name: str) -> str:
    """A value of a closed code list (``code_list`` rejection otherwise)."""
    require(value in allowed, "code_list", f"{name} {value!r} is not one of {', '.join(sorted(allowed))}")
    return value


def currency(value: str, name: str = "currency") -> str:
    """The spec allows RMB only: the old customs currency code 142."""
    return one_of(value, frozenset({CURRENCY_RMB}), name)


def country(value: str, name: str = "country") -> str:
    """An old 3-digit customs (JGS-20) country code: 101-799 by continent (1xx Asia … 6xx Oceania)."""
    require(
        len(value) == 3 and value.isdigit() and 101 <= int(value) <= 799,
        "code_list",
        f"{name} {value!r} is not a customs country code (3 digits, e.g. 116 Japan, 609 New Zealand)",
    )
    return value


def unit(value: str, name: str = "unit") -> str:
    """A customs unit of measure code, 001-164 (JGS-20)."""
    require(
        len(value) == 3 and value.isdigit() and 1 <= int(value) <= 164,
        "code_list",
        f"{name} {value!r} is not a customs unit code (001-164, e.g. 122 tin, 142 bottle)",
    )
    return value


def hs_code(value: str) -> str:
    """A 10-digit HS code (8-digit tariff line and 2 additional digits)."""
    require(bool(_HS.fullmatch(value)), "code_list", f"gcode {value!r} is not a 10-digit HS code")
    return value


def customs_area(value: str, name: str) -> str:
    """A 4-digit customs area code (JGS/T 18)."""
    require(bool(_AREA.fullmatch(value)), "code_list", f"{name} {value!r} is not a 4-digit customs code")
    return value


def district(value: str) -> str:
    """An optional GB/T 2260 division code (6 digits)."""
    require(
        not value or bool(_DISTRICT.fullmatch(value)),
        "code_list",
        f"consigneeDistrict {value!r} is not a 6-digit GB/T 2260 code",
    )
    return value


def enterprise_code(value: str, name: str, *, required: bool = True) -> str:
    """A 10-character customs registration code or an 18-character USCC with valid check characters.

    Answers -10102 (China E-Port's "invalid enterprise code") when malformed.
    """
    if not value and not required:
        return ""
    if len(value) == 18:
        try:
            return normalize_uscc(value)
        except InvalidInput:
            raise Rejection(
                "invalid_enterprise_code", f"{name} {value!r} is not a valid USCC", -10102
            ) from None
    require(
        bool(_CUSTOMS_CODE.fullmatch(value)),
        "invalid_enterprise_code",
        f"{name} {value!r} is neither a 10-character customs code nor an 18-character USCC",
        -10102,
    )
    return value


def id_number(value: str, id_type: str, name: str) -> str:
    """A resident ID number (GB 11643, check character and birth date) of ID type 1, the only type allowed."""
    require(id_type == "1", "code_list", f"{name} type {id_type!r} must be 1 (resident ID card)")
    number = value.strip().upper()
    require(
        resident_id_valid(number),
        "invalid_id_number",
        f"{name} is not a valid resident ID number (GB 11643)",
    )
    return number


def fen(value: str, name: str) -> int:
    """An amount in RMB as whole fen; the schema allows 5 decimals, money has at most 2."""
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise Rejection("bad_amount", f"{name} {value!r} is not an amount") from None
    cents = amount * 100
    require(
        amount.is_finite() and cents == cents.to_integral_value() and amount >= 0,
        "bad_amount",
        f"{name} {value!r} must be a non-negative amount with at most 2 decimals",
    )
    require(cents <= quotas.MAX_AMOUNT_FEN, "bad_amount", f"{name} {value!r} is too large")
    return int(cents)


def units(value: str, name: str = "qty") -> int:
    """A quantity of traceable units: a whole number of at least 1 (each unit carries a code)."""
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise Rejection("bad_quantity", f"{name} {value!r} is not a number") from None
    require(
        amount.is_finite() and amount == amount.to_integral_value() and 1 <= amount <= 10_000,
        "bad_quantity",
        f"{name} {value!r} must be a whole number of units, 1-10000",
    )
    return int(amount)


def line_total(price_fen: int, qty: int, total_fen: int, gnum: int) -> None:
    """``totalPrice`` = ``price`` × ``qty`` on every line."""
    require(
        price_fen * qty == total_fen,
        "wrong_sum",
        f"line {gnum}: totalPrice {quotas.yuan(total_fen)} is not price {quotas.yuan(price_fen)} × {qty}",
    )


@lru_cache(maxsize=4096)
def gtin_of(bar_code: str) -> str | None:
    """The GTIN-14 of a line's ``barCode``; ``None`` when there is none ("无"); malformed ones reject.

    Memoised: a pure function of its text (nothing to invalidate; a rejection is raised, never cached),
    asked twice per line (for the message's product query, then for the line) and for the same few
    products message after message; the GS1 parse was ~2 % of an import (docs/benchmarks.md).
    """
    if bar_code.strip().upper() in NO_BARCODE:
        return None
    try:
        return normalize_gtin(bar_code)
    except InvalidInput:
        raise Rejection("invalid_barcode", f"barCode {bar_code!r} is not a valid GTIN/EAN") from None


def gnums(numbers: list[str]) -> list[int]:
    """Line numbers 1…n, each once, in order."""
    try:
        values = [int(n) for n in numbers]
    except ValueError:
        raise Rejection("bad_gnum", "gnum must be a whole number") from None
    require(values == list(range(1, len(values) + 1)), "bad_gnum", "gnum must count 1, 2, 3 … in order")
    return values
