"""Compact JWS (RFC 7515) with EdDSA (RFC 8037), for signed statements verifiable with the JWKS alone."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from suyuan.trace.ed25519 import b64url, b64url_decode, verify_signature


def sign(payload: dict[str, Any], private_key: Ed25519PrivateKey, kid: str, typ: str) -> str:
    """Serialise ``payload`` as a compact JWS signed by ``kid``."""
    header = {"alg": "EdDSA", "kid": kid, "typ": typ}
    signing_input = _part(header) + "." + _part(payload)
    return signing_input + "." + b64url(private_key.sign(signing_input.encode("ascii")))


def _part(obj: dict[str, Any]) -> str:
    return b64url(json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def header_of(token: str) -> dict[str, Any]:
    """The decoded protected header (unverified): verifiers read ``kid`` from it to pick the key."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("a compact JWS has three parts")
    header = json.loads(b64url_decode(parts[0]))
    if not isinstance(header, dict):
        raise ValueError("the JWS header is not an object")
    return header


def verify(token: str, public_key: Ed25519PublicKey, typ: str | None = None) -> dict[str, Any]:
    """The payload of ``token`` if its EdDSA signature verifies; ``ValueError`` otherwise.

    With ``typ``, the protected header must name exactly that type: statements of different kinds are
    signed by the same key, so a verifier that skips this check can be handed one kind for another.
    """
    parts = token.split(".")
    header = header_of(token)
    if len(parts) != 3 or header.get("alg") != "EdDSA":
        raise ValueError("not an EdDSA compact JWS")
    if typ is not None and header.get("typ") != typ:
        raise ValueError(f"the JWS is of type {header.get('typ')!r}, not {typ!r}")
    if not verify_signature(public_key, b64url_decode(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii")):
        raise ValueError("the JWS signature does not verify")
    payload = json.loads(b64url_decode(parts[1]))
    if not isinstance(payload, dict):
        raise ValueError("the JWS payload is not an object")
    return payload
