"""Validation and normalisation of the identifiers the filing rules rest on.

USCC (GB 32100) via ``python-stdnum``, GTIN via ``biip``, countries via ``pycountry``; HS codes,
GS1 lot/serial characters and resident ID numbers (GB 11643) are checked here because no library covers
them correctly. Every function returns
the canonical form (GTIN-14, upper-case USCC, bare HS digits) so that equal things compare equal.
"""

from __future__ import annotations

import re
from datetime import date

import pycountry
from biip import ParseError
from biip.gtin import Gtin
from stdnum.cn import uscc as stdnum_uscc

from suyuan.trace.errors import InvalidCountry, InvalidGtin, InvalidHsCode, InvalidInput, InvalidUscc

# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
_CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+")
_USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
# HS chapters 1-97 exist, chapter 77 is reserved for future use.
_HS_CHAPTERS = frozenset(range(1, 98)) - {77}


def normalize_uscc(value: str) -> str:
    """Return the upper-case USCC or raise ``InvalidUscc`` naming what is wrong.

    GB 32100: 18 characters of ``0-9 A-H J-N P-R T-U W-Y``; characters 3-8 are an administrative
    division (digits); 9-17 are the GB 11714 organisation code with its own mod-11 check; 18 is the
    mod-31 check character (computed with ``python-stdnum``, which on its own also rejects codes of
    registration authorities that use letters, such as ``Y`` or ``N``).
    """
    text = (value or "").strip().upper()
    if len(text) != 18:
        raise InvalidUscc(f"USCC {value!r} must be 18 characters", field="uscc")
    if any(c not in _USCC_ALPHABET for c in text) or not text[2:8].isdigit():
        raise InvalidUscc(f"USCC {value!r} uses characters outside GB 32100 (no I, O, S, V, Z)", field="uscc")
    if text[17] != stdnum_uscc.calc_check_digit(text[:17]):
        raise InvalidUscc(f"USCC {value!r} has a wrong check character", field="uscc")
    if text[16] != _organisation_check(text[8:16]):
        raise InvalidUscc(
            f"USCC {value!r} embeds an organisation code with a wrong check character", field="uscc"
        )
    return text


def _organisation_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body (letters count A=10..Z=35)."""
    total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_EARLIEST_BIRTH = date(1900, 1, 1)


def resident_id_check_character(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) of the first 17 digits: ``0-9`` or ``X``."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def resident_id_valid(number: str, today: date | None = None) -> bool:
    """Whether ``number`` is a well-formed 18-character resident ID number (GB 11643-1999).

    Checks the form (17 digits and a digit or ``X``), the birth date (a real day from 1900 to today) and
    the ISO 7064 MOD 11-2 check character, and deliberately **no area table**: ``stdnum.cn.ric`` refuses
    area codes missing from its own table (Shanghai Pudong's ``310115`` among them) that real ID cards
    carry. The one check for every place that takes an ID number (exit declarations, CEB documents).
    """
    if len(number) != 18 or not number.isascii() or not number[:17].isdigit():
        return False
    if not (number[17].isdigit() or number[17] == "X"):
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not _ID_EARLIEST_BIRTH <= born <= (today or date.today()):
        return False
    return number[17] == resident_id_check_character(number[:17])


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
    if not value or len(value) > max_length or not _CSET82.fullmatch(value):
        raise InvalidInput(
            f"{field} {value!r} must be 1-{max_length} characters of the GS1 set "
            "(A-Z a-z 0-9 and !\"%&'()*+,-./:;<=>?_)",
            field=field,
        )
    return value


def complete_uscc(prefix: str, organisation_body: str) -> str:
    """Build a valid USCC from its first 8 characters and an 8-character organisation code body.

    Used for demo data and test factories, so that every generated enterprise passes GB 32100.
    """
    first17 = prefix.upper() + organisation_body.upper() + _organisation_check(organisation_body.upper())
    return first17 + str(stdnum_uscc.calc_check_digit(first17))


def complete_gtin(payload: str) -> str:
    """Append the GS1 mod-10 check digit to a 7, 11, 12 or 13 digit payload and return GTIN-14."""
    weights = [3 if i % 2 == 0 else 1 for i in range(len(payload))]
    total = sum(int(d) * w for d, w in zip(reversed(payload), weights, strict=True))
    return normalize_gtin(payload + str((10 - total % 10) % 10))
