"""Scan statistics and dashboard counts over an actor's remit, computed by aggregate SQL.

The merchant dashboard and the regulator console ask the same questions of different remits: a
merchant sees its own enterprise's batches, a regulator the batches of its office's enterprises (the
operator sees everything). The charts read the daily scan tally (:mod:`suyuan.trace.scan_tally`, one
row per lot, day, verdict and region, kept up by the scan path), so a remit's million scans in a month
cost two ``GROUP BY`` passes over its tally rows and a few hundred rows in Python, never a row per
scan (figures: docs/bench-dashboards.md).

A scan belongs to a batch by its (GTIN, lot), not only by ``batch_id``: a code with a forged
signature is recorded without a batch (the batch lookup comes after the signature check) but still
names a lot, and that lot's owner is exactly who should see such counterfeits. (GTIN, lot) names at
most one batch, so this never shows one merchant another's scans.

Days are calendar days at a fixed whole-hour UTC offset, China Standard Time (UTC+8, no daylight
saving) by default, so "today" on the chart is the merchant's today; the tally's days are those. Any
other offset is answered from the scan log itself: the database counts per UTC hour (:class:`HourOf`,
compiled for SQLite and PostgreSQL; the window rides the index on ``scan.at``, a small remit the one on
``scan.batch_id``, one batch the one on ``scan (gtin, lot, serial)``) and the hours are summed into
local days here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    String,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

from suyuan.trace.actors import Actor
from suyuan.trace.db import Base
from suyuan.trace.errors import InvalidInput
from suyuan.trace.model import (
    Batch,
    Complaint,
    ComplaintStatus,
    Issuance,
    Product,
    Recall,
    RecallStatus,
    RiskWarning,
    Scan,
    ScanTally,
)
from suyuan.trace.model.types import utcnow
from suyuan.trace.remit import Remit, remit_of, within_enterprises, within_remit

CHINA_STANDARD_TIME = timedelta(hours=8)
DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_REGIONS = 10
UNKNOWN_REGION = "unknown"  # scans recorded without a region
OTHER_REGIONS = "other"  # every region below the top ten, together
UNKNOWN_SQL = literal_column(f"'{UNKNOWN_REGION}'", String)
# Complaints waiting for someone: the merchant's answer or the office's decision (upheld or dismissed).
OPEN_COMPLAINT_STATUSES = frozenset(
    {ComplaintStatus.RECEIVED, ComplaintStatus.TRIAGED, ComplaintStatus.ANSWERED}
)


# --- portable day and hour buckets -----------------------------------------------------------------


class LocalDay(FunctionElement[date]):
    """The calendar day of a naive-UTC timestamp column at a fixed offset, as a SQL expression.

    For callers that want days straight from the database (the dashboards count hours, see
    :class:`HourOf`). The offset is rendered as a literal number of minutes (an ``int``, never user
    text) so that ``SELECT`` and ``GROUP BY`` read the same, as PostgreSQL requires.
    """

    type = Date()
    name = "local_day"
    inherit_cache = True

    def __init__(
        self, column: ColumnElement[datetime] | InstrumentedAttribute[datetime], offset_minutes: int
    ) -> None:
        self.offset_minutes = int(offset_minutes)
        super().__init__(column)

    def _column_sql(self, compiler: SQLCompiler, **kw: Any) -> str:
        return compiler.process(next(iter(self.clauses)), **kw)

    # A different offset is a different statement, so it must be part of the cache key.
    _traverse_internals = [  # noqa: RUF012
        *FunctionElement._traverse_internals,
        ("offset_minutes", InternalTraversal.dp_plain_obj),
    ]


@compiles(LocalDay, "sqlite")
def _local_day_sqlite(element: LocalDay, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({element._column_sql(compiler, **kw)}, '{element.offset_minutes:+d} minutes')"


@compiles(LocalDay)
def _local_day_standard(element: LocalDay, compiler: SQLCompiler, **kw: Any) -> str:
    """PostgreSQL (and standard SQL): shift the timestamp by an interval, then cast to a date."""
    shifted = f"{element._column_sql(compiler, **kw)} + INTERVAL '{element.offset_minutes} minutes'"
    return f"CAST(({shifted}) AS DATE)"


class HourOf(FunctionElement[Any]):
    """The UTC hour a naive-UTC timestamp column falls in, as SQL for SQLite and PostgreSQL.

    Counting per hour and summing the hours into local days in Python costs the database a string cut
    (SQLite) or a truncation (PostgreSQL) per row instead of date arithmetic (SQLite's ``date()`` is
    the slower half of a day count), and serves any whole-hour UTC offset. It renders without bound
    parameters, so that ``SELECT`` and ``GROUP BY`` read the same, which PostgreSQL requires.
    """

    name = "hour_of"
    inherit_cache = True


@compiles(HourOf, "sqlite")
def _hour_sqlite(element: HourOf, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLAlchemy stores SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff': the hour is the first 13 characters.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 13)"


@compiles(HourOf)
def _hour_standard(element: HourOf, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date_trunc('hour', {compiler.process(element.clauses, **kw)})"


def _utc_hour(value: datetime | str) -> datetime:
    """An hour bucket as the driver returns it (text from SQLite, a timestamp from PostgreSQL)."""
    if isinstance(value, str):
        return datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- which scans ---------------------------------------------------------------------------------

MAX_LISTED_LOTS = 500


def _scope(session: Session, remit: Remit, since: datetime) -> list[ColumnElement[bool]] | None:
    """The ``WHERE`` of the remit's scans since ``since``; ``None`` when the remit has no batch at all.

    A scan belongs to the remit by the (GTIN, lot) it names (see the module docstring). PostgreSQL
    turns ``(gtin, lot) IN (the remit's lots)`` into a semi-join and, given custom plans
    (:func:`_plan_each_time`), reads a small remit through the (gtin, lot) index and a big one by
    time. SQLite's planner cannot tell through a subquery how few scans a small remit has, so there
    the remit's batches are listed in the statement — scans linked to one of them (``batch_id``, an
    integer) or unlinked scans (forged signatures) naming one of their lots — which lets it take the
    ``batch_id`` index for a small merchant and the time index for a big one (12 ms instead of 350 ms
    for 1,000 scans among a million, bench/stats_bench.py).
    """
    where: list[ColumnElement[bool]] = [Scan.at >= since]
    if remit.batch is not None:  # one batch: its (gtin, lot) index covers linked and unlinked scans
        return [*where, Scan.gtin == remit.batch.gtin, Scan.lot == remit.batch.lot]
    if remit.everything:
        return where
    batches = within_enterprises(
        select(Batch.id, Batch.gtin, Batch.lot).join(Product, Product.id == Batch.product_id),
        remit,
        Product.enterprise_id,
    )
    if session.get_bind().dialect.name == "sqlite":
        named = session.execute(batches.limit(MAX_LISTED_LOTS + 1)).all()
        if not named:
            return None
        if len(named) <= MAX_LISTED_LOTS:
            lots = or_(*(and_(Scan.gtin == gtin, Scan.lot == lot) for _id, gtin, lot in named))
            linked = Scan.batch_id.in_([batch_id for batch_id, _gtin, _lot in named])
            return [*where, or_(linked, and_(Scan.batch_id.is_(None), lots))]
    return [*where, tuple_(Scan.gtin, Scan.lot).in_(batches.with_only_columns(Batch.gtin, Batch.lot))]


def _plan_each_time(session: Session) -> None:
    """Make PostgreSQL plan this transaction's statements for their actual parameters.

    A statement run often on one connection is prepared (psycopg) and PostgreSQL may then switch to a
    generic plan, one for every remit: a small merchant's statistics then read the whole window of a
    big one (0.5 s instead of 1 ms). Planning costs far less than these statements.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


