"""Offline verification: a code checked against a JWKS file alone, with no database.

What can be known offline is the signature, the key's status as published in the JWKS and, if given,
the signed revocation list (revoked keys, recalled and stopped batches); issued ranges and scan history
need the server, which is why a valid offline result says ``offline_unchecked``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from suyuan.trace import jws
from suyuan.trace.codes import MalformedCode, parse_code, signed_message
from suyuan.trace.keys import b64url_decode, verify_signature
from suyuan.trace.verdicts import Reason, Verdict

MAX_JWKS_BYTES = 1_000_000


class JwksError(ValueError):
    """The JWKS file is missing, too large, or not a JWKS of Ed25519 keys."""


@dataclass(frozen=True)
class PublishedKey:
    """A public key as the JWKS publishes it."""

    kid: str
    key: Ed25519PublicKey
    status: str


@dataclass
class OfflineResult:
    """The offline verdict on one scanned text."""

    text: str
    verdict: Verdict
    reasons: list[Reason] = field(default_factory=list)
    code: dict[str, str] | None = None
    detail: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The result as the CLI prints it with ``--json``."""
        return {
            "text": self.text,
            "verdict": self.verdict.value,
            "reasons": [r.value for r in self.reasons],
            "code": self.code,
            "detail": self.detail,
        }


def load_jwks(path: Path) -> dict[str, PublishedKey]:
    """Read a JWKS file (as served at /.well-known/jwks.json) into keys by kid."""
    try:
        if path.stat().st_size > MAX_JWKS_BYTES:
            raise JwksError(f"{path} is larger than {MAX_JWKS_BYTES} bytes")
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise JwksError(f"cannot read {path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JwksError(f"{path} is not JSON: {exc}") from exc
    return parse_jwks(document)


def parse_jwks(document: Any) -> dict[str, PublishedKey]:
    """Keys by kid from a JWKS document; only OKP/Ed25519 keys are taken."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksError("a JWKS is an object with a 'keys' list")
    keys: dict[str, PublishedKey] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            continue
        try:
            raw = b64url_decode(str(entry["x"]))
            key = Ed25519PublicKey.from_public_bytes(raw)
        except (KeyError, ValueError) as exc:
            raise JwksError(f"key {entry.get('kid')!r} has no valid 'x'") from exc
        kid = str(entry.get("kid", ""))
        keys[kid] = PublishedKey(kid=kid, key=key, status=str(entry.get("status", "active")))
    if not keys:
        raise JwksError("the JWKS holds no Ed25519 keys")
    return keys


@dataclass(frozen=True)
class Revocations:
    """A verified revocation list: revoked kids, (gtin, lot) of recalled, stopped or exit-blocked batches.

    For an exit-blocked batch only the sold serials are recalled; the rest never left the zone.
    """

    version: int
    revoked_kids: frozenset[str]
    batches: dict[tuple[str, str], str]
    recalled_serials: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)


def load_revocations(path: Path, keys: dict[str, PublishedKey]) -> Revocations:
    """Read ``/.well-known/suyuan/revocations.json`` as saved, verifying its signature with the JWKS."""
    try:
        if path.stat().st_size > MAX_JWKS_BYTES * 10:
            raise JwksError(f"{path} is too large")
        token = json.loads(path.read_text(encoding="utf-8")).get("jws", "")
        kid = str(jws.header_of(token).get("kid", ""))
        if kid not in keys:
            raise JwksError(f"the revocation list is signed by key {kid!r}, which the JWKS does not hold")
        payload = jws.verify(token, keys[kid].key)
    except OSError as exc:
        raise JwksError(f"cannot read {path}: {exc.strerror}") from exc
    except (ValueError, AttributeError, TypeError) as exc:  # JSON, base64 and signature errors
        raise JwksError(f"{path} is not a valid signed revocation list: {exc}") from exc
    return Revocations(
        version=int(payload.get("version", 0)),
        revoked_kids=frozenset(str(k["kid"]) for k in payload.get("revoked_keys", [])),
        batches={(str(b["gtin"]), str(b["lot"])): str(b["status"]) for b in payload.get("batches", [])},
        recalled_serials={
            (str(b["gtin"]), str(b["lot"])): frozenset(str(s) for s in b["recalled_serials"])
            for b in payload.get("batches", [])
            if "recalled_serials" in b
        },
    )


def verify_offline(
    text: str, keys: dict[str, PublishedKey], revoked: Revocations | None = None
) -> OfflineResult:
    """Verify one scanned text against published keys and, if given, a revocation list."""
    try:
        parsed = parse_code(text.strip())
    except MalformedCode as exc:
        return OfflineResult(text, Verdict.COUNTERFEIT, [Reason.MALFORMED_CODE], detail=str(exc))
    code = {"gtin": parsed.code.gtin, "lot": parsed.code.lot, "serial": parsed.code.serial}
    if parsed.problem or parsed.kid is None or parsed.signature is None:
        return OfflineResult(
            text, Verdict.COUNTERFEIT, [Reason(parsed.problem or "malformed_signature")], code
        )
    published = keys.get(parsed.kid)
    if published is None:
        return OfflineResult(text, Verdict.COUNTERFEIT, [Reason.UNKNOWN_KEY], code)
    if not verify_signature(published.key, parsed.signature, signed_message(parsed.code, parsed.kid)):
        return OfflineResult(text, Verdict.COUNTERFEIT, [Reason.BAD_SIGNATURE], code)
    if published.status == "revoked" or (revoked is not None and parsed.kid in revoked.revoked_kids):
        return OfflineResult(text, Verdict.REVOKED, [Reason.KEY_REVOKED], code)
    lot = (parsed.code.gtin, parsed.code.lot)
    status = revoked.batches.get(lot) if revoked is not None else None
    if status == "exit_blocked" and revoked is not None:
        if parsed.code.serial in revoked.recalled_serials.get(lot, frozenset()):
            return OfflineResult(text, Verdict.RECALLED, [Reason.BATCH_RECALLED], code)
        return OfflineResult(text, Verdict.SUSPECT, [Reason.NOT_RELEASED], code)
    if status is not None:
        reason = Reason.BATCH_RECALLED if status == "recalled" else Reason.BATCH_STOP_SALE
        return OfflineResult(text, Verdict.RECALLED, [reason], code)
    return OfflineResult(text, Verdict.GENUINE, [Reason.OFFLINE_UNCHECKED], code)
