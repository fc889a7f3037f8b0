"""Resolving a scanned code to a verdict, recording the scan, and spotting clones.

The checks run from the most to the least serious: a code that fails its signature is
``counterfeit`` whatever else is true; a valid code of a revoked key is ``revoked``; a genuine code of
a recalled batch, or a sold unit of a batch whose exit was blocked by a failed spot check, is
``recalled``; a code that is valid but behaves like a copy (many devices, many
regions, or claimed by another buyer) or whose batch is not yet released is ``suspect``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.bounds import fits_column
from suyuan.trace.codes import CodeId, ParsedCode, signed_message
from suyuan.trace.errors import InvalidInput, InvalidState, NotFound
from suyuan.trace.fields import text
from suyuan.trace.keys import KeyRing, verify_signature
from suyuan.trace.model import Batch, BatchStatus, Claim, Issuance, KeyStatus, Recall, Scan, SigningKey
from suyuan.trace.model.types import utcnow
from suyuan.trace.recall_status import current_recall, sold_unit_is_recalled
from suyuan.trace.scan_statements import (
    BINDING,
    DEVICES_FIRST_SEEN,
    INSERT_SCAN,
    REGIONS_FIRST_SEEN,
    SCAN,
    UNBOUND_COUNTS,
)
from suyuan.trace.scan_tally import count_scan, tally_day
from suyuan.trace.verdicts import Reason, Verdict


@dataclass(frozen=True)
class CloneRules:
    """When a valid code starts to look copied; thresholds are policy (DOMAIN-DETAIL §10).

    The evidence must build up over time, so that a burst of requests cannot turn a genuine code
    suspect for its buyer (docs/codes.md, "Clone detection and its limits"): a code is ``many_devices``
    when more than ``max_devices`` known devices scanned it, counting at most ``devices_per_day`` new
    ones per calendar day (China Standard Time); ``many_regions`` likewise with ``max_regions`` and
    ``regions_per_day``. Another buyer's claim weighs only against a device that first scanned the code
    at least ``claim_lead`` after the claim was made.
    """

    max_devices: int = 5
    max_regions: int = 2
    devices_per_day: int = 2
    regions_per_day: int = 1
    claim_lead: timedelta = timedelta(hours=24)


@dataclass
class CodeCheck:
    """The verdict on one code and everything the scan page shows about it."""

    verdict: Verdict
    reasons: list[Reason]
    code: CodeId
    batch: Batch | None = None
    issuance: Issuance | None = None
    key: SigningKey | None = None
    scan_count: int = 0
    first_scan_at: datetime | None = None
    claim: Claim | None = None
    claimed_by_this_device: bool = False
    recall: Recall | None = None
    extra: dict[str, str] = field(default_factory=dict)


def check_code(session: Session, ring: KeyRing, parsed: ParsedCode) -> CodeCheck:
    """The verdict from signature, key, batch, range and batch status, without scan history."""
    return _check(session, ring, parsed, BINDING, {})[0]


def _check(
    session: Session, ring: KeyRing, parsed: ParsedCode, statement: Any, extra: dict[str, str]
) -> tuple[CodeCheck, Row[Any] | None]:
    """The verdict as :func:`check_code` gives it, read by ``statement`` with ``extra`` parameters.

    ``statement`` is one of :mod:`suyuan.trace.scan_statements`; its row comes back too when the
    signature verified, since the scan statement also reads the code's claim and history.
    """
    check = CodeCheck(Verdict.COUNTERFEIT, [], parsed.code)
    if parsed.problem or parsed.kid is None or parsed.signature is None:
        check.reasons.append(Reason(parsed.problem or Reason.MALFORMED_SIGNATURE))
        return check, None
    code = parsed.code
    params = {"kid": parsed.kid, "gtin": code.gtin, "lot": code.lot, "number": serial_number(code.serial)}
    row = session.execute(statement, {**params, **extra}).first()
    if row is None:
        check.reasons.append(Reason.UNKNOWN_KEY)
        return check, None
    check.key = row[0]
    public = ring.public_key(row[0].kid, row[0].public_key)
    if not verify_signature(public, parsed.signature, signed_message(code, parsed.kid)):
        check.reasons.append(Reason.BAD_SIGNATURE)
        return check, None
    check.batch, check.issuance = row[1], row[2]
    _check_binding(session, check)
    if check.verdict is Verdict.RECALLED and check.batch is not None:
        check.recall = current_recall(session, check.batch)  # the notice the consumer must see
    return check, row


def serial_number(serial: str) -> int | None:
    """The serial as issuances count it, or ``None`` when no issuance can cover it.

    Issued serials are ASCII digits without a leading 0 and fit the issuance columns (a 32-bit integer on
    PostgreSQL): anything else lies outside every issued range (``serial_out_of_range``), never a query
    the database refuses.
    """
    if not (serial.isascii() and serial.isdigit()) or serial.startswith("0") or len(serial) > 10:
        return None
    number = int(serial)
    return number if fits_column(number) else None


def _check_binding(session: Session, check: CodeCheck) -> None:
    """Signature is valid: now the key's status, the batch, the serial range and the batch status."""
    assert check.key is not None
    if check.batch is None:
        check.reasons.append(Reason.UNKNOWN_BATCH)
        return
    if check.issuance is None:
        check.reasons.append(Reason.SERIAL_OUT_OF_RANGE)
    elif check.issuance.kid != check.key.kid:
        check.reasons.append(Reason.WRONG_KEY)
    elif check.key.status is KeyStatus.REVOKED:
        check.verdict, check.reasons = Verdict.REVOKED, [Reason.KEY_REVOKED]
    elif check.batch.status in (BatchStatus.RECALLED, BatchStatus.STOPPED):
        reason = (
            Reason.BATCH_RECALLED if check.batch.status is BatchStatus.RECALLED else Reason.BATCH_STOP_SALE
        )
        check.verdict, check.reasons = Verdict.RECALLED, [reason]
    elif check.batch.status is BatchStatus.EXIT_BLOCKED:
        _check_exit_blocked(session, check)
    elif check.batch.status is BatchStatus.IN_ZONE:
        check.verdict, check.reasons = Verdict.SUSPECT, [Reason.NOT_RELEASED]
    else:
        check.verdict = Verdict.GENUINE


