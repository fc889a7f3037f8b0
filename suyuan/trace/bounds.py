"""The whole numbers Suyuan stores: ids, serials, counts and quantities fit a 32-bit signed integer.

Why a module of its own: every id, serial range and quantity column is an ``INTEGER`` on PostgreSQL
(2^31 - 1 at most; SQLite's 2^63 - 1). A larger number that reaches a query is a database error, a 500
instead of "no such record" or "out of range". Each edge bounds numbers with this one range before they
reach the database: the web app's URL converter and JSON and query parsers, and the scan path's serials.
"""

from __future__ import annotations

from suyuan.trace.errors import InvalidInput

MAX_INT = 2**31 - 1
MIN_INT = -(2**31)


def whole_number(value: object, name: str, *, low: int = MIN_INT, high: int = MAX_INT) -> int:
    """``value`` if it is an ``int`` (never a ``bool``) from ``low`` to ``high``, else a 400 naming ``name``.

    The default range is the database column's; callers state a narrower one where the domain has one.
    """
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{name} must be a whole number", field=name)
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}", field=name)
    return value


def fits_column(number: int) -> bool:
    """Whether ``number`` can be compared with an integer column without a database error."""
    return MIN_INT <= number <= MAX_INT
