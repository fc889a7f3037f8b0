"""The code format: small enough for QR version 7-M, signed, and verifiable by a third party."""

from __future__ import annotations

import base64
import contextlib
import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import pytest
import zxingcpp
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from suyuan.runtime import Runtime
from suyuan.trace import keys
from suyuan.trace.codes import (
    SIGNATURE_DIGITS,
    CodeId,
    MalformedCode,
    code_base,
    code_url,
    parse_code,
    signed_message,
)
from tests.factories import code_urls, make_batch, make_world


def qr_version(text: str) -> int:
    """The QR version zxing-cpp's encoder picks at EC level M for ``text``."""
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    size = np.asarray(symbol.to_image(scale=1, add_quiet_zones=False)).shape[0]
    return (size - 17) // 4


def _signed(base: str, code: CodeId, key: Ed25519PrivateKey, kid: str = "1") -> str:
    return code_url(base, code, kid, key.sign(signed_message(code, kid)))


@pytest.mark.parametrize(
    "base", ["https://sy.example.cn", "https://trace.suyuan.com", "http://127.0.0.1:8000"]
)
@pytest.mark.parametrize(
    ("lot", "serial"),
    [("L2611A", "1"), ("2611a-x", "99999999999"), ("ABCDEFGHIJKLMNOPQ", "1000000"), ("lot-abcde", "1000000")],
)
def test_default_codes_fit_qr_version_7_at_level_m_and_decode_back(base: str, lot: str, serial: str) -> None:
    assert len(base) <= 24
    url = _signed(
        code_base(base), CodeId("09421234560015", lot, serial), Ed25519PrivateKey.generate(), kid="12"
    )
    assert qr_version(url) <= 7
    symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    decoded = zxingcpp.read_barcodes(symbol.to_image(scale=4), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [d.text for d in decoded] == [url]


def test_a_naive_lowercase_base64_code_would_not_fit_version_7() -> None:
    key = Ed25519PrivateKey.generate()
    code = CodeId("09421234560015", "2611a-x", "99999999999")
    sig = base64.urlsafe_b64encode(key.sign(signed_message(code, "12"))).decode().rstrip("=")
    naive = f"https://trace.suyuan.com/01/{code.gtin}/10/{code.lot}/21/{code.serial}?kid=12&sig={sig}"
    assert qr_version(naive) >= 8


def test_code_shape_is_a_gs1_digital_link_with_a_numeric_signature() -> None:
    url = _signed(
        "HTTPS://SY.EXAMPLE.CN", CodeId("09421234560015", "L/1-A", "7"), Ed25519PrivateKey.generate()
    )
    assert url.startswith("HTTPS://SY.EXAMPLE.CN/01/09421234560015/10/L%2F1-A/21/7?s=1")
    assert re.fullmatch(r"1\d{155}", url.split("?s=")[1])
    parsed = parse_code(url)
    assert parsed.code == CodeId("09421234560015", "L/1-A", "7")
    assert parsed.kid == "1" and parsed.signature is not None and len(parsed.signature) == 64


def test_base_url_keeps_its_path_case_but_upper_cases_scheme_and_host() -> None:
    assert code_base("https://Sy.Example.cn/t/") == "HTTPS://SY.EXAMPLE.CN/t"


@pytest.mark.parametrize(
    ("suffix", "problem"),
    [
        ("", "missing_signature"),
        ("?s=", "malformed_signature"),
        ("?s=1" + "9" * 155, "malformed_signature"),
        ("?s=1" + "1" * 154, "malformed_signature"),
        ("?s=0" + "1" * 155, "malformed_signature"),
        ("?s=12x" + "1" * 155, "malformed_signature"),
        ("?s=123456789" + "1" * 155, "malformed_signature"),
    ],
)
def test_garbled_signatures_are_reported_not_raised(suffix: str, problem: str) -> None:
    parsed = parse_code("HTTPS://SY.EXAMPLE.CN/01/09421234560015/10/L1/21/1" + suffix)
    assert parsed.problem == problem


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://sy.example.cn/01/09421234560016/10/L1/21/1?s=1", "bad_check_digit"),
        ("https://sy.example.cn/01/09421234560015/21/1?s=1", "not_a_serialised_item"),
        ("https://sy.example.cn/01/09421234560015/10/L1?s=1", "not_a_serialised_item"),
        ("https://sy.example.cn/01/09421234560015/10/批次/21/1", "bad_characters"),
        ("https://sy.example.cn/01/09421234560015/10/L1/21/" + "1" * 21, "bad_length"),
        ("https://sy.example.cn/01/09421234560015/10/L1/21/1?s=1&s=2", "duplicate_signature"),
        ("https://sy.example.cn/01/09421234560015/10/L1/21/1?s=" + "1" * 600, "too_long"),
        ("not a url", "bad_characters"),
        ("ftp://x/01/09421234560015/10/L1/21/1", "not_a_uri"),
    ],
)
def test_malformed_codes_raise_with_a_precise_reason(url: str, reason: str) -> None:
    with pytest.raises(MalformedCode) as excinfo:
        parse_code(url)
    assert excinfo.value.reason == reason


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_either_parses_or_raises_malformed_code(text: str) -> None:
    with contextlib.suppress(MalformedCode):
        parse_code(text)


@settings(max_examples=200, deadline=None)
@given(
    lot=st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefxyz0123456789-./_!%&()*+,:;<=>?'\"", min_size=1, max_size=20
    ),
    serial=st.integers(min_value=1, max_value=10**12),
)
def test_issued_codes_round_trip_through_the_parser(lot: str, serial: int) -> None:
    key = Ed25519PrivateKey.generate()
    code = CodeId("09421234560015", lot, str(serial))
    parsed = parse_code(_signed("HTTPS://SY.EXAMPLE.CN", code, key, kid="3"))
    assert parsed.code == code and parsed.kid == "3"
    assert parsed.signature is not None
    key.public_key().verify(parsed.signature, signed_message(code, "3"))


def third_party_verify(url: str, jwks: dict[str, object]) -> bool:
    """A verifier written from docs/codes.md alone: no Suyuan code, only the JWKS and `cryptography`."""
    parts = urlsplit(url)
    segments = [unquote(s) for s in parts.path.split("/")]
    i = segments.index("01")
    gtin, lot, serial = segments[i + 1], segments[i + 3], segments[i + 5]
    value = parse_qs(parts.query)["s"][0]
    kid, digits = value[: len(value) - 155], value[-155:]
    signature = int(digits).to_bytes(64, "big")
    key = next(k for k in jwks["keys"] if k["kid"] == kid)  # type: ignore[attr-defined]
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(key["x"] + "=="))
    try:
        public.verify(signature, f"suyuan:v1|{gtin}|{lot}|{serial}|{kid}".encode("ascii"))
    except InvalidSignature:
        return False
    return key["status"] != "revoked"


def test_a_third_party_verifier_accepts_issued_codes_and_rejects_tampered_ones(
    session: Session, runtime: Runtime
) -> None:
    world = make_world(session, runtime.ring)
    batch = make_batch(session, world, runtime.ring, count=3)
    published = json.loads(json.dumps(keys.jwks(session)))
    urls = code_urls(session, runtime.ring, batch)
    assert SIGNATURE_DIGITS == 155
    assert all(third_party_verify(u, published) for u in urls)
    moved = urls[0].replace("/21/1?", "/21/2?")
    assert not third_party_verify(moved, published)