# --- scan statistics -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The last ``days`` calendar days up to today at ``offset``, and the UTC moment they start."""

    first: date
    days: int
    since: datetime
    offset: timedelta

    @classmethod
    def ending(cls, now: datetime | None, days: int, offset: timedelta) -> Window:
        """The window of ``days`` days ending today (``now``, default the clock)."""
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"days must be 1-{MAX_DAYS}", field="days")
        if offset % timedelta(hours=1) or abs(offset) > timedelta(hours=14):
            raise ValueError("the UTC offset must be a whole number of hours, at most 14")
        today = ((now or utcnow()).astimezone(UTC) + offset).date()
        first = today - timedelta(days=days - 1)
        return cls(first, days, datetime.combine(first, time(), UTC) - offset, offset)

    def dates(self) -> list[date]:
        """Every day of the window, oldest first."""
        return [self.first + timedelta(days=i) for i in range(self.days)]


@dataclass(frozen=True)
class ScanStats:
    """Scans in a window: per day (zero-filled), by region (top ten + other), by verdict."""

    window: Window
    per_day: list[tuple[date, int]]
    by_region: list[tuple[str, int]]
    by_verdict: list[tuple[str, int]]
    total: int = 0


def scan_stats(
    session: Session,
    actor: Actor,
    *,
    days: int = DEFAULT_DAYS,
    batch_id: int | None = None,
    now: datetime | None = None,
    offset: timedelta = CHINA_STANDARD_TIME,
) -> ScanStats:
    """Everything the dashboards chart about scans of the actor's remit (or one batch of it).

    Two passes over the window: scans per day and verdict, then the top regions. In China Standard
    Time both read the daily tally; at another offset they read the scan log (counts per hour and
    verdict, summed here into local days).
    """
    window = Window.ending(now, days, offset)
    remit = remit_of(session, actor, batch_id)
    _plan_each_time(session)
    return _stats(session, remit, window, from_tally=offset == CHINA_STANDARD_TIME)  # the tally's days


