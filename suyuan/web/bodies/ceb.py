"""Bodies of the customs (CEB) calls that are not messages: the packing station (the units scanned for
an inventory, one scan to check), the buyer's disclosure acceptance and the return desk.

The CEB messages themselves are XML (``POST /api/v1/ceb``, read by :mod:`suyuan.trace.ceb.parsing`), so
only these calls take JSON. Every body here is closed; the lists are bounded before the domain checks
each code (:mod:`suyuan.trace.ceb.packing`, :mod:`suyuan.trace.ceb.refunds`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from suyuan.trace.zone.exits import MAX_CODES
from suyuan.web.bodies.common import Body, Id, Whole, between

MAX_LINES = 100
"""Lines a CEB621 inventory may have (the schema's ``maxOccurs``)."""

Gnum = Annotated[Whole, between(1, MAX_LINES)]
CodeUrl = Annotated[str, Field(max_length=2000, description="code URL as scanned")]


class PackedLine(Body):
    """The code URLs scanned for one line of the inventory (``gnum``), one per unit."""

    gnum: Gnum
    codes: Annotated[list[CodeUrl], Field(max_length=MAX_CODES)]


class Packing(Body):
    """Release an inventory: every line's units by their codes; all or nothing."""

    lines: Annotated[list[PackedLine], Field(min_length=1, max_length=MAX_LINES)]

    def scans(self) -> dict[int, list[str]]:
        """``{gnum: [url, …]}`` as :func:`suyuan.trace.ceb.pack` takes them (a repeated line joins)."""
        out: dict[int, list[str]] = {}
        for line in self.lines:
            out.setdefault(line.gnum, []).extend(line.codes)
        return out


class ScanCheck(Body):
    """One scan at the station, answered on the spot without writing: may this unit go on line ``gnum``?"""

    gnum: Gnum
    url: CodeUrl
    scanned: Annotated[
        list[CodeUrl], Field(default_factory=list, max_length=MAX_CODES, description="codes accepted so far")
    ]


ORDER_NO = "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"
"""A CEB order number: one line, not blank (the domain strips surrounding blanks)."""


class DisclosureAcceptance(Body):
    """The buyer accepted the consumer disclosure of an order (SZ Art. 11), as the platform recorded it."""

    order_no: Annotated[
        str, Field(min_length=1, max_length=60, pattern=ORDER_NO, description="the platform's order number")
    ]
    platform_id: Annotated[
        Id | None,
        Field(description="the platform the order was placed on; default: the caller's own enterprise"),
    ] = None


class RefundConclusion(Body):
    """The units of a waiting return (CEB625) scanned at the return desk, one code URL per unit."""

    codes: Annotated[list[CodeUrl], Field(min_length=1, max_length=MAX_CODES)]
