"""Ed25519 and base64url helpers that need nothing else of Suyuan: no database, no models.

Why a module of its own: offline verification (``suyuan verify``, :mod:`suyuan.scanner.offline`) and the
compact JWS of :mod:`suyuan.trace.jws` need only these, and importing them through
:mod:`suyuan.trace.keys` pulled in SQLAlchemy and every mapped model, about half of the command's
start-up (docs/bench-codes.md, "suyuan verify"). :mod:`suyuan.trace.keys` re-exports them.
"""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def verify_signature(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    """True if ``signature`` is a valid Ed25519 signature of ``message``."""
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JOSE uses it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url`; raises ``ValueError`` on bad input."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
