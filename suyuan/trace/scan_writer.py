"""Writing scans in batches, off the request path: one writer per process, flushing every few milliseconds.

Why: a scan's own reads are one statement, but its writes (the scan row and the daily tally) were two
more statements and a commit in the request, 30-40 % of a scan's CPU and, on PostgreSQL, three round
trips (docs/benchmarks.md, "Scan path"). A per-process :class:`ScanWriter` takes finished scans into a bounded
queue and a background thread writes whatever is queued every ``delay`` seconds in one transaction:
many scan rows in one INSERT, the tally summed per key in one upsert.

What a scan count is with batching (docs/codes.md, "Scan counts"): before a code is read, the scans of
that code still queued in *this* process are written at once (:meth:`ScanWriter.flush_code`), so a scan
sees every scan committed by any process plus every scan this process accepted. Scans accepted by other
processes in their last ``delay`` are not yet visible: the count may be short by those, never long.

What a crash can lose: the queue of the process that dies — at most ``delay`` of its scans plus the
batch being written (the writer drops nothing it could write; a write that fails is retried once, then
logged and dropped). A normal stop (SIGTERM to gunicorn, interpreter exit) writes the queue first
(:meth:`ScanWriter.close`, registered with :mod:`atexit`). With ``delay == 0`` every scan is written in
the caller's thread before :meth:`ScanWriter.submit` returns (tests, scripts, the CLI).

First scans: the tally's ``first_scans`` must count each code once even when its first scans arrive at
several processes at once. A flush therefore takes, before it looks for earlier scans, the same per-code
lock that :func:`suyuan.trace.scan_tally.count_scan` takes (PostgreSQL advisory locks, in sorted order;
SQLite's write lock), so writers and single scans agree on which scan was first.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from suyuan.trace.db import advisory_key, serialise
from suyuan.trace.model import ScanTally
from suyuan.trace.scan_statements import INSERT_SCAN
from suyuan.trace.scan_tally import KEY, tally_day

log = logging.getLogger(__name__)

DEFAULT_DELAY = (
    0.05  # seconds: at most this much of a process's scans is unwritten (SUYUAN_SCAN_WRITE_DELAY_MS)
)
DEFAULT_CAPACITY = 5_000  # scans queued at most; beyond, the request that fills the queue writes it


@dataclass(frozen=True)
class PendingScan:
    """One accepted scan, as the scan log stores it (values already cut to the column widths)."""

    at: datetime
    batch_id: int | None
    gtin: str
    lot: str
    serial: str
    device_hash: str
    region: str
    verdict: str
    reasons: tuple[str, ...]

    @classmethod
    def of(
        cls,
        *,
        at: datetime,
        batch_id: int | None,
        code: tuple[str, str, str],
        device: str,
        region: str,
        verdict: str,
        reasons: Iterable[str],
    ) -> PendingScan:
        """A scan of ``code`` (GTIN, lot, serial as scanned), cut to the scan log's widths."""
        gtin, lot, serial = code
        return cls(
            at, batch_id, gtin[:14], lot[:20], serial[:20], device[:32], region[:64], verdict, tuple(reasons)
        )

    @property
    def code(self) -> tuple[str, str, str]:
        """The code as the log keys it (GTIN, lot, serial), which is also the first-scan lock's key."""
        return (self.gtin, self.lot, self.serial)

    def row(self) -> dict[str, Any]:
        """The parameters of :data:`suyuan.trace.scan_statements.INSERT_SCAN`."""
        return {
            "at": self.at,
            "batch_id": self.batch_id,
            "gtin": self.gtin,
            "lot": self.lot,
            "serial": self.serial,
            "device_hash": self.device_hash,
            "region": self.region,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
        }


