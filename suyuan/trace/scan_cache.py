"""PostgreSQL: what scans read, kept in each process's memory and exact through LISTEN/NOTIFY.

Why: on PostgreSQL each round trip of a scan costs about 0.3-0.5 ms of the app's CPU and 0.1-0.2 ms of
the database's on a 2-core machine; the fast lane's one read per scan held the scan at about a third of
a bare Flask endpoint (docs/benchmarks.md, "Scan path"). So each process keeps what scans read — the
batches, keys and issuances the fast lane caches (:mod:`suyuan.trace.scan_path`), and per code its claim
and its scans so far (:class:`~suyuan.trace.scan_facts.CodeFacts`) — and a scan of a code it knows
makes no round trip at all. Triggers (migration ``0013_scan_cache_notify``) tell every listening
process what changed, at commit: a row of ``batch``, ``signing_key``, ``issuance``, ``product``,
``supplier``, ``enterprise``, ``risk_warning`` or ``claim``; and every scan inserted, with the
inserting transaction's id.

**Never stale: what "the very next scan" means.** A notification reaches a listener some time after
the commit (the listening backend must be scheduled and write to its socket), so listening alone
would leave a window in which a scan, started after the recall's commit returned, still answers
from the old cache. The committer closes it (:func:`await_listeners`, run after every commit that
changed a watched row, :func:`watch_commits`): it sends a *fence* (``NOTIFY … 'fence n'``, numbered by
a sequence) after its commit, and waits until every listening process has acknowledged fence ``n``
by setting its connection's ``application_name`` (visible in ``pg_stat_activity``). Notifications
arrive in commit order, so a listener that has seen the fence has applied the change before it. A
process whose listener cannot answer (stuck, partitioned) stops using its cache by itself: it trusts
its cache only until a **lease** runs out, ``LEASE`` seconds after the start of its last round trip on
the listening connection (each round trip also delivers every notification committed before it),
and the committer stops waiting for it once ``pg_stat_activity`` shows no round trip of it for longer
than the lease. So when the call that recalled, stopped, revoked or claimed returns, every process
either has applied the change or has stopped using its cache; scans that start afterwards are
answered fresh. Scans running while the change commits may answer either way, as with any read.

**Counts.** Each process adds its own scans to its cache as it accepts them, and the other
processes' scans as their notifications arrive (skipping its own, by ``application_name``). A
code read from the database (a *miss*) keeps the read's snapshot, so a scan notification that
arrives afterwards for a transaction the read already saw is not counted twice. A count shown may
miss the other processes' scans of the last few milliseconds (written every 50 ms, then notified),
never include a scan twice.

A lost listening connection empties every cache; until the next lease, scans read the database.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from suyuan.trace.model import Batch, Claim, Enterprise, Issuance, Product, RiskWarning, SigningKey, Supplier
from suyuan.trace.scan_facts import CodeFacts, Snapshot, moment_of_micros
from suyuan.trace.scanning import serial_number

log = logging.getLogger(__name__)

LEASE = 3.0  # seconds a process trusts its cache after the start of its listener's last round trip
BEAT = LEASE / 4  # the listener's round trips when nothing else happens
CHANGES = "suyuan_scan_cache"
SCANS = "suyuan_scans"
LISTENER = "suyuan-listen"  # listening connections' application_name, and their rows' name
CAPACITY = 100_000  # codes whose facts a process keeps
EVENTS_KEPT = 50_000  # recent scan and claim notifications, for reads that were running meanwhile
MAX_BIT = 64_000_000  # serial numbers a batch's bitmap holds (8 MB); beyond, codes are read
WAKE = 0.05  # seconds the listener waits for notifications before looking for batches to load
WATCHED = (Batch, SigningKey, Issuance, Product, Supplier, Enterprise, RiskWarning, Claim)

FENCE = text(
    "SELECT f.n FROM (SELECT nextval('scan_cache_fence') AS n) AS f "
    "CROSS JOIN LATERAL (SELECT pg_notify('suyuan_scan_cache', 'fence ' || f.n)) AS sent"
)
# A listener's heartbeat and acknowledgement: a round trip (which also delivers every notification
# committed before it) that records the fence it applied and its lease, on the database's clock.
ACK = (
    "INSERT INTO scan_cache_listener (name, fence, lease_until) "
    "VALUES (%(name)s, %(fence)s, clock_timestamp() + make_interval(secs => %(lease)s)) "
    "ON CONFLICT (name) DO UPDATE SET fence = EXCLUDED.fence, lease_until = EXCLUDED.lease_until"
)
FORGET_LISTENERS = (  # this listener's old row, and rows of listeners gone for an hour
    "DELETE FROM scan_cache_listener "
    "WHERE name = %(name)s OR lease_until < clock_timestamp() - interval '1 hour'"
)
PENDING = text(
    "SELECT name FROM scan_cache_listener WHERE lease_until > clock_timestamp() AND fence < :fence"
)


def name_connections(engine: Engine) -> Callable[[], str]:
    """Name every connection ``engine`` opens after its process and runtime; returns the naming function.

    The name (``application_name``) lets a scan cache tell the scans its own process wrote, which it
    counted when it accepted them. It is computed in the connecting process, so workers forked from
    one master each get their own.
    """
    token = uuid.uuid4().hex[:8]

    def name() -> str:
        return f"suyuan {socket.gethostname()[:32]} {os.getpid()} {token}"

    @event.listens_for(engine, "do_connect")
    def _named(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        params["application_name"] = name()

    return name


@dataclass(frozen=True)
class _Event:
    seq: int
    key: tuple[int, str]  # (batch id, serial)
    xid: int  # 0 for a claim
    scan: tuple[Any, str, str] | None  # (at, device, region); None: the claim changed


@dataclass(frozen=True)
class Mark:
    """Where the cache stood before a read: its generation, the last notification seen, its epoch."""

    generation: int  # changes with every change applied
    seq: int  # the last scan or claim notification seen
    epoch: int  # changes when everything is forgotten (a lost connection)


@dataclass
class _Scanned:
    """Which serial numbers of a batch have been scanned or claimed: one bit each.

    Loaded once per batch and process (as of ``snapshot``), then kept by the notifications, so that a
    code whose bit is clear has no scans and no claim: its facts are known without a read.
    """

    snapshot: Snapshot
    bits: bytearray

    def has(self, number: int) -> bool:
        """Whether the serial was scanned or claimed (always, beyond :data:`MAX_BIT`: it must be read)."""
        byte = number >> 3
        return number > MAX_BIT or (byte < len(self.bits) and bool(self.bits[byte] & (1 << (number & 7))))

    def add(self, number: int) -> None:
        byte = number >> 3
        if number > MAX_BIT:
            return
        if byte >= len(self.bits):
            self.bits.extend(bytes(byte + 1 - len(self.bits) + 64))
        self.bits[byte] |= 1 << (number & 7)


NO_SCANS = CodeFacts(None, None, None, 0, None, {}, {})
_NUMBER = "serial ~ '^[1-9][0-9]{0,9}$'"  # serials as issuances count them (scanning.serial_number)
LOAD = (
    "SELECT pg_current_snapshot()::text, "
    f"ARRAY(SELECT DISTINCT serial::bigint FROM scan WHERE batch_id = %(b)s AND {_NUMBER}), "
    f"ARRAY(SELECT serial::bigint FROM claim WHERE batch_id = %(b)s AND {_NUMBER})"
)


class ScanCache:
    """One process's cache of what scans read, and the thread that listens for changes.

    Per code it keeps :class:`~suyuan.trace.scan_facts.CodeFacts` (at most ``capacity`` codes, the least
    recently scanned dropped first); per batch the scanned serials (:class:`_Scanned`), loaded by the
    listener when a scan first asks for the batch.

    ``on_change`` callbacks get ``(table, payload)`` for every change of a watched row but claims, and
    ``("*", "")`` when everything must be forgotten (the fast lane drops batches and keys; the web drops
    cached warnings). They run in the listener's thread under the cache's lock, before the change is
    acknowledged, so they must only drop entries; :meth:`unless_changed` runs a caller's insertion under
    the same lock.
    """

    def __init__(
        self, conninfo: str, own: Callable[[], str], *, lease: float = LEASE, capacity: int = CAPACITY
    ) -> None:
        self.conninfo = conninfo
        self.own = own  # the name of the connections whose scans are this process's (name_connections)
        self.lease = lease
        self.capacity = capacity
        self.on_change: list[Callable[[str, str], None]] = []
        self.generation = 0  # bumped by every change applied and by every lost connection
        self._lock = threading.Lock()
        self._facts: OrderedDict[tuple[int, str], CodeFacts] = OrderedDict()
        self._batches: dict[int, _Scanned] = {}
        self._wanted: set[int] = set()  # batches a scan asked for, to be loaded by the listener
        self._events: deque[_Event] = deque(maxlen=EVENTS_KEPT)
        self._seq = 0
        self._epoch = 0
        self._fence = 0
        self._lease_until = 0.0
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._name = ""
        self._own = ""

    # --- the request side ----------------------------------------------------------------------------

    def live(self) -> bool:
        """Whether this process may answer from its cache now (its listener holds a lease)."""
        if self._pid != os.getpid():
            self._start()
        return time.monotonic() < self._lease_until

    def get(self, batch_id: int, serial: str, number: int) -> CodeFacts | None:
        """The facts of a code from memory, or ``None`` when they must be read (then :meth:`keep` them)."""
        key = (batch_id, serial)
        with self._lock:
            found = self._facts.get(key)
            if found is not None:
                self._facts.move_to_end(key)
                return found
            scanned = self._batches.get(batch_id)
            if scanned is None:
                self._wanted.add(batch_id)
                return None
            return None if scanned.has(number) else NO_SCANS

    def mark(self) -> Mark:
        """Taken before a read whose result may be kept (:meth:`keep`, :meth:`unless_changed`)."""
        with self._lock:
            return Mark(self.generation, self._seq, self._epoch)

    def unless_changed(self, since: Mark, insert: Callable[[], None]) -> bool:
        """Run ``insert`` (keeping what a read found) if no change was applied since ``since``."""
        with self._lock:
            if self.generation != since.generation:
                return False
            insert()
            return True

    def keep(self, batch_id: int, serial: str, facts: CodeFacts, since: Mark) -> None:
        """Keep the facts a read found, with the scans notified since that it did not see.

        Not kept when the code's claim changed meanwhile, or when notifications were lost from
        view (too many since the read began, or the listening connection was lost).
        """
        key = (batch_id, serial)
        snapshot = facts.snapshot
        assert snapshot is not None
        with self._lock:
            if self._epoch != since.epoch:
                return  # everything was forgotten meanwhile
            newer: list[_Event] = []
            for found in reversed(self._events):
                if found.seq <= since.seq:
                    break
                if found.key == key:
                    newer.append(found)
            else:
                if self._seq > since.seq and (not self._events or self._events[0].seq > since.seq + 1):
                    return  # notifications since the read have already been dropped from view
            for found in reversed(newer):
                if found.scan is None:
                    return  # the claim changed while the code was read
                if not snapshot.saw(found.xid):
                    facts = facts.with_scan(*found.scan)
            self._store(key, facts)

    def add_own(self, batch_id: int, serial: str, number: int, at: Any, device: str, region: str) -> None:
        """This process accepted a scan of the code: count it in the cache at once."""
        key = (batch_id, serial)
        with self._lock:
            found = self._facts.get(key)
            scanned = self._batches.get(batch_id)
            if found is None and scanned is not None and not scanned.has(number):
                found = NO_SCANS
            if scanned is not None:
                scanned.add(number)
            if found is not None:
                self._store(key, found.with_scan(at, device, region))

    def forget_code(self, batch_id: int, serial: str, number: int | None) -> None:
        """Drop a code's facts (the full path recorded a scan of it: the next scan reads them)."""
        with self._lock:
            self._facts.pop((batch_id, serial), None)
            scanned = self._batches.get(batch_id)
            if scanned is not None and number is not None:
                scanned.add(number)

    def close(self) -> None:
        """Stop listening (the process or the app is closing); the cache is no longer trusted."""
        self._stopped = True
        self._lease_until = 0.0
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout=5)

    # --- the listener ----------------------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()  # forked: the parent's thread, connection and cache are not ours
            self._facts.clear()
            self._batches.clear()
            self._events.clear()
            self._lease_until = 0.0
            self.generation += 1
            self._epoch += 1
            self._name = f"{LISTENER} {uuid.uuid4().hex[:16]}"
            self._own = self.own()
            self._thread = threading.Thread(target=self._run, name="suyuan-scan-cache", daemon=True)
            self._thread.start()
        atexit.register(self.close)

    def _run(self) -> None:
        pause = 0.1
        while not self._stopped:
            try:
                self._listen()
                pause = 0.1
            except Exception:  # a lost connection, a restarted server: listen again, caches emptied
                log.warning("scan cache listener lost its connection; scans read the database", exc_info=True)
            self._forget_all()
            if not self._stopped:
                time.sleep(pause)
                pause = min(pause * 2, 5.0)

    def _listen(self) -> None:
        """Listen until stopped: acknowledge fences, renew the lease, load batches, apply notifications."""
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True, application_name=self._name) as conn:
            conn.execute(f"LISTEN {CHANGES}")
            conn.execute(f"LISTEN {SCANS}")
            conn.execute(FORGET_LISTENERS, {"name": self._name})
            row = conn.execute("SELECT last_value FROM scan_cache_fence").fetchone()
            self._fence = int(row[0]) if row else 0
            self._forget_all()  # anything kept before listening may have missed a change
            acked, next_beat = -1, 0.0
            while not self._stopped:
                now = time.monotonic()
                if self._fence != acked or now >= next_beat:
                    started, acked = now, self._fence
                    conn.execute(ACK, {"name": self._name, "fence": acked, "lease": self.lease})
                    self._drain(conn)  # what was committed before the round trip came with its answer
                    if self._fence == acked:
                        self._lease_until = started + self.lease
                        next_beat = started + BEAT
                    continue
                if self._wanted:
                    self._load(conn)
                    continue
                for notice in conn.notifies(timeout=max(0.0, min(next_beat - now, WAKE))):
                    self._apply(notice.channel, notice.payload)
                    if self._fence != acked:
                        break
            conn.execute(FORGET_LISTENERS, {"name": self._name})  # stopped: no committer waits for it

    def _drain(self, conn: Any) -> None:
        for notice in conn.notifies(timeout=0):
            self._apply(notice.channel, notice.payload)

    def _load(self, conn: Any) -> None:
        """Load the scanned serials of the batches scans asked for (one statement each)."""
        with self._lock:
            wanted, self._wanted = self._wanted, set()
        for batch_id in wanted:
            snapshot, scanned, claimed = conn.execute(LOAD, {"b": batch_id}).fetchone()
            found = _Scanned(Snapshot.parse(snapshot), bytearray())
            for number in (*scanned, *claimed):
                found.add(int(number))
            with self._lock:
                self._batches[batch_id] = found
            self._drain(conn)  # scans notified meanwhile: those the load saw are skipped

    def _apply(self, channel: str, payload: str) -> None:
        """Apply one notification (in the listener's thread)."""
        if channel == SCANS:
            self._scans(payload)
            return
        table, _, rest = payload.partition(" ")
        if table == "fence":
            self._fence = max(self._fence, int(rest))
            return
        with self._lock:
            self.generation += 1
            if table == "claim":
                batch_id, _, serial = rest.partition(" ")
                key = (int(batch_id), serial)
                self._facts.pop(key, None)
                scanned = self._batches.get(key[0])
                if scanned is not None and (number := serial_number(serial)) is not None:
                    scanned.add(number)
                self._seq += 1
                self._events.append(_Event(self._seq, key, 0, None))
                return
            for callback in self.on_change:
                callback(table, rest)

    def _scans(self, payload: str) -> None:
        """Other processes' scans: counted where the cache knows the code or knows it had none."""
        head, _, body = payload.partition("\n")
        xid, _, writer = head.partition("\t")
        if writer == self._own:
            return  # this process's own scans: counted when accepted
        transaction = int(xid)
        with self._lock:
            for line in body.split("\n"):
                try:
                    batch_id, serial, micros, device, region = line.split("\t", 4)
                    key = (int(batch_id), serial)
                    scan = (moment_of_micros(int(micros)), device, region)
                except ValueError:  # never expected; a scan not counted must not go unnoticed
                    log.warning("scan cache: unreadable scan notification %r; forgetting all scans", line)
                    self._facts.clear()
                    self._batches.clear()
                    continue
                self._seq += 1
                self._events.append(_Event(self._seq, key, transaction, scan))
                found = self._facts.get(key)
                if found is not None:
                    if found.snapshot is None or not found.snapshot.saw(transaction):
                        self._facts[key] = found.with_scan(*scan)
                    continue
                scanned = self._batches.get(key[0])
                number = serial_number(serial)
                if scanned is None or number is None or scanned.snapshot.saw(transaction):
                    continue
                if not scanned.has(number):  # its first scan: the facts are this scan alone
                    self._store(key, NO_SCANS.with_scan(*scan))
                scanned.add(number)

    def _forget_all(self) -> None:
        with self._lock:
            self._lease_until = 0.0
            self.generation += 1
            self._epoch += 1
            self._facts.clear()
            self._batches.clear()
            self._events.clear()
            for callback in self.on_change:
                callback("*", "")

    def _store(self, key: tuple[int, str], facts: CodeFacts) -> None:
        self._facts[key] = facts
        self._facts.move_to_end(key)
        while len(self._facts) > self.capacity:
            self._facts.popitem(last=False)


