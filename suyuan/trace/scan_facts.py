"""What may change about a code between two scans, read in one statement through the raw driver.

Why a module of its own: the fast lane (:mod:`suyuan.trace.scan_path`) needs, per scan, the statuses of
the code's batch and key, the code's claim and its scans so far (for the count, the first scan and the
clone rules). SQLAlchemy around this one read cost more than the read (docs/benchmarks.md, "Scan
path"), so :class:`FactsReader` runs a fixed SQL text on a driver connection the thread keeps, and
returns :class:`CodeFacts`; :func:`evidence_from` applies the clone rules of
:mod:`suyuan.trace.scanning` to them, counting exactly as :func:`~suyuan.trace.scanning.evidence_of`.

Two forms: *summed* for one scan (the database counts devices and regions and finds this scan's
device and region: a code's long history costs no Python), and *complete* (the scan rows as
time, device and region, with the read's snapshot), which the PostgreSQL cache keeps and adds the
next scans to (:mod:`suyuan.trace.scan_cache`). A code scanned more than :data:`MAX_SCANS` times is
never kept complete: the full path weighs it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from suyuan.trace.model import BatchStatus, KeyStatus
from suyuan.trace.scanning import CloneRules, _Evidence, weigh_by_day

MAX_SCANS = 2_000  # more earlier scans than this: the full path weighs the code
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Snapshot:
    """A PostgreSQL snapshot (``pg_current_snapshot()``): which transactions a read saw committed."""

    xmin: int
    xmax: int
    running: frozenset[int]

    @classmethod
    def parse(cls, text: str) -> Snapshot:
        """From the text form ``xmin:xmax:xip1,xip2``."""
        xmin, xmax, running = text.split(":")
        return cls(int(xmin), int(xmax), frozenset(int(x) for x in running.split(",") if x))

    def saw(self, xid: int) -> bool:
        """Whether a transaction that committed had committed before this snapshot was taken."""
        return xid < self.xmin or (xid < self.xmax and xid not in self.running)


@dataclass(frozen=True)
class Summary:
    """A code's scans summed up by the database for one scan's device and region (no scan cache).

    ``firsts("device")`` (or ``"region"``) reads when each known device (region) first scanned the
    code: only the clone rules' weighing needs it, for a code already beyond their limits.
    """

    devices: int  # distinct known devices
    device_since: datetime | None  # when this scan's device first scanned the code
    regions: int
    region_known: bool  # whether this scan's region scanned it before
    firsts: Callable[[str], list[datetime]]


@dataclass(frozen=True)
class CodeFacts:
    """A code's batch and key statuses, its claim and its scans so far, as one read (or the cache) saw them.

    Complete facts (the scan cache's) hold in ``devices`` and ``regions`` when each known device and each
    region first scanned the code (blank ones are neither), so they can be kept and added to; a read for
    a single scan may sum them up in the database instead (``summary``). Immutable: the cache replaces
    an entry to add a scan, so a request that holds one never sees it change.
    """

    batch_status: BatchStatus | None
    key_status: KeyStatus | None
    claim: tuple[str, datetime] | None  # the claimant's device hash, when
    count: int
    first: datetime | None
    devices: dict[str, datetime]
    regions: dict[str, datetime]
    snapshot: Snapshot | None = None  # PostgreSQL: the read's snapshot (the cache's notifications)
    summary: Summary | None = None  # set instead of devices and regions by a summing read

    def with_scan(self, at: datetime, device: str, region: str) -> CodeFacts:
        """These (complete) facts after one more scan."""
        assert self.summary is None
        devices, regions = self.devices, self.regions
        if device and (device not in devices or at < devices[device]):
            devices = {**devices, device: at}
        if region and (region not in regions or at < regions[region]):
            regions = {**regions, region: at}
        first = at if self.first is None else min(self.first, at)
        return replace(self, count=self.count + 1, first=first, devices=devices, regions=regions)


def evidence_from(facts: CodeFacts, device: str, region: str, rules: CloneRules, at: datetime) -> _Evidence:
    """:func:`suyuan.trace.scanning.evidence_of` on the facts: the same rules, the same counting."""
    summary = facts.summary
    if summary is None:
        known = facts.devices.get(device) if device else None
        new_region = bool(region) and region not in facts.regions
        devices, regions = len(facts.devices), len(facts.regions)
    else:
        known = summary.device_since if device else None
        new_region = bool(region) and not summary.region_known
        devices, regions = summary.devices, summary.regions
    new_device = bool(device) and known is None
    devices += new_device
    regions += new_region
    if devices > rules.max_devices:
        seen = list(facts.devices.values()) if summary is None else summary.firsts("device_hash")
        devices = weigh_by_day([*seen, *([at] if new_device else [])], rules.devices_per_day)
    if regions > rules.max_regions:
        seen = list(facts.regions.values()) if summary is None else summary.firsts("region")
        regions = weigh_by_day([*seen, *([at] if new_region else [])], rules.regions_per_day)
    viewer_since = known if known is not None else at
    return _Evidence(devices, regions, min(viewer_since, at))


def moment(value: Any) -> datetime:
    """A timestamp as the driver returns it (SQLite: text; PostgreSQL: naive UTC) as aware UTC."""
    found = datetime.fromisoformat(value) if isinstance(value, str) else value
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


def moment_of_micros(micros: int) -> datetime:
    """A timestamp given as microseconds since 1970 (the scans notification) as aware UTC."""
    return _EPOCH + timedelta(microseconds=micros)


_STATUSES = """(SELECT status FROM batch WHERE id = {b}), (SELECT status FROM signing_key WHERE kid = {k})"""
_ROWS = """
SELECT {statuses}, claim.device_hash, claim.at, scan.at, scan.device_hash, scan.region{snapshot}
FROM (SELECT 1 AS one) AS anchor
LEFT JOIN claim ON claim.batch_id = {b} AND claim.serial = {s}
LEFT JOIN scan ON scan.batch_id = {b} AND scan.serial = {s}
LIMIT {limit}
"""
_SUMS = """
SELECT {statuses},
       (SELECT device_hash FROM claim WHERE batch_id = {b} AND serial = {s}),
       (SELECT at FROM claim WHERE batch_id = {b} AND serial = {s}),
       count(scan.id), min(scan.at), count(DISTINCT nullif(scan.device_hash, '')),
       min(CASE WHEN scan.device_hash = {d} THEN scan.at END),
       count(DISTINCT nullif(scan.region, '')), max(CASE WHEN scan.region = {r} THEN 1 ELSE 0 END)
FROM scan WHERE scan.batch_id = {b} AND scan.serial = {s}
"""
_FIRSTS = (
    "SELECT min(at) FROM scan WHERE batch_id = {b} AND serial = {s} AND {column} <> '' GROUP BY {column}"
)


class FactsReader:
    """Reads :class:`CodeFacts` with one statement, on a driver connection kept per thread.

    Two statements: *complete* facts (the scan rows, for the PostgreSQL cache, which keeps and adds to
    them; with the read's snapshot) and *summed* facts for one scan (SQLite, or PostgreSQL without a
    cache: the database counts, so a code's long history costs no Python). On PostgreSQL the engine
    must be in autocommit (``Runtime.scan_reads``): the statement is then one round trip. A connection
    the server dropped is replaced and the read tried once more.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        names = {name: f"%({name})s" if self.postgresql else f":{name}" for name in "bksdr"}
        statuses = _STATUSES.format(**names)
        snapshot = ", pg_current_snapshot()::text" if self.postgresql else ""
        self.sql = _ROWS.format(statuses=statuses, snapshot=snapshot, limit=MAX_SCANS + 2, **names)
        self.sums = _SUMS.format(statuses=statuses, **names)
        self.firsts = {column: _FIRSTS.format(column=column, **names) for column in ("device_hash", "region")}
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()
        self.reads = 0  # statements run so far (tests, monitoring)

    def read(
        self,
        batch_id: int,
        serial: str,
        kid: str,
        *,
        device: str = "",
        region: str = "",
        complete: bool = False,
    ) -> CodeFacts | None:
        """The facts of code (batch, serial) signed by ``kid``: complete, or summed for this device and
        region. ``None`` if it was scanned too often to be kept complete."""
        params = {"b": batch_id, "k": kid, "s": serial, "d": device, "r": region}
        if complete:
            return _facts_of(self._run(self.sql, params), self.postgresql)
        row = self._run(self.sums, params)[0]

        def firsts(column: str) -> list[datetime]:
            return [moment(found[0]) for found in self._run(self.firsts[column], params)]

        summary = Summary(
            row[6], moment(row[7]) if row[7] is not None else None, row[8], bool(row[9]), firsts
        )
        return CodeFacts(
            BatchStatus(row[0]) if row[0] is not None else None,
            KeyStatus(row[1]) if row[1] is not None else None,
            (row[2], moment(row[3])) if row[2] is not None else None,
            row[4],
            moment(row[5]) if row[5] is not None else None,
            {},
            {},
            summary=summary,
        )

    def _run(self, sql: str, params: dict[str, Any]) -> list[Any]:
        self.reads += 1
        for attempt in (1, 2):
            connection = self._connection()
            try:
                cursor = connection.cursor()
                try:
                    cursor.execute(sql, params)
                    return list(cursor.fetchall())
                finally:
                    cursor.close()
            except self.engine.dialect.loaded_dbapi.Error:
                self._drop(connection)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Give back every connection handed out (the app is closing)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            with contextlib.suppress(Exception):  # closing anyway
                connection.invalidate()
        self._local = threading.local()

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self.engine.raw_connection()
            if self.postgresql:
                connection.dbapi_connection.autocommit = True  # type: ignore[union-attr]
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        return connection

    def _drop(self, connection: Any) -> None:
        self._local.connection = None
        with self._lock:
            if connection in self._opened:
                self._opened.remove(connection)
        connection.invalidate()


def _facts_of(rows: list[Any], postgresql: bool) -> CodeFacts | None:
    """Facts from the statement's rows: the statuses and claim on every row, one row per scan."""
    if len(rows) > MAX_SCANS:
        return None
    head = rows[0]
    count, first = 0, None
    devices: dict[str, datetime] = {}
    regions: dict[str, datetime] = {}
    for row in rows:
        if row[4] is None:
            continue
        at, device, region = moment(row[4]), row[5], row[6]
        count += 1
        first = at if first is None or at < first else first
        if device and (device not in devices or at < devices[device]):
            devices[device] = at
        if region and (region not in regions or at < regions[region]):
            regions[region] = at
    return CodeFacts(
        BatchStatus(head[0]) if head[0] is not None else None,
        KeyStatus(head[1]) if head[1] is not None else None,
        (head[2], moment(head[3])) if head[2] is not None else None,
        count,
        first,
        devices,
        regions,
        Snapshot.parse(head[7]) if postgresql else None,
    )
