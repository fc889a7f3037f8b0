"""The daily scan tally: every scan counted once more, per lot, day, verdict and region, as it is recorded.

Why: the trace of a lot and the dashboards' charts sum scans per verdict, day and region. Summing the
scan log costs a pass over every scan of the lot or remit (a million: 0.8-6 s, docs/bench-trace.md and
docs/bench-dashboards.md); summing :class:`~suyuan.trace.model.ScanTally` costs a pass over a few
thousand rows. The scan path keeps it up with one upsert in the scan's own transaction
(:func:`count_scan`), so the tally never disagrees with the log it sums; :func:`rebuild_tally`
recomputes it from the log (after bulk loads, and for operations: ``suyuan scans retally``).

Days are calendar days in China Standard Time (UTC+8), the dashboards' default. A scan is its code's
first when no scan of the same (GTIN, lot, serial) was recorded before it, so ``first_scans`` summed over
a lot is the number of distinct codes of the lot ever scanned. Concurrent first scans of one code agree
on which is first: on PostgreSQL a scan that may be its code's first takes a lock on the code before it
looks (:func:`count_scan`), so the later one sees the earlier one committed; SQLite serialises writers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Insert,
    String,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.codes import CodeId
from suyuan.trace.db import serialise
from suyuan.trace.errors import PermissionDenied
from suyuan.trace.model import Scan, ScanTally
from suyuan.trace.stats import CHINA_STANDARD_TIME, LocalDay

TALLY_OFFSET = CHINA_STANDARD_TIME  # the tally's days; the dashboards' default
KEY = ("gtin", "lot", "day", "verdict", "region")

# Named unlike the columns: SQLAlchemy reserves a column's own name for the VALUES of an INSERT.
_GTIN = bindparam("code_gtin", type_=String)
_LOT = bindparam("code_lot", type_=String)
_SERIAL = bindparam("code_serial", type_=String)


def tally_day(at: datetime) -> date:
    """The tally day of a moment: its calendar day in China Standard Time."""
    return (at.astimezone(UTC) + TALLY_OFFSET).date()


# --- counting one scan -----------------------------------------------------------------------------


def _first_ever() -> Any:
    """1 when the scan just written is the only one of its code (GTIN, lot, serial), else 0.

    Looks at most two rows up ``ix_scan_code``. It covers the scans bound to a batch and the unbound
    ones of the same code together (a forged signature on a real serial), which the scan path counts
    apart.
    """
    of_code = select(literal(1)).where(Scan.gtin == _GTIN, Scan.lot == _LOT, Scan.serial == _SERIAL)
    seen = select(func.count()).select_from(of_code.limit(2).subquery()).scalar_subquery()
    return case((seen == 1, 1), else_=0)


def _upsert(insert_into: Any, *, first: bool) -> Insert:
    """The one statement that counts a scan: a new tally row, or ``scans + 1`` on the existing one."""
    statement = insert_into(ScanTally).values(
        gtin=_GTIN,
        lot=_LOT,
        day=bindparam("scan_day", type_=Date),
        verdict=bindparam("scan_verdict", type_=String),
        region=bindparam("scan_region", type_=String),
        scans=1,
        first_scans=_first_ever() if first else 0,
    )
    increments = {"scans": ScanTally.scans + 1}
    if first:
        increments["first_scans"] = ScanTally.first_scans + statement.excluded.first_scans
    result: Insert = statement.on_conflict_do_update(index_elements=list(KEY), set_=increments)
    return result


# Built once (the scan path is the busiest request), by dialect and by "may this be the code's first scan?".
_UPSERTS = {
    (dialect, first): _upsert(module.insert, first=first)
    for dialect, module in (("sqlite", sqlite), ("postgresql", postgresql))
    for first in (False, True)
}


def count_scan(
    session: Session, code: CodeId, *, at: datetime, verdict: str, region: str, first: bool
) -> None:
    """Add one scan to the tally in the transaction that records it, right after the scan row is written.

    Values are cut to the scan log's column widths, as the scan row stores them. ``first`` says the scan
    path found no earlier scan of the code (its count was 0); only then does the statement check, across
    bound and unbound scans of the code, that this one is the code's first ever. That check holds the
    code's lock (one more statement on PostgreSQL, first scans only; nothing on SQLite, whose scan has
    already taken the write lock): two first scans in flight at once would each see only its own row.
    """
    if first:
        serialise(session, "first-scan", f"{code.gtin[:14]}|{code.lot[:20]}|{code.serial[:20]}")
    db = session.connection()
    db.execute(
        _UPSERTS[(db.dialect.name, first)],
        {
            "code_gtin": code.gtin[:14],
            "code_lot": code.lot[:20],
            "code_serial": code.serial[:20],
            "scan_day": tally_day(at),
            "scan_verdict": verdict,
            "scan_region": region[:64],
        },
    )


# --- rebuilding from the scan log ------------------------------------------------------------------


def _scan_day(dialect: str) -> Any:
    """The tally day of ``scan.at`` in SQL, exactly as :func:`tally_day` computes it.

    SQLite's date functions round fractional seconds to milliseconds, which would move a scan at
    23:59:59.9996 to the next day; cut to whole seconds first (``scan.at`` is stored as text there).
    """
    minutes = int(TALLY_OFFSET // timedelta(minutes=1))
    if dialect == "sqlite":
        return func.date(func.substr(Scan.at, 1, 19), literal_column(f"'{minutes:+d} minutes'"), type_=Date)
    return LocalDay(Scan.at, minutes)


def _sums(dialect: str) -> Any:
    """The whole scan log summed per tally key; the first scan of a code by time (then id) is its first."""
    order = func.row_number().over(
        partition_by=(Scan.gtin, Scan.lot, Scan.serial), order_by=(Scan.at, Scan.id)
    )
    per_scan = select(
        Scan.gtin,
        Scan.lot,
        _scan_day(dialect).label("day"),
        Scan.verdict,
        Scan.region,
        case((order == 1, 1), else_=0).label("is_first"),
    ).subquery("scan_days")
    key = [per_scan.c[name] for name in KEY]
    return select(*key, func.count(), func.sum(per_scan.c.is_first)).group_by(*key)


def rebuild_tally(session: Session) -> int:
    """Recompute the whole tally from the scan log, in the caller's transaction; the number of tally rows.

    For scans written around :func:`count_scan` (bulk loads, repairs). On PostgreSQL the tally is locked
    against concurrent scans first: they wait for the rebuild to commit and then count themselves on top.
    """
    db = session.connection()
    if db.dialect.name == "postgresql":
        db.execute(text("LOCK TABLE scan_tally IN SHARE ROW EXCLUSIVE MODE"))
    db.execute(delete(ScanTally))
    db.execute(insert(ScanTally).from_select([*KEY, "scans", "first_scans"], _sums(db.dialect.name)))
    return int(db.scalar(select(func.count()).select_from(ScanTally)) or 0)


@dataclass(frozen=True)
class Retally:
    """What a rebuild found: tally rows written and the scans they sum."""

    rows: int
    scans: int


def retally(session: Session, actor: Actor) -> Retally:
    """The operator's repair: rebuild the tally from the scan log, check it sums every scan, audit it."""
    if not actor.operator:
        raise PermissionDenied("only the operator rebuilds the scan tally")
    rows = rebuild_tally(session)
    scans = int(session.scalar(select(func.coalesce(func.sum(ScanTally.scans), 0))) or 0)
    audit.record(
        session,
        actor=actor.label,
        action="scan_tally.rebuilt",
        subject="scan_tally",
        payload={"rows": rows, "scans": scans},
    )
    return Retally(rows, scans)