# --- the committer's side: wait until every listener applied a change --------------------------------


def watch_commits(sessions: sessionmaker[Session], engine: Engine, *, lease: float = LEASE) -> None:
    """After a commit that changed a row scans read (a recall, a revocation, a claim …), wait for the caches.

    Changes made through the ORM are seen at flush; the wait (:func:`await_listeners`) runs once the
    transaction is committed, before the call that committed returns.
    """

    @event.listens_for(sessions, "after_flush")
    def _changed(session: Session, _context: Any) -> None:
        touched = (*session.new, *session.dirty, *session.deleted)
        if any(isinstance(obj, WATCHED) for obj in touched):
            session.info["suyuan.scan_cache_changed"] = True

    @event.listens_for(sessions, "after_commit")
    def _committed(session: Session) -> None:
        if session.info.pop("suyuan.scan_cache_changed", False):
            try:
                await_listeners(engine, lease=lease)
            except Exception:  # the change is committed; caches that miss it expire with their lease
                log.warning("could not confirm that every scan cache saw a change", exc_info=True)

    @event.listens_for(sessions, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop("suyuan.scan_cache_changed", None)


def await_listeners(engine: Engine, *, lease: float = LEASE, poll: float = 0.002) -> int:
    """Send a fence and wait until every listener acknowledged it or its lease ran out.

    Returns how many listeners were waited for. Bounded by the lease (plus a second): a listener that
    does not answer — stuck, or its connection dead — has stopped trusting its cache by then, since
    its own lease runs from before its last acknowledgement and the row's from after it.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        fence = int(conn.execute(FENCE).scalar_one())
        deadline = time.monotonic() + lease + 1.0
        waited: set[str] = set()
        while True:
            pending = list(conn.execute(PENDING, {"fence": fence}).scalars())
            if not pending:
                return len(waited)
            waited.update(pending)
            if time.monotonic() > deadline:
                log.warning("scan caches %s did not acknowledge fence %d", pending, fence)
                return len(waited)
            time.sleep(poll)
