"""The scans of one batch for its trace: totals, verdicts, days, regions and suspect codes, by aggregate SQL.

A batch may have a million scans, so nothing here loads a row per scan. Three statements answer
everything, each a ``GROUP BY`` that returns a few hundred rows at most:

1. verdict × region × day (the day only for the last ``days`` days, ``NULL`` before), from which the
   total, the verdicts, the regions and the days are all summed in Python;
2. the number of distinct codes scanned, read from the index on ``scan (gtin, lot, serial)`` alone;
3. the codes with the most ``suspect`` scans.

A scan belongs to the batch by its GTIN and lot, like the dashboards count it (:mod:`suyuan.trace.stats`):
a code with a forged signature is recorded without a batch id but still names the lot, and the trace
of that lot should show those ``counterfeit`` scans. Days are calendar days in China Standard Time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal_column, select
from sqlalchemy.orm import Session

from suyuan.trace.model import Batch, Scan
from suyuan.trace.stats import CHINA_STANDARD_TIME, OTHER_REGIONS, UNKNOWN_REGION, LocalDay, Window

TRACE_DAYS = 90
MAX_TOP = 100


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
    window = Window.ending(now, days, CHINA_STANDARD_TIME)
    of_lot = (Scan.gtin == batch.gtin, Scan.lot == batch.lot)
    verdicts: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    per_day: Counter[date] = Counter()
    for verdict, region, day, scans in session.execute(_breakdown(of_lot, window)):
        verdicts[str(verdict)] += scans
        regions[_region_label(region)] += scans
        if day is not None:
            per_day[day if isinstance(day, date) else date.fromisoformat(day)] += scans
    distinct = select(Scan.serial).where(*of_lot).group_by(Scan.serial).subquery()
    suspects = (
        select(Scan.serial, func.count().label("n"))
        .where(*of_lot, Scan.verdict == "suspect")
        .group_by(Scan.serial)
        .order_by(literal_column("n").desc(), Scan.serial)
        .limit(top)
    )
    return ScanSummary(
        total=sum(verdicts.values()),
        distinct_codes=int(session.scalar(select(func.count()).select_from(distinct)) or 0),
        by_verdict=dict(verdicts.most_common()),
        by_day=[DayCount(d, per_day.get(d, 0)) for d in window.dates()],
        by_region=_top_regions(regions, top),
        suspect_codes=[SuspectCode(str(s), int(n)) for s, n in session.execute(suspects)],
        days=days,
        first_day=window.first,
    )


def _breakdown(of_lot: tuple[ColumnElement[bool], ...], window: Window) -> Select[Any]:
    """verdict × region × recent day, one pass over the lot's scans (older scans have no day)."""
    offset = int(window.offset // timedelta(minutes=1))
    day = case((Scan.at >= window.since, LocalDay(Scan.at, offset)), else_=None).label("day")
    return (
        select(Scan.verdict, Scan.region, day, func.count())
        .where(*of_lot)
        .group_by(Scan.verdict, Scan.region, day)
    )


def _region_label(region: str | None) -> str:
    return UNKNOWN_REGION if not region or region == UNKNOWN_REGION else str(region)


def _top_regions(regions: Counter[str], top: int) -> list[RegionCount]:
    """The ``top`` regions, most first (ties by name), then ``other`` for all the rest."""
    ranked = sorted(((r, n) for r, n in regions.items() if r != OTHER_REGIONS), key=lambda x: (-x[1], x[0]))
    shown = [RegionCount(r, n) for r, n in ranked[:top]]
    rest = sum(regions.values()) - sum(c.scans for c in shown)
    return shown + ([RegionCount(OTHER_REGIONS, rest)] if rest > 0 else [])
