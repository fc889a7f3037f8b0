"""The scan path's fast lane: a verdict from a per-process cache and at most one read, without the ORM.

Why: a scan through :func:`suyuan.trace.scanning.record_scan` builds six ORM entities, opens a session,
writes two rows and commits — about 3 ms of CPU and, on PostgreSQL, six round trips (docs/benchmarks.md,
"Scan path").
Most scans are of a genuine code of a batch on sale, whose key, batch, product, supplier and issuance
do not change from one scan to the next. :class:`ScanPath` keeps those per process (filled by the full
path, never by a loader of its own) and answers such a scan with

1. the signature checked against the cached public key (libsodium), before any read;
2. the code's facts — what can change at any moment: the batch's status, the key's status, the
   code's claim and its scans so far (:class:`~suyuan.trace.scan_facts.CodeFacts`) — read with **one
   statement** through the driver (SQLite: in-process; PostgreSQL: one round trip in autocommit, no
   pre-ping), so a recall, stop-sale or key revocation committed before the scan is seen by it, in
   every process; or, on PostgreSQL, from the process's cache kept exact by notifications
   (:mod:`suyuan.trace.scan_cache`): **no round trip** for a code the process knows;
3. the clone rules of :mod:`suyuan.trace.scanning` on those facts, unchanged;
4. the scan handed to the :class:`~suyuan.trace.scan_writer.ScanWriter`.

Anything else — an unknown key or batch, a serial outside the cached issuances, a bad signature, a batch
or key whose status differs from the cached one (the cached entry is dropped), a batch not on sale, a
code scanned more than :data:`~suyuan.trace.scan_facts.MAX_SCANS` times — returns ``None``, and the
caller runs the full path, whose result refills the cache. Without notifications (SQLite) the cached
product, supplier and merchant texts shown on the page are refreshed at least every ``ttl`` seconds
(60): edits to names or dates may show that late; verdicts never do. With them (PostgreSQL) an edit
empties the cache at once. No code can be voided one by one yet (``voided_codes`` in the revocation list
is empty); when that comes, its row joins the facts statement as the claim does, and its table the
notifying triggers.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from suyuan.trace.codes import ParsedCode, signed_message
from suyuan.trace.model import Batch, BatchStatus, Claim, Issuance, KeyStatus, SigningKey
from suyuan.trace.model.types import utcnow
from suyuan.trace.scan_cache import Mark, ScanCache
from suyuan.trace.scan_facts import CodeFacts, FactsReader, evidence_from
from suyuan.trace.scan_writer import PendingScan, ScanWriter
from suyuan.trace.scanning import CloneRules, CodeCheck, serial_number, weigh_history
from suyuan.trace.verdicts import Verdict

ON_SALE = (BatchStatus.RELEASED, BatchStatus.CLOSED)  # the statuses whose codes answer "genuine"
DEFAULT_TTL = 60.0  # seconds a cached batch's texts are shown before they are read again


@dataclass
class _CachedBatch:
    """A batch on sale with its product, supplier and merchant loaded, and the issuances seen so far."""

    batch: Batch
    issuances: list[Issuance]
    until: float  # monotonic time after which its texts are read again


@dataclass
class _CachedKey:
    key: SigningKey
    verifier: VerifyKey


@dataclass
class ScanPath:
    """The per-process fast lane of the scan path (see the module docstring)."""

    reader: FactsReader  # one statement per read (autocommit on PostgreSQL, no pre-ping)
    writer: ScanWriter
    rules: CloneRules = field(default_factory=CloneRules)
    ttl: float = DEFAULT_TTL
    cache: ScanCache | None = None  # PostgreSQL: facts kept in memory, exact through notifications
    _batches: dict[tuple[str, str], _CachedBatch] = field(default_factory=dict)
    _keys: dict[str, _CachedKey] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)  # remember() without a cache

    def __post_init__(self) -> None:
        if self.cache is not None:
            self.cache.on_change.append(self._changed)

    def record(
        self, parsed: ParsedCode, *, device: str, region: str, now: datetime | None = None
    ) -> CodeCheck | None:
        """The verdict on a scan of a cached genuine code, its scan queued; ``None``: take the full path."""
        cached = self._cached(parsed)
        if cached is None:
            return None
        entry, issuance, key, number = cached
        code, at = parsed.code, now or utcnow()
        batch_id, serial = entry.batch.id, code.serial[:20]
        cache = self.cache if self.cache is not None and self.cache.live() else None
        facts = cache.get(batch_id, serial, number) if cache is not None else None
        if facts is None:
            since = cache.mark() if cache is not None else None
            self.writer.flush_code((code.gtin, code.lot, code.serial))  # this process's scans of it, first
            complete = cache is not None  # the cache keeps the facts; else the database sums them up
            facts = self.reader.read(
                batch_id, serial, key.kid, device=device[:32], region=region[:64], complete=complete
            )
            if facts is None:
                return None
            if facts.batch_status != entry.batch.status or facts.key_status != key.status:
                self._drop(entry.batch.gtin, entry.batch.lot, key.kid)
                return None
            if cache is not None and since is not None:
                cache.keep(batch_id, serial, facts, since)
        check = self._weigh(facts, parsed, entry.batch, issuance, key, device, region, at)
        self.writer.submit(
            PendingScan.of(
                at=at,
                batch_id=batch_id,
                code=(code.gtin, code.lot, code.serial),
                device=device,
                region=region,
                verdict=check.verdict.value,
                reasons=[r.value for r in check.reasons],
            )
        )
        if cache is not None:
            cache.add_own(batch_id, serial, number, at, device[:32], region[:64])
        return check

    def mark(self) -> Mark | None:
        """Taken before the full path reads a code, for :meth:`remember` (``None`` without a cache)."""
        return self.cache.mark() if self.cache is not None else None

    def remember(self, check: CodeCheck, since: Mark | None = None) -> None:
        """Keep what the full path read about a genuine code, for the next scans of its batch.

        Called inside the full path's unit of work: the relations the verdict and the page show are
        loaded here, so the objects stay readable once their session has closed. With a cache, nothing
        is kept if a change was applied since ``since`` (the read may predate it).
        """
        batch, issuance, key = check.batch, check.issuance, check.key
        if batch is None or issuance is None or key is None:
            return
        if batch.status not in ON_SALE or key.status is KeyStatus.REVOKED or issuance.kid != key.kid:
            self._batches.pop((batch.gtin, batch.lot), None)
            return
        _ = batch.product.enterprise.name, batch.supplier.name  # load them while the session is open

        def keep() -> None:
            self._keys.setdefault(key.kid, _CachedKey(key, VerifyKey(bytes(key.public_key))))
            entry = self._batches.get((batch.gtin, batch.lot))
            if entry is None or entry.batch.id != batch.id or time.monotonic() > entry.until:
                entry = _CachedBatch(batch, [], time.monotonic() + self.ttl)
                self._batches[(batch.gtin, batch.lot)] = entry
            if all(known.id != issuance.id for known in entry.issuances):
                entry.issuances.append(issuance)

        if self.cache is None:
            with self._guard:
                keep()
        elif since is not None:
            self.cache.unless_changed(since, keep)

    def forget_code(self, check: CodeCheck) -> None:
        """The full path recorded a scan of this code: its cached facts are dropped (read again next time)."""
        if self.cache is not None and check.batch is not None:
            self.cache.forget_code(check.batch.id, check.code.serial[:20], serial_number(check.code.serial))

    def forget(self) -> None:
        """Drop everything cached (tests; an operator's tool after restoring a database)."""
        self._batches.clear()
        self._keys.clear()

    def _changed(self, table: str, payload: str) -> None:
        """A watched row changed (the cache's listener, under its lock): drop what it may concern."""
        if table == "batch":
            for place, entry in list(self._batches.items()):
                if str(entry.batch.id) == payload:
                    self._batches.pop(place, None)
        elif table != "risk_warning":  # a key, issuance, product, supplier or merchant; or everything
            self.forget()

    def _drop(self, gtin: str, lot: str, kid: str) -> None:
        self._batches.pop((gtin, lot), None)
        self._keys.pop(kid, None)

    def _cached(self, parsed: ParsedCode) -> tuple[_CachedBatch, Issuance, SigningKey, int] | None:
        """Cached batch, covering issuance, key and serial number of a code whose signature verifies."""
        if parsed.problem or parsed.kid is None or parsed.signature is None:
            return None
        code = parsed.code
        entry, known = self._batches.get((code.gtin, code.lot)), self._keys.get(parsed.kid)
        number = serial_number(code.serial)
        if entry is None or known is None or number is None or time.monotonic() > entry.until:
            return None
        issuance = next(
            (i for i in entry.issuances if i.first_serial <= number <= i.last_serial and i.kid == parsed.kid),
            None,
        )
        if issuance is None:
            return None
        try:
            known.verifier.verify(signed_message(code, parsed.kid), parsed.signature)
        except BadSignatureError:
            return None  # counterfeit: the full path says why
        return entry, issuance, known.key, number

    def _weigh(
        self,
        facts: CodeFacts,
        parsed: ParsedCode,
        batch: Batch,
        issuance: Issuance,
        key: SigningKey,
        device: str,
        region: str,
        at: datetime,
    ) -> CodeCheck:
        """The verdict on a genuine code of a batch on sale, from its facts: the clone rules decide."""
        check = CodeCheck(Verdict.GENUINE, [], parsed.code, batch, issuance, key)
        claim = None
        if facts.claim is not None:
            claim = Claim(
                batch_id=batch.id, serial=parsed.code.serial, device_hash=facts.claim[0], at=facts.claim[1]
            )
        weigh_history(check, claim, evidence_from(facts, device, region, self.rules, at), device, self.rules)
        check.scan_count = facts.count + 1
        check.first_scan_at = at if facts.first is None else min(facts.first, at)
        return check
