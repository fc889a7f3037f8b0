"""Decoding an upload and verifying every code in it, online (database) or offline (JWKS).

Online checks use the full verdict but do not record the photo as a consumer scan: regulators and
merchants checking photos of goods must not make codes look cloned to the people who bought them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from suyuan.scanner.decode import DecodedCode, decode_bytes
from suyuan.scanner.images import DEFAULT_LIMITS, Limits
from suyuan.scanner.offline import PublishedKey, Revocations, verify_offline
from suyuan.trace import scanning
from suyuan.trace.codes import MalformedCode, parse_code
from suyuan.trace.keys import KeyRing
from suyuan.trace.verdicts import Reason, Verdict


@dataclass(frozen=True)
class ScannedCode:
    """A code found in an image with its verdict."""

    text: str
    verdict: Verdict
    reasons: tuple[Reason, ...]
    position: tuple[tuple[int, int], ...]
    page: int
    method: str

    def as_json(self) -> dict[str, Any]:
        """The shape of ``POST /api/v1/scan-image`` and ``suyuan scan --json``."""
        return {
            "text": self.text,
            "verdict": self.verdict.value,
            "reasons": [r.value for r in self.reasons],
            "position": [list(p) for p in self.position],
            "page": self.page,
            "method": self.method,
        }


Verifier = Callable[[str], tuple[Verdict, tuple[Reason, ...]]]


def online_verifier(session: Session, ring: KeyRing) -> Verifier:
    """Verify against the database: signature, key, batch, range and status (no scan recorded)."""

    def verify(text: str) -> tuple[Verdict, tuple[Reason, ...]]:
        try:
            parsed = parse_code(text)
        except MalformedCode:
            return Verdict.COUNTERFEIT, (Reason.MALFORMED_CODE,)
        check = scanning.check_code(session, ring, parsed)
        return check.verdict, tuple(check.reasons)

    return verify


def offline_verifier(keys: dict[str, PublishedKey], revoked: Revocations | None = None) -> Verifier:
    """Verify against a JWKS (and optionally a revocation list) with no database."""

    def verify(text: str) -> tuple[Verdict, tuple[Reason, ...]]:
        result = verify_offline(text, keys, revoked)
        return result.verdict, tuple(result.reasons)

    return verify


def scan_upload(data: bytes, verify: Verifier, limits: Limits = DEFAULT_LIMITS) -> list[ScannedCode]:
    """Every code in an image or PDF with its verdict; ``ImageRejected`` for refused files."""
    return [_scanned(code, verify) for code in decode_bytes(data, limits)]


def _scanned(code: DecodedCode, verify: Verifier) -> ScannedCode:
    verdict, reasons = verify(code.text)
    position = tuple((round(x), round(y)) for x, y in code.position)
    return ScannedCode(code.text, verdict, reasons, position, code.page, code.method)