def _stats(session: Session, remit: Remit, window: Window, *, from_tally: bool) -> ScanStats:
    """:func:`scan_stats` from the daily tally (China Standard Time days only) or from the scan log."""
    per_day: Counter[date] = Counter()
    verdicts: Counter[str] = Counter()
    where: list[ColumnElement[bool]] | None
    region: InstrumentedAttribute[str]
    weight: ColumnElement[int]
    if from_tally:
        where = tally_scope(remit, window.first)
        region, weight = ScanTally.region, func.sum(ScanTally.scans)
        for day, verdict, n in _tally_per_day_and_verdict(session, where):
            per_day[day] += n
            verdicts[verdict] += n
    else:
        where = _scope(session, remit, window.since)
        region, weight = Scan.region, func.count()
        for hour, verdict, n in _per_hour_and_verdict(session, where) if where is not None else []:
            per_day[(hour + window.offset).date()] += n
            verdicts[verdict] += n
    total = sum(verdicts.values())
    return ScanStats(
        window=window,
        per_day=[(d, per_day.get(d, 0)) for d in window.dates()],
        by_region=_by_region(session, where, total, region=region, weight=weight) if total else [],
        by_verdict=sorted(verdicts.items(), key=lambda item: (-item[1], item[0])),
        total=total,
    )


def tally_scope(remit: Remit, first: date) -> list[ColumnElement[bool]]:
    """The ``WHERE`` of the remit's tally rows from day ``first`` on: by lot, as the scans (``_scope``).

    The dashboards' charts and the half-yearly report (:mod:`suyuan.trace.half_year_report`) count by it.
    """
    where: list[ColumnElement[bool]] = [ScanTally.day >= first]
    if remit.batch is not None:  # one batch: a range of the tally's key
        return [*where, ScanTally.gtin == remit.batch.gtin, ScanTally.lot == remit.batch.lot]
    if remit.everything:
        return where
    lots = within_enterprises(
        select(Batch.gtin, Batch.lot).join(Product, Product.id == Batch.product_id),
        remit,
        Product.enterprise_id,
    )
    return [*where, tuple_(ScanTally.gtin, ScanTally.lot).in_(lots)]


def _tally_per_day_and_verdict(
    session: Session, where: list[ColumnElement[bool]]
) -> list[tuple[date, str, int]]:
    stmt = (
        select(ScanTally.day, ScanTally.verdict, func.sum(ScanTally.scans))
        .where(*where)
        .group_by(ScanTally.day, ScanTally.verdict)
    )
    return [(d, str(v), int(n)) for d, v, n in session.execute(stmt)]


