"""The code format: a GS1 Digital Link URI carrying an Ed25519 signature, and its canonical bytes.

A code is ``{BASE}/01/{GTIN-14}/10/{LOT}/21/{SERIAL}?s={KID}{SIG}`` where ``SIG`` is the 64-byte
signature written as exactly 155 decimal digits (big-endian integer, zero-padded) and ``KID`` the
signing key's decimal id. Decimal digits pack into QR numeric mode at 3.33 bits per digit, nearly
the 4 bits of raw bytes and far better than base64 in byte mode; with the scheme and host in upper
case the rest of the URL fits QR alphanumeric mode. That keeps a code at QR version 7 (M).
The signed bytes are defined in ``docs/codes.md`` so that third parties can verify codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

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
    return read_own_code(url) or _parse_full(url)


def _parse_full(url: str) -> ParsedCode:
    """:func:`parse_code` by the full GS1 Digital Link parser, for every text of any other shape.

    Imported here: the parser loads the GS1 tables (biip, pycountry), a fifth of a second that a command
    verifying our own codes (``suyuan verify``) never needs.
    """
    from suyuan.trace.digital_link import DigitalLinkError, parse_digital_link

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


# The shape Suyuan prints (code_url): origin, no path, GTIN-14, a lot of capitals and digits, a serial
# without leading zero, and the signature parameter alone. Anything else goes to the full parser.
_OWN_SHAPE = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9.-]+(?::[0-9]{1,5})?"
    r"/01/([0-9]{14})/10/([A-Z0-9]{1,20})/21/([1-9][0-9]{0,19})\?s=([1-9][0-9]{155,162})"
)


def read_own_code(url: str) -> ParsedCode | None:
    """A code exactly as Suyuan prints it, taken apart by one regular expression; else ``None``.

    Why: the full GS1 Digital Link parser costs about 30 µs, a fifth of verifying the signature, and
    nearly every scanned text is one of our own codes (docs/bench-codes.md). The expression admits only
    texts the full parser reads the same way (tests/trace/test_code_shape.py compares the two); the
    GTIN's check digit is checked here, as the parser does.
    """
    match = _OWN_SHAPE.fullmatch(url)
    if match is None or not _check_digit_ok(match.group(1)):
        return None
    gtin, lot, serial, value = match.groups()
    return _split_signature(CodeId(gtin=gtin, lot=lot, serial=serial), value)


def _check_digit_ok(gtin: str) -> bool:
    """The GS1 mod-10 check digit of a GTIN-14."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(gtin[:13]))
    return (10 - total % 10) % 10 == int(gtin[13])


def _split_signature(code: CodeId, value: str) -> ParsedCode:
    kid_digits = len(value) - SIGNATURE_DIGITS
    if not value.isascii() or not value.isdigit() or not 1 <= kid_digits <= MAX_KID_DIGITS:
        return ParsedCode(code, None, None, "malformed_signature")
    kid, digits = value[:kid_digits], value[kid_digits:]
    number = int(digits)
    if kid.startswith("0") or number >= 1 << 512:
        return ParsedCode(code, None, None, "malformed_signature")
    return ParsedCode(code, kid, number.to_bytes(64, "big"))
