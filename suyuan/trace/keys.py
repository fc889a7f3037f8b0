"""Signing keys: create, rotate, revoke, and the public JWKS (RFC 8037).

Private keys exist in the database only sealed with the operator's passphrase (PKCS#8 inside
AES-256-GCM under a PBKDF2-SHA256 key, see :mod:`suyuan.trace.sealing`); decrypted keys live in a
process-local :class:`KeyRing` cache and are never logged. Revoking a key does not delete it: its
codes must keep resolving, as ``revoked``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from suyuan.trace import audit
from suyuan.trace.actors import Actor
from suyuan.trace.ed25519 import b64url as b64url  # re-exported: callers import them from here
from suyuan.trace.ed25519 import b64url_decode as b64url_decode
from suyuan.trace.ed25519 import verify_signature as verify_signature
from suyuan.trace.errors import DomainError, InvalidInput, InvalidState, NotFound
from suyuan.trace.model import KeyStatus, SigningKey
from suyuan.trace.model.types import utcnow
from suyuan.trace.sealing import DEFAULT_ROUNDS, SealError, open_sealed, seal


class KeyUnavailable(DomainError):
    """No active key, or the passphrase cannot decrypt it."""

    code = "key_unavailable"


@dataclass
class KeyRing:
    """Decrypts private keys with the passphrase once per process and caches public keys by kid."""

    passphrase: bytes
    kdf_rounds: int = DEFAULT_ROUNDS
    _private: dict[str, Ed25519PrivateKey] = field(default_factory=dict)
    _public: dict[str, Ed25519PublicKey] = field(default_factory=dict)

    def private_key(self, key: SigningKey) -> Ed25519PrivateKey:
        """The decrypted private key of ``key``; raises ``KeyUnavailable`` on a wrong passphrase."""
        cached = self._private.get(key.kid)
        if cached is None:
            try:
                pkcs8 = open_sealed(key.private_key_encrypted, self.passphrase, aad=key.kid.encode())
                loaded = serialization.load_der_private_key(pkcs8, None)
            except (SealError, ValueError, TypeError) as exc:
                raise KeyUnavailable(
                    f"key {key.kid} cannot be decrypted with the configured passphrase"
                ) from exc
            if not isinstance(loaded, Ed25519PrivateKey):
                raise KeyUnavailable(f"key {key.kid} is not an Ed25519 key")
            cached = self._private[key.kid] = loaded
        return cached

    def public_key(self, kid: str, raw: bytes) -> Ed25519PublicKey:
        """The public key object for ``kid``, built once from its 32 raw bytes."""
        cached = self._public.get(kid)
        if cached is None:
            cached = self._public[kid] = Ed25519PublicKey.from_public_bytes(raw)
        return cached


def create_key(session: Session, actor: Actor, ring: KeyRing) -> SigningKey:
    """Create a new active key; any previously active key is retired (it keeps verifying)."""
    actor.require_regulator()
    private = Ed25519PrivateKey.generate()
    for old in session.scalars(select(SigningKey).filter_by(status=KeyStatus.ACTIVE)):
        old.status, old.retired_at = KeyStatus.RETIRED, utcnow()
    key = SigningKey(
        kid=_next_kid(session),
        public_key=private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        ),
        private_key_encrypted=b"",
        status=KeyStatus.ACTIVE,
    )
    pkcs8 = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key.private_key_encrypted = seal(pkcs8, ring.passphrase, aad=key.kid.encode(), rounds=ring.kdf_rounds)
    session.add(key)
    session.flush()
    ring._private[key.kid] = private
    audit.record(
        session,
        actor=actor.label,
        action="key.created",
        subject=f"key:{key.kid}",
        payload={"public_key": b64url(key.public_key)},
    )
    return key


def rotate_key(session: Session, actor: Actor, ring: KeyRing) -> SigningKey:
    """Rotation is creation while a key is active: new codes use the new key, old codes stay valid."""
    if active_key(session) is None:
        raise InvalidState("there is no active key to rotate; create one first")
    return create_key(session, actor, ring)


def revoke_key(
    session: Session, actor: Actor, kid: str, reason: str, ring: KeyRing | None = None
) -> SigningKey:
    """Revoke a key (e.g. leaked): its codes answer ``revoked`` from now on.

    The office must never be left without an active key: it could then neither issue codes nor sign
    the revocation list that tells offline verifiers of this very revocation. Revoking the only active
    key therefore creates its successor in the same transaction, which needs ``ring``; without a ring
    that revocation is refused (``InvalidState``).
    """
    actor.require_regulator()
    key = session.scalar(select(SigningKey).filter_by(kid=kid))
    if key is None:
        raise NotFound(f"no key {kid!r}")
    if key.status is KeyStatus.REVOKED:
        raise InvalidState(f"key {kid} is already revoked")
    if not reason.strip():
        raise InvalidInput("say why the key is revoked", field="reason")
    needs_successor = key.status is KeyStatus.ACTIVE and _active_count(session) == 1
    if needs_successor and ring is None:
        raise InvalidState(
            f"key {kid} is the only active key: revoking it needs a successor to sign new codes and the "
            "revocation list (`suyuan keys revoke` creates one; or run `suyuan keys rotate` first)"
        )
    key.status, key.revoked_at, key.revocation_reason = KeyStatus.REVOKED, utcnow(), reason.strip()
    audit.record(
        session,
        actor=actor.label,
        action="key.revoked",
        subject=f"key:{kid}",
        payload={"reason": key.revocation_reason},
    )
    if needs_successor and ring is not None:
        create_key(session, actor, ring)
    return key


def _active_count(session: Session) -> int:
    return len(session.scalars(select(SigningKey.id).filter_by(status=KeyStatus.ACTIVE)).all())


def active_key(session: Session) -> SigningKey | None:
    """The key that signs new codes, if any."""
    return session.scalar(
        select(SigningKey).filter_by(status=KeyStatus.ACTIVE).order_by(SigningKey.id.desc())
    )


def require_active_key(session: Session) -> SigningKey:
    """The active key, or ``KeyUnavailable`` with the command that fixes it."""
    key = active_key(session)
    if key is None:
        raise KeyUnavailable("no active signing key: run `suyuan keys create`")
    return key


def unseal_keys(session: Session, ring: KeyRing, kids: Iterable[str]) -> None:
    """Decrypt the keys ``kids`` now (the ring caches them), raising ``KeyUnavailable`` if one cannot be.

    Downloads that sign while they stream call this first: once the first byte is sent, an error can
    no longer become a proper response, only a broken download.
    """
    wanted = set(kids)
    for key in session.scalars(select(SigningKey).where(SigningKey.kid.in_(wanted))):
        ring.private_key(key)


class UntrustedKey(DomainError):
    """A key that cannot be shown to be the office's own: unknown, or not sealed with its passphrase."""

    code = "untrusted_key"


