"""The quick reading of Suyuan's own code shape gives exactly what the full GS1 Digital Link parser gives."""

from __future__ import annotations

import random

import pytest

from suyuan.trace import codes
from suyuan.trace.codes import CodeId, MalformedCode, code_url, parse_code


def _full(url: str) -> object:
    """The full parser's reading (the quick path switched off for this call only)."""
    try:
        return codes._parse_full(url)
    except MalformedCode as exc:
        return ("malformed", exc.reason)


def _quick(url: str) -> object:
    try:
        return parse_code(url)
    except MalformedCode as exc:
        return ("malformed", exc.reason)


def _variants(rng: random.Random) -> list[str]:
    body = "".join(rng.choice("0123456789") for _ in range(13))
    check = (10 - sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body)) % 10) % 10
    gtin = body + str(check)
    lot = "".join(rng.choice("ABCXYZ0123456789") for _ in range(rng.randint(1, 20)))
    serial = str(rng.randint(1, 10**12))
    url = code_url(
        "HTTPS://SY.EXAMPLE.CN", CodeId(gtin, lot, serial), str(rng.randint(1, 999)), rng.randbytes(64)
    )
    return [
        url,
        url.replace("HTTPS://SY.EXAMPLE.CN", "https://sy.example.cn:8443"),
        url.replace(gtin, gtin[:13] + str((int(gtin[13]) + 1) % 10)),  # wrong check digit
        url.replace("/21/", "/21/0"),  # leading zero
        url.replace("/10/", "/10/a"),  # lower case lot
        url + "&x=1",
        url.replace("?s=", "?s=0"),
        url[:-3],
        url.replace("/01/", "/shop/01/"),
    ]


@pytest.mark.parametrize("seed", range(40))
def test_the_quick_reading_agrees_with_the_full_parser(seed: int) -> None:
    urls = _variants(random.Random(seed))
    assert isinstance(_full(urls[0]), codes.ParsedCode)  # the printed shape is a code for both
    assert codes.read_own_code(urls[0]) is not None  # and is read the quick way
    for url in urls:
        assert _quick(url) == _full(url), url


def test_offline_verification_names_the_revocation_list_type_the_server_signs() -> None:
    from suyuan.scanner import offline
    from suyuan.trace import revocations

    assert offline.LIST_TYPE == revocations.LIST_TYPE
