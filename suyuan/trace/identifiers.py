"""Validation and normalisation of the identifiers the filing rules rest on.

USCC (GB 32100) via ``python-stdnum``, GTIN via ``biip``, countries via ``pycountry``; HS codes and
GS1 lot/serial characters are checked here because no library covers them. Every function returns
the canonical form (GTIN-14, upper-case USCC, bare HS digits) so that equal things compare equal.
"""

from __future__ import annotations

import re

import pycountry
from biip import ParseError
from biip.gtin import Gtin
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

from suyuan.trace.errors import InvalidCountry, InvalidGtin, InvalidHsCode, InvalidInput, InvalidUscc

# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$")
# HS chapters 1-97 exist, chapter 77 is reserved for future use.
_HS_CHAPTERS = frozenset(range(1, 98)) - {77}


def normalize_uscc(value: str) -> str:
    """Return the upper-case USCC or raise ``InvalidUscc`` naming what is wrong."""
    text = (value or "").strip().upper()
    try:
        return str(stdnum_uscc.validate(text))
    except ValidationError as exc:
        raise InvalidUscc(f"USCC {value!r} is invalid: {exc}", field="uscc") from exc


def organisation_code(uscc: str) -> str:
    """The legacy GB 11714 organisation code embedded in a USCC (characters 9-17)."""
    return uscc[8:17]


def normalize_gtin(value: str) -> str:
    """Return the GTIN as 14 digits (GTIN-8/12/13/14 accepted) or raise ``InvalidGtin``."""
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) not in (8, 12, 13, 14):
        raise InvalidGtin(f"GTIN {value!r} must be 8, 12, 13 or 14 digits", field="gtin")
    try:
        return str(Gtin.parse(text).as_gtin_14())
    except ParseError as exc:
        raise InvalidGtin(f"GTIN {value!r} is invalid: {exc}", field="gtin") from exc


def normalize_hs_code(value: str) -> str:
    """Return the HS code as bare digits: 6 (WCO), 8 (tariff line) or 10 (China declaration)."""
    text = re.sub(r"[.\s]", "", value or "")
    if not text.isascii() or not text.isdigit() or len(text) not in (6, 8, 10):
        raise InvalidHsCode(f"HS code {value!r} must be 6, 8 or 10 digits", field="hs_code")
    if int(text[:2]) not in _HS_CHAPTERS:
        raise InvalidHsCode(f"HS code {value!r} names no HS chapter", field="hs_code")
    return text


def normalize_country(value: str, field: str = "country") -> str:
    """Return an ISO 3166-1 alpha-2 code (alpha-3 is accepted and converted)."""
    text = (value or "").strip().upper()
    country = None
    if len(text) == 2:
        country = pycountry.countries.get(alpha_2=text)
    elif len(text) == 3:
        country = pycountry.countries.get(alpha_3=text)
    if country is None:
        raise InvalidCountry(f"{value!r} is not an ISO 3166-1 country code", field=field)
    return str(country.alpha_2)


def validate_gs1_text(value: str, field: str, max_length: int = 20) -> str:
    """Check a lot or serial: 1-``max_length`` characters of GS1 character set 82."""
    if not value or len(value) > max_length or not _CSET82.match(value):
        raise InvalidInput(
            f"{field} {value!r} must be 1-{max_length} characters of the GS1 set "
            "(A-Z a-z 0-9 and !\"%&'()*+,-./:;<=>?_)",
            field=field,
        )
    return value
