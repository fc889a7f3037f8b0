"""The signed revocation list: what offline verifiers must learn since they last synced.

In the spirit of SMART Health Cards' per-key revocation lists and the EU DCC revocation lists: a compact
JWS, signed with the active key, listing revoked keys and recalled or stopped batches (and, for a batch
whose exit a failed spot check blocked, the serials already sold, which are recalled), versioned by the
audit log's head sequence (which only grows). Served at ``/.well-known/suyuan/revocations.json``; the
JWKS names its version so a verifier knows when to fetch it again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from suyuan.trace import jws
from suyuan.trace.keys import KeyRing, require_active_key
from suyuan.trace.model import AuditEntry, Batch, BatchStatus, KeyStatus, SigningKey, SoldCode, SoldStatus
from suyuan.trace.model.types import utcnow

LIST_TYPE = "suyuan-revocations+jws"


def current_version(session: Session) -> int:
    """The list's version: the audit log's head sequence number (0 for an empty log)."""
    return int(session.scalar(select(func.coalesce(func.max(AuditEntry.seq), 0))) or 0)


def revocation_payload(session: Session, base: str) -> dict[str, Any]:
    """What is revoked, recalled or stopped right now."""
    keys = session.scalars(select(SigningKey).filter_by(status=KeyStatus.REVOKED).order_by(SigningKey.id))
    listed = (BatchStatus.RECALLED, BatchStatus.STOPPED, BatchStatus.EXIT_BLOCKED)
    stopped = session.scalars(select(Batch).where(Batch.status.in_(listed)).order_by(Batch.id))
    return {
        "iss": base,
        "version": current_version(session),
        "iat": int(utcnow().timestamp()),
        "revoked_keys": [
            {"kid": k.kid, "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None} for k in keys
        ],
        "batches": [_batch_entry(session, b) for b in stopped],
        "voided_codes": [],
    }


def _batch_entry(session: Session, batch: Batch) -> dict[str, Any]:
    entry: dict[str, Any] = {"gtin": batch.gtin, "lot": batch.lot, "status": batch.status.value}
    if batch.status is BatchStatus.EXIT_BLOCKED:
        entry["recalled_serials"] = sorted(
            session.scalars(select(SoldCode.serial).filter_by(batch_id=batch.id, status=SoldStatus.SOLD)),
            key=lambda s: (len(s), s),
        )
    return entry


def signed_revocation_list(session: Session, ring: KeyRing, base: str) -> str:
    """The list as a compact JWS signed by the active key."""
    key = require_active_key(session)
    return jws.sign(revocation_payload(session, base), ring.private_key(key), key.kid, LIST_TYPE)
