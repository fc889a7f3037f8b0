"""The code format: a GS1 Digital Link URI carrying an Ed25519 signature, and its canonical bytes.

A code is ``{BASE}/01/{GTIN-14}/10/{LOT}/21/{SERIAL}?s={KID}{SIG}`` where ``SIG`` is the 64-byte
signature written as exactly 155 decimal digits (big-endian integer, zero-padded) and ``KID`` the
signing key's decimal id. Decimal digits pack into QR numeric mode at 3.33 bits per digit, nearly
the 4 bits of raw bytes and far better than base64 in byte mode; with the scheme and host in upper
case the rest of the URL fits QR alphanumeric mode. That keeps a code at QR version 7 (M).
The signed bytes are defined in ``docs/codes.md`` so that third parties can verify codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from suyuan.trace.digital_link import DigitalLinkError, parse_digital_link

SIGNATURE_DIGITS = 155
MAX_KID_DIGITS = 8
MAX_URL_LENGTH = 512
SIGNATURE_PARAM = "s"
_LOT_SERIAL_SAFE = "!\"%&'()*+,-./:;<=>?_"  # CSET 82 punctuation, percent-encoded per GS1 DL rules below


@dataclass(frozen=True)
class CodeId:
    """The GS1 identity of one item: GTIN-14, lot and serial."""

    gtin: str
    lot: str
    serial: str


@dataclass(frozen=True)
class ParsedCode:
    """A code taken apart: its identity and, if present and well-formed, key id and signature."""

    code: CodeId
    kid: str | None
    signature: bytes | None
    problem: str | None = None


class MalformedCode(ValueError):
    """The text is not a code at all (not a GS1 Digital Link for GTIN + lot + serial)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def signed_message(code: CodeId, kid: str) -> bytes:
    """The exact bytes an Ed25519 signature covers: ``suyuan:v1|GTIN|LOT|SERIAL|KID`` in ASCII.

    ``|`` is not in GS1 character set 82, so the fields cannot run into each other.
    """
    return f"suyuan:v1|{code.gtin}|{code.lot}|{code.serial}|{kid}".encode("ascii")


def encode_signature(kid: str, signature: bytes) -> str:
    """The value of the ``s`` parameter: the key id then 155 signature digits."""
    return kid + str(int.from_bytes(signature, "big")).zfill(SIGNATURE_DIGITS)


def code_base(base_url: str) -> str:
    """The base URL as printed in codes: scheme and host upper-cased (alphanumeric QR mode), path kept."""
    parts = urlsplit(base_url.rstrip("/"))
    return urlunsplit((parts.scheme.upper(), parts.netloc.upper(), parts.path, "", ""))


def code_url(base: str, code: CodeId, kid: str, signature: bytes) -> str:
    """The full code URL for ``code`` signed by ``kid``; ``base`` comes from :func:`code_base`."""
    return f"{base}{identity_path(code)}?{SIGNATURE_PARAM}={encode_signature(kid, signature)}"


def identity_path(code: CodeId) -> str:
    """The GS1 Digital Link path of a code, lot and serial percent-encoded where GS1 requires it."""
    lot = quote(code.lot, safe="-._")
    serial = quote(code.serial, safe="-._")
    return f"/01/{code.gtin}/10/{lot}/21/{serial}"


def parse_code(url: str) -> ParsedCode:
    """Take a scanned text apart; raises :class:`MalformedCode` if it names no GTIN + lot + serial.

    A missing or garbled signature is not an exception: it is reported in ``problem`` so the scan
    still resolves to the item and answers ``counterfeit`` with a precise reason. A duplicated one is
    refused by the Digital Link parser itself (``duplicate_signature``).
    """
    if len(url) > MAX_URL_LENGTH:
        raise MalformedCode("too_long", f"a code is at most {MAX_URL_LENGTH} characters")
    try:
        link = parse_digital_link(url)
    except DigitalLinkError as exc:
        if exc.reason == "duplicate_param":  # e.g. two ``s=``: a forger hoping one of them is checked
            raise MalformedCode("duplicate_signature", str(exc)) from exc
        raise MalformedCode(exc.reason, str(exc)) from exc
    lot, serial = link.get("10"), link.get("21")
    if link.primary[0] != "01" or lot is None or serial is None:
        raise MalformedCode("not_a_serialised_item", "a code names a GTIN (01), a lot (10) and a serial (21)")
    code = CodeId(gtin=link.primary[1], lot=lot, serial=serial)
    value = link.param(SIGNATURE_PARAM)
    if value is None:
        return ParsedCode(code, None, None, "missing_signature")
    return _split_signature(code, value)


def _split_signature(code: CodeId, value: str) -> ParsedCode:
    kid_digits = len(value) - SIGNATURE_DIGITS
    if not value.isascii() or not value.isdigit() or not 1 <= kid_digits <= MAX_KID_DIGITS:
        return ParsedCode(code, None, None, "malformed_signature")
    kid, digits = value[:kid_digits], value[kid_digits:]
    number = int(digits)
    if kid.startswith("0") or number >= 1 << 512:
        return ParsedCode(code, None, None, "malformed_signature")
    return ParsedCode(code, kid, number.to_bytes(64, "big"))
