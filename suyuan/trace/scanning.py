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

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, joinedload

from suyuan.trace import audit
from suyuan.trace.codes import CodeId, ParsedCode, signed_message
from suyuan.trace.db import relax_commit_durability
from suyuan.trace.errors import InvalidState, NotFound
from suyuan.trace.issuance import issuance_covering
from suyuan.trace.keys import KeyRing, verify_signature
from suyuan.trace.model import Batch, BatchStatus, Claim, Issuance, KeyStatus, Scan, SigningKey
from suyuan.trace.model.types import utcnow
from suyuan.trace.recalls import sold_unit_is_recalled
from suyuan.trace.verdicts import Reason, Verdict


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
    extra: dict[str, str] = field(default_factory=dict)


def check_code(session: Session, ring: KeyRing, parsed: ParsedCode) -> CodeCheck:
    """The verdict from signature, key, batch, range and batch status, without scan history."""
    check = CodeCheck(Verdict.COUNTERFEIT, [], parsed.code)
    if parsed.problem or parsed.kid is None or parsed.signature is None:
        check.reasons.append(Reason(parsed.problem or Reason.MALFORMED_SIGNATURE))
        return check
    check.key = session.scalar(select(SigningKey).filter_by(kid=parsed.kid))
    if check.key is None:
        check.reasons.append(Reason.UNKNOWN_KEY)
        return check
    public = ring.public_key(check.key.kid, check.key.public_key)
    if not verify_signature(public, parsed.signature, signed_message(parsed.code, parsed.kid)):
        check.reasons.append(Reason.BAD_SIGNATURE)
        return check
    _check_binding(session, check)
    return check


def _check_binding(session: Session, check: CodeCheck) -> None:
    """Signature is valid: now the key's status, the batch, the serial range and the batch status."""
    assert check.key is not None
    check.batch = session.scalar(
        select(Batch)
        .filter_by(gtin=check.code.gtin, lot=check.code.lot)
        .options(joinedload(Batch.product), joinedload(Batch.supplier))  # the verdict shows both
    )
    if check.batch is None:
        check.reasons.append(Reason.UNKNOWN_BATCH)
        return
    serial = check.code.serial
    if serial.isdigit() and not serial.startswith("0") and len(serial) <= 12:
        check.issuance = issuance_covering(session, check.batch.id, int(serial))
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
    relax_commit_durability(session)
    check = check_code(session, ring, parsed)
    if check.batch is not None and check.verdict is not Verdict.COUNTERFEIT:
        _weigh_history(session, check, device, region, rules or CloneRules())
    session.add(
        Scan(
            at=utcnow(),
            batch_id=check.batch.id if check.batch else None,
            gtin=check.code.gtin[:14],
            lot=check.code.lot[:20],
            serial=check.code.serial[:20],
            device_hash=device[:32],
            region=region[:64],
            verdict=check.verdict.value,
            reasons=[r.value for r in check.reasons],
        )
    )
    session.flush()
    _add_counts(session, check)
    return check


def _weigh_history(session: Session, check: CodeCheck, device: str, region: str, rules: CloneRules) -> None:
    assert check.batch is not None
    history = session.execute(
        select(Scan.device_hash, Scan.region)
        .where(Scan.batch_id == check.batch.id, Scan.serial == check.code.serial)
        .distinct()
    ).all()
    devices = {d for d, _ in history if d} | ({device} if device else set())
    regions = {r for _, r in history if r} | ({region} if region else set())
    check.claim = session.scalar(select(Claim).filter_by(batch_id=check.batch.id, serial=check.code.serial))
    check.claimed_by_this_device = (
        bool(device) and check.claim is not None and check.claim.device_hash == device
    )
    suspicions = []
    if check.claim is not None and not check.claimed_by_this_device:
        suspicions.append(Reason.CLAIMED_BY_OTHER)
    if len(devices) > rules.max_devices:
        suspicions.append(Reason.MANY_DEVICES)
    if len(regions) > rules.max_regions:
        suspicions.append(Reason.MANY_REGIONS)
    if suspicions and check.verdict in (Verdict.GENUINE, Verdict.SUSPECT):
        check.verdict = Verdict.SUSPECT
        check.reasons.extend(suspicions)


def _add_counts(session: Session, check: CodeCheck) -> None:
    """How often and since when this code was scanned; both paths are index searches (ix_scan_*)."""
    where: tuple[ColumnElement[bool], ...] = (
        (Scan.batch_id == check.batch.id, Scan.serial == check.code.serial[:20])
        if check.batch is not None
        else (
            Scan.batch_id.is_(None),
            Scan.gtin == check.code.gtin[:14],
            Scan.lot == check.code.lot[:20],
            Scan.serial == check.code.serial[:20],
        )
    )
    count, first = session.execute(select(func.count(), func.min(Scan.at)).where(*where)).one()
    check.scan_count = int(count)
    check.first_scan_at = first


def claim_code(session: Session, ring: KeyRing, parsed: ParsedCode, *, device: str) -> Claim:
    """A buyer says "I bought this": only genuine codes can be claimed, and only once."""
    if not device:
        raise InvalidState("claiming needs a device cookie; open the code in a browser")
    check = check_code(session, ring, parsed)
    if check.batch is None or check.verdict is not Verdict.GENUINE:
        raise InvalidState(f"only a genuine code can be claimed (this one is {check.verdict})")
    existing = session.scalar(select(Claim).filter_by(batch_id=check.batch.id, serial=check.code.serial))
    if existing is not None:
        if existing.device_hash == device:
            return existing
        raise InvalidState("this code was already claimed by another buyer")
    claim = Claim(batch_id=check.batch.id, serial=check.code.serial, device_hash=device[:32], at=utcnow())
    session.add(claim)
    session.flush()
    audit.record(
        session,
        actor="consumer",
        action="code.claimed",
        subject=f"batch:{check.batch.id}:serial:{check.code.serial}",
        payload={},
    )
    return claim


def scans_of_batch(session: Session, batch_id: int) -> list[Scan]:
    """Every recorded scan of a batch, newest first."""
    if session.get(Batch, batch_id) is None:
        raise NotFound(f"batch {batch_id} does not exist")
    return list(session.scalars(select(Scan).filter_by(batch_id=batch_id).order_by(Scan.at.desc())))
