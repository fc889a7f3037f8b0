"""The scan path's fast lane: a verdict from a per-process cache and one read, without the ORM.

Why: a scan through :func:`suyuan.trace.scanning.record_scan` builds six ORM entities, opens a session,
writes two rows and commits — about 3 ms of CPU and, on PostgreSQL, six round trips (docs/benchmarks.md,
"Scan path").
Most scans are of a genuine code of a batch on sale, whose key, batch, product, supplier and issuance
do not change from one scan to the next. :class:`ScanPath` keeps those per process (filled by the full
path, never by a loader of its own) and answers such a scan with

1. the signature checked against the cached public key (libsodium), before any read;
2. **one prebuilt Core statement** in autocommit (one round trip, no pre-ping, no BEGIN/COMMIT) that
   reads what can change at any moment — the batch's status, the key's status, the code's claim and its
   scan history — so a recall, stop-sale or key revocation committed before the scan is seen by it, in
   every process, with no invalidation message to wait for;
3. the clone rules of :mod:`suyuan.trace.scanning` on that history, unchanged;
4. the scan handed to the :class:`~suyuan.trace.scan_writer.ScanWriter`.

Anything else — an unknown key or batch, a serial outside the cached issuances, a bad signature, a batch
or key whose status differs from the cached one (the cached entry is dropped), a batch not on sale —
returns ``None``, and the caller runs the full path, whose result refills the cache. The cached product,
supplier and merchant texts shown on the page are refreshed at least every ``ttl`` seconds (60):
edits to names or dates may show that late; verdicts never do. No code can be voided one by one yet
(``voided_codes`` in the revocation list is empty); when that comes, its row joins the statement of
step 2 as the claim does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from sqlalchemy import Engine, Integer, String, bindparam, case, distinct, func, select
from sqlalchemy.exc import DBAPIError

from suyuan.trace.codes import ParsedCode, signed_message
from suyuan.trace.model import Batch, BatchStatus, Claim, Issuance, KeyStatus, Scan, SigningKey
from suyuan.trace.model.types import utcnow
from suyuan.trace.scan_writer import PendingScan, ScanWriter
from suyuan.trace.scanning import CloneRules, CodeCheck, History, evidence_of, serial_number, weigh_history
from suyuan.trace.verdicts import Verdict

ON_SALE = (BatchStatus.RELEASED, BatchStatus.CLOSED)  # the statuses whose codes answer "genuine"
DEFAULT_TTL = 60.0  # seconds a cached batch's texts are shown before they are read again

_BATCH = bindparam("batch_id", type_=Integer)
_SERIAL = bindparam("serial", type_=String)


def _fresh_facts() -> Any:
    """Everything about a code that may change between two scans, in one row (aggregate, no GROUP BY).

    Statuses of batch and key, the claim, and the history as :class:`~suyuan.trace.scanning.History`
    sums it, on ``ix_scan_batch_serial`` and the primary keys.
    """
    claim = select(Claim.device_hash, Claim.at).where(Claim.batch_id == _BATCH, Claim.serial == _SERIAL)
    return select(
        select(Batch.status).where(Batch.id == _BATCH).scalar_subquery().label("batch_status"),
        select(SigningKey.status)
        .where(SigningKey.kid == bindparam("kid", type_=String))
        .scalar_subquery()
        .label("key_status"),
        claim.with_only_columns(Claim.device_hash).scalar_subquery().label("claim_device"),
        claim.with_only_columns(Claim.at).scalar_subquery().label("claim_at"),
        func.count(Scan.id).label("scans"),
        func.min(Scan.at).label("first_at"),
        func.count(distinct(func.nullif(Scan.device_hash, ""))).label("devices"),
        func.min(case((Scan.device_hash == bindparam("device", type_=String), Scan.at))).label(
            "device_first_at"
        ),
        func.count(distinct(func.nullif(Scan.region, ""))).label("regions"),
        func.max(case((Scan.region == bindparam("region", type_=String), 1), else_=0)).label("region_seen"),
    ).where(Scan.batch_id == _BATCH, Scan.serial == _SERIAL)


FRESH_FACTS = _fresh_facts()


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

    reads: Engine  # autocommit on PostgreSQL, no pre-ping: one statement is one round trip
    writer: ScanWriter
    rules: CloneRules = field(default_factory=CloneRules)
    ttl: float = DEFAULT_TTL
    _batches: dict[tuple[str, str], _CachedBatch] = field(default_factory=dict)
    _keys: dict[str, _CachedKey] = field(default_factory=dict)

    def record(
        self, parsed: ParsedCode, *, device: str, region: str, now: datetime | None = None
    ) -> CodeCheck | None:
        """The verdict on a scan of a cached genuine code, its scan queued; ``None``: take the full path."""
        cached = self._cached(parsed)
        if cached is None:
            return None
        entry, issuance, key = cached
        code, at = parsed.code, now or utcnow()
        self.writer.flush_code((code.gtin, code.lot, code.serial))  # this process's scans of it, first
        params = {
            "batch_id": entry.batch.id,
            "serial": code.serial[:20],
            "kid": key.kid,
            "device": device,
            "region": region,
        }
        check = self._read(params, parsed, entry, issuance, key, device, region, at)
        if check is None:
            return None
        self.writer.submit(
            PendingScan.of(
                at=at,
                batch_id=entry.batch.id,
                code=(code.gtin, code.lot, code.serial),
                device=device,
                region=region,
                verdict=check.verdict.value,
                reasons=[r.value for r in check.reasons],
            )
        )
        return check

    def remember(self, check: CodeCheck) -> None:
        """Keep what the full path read about a genuine code, for the next scans of its batch.

        Called inside the full path's unit of work: the relations the verdict and the page show are
        loaded here, so the objects stay readable once their session has closed.
        """
        batch, issuance, key = check.batch, check.issuance, check.key
        if batch is None or issuance is None or key is None:
            return
        if batch.status not in ON_SALE or key.status is KeyStatus.REVOKED or issuance.kid != key.kid:
            self._batches.pop((batch.gtin, batch.lot), None)
            return
        _ = batch.product.enterprise.name, batch.supplier.name  # load them while the session is open
        self._keys.setdefault(key.kid, _CachedKey(key, VerifyKey(bytes(key.public_key))))
        entry = self._batches.get((batch.gtin, batch.lot))
        if entry is None or entry.batch.id != batch.id or time.monotonic() > entry.until:
            entry = _CachedBatch(batch, [], time.monotonic() + self.ttl)
            self._batches[(batch.gtin, batch.lot)] = entry
        if all(known.id != issuance.id for known in entry.issuances):
            entry.issuances.append(issuance)

    def forget(self) -> None:
        """Drop everything cached (tests; an operator's tool after restoring a database)."""
        self._batches.clear()
        self._keys.clear()

    def _cached(self, parsed: ParsedCode) -> tuple[_CachedBatch, Issuance, SigningKey] | None:
        """Cached batch, covering issuance and key of a code whose signature verifies, else ``None``."""
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
        return entry, issuance, known.key

    def _read(
        self,
        params: dict[str, Any],
        parsed: ParsedCode,
        entry: _CachedBatch,
        issuance: Issuance,
        key: SigningKey,
        device: str,
        region: str,
        at: datetime,
    ) -> CodeCheck | None:
        """Read the fresh facts and weigh them; ``None`` when a status moved (the entry is dropped)."""
        for attempt in (1, 2):  # no pre-ping: a connection the server dropped is retried once
            try:
                with self.reads.connect() as db:
                    row = db.execute(FRESH_FACTS, params).one()
                    if row.batch_status != entry.batch.status or row.key_status != key.status:
                        self._batches.pop((parsed.code.gtin, parsed.code.lot), None)
                        self._keys.pop(key.kid, None)
                        return None
                    check = CodeCheck(Verdict.GENUINE, [], parsed.code, entry.batch, issuance, key)
                    history = History(
                        row.scans,
                        row.first_at,
                        row.devices,
                        row.device_first_at,
                        row.regions,
                        row.region_seen if row.scans else None,
                    )
                    claim = None
                    if row.claim_device is not None:
                        claim = Claim(
                            batch_id=entry.batch.id,
                            serial=parsed.code.serial,
                            device_hash=row.claim_device,
                            at=row.claim_at,
                        )
                    evidence = evidence_of(db, check, history, device, region, self.rules, at)
                    weigh_history(check, claim, evidence, device, self.rules)
                break
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        check.scan_count = history.count + 1
        check.first_scan_at = at if history.first is None else min(history.first, at)
        return check