def office_public_key(session: Session, ring: KeyRing, kid: str) -> Ed25519PublicKey:
    """The public key of ``kid`` if it is provably this office's own, for checking its signatures.

    A database writer can insert a key row of its own choosing; it cannot seal a private key under a
    passphrase it does not know. So the key counts only if its sealed private key opens with this
    instance's passphrase and derives exactly the stored public key.
    """
    key = session.scalar(select(SigningKey).filter_by(kid=kid))
    if key is None:
        raise UntrustedKey(f"key {kid!r} is not in the key table")
    try:
        private = ring.private_key(key)
    except KeyUnavailable as exc:
        raise UntrustedKey(
            f"key {kid} cannot be unsealed with this instance's passphrase "
            "(a key planted in the database, or the wrong passphrase)"
        ) from exc
    derived = private.public_key()
    raw = derived.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if raw != key.public_key:
        raise UntrustedKey(f"key {kid}'s stored public key does not match its sealed private key")
    return derived


def list_keys(session: Session) -> list[SigningKey]:
    """All keys, oldest first."""
    return list(session.scalars(select(SigningKey).order_by(SigningKey.id)))


def jwks(session: Session, revocations_version: int | None = None) -> dict[str, Any]:
    """The public JWKS: every key with its status, so verifiers also learn what was revoked."""
    document: dict[str, Any] = {"keys": [jwk(key) for key in list_keys(session)]}
    if revocations_version is not None:
        document["revocations_version"] = revocations_version
    return document


def jwk(key: SigningKey) -> dict[str, Any]:
    """One key as an RFC 8037 OKP JWK, plus Suyuan's ``status`` member."""
    entry: dict[str, Any] = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(key.public_key),
        "kid": key.kid,
        "use": "sig",
        "alg": "EdDSA",
        "status": key.status.value,
        "created_at": key.created_at.isoformat(),
    }
    if key.revoked_at is not None:
        entry["revoked_at"] = key.revoked_at.isoformat()
    return entry


def _next_kid(session: Session) -> str:
    kids = [int(k) for k in session.scalars(select(SigningKey.kid)) if k.isdigit()]
    return str(max(kids, default=0) + 1)