def _per_hour_and_verdict(
    session: Session, where: list[ColumnElement[bool]]
) -> list[tuple[datetime, str, int]]:
    hour = HourOf(Scan.at).label("hour")
    stmt = select(hour, Scan.verdict, func.count()).where(*where).group_by(hour, Scan.verdict)
    return [(_utc_hour(h), str(v), int(n)) for h, v, n in session.execute(stmt)]


def _by_region(
    session: Session,
    where: list[ColumnElement[bool]] | None,
    total: int,
    top: int = TOP_REGIONS,
    *,
    region: InstrumentedAttribute[str] = Scan.region,
    weight: ColumnElement[int] | None = None,
) -> list[tuple[str, int]]:
    """The ``top`` regions by scans, most first, then ``other`` for the rest (if any).

    Scans without a region count as :data:`UNKNOWN_REGION`. Regions come from clients, so a region
    literally called "unknown" joins the unknown bucket and one called "other" joins the rest: every
    label appears once. The database returns ``top + 1`` rows, never every distinct region.
    ``region`` and ``weight`` say where from: scan rows counted (the default) or tally rows summed.
    """
    if where is None:
        return []
    # Literals, not bound parameters: PostgreSQL needs SELECT and GROUP BY to read the same.
    label = case(
        (region.in_([literal_column("''"), UNKNOWN_SQL]), UNKNOWN_SQL),
        else_=region,
    ).label("region")
    count = (func.count() if weight is None else weight).label("n")
    stmt = select(label, count).where(*where).group_by(label)
    rows = session.execute(stmt.order_by(count.desc(), label).limit(top + 1)).all()
    ranked = [(str(label), int(n)) for label, n in rows if label != OTHER_REGIONS][:top]
    rest = total - sum(n for _, n in ranked)
    return ranked + ([(OTHER_REGIONS, rest)] if rest > 0 else [])


# --- dashboard counts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardCounts:
    """The figures at the top of a dashboard, each a dict of status → count (absent: zero)."""

    products: dict[str, int]
    batches: dict[str, int]
    codes_issued: int
    complaints: dict[str, int]
    recalls_open: int
    warnings_active: int

    @property
    def complaints_open(self) -> int:
        """Complaints still waiting for an answer or a decision (:data:`OPEN_COMPLAINT_STATUSES`)."""
        return sum(n for s, n in self.complaints.items() if s in OPEN_COMPLAINT_STATUSES)


def dashboard_counts(session: Session, actor: Actor) -> DashboardCounts:
    """Products by admission status, batches by status, codes issued, complaints by status, open
    recalls and active risk warnings, for the actor's remit.

    Risk warnings are published to all offices and the public, so every active one counts.
    """
    remit = remit_of(session, actor)
    return DashboardCounts(
        products=_grouped(session, remit, Product, Product.admission_status),
        batches=_grouped(session, remit, Batch, Batch.status),
        codes_issued=sum(issued_by_batch(session, actor).values()),
        complaints=_grouped(session, remit, Complaint, Complaint.status),
        recalls_open=_open_recalls(session, remit),
        warnings_active=int(
            session.scalar(select(func.count()).where(RiskWarning.withdrawn_at.is_(None))) or 0
        ),
    )


def _grouped(session: Session, remit: Remit, model: type[Base], column: Any) -> dict[str, int]:
    """Rows of ``model`` within the remit, counted by ``column`` (an office also counts the
    complaints no office could be found for: :data:`suyuan.trace.remit.OWNERS`)."""
    stmt = within_remit(select(column, func.count()).select_from(model), remit, model).group_by(column)
    return {str(value): int(n) for value, n in session.execute(stmt)}


def _open_recalls(session: Session, remit: Remit) -> int:
    stmt = select(func.count()).select_from(Recall).where(Recall.status == RecallStatus.OPEN)
    return int(session.scalar(within_remit(stmt, remit, Recall)) or 0)


def issued_by_batch(session: Session, actor: Actor) -> dict[int, int]:
    """Codes issued per batch of the remit (batches without codes are absent), in one query."""
    remit = remit_of(session, actor)
    issued = func.sum(Issuance.last_serial - Issuance.first_serial + 1)
    stmt = within_remit(select(Issuance.batch_id, issued), remit, Issuance).group_by(Issuance.batch_id)
    return {int(b): int(n) for b, n in session.execute(stmt)}
