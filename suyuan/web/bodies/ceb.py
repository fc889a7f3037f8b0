"""Bodies of the customs (CEB) packing station: the units scanned for an inventory, and one scan to check.

The CEB messages themselves are XML (``POST /api/v1/ceb``, read by :mod:`suyuan.trace.ceb.parsing`), so
only the packing station takes JSON. Every body here is closed; the lists are bounded before the domain
checks each code (:mod:`suyuan.trace.ceb.packing`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from suyuan.trace.zone.exits import MAX_CODES
from suyuan.web.bodies.common import Body, Whole, between

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
