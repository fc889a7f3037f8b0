"""Sealing secrets at rest with a passphrase: PBKDF2-SHA256 key derivation, then AES-256-GCM.

Used for signing keys. The sealed form is self-describing so the work factor can be raised later
without breaking old keys: ``b"SY1" | rounds (4 bytes, big-endian) | salt (16) | nonce (12) | ciphertext``.
GCM authenticates the ciphertext and the associated data (the key id), so a sealed key cannot be
swapped onto another key id unnoticed.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

MAGIC = b"SY1"
DEFAULT_ROUNDS = 600_000  # OWASP 2023 recommendation for PBKDF2-HMAC-SHA256


class SealError(ValueError):
    """The sealed data is malformed, or the passphrase or associated data is wrong."""


def _derive(passphrase: bytes, salt: bytes, rounds: int) -> bytes:
    return PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=rounds).derive(passphrase)


def seal(secret: bytes, passphrase: bytes, *, aad: bytes, rounds: int = DEFAULT_ROUNDS) -> bytes:
    """Encrypt ``secret`` under ``passphrase``, bound to ``aad``."""
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_derive(passphrase, salt, rounds)).encrypt(nonce, secret, aad)
    return MAGIC + rounds.to_bytes(4, "big") + salt + nonce + sealed


def open_sealed(blob: bytes, passphrase: bytes, *, aad: bytes) -> bytes:
    """Decrypt what :func:`seal` produced; ``SealError`` on any mismatch."""
    if len(blob) < 3 + 4 + 16 + 12 + 16 or not blob.startswith(MAGIC):
        raise SealError("not a sealed secret")
    rounds = int.from_bytes(blob[3:7], "big")
    if not 1 <= rounds <= 10_000_000:
        raise SealError("implausible work factor")
    salt, nonce, sealed = blob[7:23], blob[23:35], blob[35:]
    try:
        return AESGCM(_derive(passphrase, salt, rounds)).decrypt(nonce, sealed, aad)
    except InvalidTag as exc:
        raise SealError("wrong passphrase or tampered key") from exc
