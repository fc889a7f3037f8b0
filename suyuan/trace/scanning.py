"""Resolving a scanned code to a verdict, recording the scan, and spotting clones.

The checks run from the most to the least serious: a code that fails its signature is
``counterfeit`` whatever else is true; a valid code of a revoked key is ``revoked``; a genuine code of
a recalled batch, or a sold unit of a batch whose exit was blocked by a failed spot check, is
``recalled``; a code that is valid but behaves like a copy (many devices, many
regions, or claimed by another buyer) or whose batch is not yet released is ``suspect``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.codes import CodeId, ParsedCode, signed_message
from suyuan.trace.errors import InvalidInput, InvalidState, NotFound
from suyuan.trace.keys import KeyRing, verify_signature
from suyuan.trace.model import Batch, BatchStatus, Claim, Issuance, KeyStatus, Recall, Scan, SigningKey
from suyuan.trace.model.types import utcnow
from suyuan.trace.recalls import current_recall, sold_unit_is_recalled
from suyuan.trace.scan_statements import BINDING, INSERT_SCAN, SCAN, UNBOUND_COUNTS
from suyuan.trace.scan_tally import count_scan
from suyuan.trace.verdicts import Reason, Verdict
from suyuan.trace.zone.fields import text


@dataclass(frozen=True)
class CloneRules:
    """When a valid code starts to look copied; thresholds are policy (DOMAIN-DETAIL §10)."""

    max_devices: int = 5
    max_regions: int = 2


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
    params = {"kid": parsed.kid, "gtin": code.gtin, "lot": code.lot, "number": _serial_number(code.serial)}
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


def _serial_number(serial: str) -> int | None:
    """The serial as issuances count it, or ``None`` (nothing covers it) unless digits without a leading 0."""
    return int(serial) if serial.isdigit() and not serial.startswith("0") and len(serial) <= 12 else None


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


def record_scan(
    session: Session,
    ring: KeyRing,
    parsed: ParsedCode,
    *,
    device: str,
    region: str = "",
    rules: CloneRules | None = None,
) -> CodeCheck:
    """Check a code, weigh its scan history for cloning, and record this scan (never the raw IP).

    ``device`` is the salted device hash, or "" when the client keeps no cookie: such scans are
    recorded and counted but cannot tell devices apart, so they never count as another device.
    """
    code, at = parsed.code, utcnow()
    db = session.connection()  # Core for the rest: the scan row is written without building an ORM object
    postgresql = db.dialect.name == "postgresql"  # then the reads below also relax commit durability
    # Serials are stored cut to 20 characters; a longer one is never covered, so its claim does not matter.
    extra = {"serial": code.serial[:20], "device": device, "region": region}
    check, row = _check(session, ring, parsed, SCAN[postgresql], extra)
    if check.batch is None or row is None:  # forged or unknown: counted by the code as scanned
        params = {"gtin": code.gtin[:14], "lot": code.lot[:20], "serial": code.serial[:20]}
        count, first = db.execute(UNBOUND_COUNTS[postgresql], params).one()[:2]
    else:  # counted by batch and serial; SCAN read the history and the claim
        history = _History(
            row.scans or 0, row.first_at, row.devices or 0, row.device_seen, row.regions or 0, row.region_seen
        )
        if check.verdict is not Verdict.COUNTERFEIT:
            _weigh_history(check, row.Claim, history, device, region, rules or CloneRules())
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
class _History:
    """A code's scans before this one, as :data:`suyuan.trace.scan_statements.SCAN` sums them up."""

    count: int
    first: datetime | None
    devices: int
    device_seen: int | None  # 1 if this device scanned the code before; None when there is no scan
    regions: int
    region_seen: int | None


def _weigh_history(
    check: CodeCheck, claim: Claim | None, history: _History, device: str, region: str, rules: CloneRules
) -> None:
    """Too many devices or regions, or another buyer's claim, make a valid code suspect."""
    devices = history.devices + (1 if device and not history.device_seen else 0)
    regions = history.regions + (1 if region and not history.region_seen else 0)
    check.claim = claim
    check.claimed_by_this_device = bool(device) and claim is not None and claim.device_hash == device
    suspicions = []
    if claim is not None and not check.claimed_by_this_device:
        suspicions.append(Reason.CLAIMED_BY_OTHER)
    if devices > rules.max_devices:
        suspicions.append(Reason.MANY_DEVICES)
    if regions > rules.max_regions:
        suspicions.append(Reason.MANY_REGIONS)
    if suspicions and check.verdict in (Verdict.GENUINE, Verdict.SUSPECT):
        check.verdict = Verdict.SUSPECT
        check.reasons.extend(suspicions)


def claim_code(
    session: Session, ring: KeyRing, parsed: ParsedCode, *, device: str, contact: str = ""
) -> Claim:
    """A buyer says "I bought this": only genuine codes can be claimed, and only once.

    ``contact`` (optional, one line) is where to reach the buyer if the batch is ever recalled
    (:func:`suyuan.trace.recalls.recall_notifications`); it never enters the audit log.
    """
    if not device:
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