def _check_exit_blocked(session: Session, check: CodeCheck) -> None:
    """After a failed spot check only the units already sold are recalled; the rest never left the zone."""
    assert check.batch is not None
    if sold_unit_is_recalled(session, check.batch.id, check.code.serial):
        check.verdict, check.reasons = Verdict.RECALLED, [Reason.BATCH_RECALLED]
    else:
        check.verdict, check.reasons = Verdict.SUSPECT, [Reason.NOT_RELEASED]


def device_hash(secret: str, device_id: str) -> str:
    """A salted, keyed hash of a device cookie: stable per device, useless to anyone without the secret."""
    return hmac.new(secret.encode("utf-8"), device_id.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def new_device_id() -> str:
    """A fresh random device id (128 bits) for a browser that holds no device cookie yet."""
    return secrets.token_urlsafe(16)


def device_cookie(secret: str, device_id: str) -> str:
    """The device cookie the server issues: ``{id}.{MAC}``, so that a client cannot invent one.

    The MAC is HMAC-SHA256 of the id under a key derived from the secret key (not the key itself, so it
    is useless for anything else), cut to 128 bits. Only ids in such a cookie count as devices.
    """
    return f"{device_id}.{_device_mac(secret, device_id)}"


_MAX_COOKIE = 128  # a cookie longer than any the server issues is not looked at


def verified_device_id(secret: str, cookie: str) -> str | None:
    """The device id in a cookie the server issued, or ``None`` for an invented, altered or old cookie."""
    device_id, dot, mac = cookie.rpartition(".")
    if not dot or not device_id or len(cookie) > _MAX_COOKIE:
        return None
    expected = _device_mac(secret, device_id).encode("ascii")
    return device_id if hmac.compare_digest(mac.encode("utf-8", "replace"), expected) else None


def _device_mac(secret: str, device_id: str) -> str:
    key = hmac.new(secret.encode("utf-8"), b"suyuan device cookie v1", hashlib.sha256).digest()
    mac = hmac.new(key, device_id.encode("utf-8"), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def record_scan(
    session: Session,
    ring: KeyRing,
    parsed: ParsedCode,
    *,
    device: str,
    region: str = "",
    rules: CloneRules | None = None,
    now: datetime | None = None,
) -> CodeCheck:
    """Check a code, weigh its scan history for cloning, and record this scan (never the raw IP).

    ``device`` is the salted hash of a server-issued device cookie, or "" (the unknown device) when the
    client shows none: such scans are recorded and counted but never count as a device. ``region`` is
    the coarse region a trusted proxy states, or "". ``now`` is the scan's time (tests set it).
    """
    code, at = parsed.code, now or utcnow()
    db = session.connection()  # Core for the rest: the scan row is written without building an ORM object
    postgresql = db.dialect.name == "postgresql"  # then the reads below also relax commit durability
    # Serials are stored cut to 20 characters; a longer one is never covered, so its claim does not matter.
    extra = {"serial": code.serial[:20], "device": device, "region": region}
    check, row = _check(session, ring, parsed, SCAN[postgresql], extra)
    if check.batch is None or row is None:  # forged or unknown: counted by the code as scanned
        params = {"gtin": code.gtin[:14], "lot": code.lot[:20], "serial": code.serial[:20]}
        count, first = db.execute(UNBOUND_COUNTS[postgresql], params).one()[:2]
    else:  # counted by batch and serial; SCAN read the history and the claim
        history = History(
            row.scans or 0,
            row.first_at,
            row.devices or 0,
            row.device_first_at,
            row.regions or 0,
            row.region_seen,
        )
        if check.verdict is not Verdict.COUNTERFEIT:
            rules = rules or CloneRules()
            evidence = evidence_of(db, check, history, device, region, rules, at)
            weigh_history(check, row.Claim, evidence, device, rules)
        count, first = history.count, history.first
    db.execute(
        INSERT_SCAN,
        {
            "at": at,
            "batch_id": check.batch.id if check.batch else None,
            "gtin": code.gtin[:14],
            "lot": code.lot[:20],
            "serial": code.serial[:20],
            "device_hash": device[:32],
            "region": region[:64],
            "verdict": check.verdict.value,
            "reasons": [r.value for r in check.reasons],
        },
    )
    # The daily tally the trace and the dashboards read, in the same transaction.
    count_scan(session, code, at=at, verdict=check.verdict.value, region=region, first=not count)
    check.scan_count = int(count) + 1  # this scan included
    check.first_scan_at = at if first is None else min(first, at)
    return check


@dataclass(frozen=True)
class History:
    """A code's scans before this one, as :data:`suyuan.trace.scan_statements.SCAN` sums them up.

    Public: the fast lane (:mod:`suyuan.trace.scan_path`) sums them in a statement of its own.
    """

    count: int
    first: datetime | None
    devices: int
    device_first_at: datetime | None  # when this scan's device first scanned the code; None: never
    regions: int
    region_seen: int | None  # 1 if this region was seen before; None when there is no scan


@dataclass(frozen=True)
class _Evidence:
    """What a code's scans say about copying, weighed by :class:`CloneRules`."""

    devices: int  # known devices, at most ``devices_per_day`` new ones counted per day
    regions: int  # regions, at most ``regions_per_day`` new ones counted per day
    viewer_since: datetime  # when this scan's device first scanned the code (now for the unknown device)


def evidence_of(
    db: Connection,
    check: CodeCheck,
    history: History,
    device: str,
    region: str,
    rules: CloneRules,
    at: datetime,
) -> _Evidence:
    """Weigh the history with this scan: distinct devices and regions, spread out by the day they appeared.

    The cheap distinct counts of the scan statement decide whether weighing is needed at all; only codes
    beyond a limit pay the second read (one row per device or region).
    """
    assert check.batch is not None
    new_device = bool(device) and history.device_first_at is None
    new_region = bool(region) and not history.region_seen
    devices = history.devices + new_device
    regions = history.regions + new_region
    params = {"batch_id": check.batch.id, "serial": check.code.serial[:20]}
    if devices > rules.max_devices:
        seen = list(db.execute(DEVICES_FIRST_SEEN, params).scalars())
        devices = weigh_by_day([*seen, *([at] if new_device else [])], rules.devices_per_day)
    if regions > rules.max_regions:
        seen = list(db.execute(REGIONS_FIRST_SEEN, params).scalars())
        regions = weigh_by_day([*seen, *([at] if new_region else [])], rules.regions_per_day)
    viewer_since = history.device_first_at if device and history.device_first_at else at
    return _Evidence(devices, regions, min(viewer_since, at))


def weigh_by_day(first_seen: Iterable[datetime], per_day: int) -> int:
    """How many devices (or regions) count, when each calendar day adds at most ``per_day`` new ones.

    ``first_seen`` holds when each one first scanned the code. A burst of fresh browsers in an afternoon
    counts as ``per_day``; a copy sold to many buyers over days counts them all.
    """
    per = Counter(tally_day(at) for at in first_seen)
    return sum(min(n, per_day) for n in per.values())


def weigh_history(
    check: CodeCheck, claim: Claim | None, evidence: _Evidence, device: str, rules: CloneRules
) -> None:
    """Too many devices or regions, or an earlier buyer's claim, make a valid code suspect."""
    check.claim = claim
    check.claimed_by_this_device = bool(device) and claim is not None and claim.device_hash == device
    suspicions = []
    if claim is not None and not check.claimed_by_this_device and _claim_weighs(claim, evidence, rules):
        suspicions.append(Reason.CLAIMED_BY_OTHER)
    if evidence.devices > rules.max_devices:
        suspicions.append(Reason.MANY_DEVICES)
    if evidence.regions > rules.max_regions:
        suspicions.append(Reason.MANY_REGIONS)
    if suspicions and check.verdict in (Verdict.GENUINE, Verdict.SUSPECT):
        check.verdict = Verdict.SUSPECT
        check.reasons.extend(suspicions)


def _claim_weighs(claim: Claim, evidence: _Evidence, rules: CloneRules) -> bool:
    """Another buyer's claim counts against this device only if it came a clear lead before it.

    The claimant must have claimed at least ``claim_lead`` before this device first scanned the code: a
    buyer who scanned the item before a stranger's claim, or within a day after it, is never told that
    someone else bought it; a copy first scanned days after the genuine buyer's claim is.
    """
    return evidence.viewer_since - claim.at >= rules.claim_lead


def claim_code(
    session: Session, ring: KeyRing, parsed: ParsedCode, *, device: str, contact: str = ""
) -> Claim:
    """A buyer says "I bought this": only genuine codes can be claimed, and only once.

    ``contact`` (optional, one line) is where to reach the buyer if the batch is ever recalled
    (:func:`suyuan.trace.recalls.recall_notifications`); it never enters the audit log.
    """
    if not device:  # only a server-issued device cookie, so that the claimant is recognised later
        raise InvalidState("claiming needs a device cookie; open the code in a browser")
    contact = text(contact, "contact", 200)
    if "\n" in contact or "\t" in contact:
        raise InvalidInput("contact is one line", field="contact")
    check = check_code(session, ring, parsed)
    if check.batch is None or check.verdict is not Verdict.GENUINE:
        raise InvalidState(f"only a genuine code can be claimed (this one is {check.verdict})")
    existing = session.scalar(select(Claim).filter_by(batch_id=check.batch.id, serial=check.code.serial))
    if existing is not None:
        if existing.device_hash == device:
            existing.contact = contact or existing.contact
            return existing
        raise InvalidState("this code was already claimed by another buyer")
    claim = Claim(
        batch_id=check.batch.id,
        serial=check.code.serial,
        device_hash=device[:32],
        contact=contact,
        at=utcnow(),
    )
    session.add(claim)
    session.flush()
    audit.record(
        session,
        actor="consumer",
        action="code.claimed",
        subject=f"batch:{check.batch.id}:serial:{check.code.serial}",
        payload={"contact": bool(contact)},
    )
    return claim


def scans_of_batch(session: Session, batch_id: int) -> list[Scan]:
    """Every recorded scan of a batch, newest first."""
    if session.get(Batch, batch_id) is None:
        raise NotFound(f"batch {batch_id} does not exist")
    return list(session.scalars(select(Scan).filter_by(batch_id=batch_id).order_by(Scan.at.desc())))