class ScanWriter:
    """A bounded queue of scans and the thread that writes it; one per process, started on first use.

    The thread is started lazily and again after a fork (gunicorn builds the app in its master and forks
    workers): each worker gets a writer thread of its own.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        delay: float = DEFAULT_DELAY,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self.sessions = sessions
        self.delay = delay
        self.capacity = capacity
        self._queue: list[PendingScan] = []
        self._queued: Counter[tuple[str, str, str]] = Counter()  # queued or being written, per code
        self._lock = threading.Lock()  # guards _queue and _queued
        self._writing = threading.Lock()  # one flush at a time, so a flush_code waits for a running one
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._pid = 0

    # --- the request side --------------------------------------------------------------------------

    def submit(self, scan: PendingScan) -> None:
        """Accept a scan: queued for the writer; written at once if ``delay`` is 0 or the queue is full."""
        if self.delay <= 0 or self._stopped:
            self._write([scan])
            return
        self._ensure_thread()
        with self._lock:
            self._queue.append(scan)
            self._queued[scan.code] += 1
            full = len(self._queue) >= self.capacity
        if full:
            self.flush()

    def flush_code(self, code: tuple[str, str, str]) -> None:
        """Write the queue now if it holds (or is writing) a scan of ``code``, so a read of it sees them."""
        key = (code[0][:14], code[1][:20], code[2][:20])
        with self._lock:
            waiting = self._queued.get(key, 0) > 0
        if waiting:
            self.flush()

    def pending(self) -> int:
        """How many accepted scans are not yet committed (queued or being written)."""
        with self._lock:
            return sum(self._queued.values())

    def flush(self) -> None:
        """Write everything queued so far; returns once it is committed (or dropped after a failed retry)."""
        with self._writing:
            with self._lock:
                batch, self._queue = self._queue, []
            if not batch:
                return
            try:
                for attempt in (1, 2):
                    try:
                        self._write(batch)
                        break
                    except Exception:  # a broken connection, a deadlock victim: try once more, then drop
                        if attempt == 2:
                            log.exception("scan writer dropped %d scans", len(batch))
            finally:
                with self._lock:
                    self._queued.subtract(scan.code for scan in batch)
                    self._queued = +self._queued  # forget codes with nothing left

    def close(self) -> None:
        """Stop the thread and write what is queued (at exit, and when a test or server stops)."""
        self._stopped = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout=10)
        self.flush()

    # --- the writer thread -------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid():
                return
            if self._pid != os.getpid():  # forked: the parent's queue and locks are not ours
                self._queue, self._queued = [], Counter()
                self._writing = threading.Lock()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="suyuan-scan-writer", daemon=True)
            self._thread.start()
        atexit.register(self.close)

    def _run(self) -> None:
        while not self._stopped:
            self._wake.wait(self.delay)
            try:
                self.flush()
            except Exception:  # never let the thread die: the next flush retries with new scans
                log.exception("scan writer flush failed")

    # --- one transaction -----------------------------------------------------------------------------

    def _write(self, batch: list[PendingScan]) -> None:
        """Scan rows and tally increments of ``batch`` in one transaction, first scans decided under lock."""
        codes = sorted({scan.code for scan in batch})
        with self.sessions.begin() as session:
            _lock_codes(session, codes)
            db = session.connection()
            seen: set[tuple[str, str, str]] = set()
            for start in range(0, len(codes), _SEEN_CHUNK):
                chunk = codes[start : start + _SEEN_CHUNK]
                found = db.exec_driver_sql(_seen_sql(db.dialect.paramstyle, len(chunk)), _flat(chunk))
                seen.update((gtin, lot, serial) for gtin, lot, serial in found)
            db.execute(INSERT_SCAN, [scan.row() for scan in batch])
            db.execute(_UPSERTS[db.dialect.name], _tally_rows(batch, seen))


_SEEN_CHUNK = 500  # codes per first-scan check (3 parameters each)


def _seen_sql(paramstyle: str, count: int) -> str:
    """Which of ``count`` codes have an earlier scan: one index search per code (``ix_scan_code``).

    Not ``(gtin, lot, serial) IN (...)``: SQLite answers that by scanning the whole index, PostgreSQL
    by reading every scan of the lot, so the check grew with the scan log (docs/benchmarks.md).
    """
    mark = "?" if paramstyle == "qmark" else "%s"
    rows = ", ".join([f"({mark}, {mark}, {mark})"] * count)
    return (
        f"WITH code(gtin, lot, serial) AS (VALUES {rows}) "
        "SELECT code.gtin, code.lot, code.serial FROM code WHERE EXISTS (SELECT 1 FROM scan "
        "WHERE scan.gtin = code.gtin AND scan.lot = code.lot AND scan.serial = code.serial)"
    )


def _flat(codes: list[tuple[str, str, str]]) -> tuple[str, ...]:
    return tuple(value for code in codes for value in code)


def _lock_codes(session: Session, codes: list[tuple[str, str, str]]) -> None:
    """Take the first-scan lock of every code of the batch, as :func:`count_scan` takes one.

    PostgreSQL: all advisory locks in one statement, in ascending key order so two writers never
    deadlock. SQLite: the write lock (one for all).
    """
    if session.get_bind().dialect.name != "postgresql":
        serialise(session, "first-scan", "batch")  # SQLite: BEGIN IMMEDIATE, whatever the key
        return
    keys = sorted({advisory_key("first-scan", "|".join(code)) for code in codes})
    session.execute(
        text("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:keys AS bigint[])) AS k"),
        {"keys": keys},
    )


def _tally_rows(batch: list[PendingScan], seen: set[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """The batch summed per tally key; a code never scanned before counts as first at its earliest scan."""
    firsts: dict[tuple[str, str, str], PendingScan] = {}
    for scan in batch:
        if scan.code not in seen and (scan.code not in firsts or scan.at < firsts[scan.code].at):
            firsts[scan.code] = scan
    sums: dict[tuple[str, str, date, str, str], list[int]] = {}
    for scan in batch:
        key = (scan.gtin, scan.lot, tally_day(scan.at), scan.verdict, scan.region)
        counts = sums.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += firsts.get(scan.code) is scan
    return [
        dict(zip(("t_gtin", "t_lot", "t_day", "t_verdict", "t_region"), key, strict=True))
        | {"t_scans": scans, "t_first": first}
        for key, (scans, first) in sums.items()
    ]


def _batched_upsert(insert_into: Any) -> Any:
    """``scans += n, first_scans += f`` on the tally row of a key, or a new row: one statement, many keys."""
    statement = insert_into(ScanTally).values(
        gtin=bindparam("t_gtin"),
        lot=bindparam("t_lot"),
        day=bindparam("t_day"),
        verdict=bindparam("t_verdict"),
        region=bindparam("t_region"),
        scans=bindparam("t_scans"),
        first_scans=bindparam("t_first"),
    )
    return statement.on_conflict_do_update(
        index_elements=list(KEY),
        set_={
            "scans": ScanTally.scans + statement.excluded.scans,
            "first_scans": ScanTally.first_scans + statement.excluded.first_scans,
        },
    )


_UPSERTS = {"sqlite": _batched_upsert(sqlite.insert), "postgresql": _batched_upsert(postgresql.insert)}
