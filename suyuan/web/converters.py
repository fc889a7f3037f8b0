"""Numbers at the web edge: the ``<int:...>`` URL converter and query-string integers, both bounded.

Why: ids in URLs and numbers in query strings go straight into queries against 32-bit ``INTEGER``
columns (:mod:`suyuan.trace.bounds`). Unbounded, ``/api/v1/batches/2147483648`` was a database error
(500) on PostgreSQL and ``2**63`` one on SQLite. With these, an id out of range is simply no such
record (the route does not match: 404) and a query number out of range is a 400 naming the parameter.
"""

from __future__ import annotations

import builtins

from flask import request
from werkzeug.routing import IntegerConverter, Map

from suyuan.trace.bounds import MAX_INT
from suyuan.trace.errors import InvalidInput


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` for every route: 0 to 2^31 - 1, at most 10 digits; anything else does not match.

    Registered app-wide as ``int`` (``app.url_map.converters``), so no route can forget it. The
    10-digit pattern spares Python from converting a 5,000-digit path segment.
    """

    # Exactly 0-2147483647: werkzeug notes a rule's other methods before converting, so a number that
    # matched the pattern but failed ``max`` answered 405 to PATCH/POST where GET answers 404.
    regex = (
        r"\d{1,9}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}|21474[0-7]\d{4}"
        r"|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d|214748364[0-7]"
    )

    def __init__(  # werkzeug's parameter names, so ``<int(max=99):n>`` keeps working
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int = MAX_INT,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, builtins.min(max, MAX_INT), signed)


def query_int(name: str, default: int | None = None, *, low: int = 0, high: int = MAX_INT) -> int | None:
    """The query parameter ``name`` as a whole number from ``low`` to ``high``, ``default`` when absent.

    Only ASCII digits (and a leading ``-`` when ``low`` is negative) are numbers: werkzeug's ``type=int``
    silently took ``1_000`` or fell back to the default for ``abc``, and took any size. Else a 400.
    """
    text = request.args.get(name)
    if text is None or text == "":
        return default
    digits = text[1:] if text.startswith("-") and low < 0 else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(max(abs(low), high))):
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}", field=name)
    value = int(text)
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}", field=name)
    return value
