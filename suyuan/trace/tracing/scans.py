"""The scans of one batch for its trace: totals, verdicts, days, regions and suspect codes, by aggregate SQL.

A batch may have a million scans, so nothing here reads a row per scan. Two statements answer
everything:

1. verdict × region × day (the day only for the last ``days`` days, ``NULL`` before) with the scans and
   first scans, summed from the daily tally (:mod:`suyuan.trace.scan_tally`: a few thousand rows for a
   million scans), from which the total, the distinct codes scanned, the verdicts, the regions and the
   days are all summed in Python;
2. the codes with the most ``suspect`` scans, from the scan log through the partial index
   ``ix_scan_lot_suspect`` (only suspect scans are in it).

A scan belongs to the batch by its GTIN and lot, like the dashboards count it (:mod:`suyuan.trace.stats`):
a code with a forged signature is recorded without a batch id but still names the lot, and the trace
of that lot should show those ``counterfeit`` scans. Days are calendar days in China Standard Time,
the tally's days.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, case, func, literal_column, select
from sqlalchemy.orm import Session

from suyuan.trace.model import Batch, Scan, ScanTally
from suyuan.trace.scan_tally import TALLY_OFFSET
from suyuan.trace.stats import OTHER_REGIONS, UNKNOWN_REGION, Window

TRACE_DAYS = 90
MAX_TOP = 100
# A literal, not a bound parameter: only then may SQLite (and a generic PostgreSQL plan) use the partial
# index ``ix_scan_lot_suspect``, whose WHERE the query must repeat exactly.
SUSPECT: ColumnElement[str] = literal_column("'suspect'", String)


@dataclass(frozen=True)
class DayCount:
    """Scans on one calendar day."""

    date: date
    scans: int


@dataclass(frozen=True)
class RegionCount:
    """Scans from one region (``unknown``: none recorded; ``other``: every region below the top)."""

    region: str
    scans: int


@dataclass(frozen=True)
class SuspectCode:
    """A code of the batch and how many of its scans answered ``suspect``."""

    serial: str
    suspect_scans: int


@dataclass(frozen=True)
class ScanSummary:
    """What the scans of a batch say, without a row per scan."""

    total: int
    distinct_codes: int
    by_verdict: dict[str, int]
    by_day: list[DayCount]
    by_region: list[RegionCount]
    suspect_codes: list[SuspectCode]
    days: int
    first_day: date


def summarise_scans(
    session: Session, batch: Batch, *, top: int = 10, days: int = TRACE_DAYS, now: datetime | None = None
) -> ScanSummary:
    """Totals, verdicts, the last ``days`` days, the ``top`` regions and the ``top`` suspect codes."""
    window = Window.ending(now, days, TALLY_OFFSET)
    verdicts: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    per_day: Counter[date] = Counter()
    distinct = 0
    for verdict, region, day, scans, first_scans in session.execute(_breakdown(batch, window)):
        verdicts[str(verdict)] += scans
        regions[_region_label(region)] += scans
        distinct += first_scans
        if day is not None:
            per_day[day if isinstance(day, date) else date.fromisoformat(day)] += scans
    suspects = (
        select(Scan.serial, func.count().label("n"))
        .where(Scan.gtin == batch.gtin, Scan.lot == batch.lot, Scan.verdict == SUSPECT)
        .group_by(Scan.serial)
        .order_by(literal_column("n").desc(), Scan.serial)
        .limit(top)
    )
    return ScanSummary(
        total=sum(verdicts.values()),
        distinct_codes=int(distinct),
        by_verdict=dict(verdicts.most_common()),
        by_day=[DayCount(d, per_day.get(d, 0)) for d in window.dates()],
        by_region=_top_regions(regions, top),
        suspect_codes=[SuspectCode(str(s), int(n)) for s, n in session.execute(suspects)],
        days=days,
        first_day=window.first,
    )


def _breakdown(batch: Batch, window: Window) -> Select[*tuple[Any, ...]]:
    """verdict × region × recent day from the lot's tally rows (older days have no day)."""
    day = case((ScanTally.day >= window.first, ScanTally.day), else_=None).label("day")
    return (
        select(
            ScanTally.verdict,
            ScanTally.region,
            day,
            func.sum(ScanTally.scans),
            func.sum(ScanTally.first_scans),
        )
        .where(ScanTally.gtin == batch.gtin, ScanTally.lot == batch.lot)
        .group_by(ScanTally.verdict, ScanTally.region, day)
    )


def _region_label(region: str | None) -> str:
    return UNKNOWN_REGION if not region or region == UNKNOWN_REGION else str(region)


def _top_regions(regions: Counter[str], top: int) -> list[RegionCount]:
    """The ``top`` regions, most first (ties by name), then ``other`` for all the rest."""
    ranked = sorted(((r, n) for r, n in regions.items() if r != OTHER_REGIONS), key=lambda x: (-x[1], x[0]))
    shown = [RegionCount(r, n) for r, n in ranked[:top]]
    rest = sum(regions.values()) - sum(c.scans for c in shown)
    return shown + ([RegionCount(OTHER_REGIONS, rest)] if rest > 0 else [])
