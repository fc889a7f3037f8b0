"""Offline verification: a code checked against a JWKS file alone, with no database.

What can be known offline is the signature, the key's status as published in the JWKS and, if given,
the signed revocation list (revoked keys, recalled and stopped batches); issued ranges and scan history
need the server, which is why a valid offline result says ``offline_unchecked``. A revocation list is
taken only if it passes every rule of docs/codes.md §"The revocation list" (type, active key, strict
schema, version, freshness); otherwise loading it raises ``RevocationListRefused`` and nothing is
verified, since an ignored list would let a recalled item pass as genuine.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from suyuan.trace import jws
from suyuan.trace.codes import MalformedCode, parse_code, signed_message
from suyuan.trace.ed25519 import b64url_decode, verify_signature
from suyuan.trace.verdicts import Reason, Verdict

LIST_TYPE = "suyuan-revocations+jws"  # as suyuan.trace.revocations signs it (checked by a test); not imported
# from there, which would load the database models into every offline verification

MAX_JWKS_BYTES = 1_000_000


class JwksError(ValueError):
    """The JWKS file is missing, too large, or not a JWKS of Ed25519 keys."""


@dataclass(frozen=True)
class PublishedKey:
    """A public key as the JWKS publishes it."""

    kid: str
    key: Ed25519PublicKey
    status: str
    # The same key for libsodium, which verifies a code 1.8x faster than ``cryptography`` (bench-codes.md)
    verifier: VerifyKey | None = None


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


@dataclass(frozen=True)
class Jwks:
    """A JWKS file as trusted: the keys by kid, and the least revocation-list version it announces.

    ``revocations_version`` comes from the JWKS's ``revocations.version`` member; a list older than the
    JWKS it is checked with is refused (rollback). ``None`` when the document announces none.
    """

    keys: dict[str, PublishedKey]
    revocations_version: int | None = None


def load_jwks(path: Path) -> dict[str, PublishedKey]:
    """Read a JWKS file (as served at /.well-known/jwks.json) into keys by kid."""
    return read_jwks(path).keys


def read_jwks(path: Path) -> Jwks:
    """Read a JWKS file with its announced revocation-list version, for checking a list against it."""
    return parse_jwks_document(_read_json(path, MAX_JWKS_BYTES, JwksError))


def _read_json(path: Path, limit: int, error: Callable[[str], JwksError]) -> Any:
    try:
        if path.stat().st_size > limit:
            raise error(f"{path} is larger than {limit} bytes")
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise error(f"{path} is not JSON: {exc}") from exc


def parse_jwks_document(document: Any) -> Jwks:
    """Keys and announced revocation-list version of a JWKS document."""
    keys = parse_jwks(document)
    announced = document.get("revocations")
    if announced is None:
        return Jwks(keys)
    version = announced.get("version") if isinstance(announced, dict) else None
    if not _is_count(version):
        raise JwksError("the JWKS's 'revocations' member must hold a whole-number 'version'")
    return Jwks(keys, version)


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
        status = str(entry.get("status", "active"))
        keys[kid] = PublishedKey(kid=kid, key=key, status=status, verifier=VerifyKey(raw))
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
    voided_codes: frozenset[tuple[str, str, str]] = frozenset()
    issued_at: int = 0
    expires_at: int = 0


class ListProblem(enum.StrEnum):
    """Why a revocation list was refused; printed by ``suyuan verify --json`` and documented in codes.md."""

    UNREADABLE = "unreadable"
    NOT_A_JWS = "not_a_jws"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_KEY = "unknown_key"
    KEY_NOT_ACTIVE = "key_not_active"
    BAD_SIGNATURE = "bad_signature"
    BAD_SCHEMA = "bad_schema"
    ROLLED_BACK = "rolled_back"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"


class RevocationListRefused(JwksError):
    """The revocation list cannot be trusted; ``problem`` says why.

    Verifying must then stop rather than go on without the list: a recalled item would look genuine.
    """

    def __init__(self, problem: ListProblem, message: str) -> None:
        super().__init__(f"revocation list refused ({problem.value}): {message}")
        self.problem = problem


CLOCK_SKEW = 300  # seconds a list's iat may lie in the verifier's future
MAX_LIST_BYTES = MAX_JWKS_BYTES * 10
BATCH_STATUSES = frozenset({"recalled", "stopped", "exit_blocked"})


def load_revocations(path: Path, jwks: Jwks, now: datetime | None = None) -> Revocations:
    """Read ``/.well-known/suyuan/revocations.json`` as saved and check it against ``jwks`` at ``now``.

    Every rule of docs/codes.md §"The revocation list" is applied; any failure raises
    ``RevocationListRefused`` naming the rule, never a partial or defaulted list.
    """
    document = _read_json(path, MAX_LIST_BYTES, lambda m: RevocationListRefused(ListProblem.UNREADABLE, m))
    if not isinstance(document, dict) or not isinstance(document.get("jws"), str):
        raise RevocationListRefused(ListProblem.UNREADABLE, f'{path} is not an object {{"jws": "..."}}')
    payload = _verified_payload(document["jws"], jwks.keys)
    revocations = _parse_payload(payload)
    _check_fresh(revocations, jwks, int((now or datetime.now(UTC)).timestamp()))
    return revocations


def _verified_payload(token: str, keys: dict[str, PublishedKey]) -> dict[str, Any]:
    try:
        header = jws.header_of(token)
    except (ValueError, TypeError) as exc:
        raise RevocationListRefused(ListProblem.NOT_A_JWS, f"not a compact JWS: {exc}") from exc
    if header.get("typ") != LIST_TYPE:
        raise RevocationListRefused(
            ListProblem.WRONG_TYPE, f"the JWS is of type {header.get('typ')!r}, not {LIST_TYPE!r}"
        )
    kid = header.get("kid")
    published = keys.get(kid) if isinstance(kid, str) else None
    if published is None:
        raise RevocationListRefused(ListProblem.UNKNOWN_KEY, f"signed by key {kid!r}, which the JWKS lacks")
    if published.status != "active":
        raise RevocationListRefused(
            ListProblem.KEY_NOT_ACTIVE,
            f"signed by key {kid}, which the JWKS marks {published.status!r}: only an active key signs lists",
        )
    try:
        return jws.verify(token, published.key, LIST_TYPE)
    except (ValueError, TypeError) as exc:
        raise RevocationListRefused(ListProblem.BAD_SIGNATURE, str(exc)) from exc


def _parse_payload(payload: dict[str, Any]) -> Revocations:
    """The payload as a ``Revocations``; every member required and typed (no defaults)."""
    try:
        _expect(isinstance(payload.get("iss"), str), "iss must be a string")
        for name in ("version", "iat", "exp"):
            _expect(_is_count(payload.get(name)), f"{name} must be a whole number")
        _expect(payload["exp"] > payload["iat"], "exp must be after iat")
        batches = _list_of(payload, "batches", _batch_ok)
        return Revocations(
            version=payload["version"],
            revoked_kids=frozenset(k["kid"] for k in _list_of(payload, "revoked_keys", _revoked_key_ok)),
            batches={(b["gtin"], b["lot"]): b["status"] for b in batches},
            recalled_serials={
                (b["gtin"], b["lot"]): frozenset(b["recalled_serials"])
                for b in batches
                if b["status"] == "exit_blocked"
            },
            voided_codes=frozenset(
                (c["gtin"], c["lot"], c["serial"]) for c in _list_of(payload, "voided_codes", _voided_ok)
            ),
            issued_at=payload["iat"],
            expires_at=payload["exp"],
        )
    except ValueError as exc:
        raise RevocationListRefused(ListProblem.BAD_SCHEMA, str(exc)) from exc


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _strings(entry: Any, *names: str) -> bool:
    return isinstance(entry, dict) and all(isinstance(entry.get(n), str) for n in names)


def _list_of(payload: dict[str, Any], name: str, ok: Callable[[Any], bool]) -> list[dict[str, Any]]:
    items = payload.get(name)
    if not isinstance(items, list):
        raise ValueError(f"{name} must be a list")
    for index, item in enumerate(items):
        _expect(ok(item), f"{name}[{index}] is not a valid entry")
    return list(items)


def _revoked_key_ok(entry: Any) -> bool:
    return (
        _strings(entry, "kid")
        and "revoked_at" in entry
        and (entry["revoked_at"] is None or _strings(entry, "revoked_at"))
    )


def _batch_ok(entry: Any) -> bool:
    if not _strings(entry, "gtin", "lot", "status") or entry["status"] not in BATCH_STATUSES:
        return False
    if entry["status"] != "exit_blocked":
        return "recalled_serials" not in entry
    serials = entry.get("recalled_serials")
    return isinstance(serials, list) and all(isinstance(s, str) for s in serials)


def _voided_ok(entry: Any) -> bool:
    return _strings(entry, "gtin", "lot", "serial")


def _check_fresh(revocations: Revocations, jwks: Jwks, now: int) -> None:
    if jwks.revocations_version is not None and revocations.version < jwks.revocations_version:
        raise RevocationListRefused(
            ListProblem.ROLLED_BACK,
            f"version {revocations.version} is older than version {jwks.revocations_version} that the "
            "JWKS announces: fetch the list again",
        )
    if revocations.issued_at > now + CLOCK_SKEW:
        raise RevocationListRefused(
            ListProblem.NOT_YET_VALID,
            f"issued at {_time(revocations.issued_at)}, in the future (check this computer's clock)",
        )
    if now >= revocations.expires_at:
        raise RevocationListRefused(
            ListProblem.EXPIRED, f"expired at {_time(revocations.expires_at)}: fetch the list again"
        )


def _time(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _signature_ok(published: PublishedKey, signature: bytes, message: bytes) -> bool:
    """Ed25519 by libsodium when the key has a verifier (always from :func:`parse_jwks`)."""
    if published.verifier is None:
        return verify_signature(published.key, signature, message)
    try:
        published.verifier.verify(message, signature)
    except BadSignatureError:
        return False
    return True


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
    if not _signature_ok(published, parsed.signature, signed_message(parsed.code, parsed.kid)):
        return OfflineResult(text, Verdict.COUNTERFEIT, [Reason.BAD_SIGNATURE], code)
    if published.status == "revoked" or (revoked is not None and parsed.kid in revoked.revoked_kids):
        return OfflineResult(text, Verdict.REVOKED, [Reason.KEY_REVOKED], code)
    identity = (parsed.code.gtin, parsed.code.lot, parsed.code.serial)
    if revoked is not None and identity in revoked.voided_codes:
        return OfflineResult(text, Verdict.REVOKED, [Reason.CODE_VOIDED], code)
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
