"""GS1 Digital Link URI parsing that accepts and rejects exactly what the GS1 Barcode Syntax Engine does.

Every Suyuan code is a GS1 Digital Link URI, and scans of other brands' codes are too, so this parser is
the gate every scanned text passes. It follows the reference implementation (``gs1_parseDLuri`` in the
GS1 Barcode Syntax Engine, Apache-2.0) step by step: URI character set and scheme, host characters, a
right-to-left walk of the path to find the primary key (anything before it is a free path prefix), the
key-qualifier order rules, query parameters (numeric keys must be AIs, other keys are passed through),
attributes that belong in the path, duplicates, and finally each AI value's length, character set and
content checks ("linters": check digits, dates, country codes ...).

What comes from ``biip``: the table of Application Identifiers (which AIs exist, whether a value needs
an FNC1 separator after it, a regular expression for its length and character set) and the GS1 mod-10
check digit. What biip lacks is written here, as small tables transcribed from the GS1 Barcode Syntax
Dictionary (Copyright GS1 AISBL, Apache-2.0): the Digital Link primary keys and their qualifier
sequences, the AIs that may not be query attributes, the linters attached to each AI and the deprecated
"convenience alphas". ``tests/trace/test_digital_link.py`` checks these tables against the dictionary.

Beyond the engine, and because the signature parameter of our codes relies on it, the parser also
refuses over-long and non-ASCII input before doing any work and reports a repeated non-GS1 query
parameter (``duplicate_param``). It raises nothing but :class:`DigitalLinkError` for any ``str``.
"""

from __future__ import annotations

import calendar
import re
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from itertools import combinations

import pycountry
from biip.checksums import gs1_standard_check_digit

# biip keeps its AI table in a private module attribute; biip>=5,<6 is pinned and the tests cover it.
from biip.gs1_application_identifiers import _GS1_APPLICATION_IDENTIFIERS as _BIIP_AIS

DEFAULT_MAX_LENGTH = 2048

_URI_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")
_URI_TEXT = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
_BAD_HOST_CHARACTERS = frozenset("_~?#@!$&'()*+,;=%")
_SCHEMES = ("https://", "HTTPS://", "http://", "HTTP://")
_CSET82 = frozenset(string.ascii_letters + string.digits + "!\"%&'()*+,-./:;<=>?_")
_CSET39 = frozenset(string.ascii_uppercase + string.digits + "#-/")
_CSET64 = frozenset(string.ascii_letters + string.digits + "-_=")
_HEX = frozenset(string.hexdigits)
_MAX_UNKNOWN_AI_VALUE = 90


class DigitalLinkReason(StrEnum):
    """Why a text is not an acceptable GS1 Digital Link URI; stable values for APIs, logs and tests."""

    NOT_A_URI = "not_a_uri"
    """Empty, not http(s), or no host and path."""
    TOO_LONG = "too_long"
    """Longer than the caller's ``max_length``: refused before any parsing."""
    BAD_CHARACTERS = "bad_characters"
    """Non-ASCII or outside the URI character set, or an AI value outside its GS1 character set."""
    BAD_HOST = "bad_host"
    """The host part holds characters that no domain name or IP literal may contain."""
    BAD_PATH = "bad_path"
    """No primary key in the path, an empty value, or qualifiers in a sequence GS1 does not allow."""
    UNKNOWN_AI = "unknown_ai"
    """A numeric query parameter that is no GS1 Application Identifier."""
    BAD_LENGTH = "bad_length"
    """An AI value is shorter or longer than its AI allows."""
    BAD_CHECK_DIGIT = "bad_check_digit"
    """A GS1 check digit or alphanumeric check character pair is wrong."""
    BAD_DATE = "bad_date"
    """A date or time component names no real date or time."""
    BAD_VALUE = "bad_value"
    """Any other content check failed (country, currency, position, coordinates ...)."""
    BAD_QUERY = "bad_query"
    """An empty AI value, an AI that may not be an attribute, or one that belongs in the path."""
    DUPLICATE_AI = "duplicate_ai"
    """The same AI appears twice."""
    DUPLICATE_PARAM = "duplicate_param"
    """The same non-GS1 query parameter appears twice (our signature ``s`` relies on this)."""


class DigitalLinkError(ValueError):
    """A text is not an acceptable GS1 Digital Link URI.

    ``reason`` is a :class:`DigitalLinkReason` (a ``str``) for programs; ``str(err)`` says precisely
    what is wrong for people. It subclasses ``ValueError`` so callers that only care "bad input" can.
    """

    def __init__(self, reason: DigitalLinkReason, message: str) -> None:
        super().__init__(message)
        self.reason: str = reason


@dataclass(frozen=True)
class DigitalLinkOptions:
    """Switches for the engine's non-default leniencies; all off by default, as in the engine.

    They exist because GS1's own test vectors exercise them, and because a resolver for other brands'
    codes may want them. Suyuan's codes never need any of them.
    """

    permit_convenience_alphas: bool = False
    """Accept deprecated path keys such as ``/gtin/`` and ``/ser/`` in place of ``/01/`` and ``/21/``."""
    permit_zero_suppressed_gtin: bool = False
    """Accept a GTIN-8, -12 or -13 for AI (01) and pad it with zeros to a GTIN-14."""
    permit_unknown_ais: bool = False
    """Accept numeric keys that are not (yet) GS1 AIs, as CSET 82 values of up to 90 characters."""
    permit_unknown_ai_attributes: bool = False
    """With ``permit_unknown_ais``, also accept unknown AIs as query attributes."""


STRICT = DigitalLinkOptions()
"""The engine's defaults, and ours: every leniency off."""


@dataclass(frozen=True)
class DigitalLink:
    """A parsed GS1 Digital Link URI: its GS1 element strings plus whatever else the URI carried.

    ``element_string`` is the GS1 element string with ``^`` for FNC1, in the order of the URI (path,
    then query), exactly as the GS1 Barcode Syntax Engine writes it.
    """

    primary: tuple[str, str]
    """The primary key ``(ai, value)``, e.g. ``("01", "09501101530003")``."""
    qualifiers: tuple[tuple[str, str], ...]
    """Key qualifiers from the path, in order, e.g. ``(("10", "LOT1"), ("21", "123"))``."""
    attributes: tuple[tuple[str, str], ...]
    """GS1 AI data attributes from the query string, in order, values percent-decoded."""
    extra_params: tuple[tuple[str, str], ...]
    """Non-GS1 query parameters, in order, keys and values percent-decoded; each name at most once."""
    element_string: str
    """The GS1 element string, ``^`` standing for FNC1."""
    host: str
    """The host as written (any case, with any port)."""
    path_prefix: str
    """Whatever path precedes the primary key, e.g. ``/some/prefix``; usually empty."""

    def get(self, ai: str) -> str | None:
        """The value of ``ai`` wherever it appears (primary key, qualifier or attribute), else None."""
        for key, value in (self.primary, *self.qualifiers, *self.attributes):
            if key == ai:
                return value
        return None

    def param(self, name: str) -> str | None:
        """The decoded value of the non-GS1 query parameter ``name`` (singletons give ""), else None."""
        for key, value in self.extra_params:
            if key == name:
                return value
        return None


# ---------------------------------------------------------------------------------------------------
# Tables transcribed from the GS1 Barcode Syntax Dictionary (GS1 AISBL, Apache-2.0); see module docs.

# "dlpkey" attributes: primary key -> alternative ordered qualifier sequences.
_DL_PRIMARY_KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "00": ((),),
    "01": (("22", "10", "21"), ("235",)),
    "253": ((),),
    "255": ((),),
    "401": ((),),
    "402": ((),),
    "414": (("254",), ("7040",)),
    "415": (("8020",),),
    "417": (("7040",),),
    "8003": ((),),
    "8004": (("7040",),),
    "8006": (("22", "10", "21"),),
    "8010": (("8011",),),
    "8013": ((),),
    "8017": (("8019",),),
    "8018": (("8019",),),
}

# AIs without the "?" flag: they may not be Digital Link query attributes.
_NOT_ATTRIBUTES = frozenset(
    {"03", "21", "22", "235", "254", "7040", "7041", "8011", "8014", "8019", "8020"}
    | {"8040", "8041", "8042", "8043", "8200"}
)

# Deprecated convenience alphas for path keys (only with permit_convenience_alphas).
_CONVENIENCE_ALPHAS = {
    "cpid": "8010",
    "cpsn": "8011",
    "cpv": "22",
    "gcn": "255",
    "gdti": "253",
    "giai": "8004",
    "ginc": "401",
    "gln": "414",
    "glnx": "254",
    "gmn": "8013",
    "grai": "8003",
    "gsin": "402",
    "gsrn": "8018",
    "gsrnp": "8017",
    "gtin": "01",
    "itip": "8006",
    "lot": "10",
    "party": "417",
    "refno": "8020",
    "ser": "21",
    "srin": "8019",
    "sscc": "00",
}

# Value lengths of AI prefixes predefined as fixed-length (GS1 General Specifications figure 5.10.1-2);
# only consulted when an unknown AI is accepted.
_PREDEFINED_VALUE_LENGTHS = {"00": 18, "01": 14, "02": 14, "03": 14, "04": 16, "20": 2, "41": 13}
_PREDEFINED_VALUE_LENGTHS |= {f"{n}": 6 for n in (*range(11, 20), *range(31, 37))}


@dataclass(frozen=True)
class _Check:
    """One linter applied to the slice ``[start:end]`` of a value; skipped if that slice is empty."""

    linter: str
    start: int = 0
    end: int | None = None


def _ais(*names: str) -> tuple[str, ...]:
    return names


def _ai_range(first: int, last: int, width: int = 4) -> tuple[str, ...]:
    return tuple(str(n).zfill(width) for n in range(first, last + 1))


_KEY_14 = (_Check("csum"), _Check("gcppos2"))
_KEY_N = (_Check("csum"), _Check("gcppos1"))
_CHECK_TABLE: tuple[tuple[tuple[str, ...], tuple[_Check, ...]], ...] = (
    (_ais("00", "01", "02", "03"), _KEY_14),
    (_ais("11", "12", "13", "15", "16", "17"), (_Check("yymmd0"),)),
    (_ais("253", "255"), (_Check("csum", 0, 13), _Check("gcppos1", 0, 13))),
    (_ai_range(3910, 3919) + _ai_range(3930, 3939), (_Check("iso4217", 0, 3),)),
    (_ais("401", "7023", "8004", "8010"), (_Check("gcppos1"),)),
    (_ais("402", "410", "411", "412", "413", "414", "415", "416", "417", "8017", "8018"), _KEY_N),
    (_ais("421"), (_Check("iso3166", 0, 3),)),
    (_ais("422", "424", "426"), (_Check("iso3166"),)),
    (_ais("423", "425"), tuple(_Check("iso3166", n, n + 3) for n in range(0, 15, 3))),
    (
        _ai_range(4300, 4306) + _ai_range(4310, 4316) + _ais("4320", "7253", "7254", "7256", "7257", "7259"),
        (_Check("pcenc"),),
    ),
    (_ais("4307", "4317"), (_Check("iso3166alpha2"),)),
    (_ais("4309"), (_Check("latitude", 0, 10), _Check("longitude", 10, 20))),
    (_ais("4321", "4322", "4323"), (_Check("yesno"),)),
    (_ais("4324", "4325"), (_Check("yymmd0", 0, 6), _Check("hhmi", 6, 10))),
    (_ais("4326", "7006"), (_Check("yymmdd"),)),
    (_ai_range(4330, 4333), (_Check("hyphen", 6, 7),)),
    (_ais("7003", "7011"), (_Check("yymmdd", 0, 6), _Check("hhmi", 6, 10))),
    (_ais("7007"), (_Check("yymmdd", 0, 6), _Check("yymmdd", 6, 12))),
    (_ai_range(7030, 7039), (_Check("iso3166999", 0, 3),)),
    (_ais("7040"), (_Check("importeridx", 3, 4),)),
    (_ais("7241"), (_Check("mediatype"),)),
    (_ais("7250"), (_Check("yyyymmdd"),)),
    (_ais("7251"), (_Check("yyyymmdd", 0, 8), _Check("hhmi", 8, 12))),
    (_ais("7252"), (_Check("iso5218"),)),
    (_ais("7258"), (_Check("posinseqslash"),)),
    (
        _ais("8001"),
        (
            _Check("nonzero", 0, 4),
            _Check("nonzero", 4, 9),
            _Check("nonzero", 9, 12),
            _Check("winding", 12, 13),
        ),
    ),
    (_ais("8003"), (_Check("zero", 0, 1), _Check("csum", 1, 14), _Check("gcppos1", 1, 14))),
    (_ais("8006", "8026"), (_Check("csum", 0, 14), _Check("gcppos2", 0, 14), _Check("pieceoftotal", 14, 18))),
    (_ais("8007"), (_Check("iban"),)),
    (_ais("8008"), (_Check("yymmdd", 0, 6), _Check("hh", 6, 8), _Check("mi", 8, 10), _Check("ss", 10, 12))),
    (_ais("8011"), (_Check("nozeroprefix"),)),
    (_ais("8013"), (_Check("csumalpha"), _Check("gcppos1"))),
    (_ais("8014"), (_Check("csumalpha"), _Check("gcppos1"), _Check("hasnondigit"))),
)
_CHECKS: dict[str, tuple[_Check, ...]] = {ai: checks for ais, checks in _CHECK_TABLE for ai in ais}

# Linters the dictionary names that are not implemented here (see docs/gs1-conformance.md).
UNIMPLEMENTED_LINTERS = frozenset({"packagetype", "couponcode", "couponposoffer"})


# ---------------------------------------------------------------------------------------------------
# Linters: each takes one component and returns None if it is fine, else a message fragment.

_Linter = Callable[[str], str | None]
# The first 97 primes weight CSET 82 characters, right to left, in the alphanumeric check pair.
_CSUMALPHA_WEIGHTS = tuple(n for n in range(2, 510) if all(n % d for d in range(2, int(n**0.5) + 1)))
_CSET82_ORDER = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
_CSET32_ORDER = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_IMPORTER_INDEX = frozenset(string.ascii_letters + string.digits + "-_")


def _lint_csum(value: str) -> str | None:
    if not value.isdigit():
        return "check digit needs digits only"
    expected = gs1_standard_check_digit(value[:-1]) if len(value) > 1 else 0
    if int(value[-1]) != expected:
        return f"check digit is wrong: expected {expected}, got {value[-1]}"
    return None


def _lint_csumalpha(value: str) -> str | None:
    if len(value) < 2 or len(value) - 2 > len(_CSUMALPHA_WEIGHTS):
        return "has no room for a check character pair"
    data, pair = value[:-2], value[-2:]
    if any(c not in _CSET32_ORDER for c in pair) or any(c not in _CSET82_ORDER for c in data):
        return "check character pair is not in CSET 32"
    weights = _CSUMALPHA_WEIGHTS[: len(data)][::-1]
    total = sum(_CSET82_ORDER.index(c) * w for c, w in zip(data, weights, strict=True)) % 1021
    expected = _CSET32_ORDER[total >> 5] + _CSET32_ORDER[total & 31]
    return None if pair == expected else f"check character pair is wrong: expected {expected}, got {pair}"


def _lint_gcppos1(value: str) -> str | None:
    return None if len(value) >= 4 and value[:4].isdigit() else "does not start with a GS1 Company Prefix"


def _lint_gcppos2(value: str) -> str | None:
    return _lint_gcppos1(value[1:]) if len(value) >= 2 else "does not hold a GS1 Company Prefix"


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _year_from_yy(yy: int) -> int:
    """Century by the engine's sliding window around 2021; it only matters for 29 February."""
    if yy - 21 >= 51:
        return 1900 + yy
    return 2000 + yy if yy - 21 > -50 else 2100 + yy


def _date_problem(year: int, month: int, day: int, *, day_zero_ok: bool) -> str | None:
    if not 1 <= month <= 12:
        return f"month {month:02d} does not exist"
    if day == 0 and day_zero_ok:
        return None
    days = 29 if month == 2 and calendar.isleap(year) else _DAYS_IN_MONTH[month - 1]
    if not 1 <= day <= days:
        return f"day {day:02d} does not exist in {year:04d}-{month:02d}"
    return None


def _lint_yymmd0(value: str) -> str | None:
    if len(value) != 6 or not value.isdigit():
        return "is not a YYMMDD date"
    return _date_problem(_year_from_yy(int(value[:2])), int(value[2:4]), int(value[4:]), day_zero_ok=True)


def _lint_yymmdd(value: str) -> str | None:
    if len(value) != 6 or not value.isdigit():
        return "is not a YYMMDD date"
    return _date_problem(_year_from_yy(int(value[:2])), int(value[2:4]), int(value[4:]), day_zero_ok=False)


def _lint_yyyymmdd(value: str) -> str | None:
    if len(value) != 8 or not value.isdigit():
        return "is not a YYYYMMDD date"
    return _date_problem(int(value[:4]), int(value[4:6]), int(value[6:]), day_zero_ok=False)


def _two_digits_below(value: str, limit: int, what: str) -> str | None:
    return (
        None if len(value) == 2 and value.isdigit() and int(value) < limit else f"{what} {value} is invalid"
    )


def _lint_hh(value: str) -> str | None:
    return _two_digits_below(value, 24, "hour")


def _lint_mi(value: str) -> str | None:
    return _two_digits_below(value, 60, "minute")


def _lint_hhmi(value: str) -> str | None:
    return _lint_hh(value[:2]) or _lint_mi(value[2:])


def _lint_one_of(choices: Iterable[str], what: str) -> _Linter:
    allowed = frozenset(choices)
    return lambda value: None if value in allowed else f"{value!r} is not a valid {what}"


@cache
def _country_numeric_codes() -> frozenset[str]:
    return frozenset(country.numeric for country in pycountry.countries)


@cache
def _country_alpha2_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


@cache
def _currency_numeric_codes() -> frozenset[str]:
    return frozenset(
        code for currency in pycountry.currencies if (code := getattr(currency, "numeric", None))
    )


def _lint_iso3166(value: str) -> str | None:
    return None if value in _country_numeric_codes() else f"{value!r} is not an ISO 3166 country number"


def _lint_iso3166999(value: str) -> str | None:
    return None if value == "999" else _lint_iso3166(value)


def _lint_iso3166alpha2(value: str) -> str | None:
    return None if value in _country_alpha2_codes() else f"{value!r} is not an ISO 3166 alpha-2 country"


def _lint_iso4217(value: str) -> str | None:
    return None if value in _currency_numeric_codes() else f"{value!r} is not an ISO 4217 currency number"


def _lint_nonzero(value: str) -> str | None:
    return None if value.strip("0") else "must not be zero"


def _lint_nozeroprefix(value: str) -> str | None:
    return "must not start with 0" if len(value) > 1 and value.startswith("0") else None


def _lint_pieceoftotal(value: str) -> str | None:
    half = len(value) // 2
    if len(value) % 2 or not value.isdigit():
        return "is not a piece/total pair"
    piece, total = int(value[:half]), int(value[half:])
    return None if 0 < piece <= total else f"piece {piece} of total {total} is impossible"


def _lint_latitude(value: str) -> str | None:
    return None if value.isdigit() and int(value) <= 1_800_000_000 else "latitude is out of range"


def _lint_longitude(value: str) -> str | None:
    return None if value.isdigit() and int(value) <= 3_600_000_000 else "longitude is out of range"


def _lint_pcenc(value: str) -> str | None:
    for index, char in enumerate(value):
        if char == "%" and not (len(value) > index + 2 and {value[index + 1], value[index + 2]} <= _HEX):
            return "has a % that does not start a percent-escape"
    return None


def _lint_posinseqslash(value: str) -> str | None:
    position, slash, end = value.partition("/")
    if not (slash and position.isdigit() and end.isdigit()):
        return "is not position/end"
    if position.startswith("0") or end.startswith("0"):
        return "position and end must not be zero or start with 0"
    return None if int(position) <= int(end) else "position exceeds end"


def _lint_iban(value: str) -> str | None:
    if not 5 <= len(value) <= 34 or any(c not in string.ascii_uppercase + string.digits for c in value):
        return "is not an IBAN"
    if value[:2] not in _country_alpha2_codes() or not value[2:4].isdigit():
        return "is not an IBAN"
    digits = "".join(str(int(c, 36)) for c in value[4:] + value[:4])
    return None if int(digits) % 97 == 1 else "IBAN check digits are wrong"


def _lint_hasnondigit(value: str) -> str | None:
    return None if not value.isdigit() else "must contain a non-digit"


# Linters of numeric components: letters there are a character-set error, not a content error.
_NUMERIC_LINTERS = frozenset(
    {"csum", "yymmd0", "yymmdd", "yyyymmdd", "hh", "mi", "ss", "hhmi", "iso3166", "iso3166999", "iso4217"}
    | {"nonzero", "pieceoftotal", "latitude", "longitude", "nozeroprefix"}
)
_LINTERS: dict[str, tuple[DigitalLinkReason, _Linter]] = {
    "csum": (DigitalLinkReason.BAD_CHECK_DIGIT, _lint_csum),
    "csumalpha": (DigitalLinkReason.BAD_CHECK_DIGIT, _lint_csumalpha),
    "gcppos1": (DigitalLinkReason.BAD_VALUE, _lint_gcppos1),
    "gcppos2": (DigitalLinkReason.BAD_VALUE, _lint_gcppos2),
    "yymmd0": (DigitalLinkReason.BAD_DATE, _lint_yymmd0),
    "yymmdd": (DigitalLinkReason.BAD_DATE, _lint_yymmdd),
    "yyyymmdd": (DigitalLinkReason.BAD_DATE, _lint_yyyymmdd),
    "hh": (DigitalLinkReason.BAD_DATE, _lint_hh),
    "mi": (DigitalLinkReason.BAD_DATE, _lint_mi),
    "ss": (DigitalLinkReason.BAD_DATE, _lint_mi),
    "hhmi": (DigitalLinkReason.BAD_DATE, _lint_hhmi),
    "iso3166": (DigitalLinkReason.BAD_VALUE, _lint_iso3166),
    "iso3166999": (DigitalLinkReason.BAD_VALUE, _lint_iso3166999),
    "iso3166alpha2": (DigitalLinkReason.BAD_VALUE, _lint_iso3166alpha2),
    "iso4217": (DigitalLinkReason.BAD_VALUE, _lint_iso4217),
    "iso5218": (DigitalLinkReason.BAD_VALUE, _lint_one_of("0129", "ISO 5218 sex code")),
    "mediatype": (
        DigitalLinkReason.BAD_VALUE,
        _lint_one_of((f"{n:02d}" for n in (*range(1, 11), *range(80, 100))), "media type"),
    ),
    "yesno": (DigitalLinkReason.BAD_VALUE, _lint_one_of("01", "yes/no flag")),
    "zero": (DigitalLinkReason.BAD_VALUE, _lint_one_of("0", "zero digit")),
    "winding": (DigitalLinkReason.BAD_VALUE, _lint_one_of("019", "winding direction")),
    "hyphen": (DigitalLinkReason.BAD_VALUE, _lint_one_of("-", "hyphen")),
    "importeridx": (DigitalLinkReason.BAD_VALUE, _lint_one_of(_IMPORTER_INDEX, "importer index")),
    "nonzero": (DigitalLinkReason.BAD_VALUE, _lint_nonzero),
    "nozeroprefix": (DigitalLinkReason.BAD_VALUE, _lint_nozeroprefix),
    "pieceoftotal": (DigitalLinkReason.BAD_VALUE, _lint_pieceoftotal),
    "latitude": (DigitalLinkReason.BAD_VALUE, _lint_latitude),
    "longitude": (DigitalLinkReason.BAD_VALUE, _lint_longitude),
    "pcenc": (DigitalLinkReason.BAD_VALUE, _lint_pcenc),
    "posinseqslash": (DigitalLinkReason.BAD_VALUE, _lint_posinseqslash),
    "iban": (DigitalLinkReason.BAD_VALUE, _lint_iban),
    "hasnondigit": (DigitalLinkReason.BAD_VALUE, _lint_hasnondigit),
}


# ---------------------------------------------------------------------------------------------------
# The AI table, from biip.


@dataclass(frozen=True)
class _AiSpec:
    """What the parser needs to know about one AI."""

    ai: str
    fnc1: bool  # a separator must follow the value (variable-length or not predefined)
    pattern: re.Pattern[str]  # matches AI + value: lengths and character sets per component
    min_length: int
    max_length: int
    charset: frozenset[str]
    unknown: bool = False


_FORMAT_TOKEN = re.compile(r"\[|\]|[NXYZ]\d+\.\.[NXYZ]\d+|[NXYZ]\.\.\d+|[NXYZ]\d+|-")


def _length_bounds(biip_format: str) -> tuple[int, int]:
    """Minimum and maximum value length from a biip format such as ``N3+N13[+X..17]``."""
    low = high = depth = 0
    for token in _FORMAT_TOKEN.findall(biip_format.split("+", 1)[1]):
        if token in "[]":
            depth += 1 if token == "[" else -1
            continue
        numbers = [int(n) for n in re.findall(r"\d+", token)] or [1]
        shortest, longest = (1, numbers[-1]) if ".." in token else (numbers[0], numbers[0])
        high += longest
        low += shortest if depth == 0 else 0
    return low, high


def _charset(biip_format: str) -> frozenset[str]:
    kinds = set(re.findall(r"[NXYZ]", biip_format.split("+", 1)[1]))
    sets = {"N": frozenset(string.digits), "X": _CSET82, "Y": _CSET39, "Z": _CSET64}
    return frozenset().union(*(sets[kind] for kind in kinds)) | (
        frozenset("-") if "-" in biip_format else frozenset()
    )


# biip writes N3+N..12 where the dictionary has N3 [N3] [N3] [N3] [N3]: one country is enough.
_MIN_LENGTH_OVERRIDES = {"423": 3, "425": 3}


@cache
def _known_ai_specs() -> dict[str, _AiSpec]:
    specs = {}
    for ai, entry in _BIIP_AIS.items():
        low, high = _length_bounds(entry.format)
        low = _MIN_LENGTH_OVERRIDES.get(ai, low)
        pattern = re.compile(entry.pattern)
        specs[ai] = _AiSpec(ai, entry.separator_required, pattern, low, high, _charset(entry.format))
    return specs


@cache
def _ai_length_by_prefix() -> dict[str, int]:
    return {ai[:2]: len(ai) for ai in _known_ai_specs()}


def _lookup_ai(ai: str, *, permit_unknown: bool = False) -> _AiSpec | None:
    """The spec of numeric AI ``ai``, vivifying an unknown one as the engine does, else None.

    An unknown AI is only accepted if it is 2-4 digits, neither a prefix of a known AI nor starting with
    one, and as long as the known AIs sharing its first two digits.
    """
    if not 2 <= len(ai) <= 4 or not ai.isdigit() or not ai.isascii():
        return None
    known = _known_ai_specs()
    if ai in known:
        return known[ai]
    if not permit_unknown or any(other.startswith(ai) or ai.startswith(other) for other in known):
        return None
    prefix_length = _ai_length_by_prefix().get(ai[:2])
    if prefix_length is not None and prefix_length != len(ai):
        return None
    fixed = _PREDEFINED_VALUE_LENGTHS.get(ai[:2])
    low, high = (fixed, fixed) if fixed else (1, _MAX_UNKNOWN_AI_VALUE)
    pattern = re.compile(f"{ai}[!%-?A-Z_a-z\x22]{{{low},{high}}}")
    return _AiSpec(ai, fixed is None, pattern, low, high, _CSET82, unknown=True)


# ---------------------------------------------------------------------------------------------------
# Parsing.


@dataclass(frozen=True)
class _Element:
    """One AI and its decoded value, from the path or the query."""

    spec: _AiSpec
    value: str


def parse_digital_link(
    uri: str, *, max_length: int = DEFAULT_MAX_LENGTH, options: DigitalLinkOptions = STRICT
) -> DigitalLink:
    """Parse ``uri`` as a GS1 Digital Link URI or raise :class:`DigitalLinkError` saying why not.

    Accepts what the GS1 Barcode Syntax Engine accepts (with ``options`` mirroring its switches) and
    yields the same element string; in addition refuses input longer than ``max_length`` or not ASCII
    before any other work, and a repeated non-GS1 query parameter.
    """
    _check_input(uri, max_length)
    after_scheme = _strip_scheme(uri)
    host, rest = _split_host(after_scheme)
    path, query = _split_path_and_query(rest)
    prefix, pairs = _find_key_path(path, options)
    path_elements = [_path_element(ai, raw, options) for ai, raw in pairs]
    query_elements, extra_params = _read_query(query or "", options)
    _check_key_qualifiers(path_elements)
    _check_attributes(path_elements, query_elements, options)
    for element in (*path_elements, *query_elements):
        _validate_value(element)
    return _build(path_elements, query_elements, extra_params, host, prefix)


def _check_input(uri: object, max_length: int) -> None:
    """Cheap refusals first: wrong type, too long, non-ASCII, characters no URI may hold."""
    if not isinstance(uri, str):
        raise DigitalLinkError(DigitalLinkReason.NOT_A_URI, f"expected text, got {type(uri).__name__}")
    if len(uri) > max_length:
        raise DigitalLinkError(
            DigitalLinkReason.TOO_LONG, f"URI is {len(uri)} characters, the limit is {max_length}"
        )
    if not uri.isascii():
        raise DigitalLinkError(DigitalLinkReason.BAD_CHARACTERS, "URI contains non-ASCII characters")
    if _URI_TEXT.fullmatch(uri) is None:
        bad = next(char for char in uri if char not in _URI_CHARACTERS)
        raise DigitalLinkError(
            DigitalLinkReason.BAD_CHARACTERS, f"URI contains the illegal character {bad!r}"
        )


def _strip_scheme(uri: str) -> str:
    for scheme in _SCHEMES:
        if uri.startswith(scheme):
            return uri[len(scheme) :]
    raise DigitalLinkError(
        DigitalLinkReason.NOT_A_URI, "URI must start with http:// or https:// (all lower or upper case)"
    )


def _split_host(rest: str) -> tuple[str, str]:
    slash = rest.find("/")
    if slash < 1:
        raise DigitalLinkError(DigitalLinkReason.NOT_A_URI, "URI has no host or no path")
    host = rest[:slash]
    bad = next((char for char in host if char in _BAD_HOST_CHARACTERS), None)
    if bad is not None:
        raise DigitalLinkError(
            DigitalLinkReason.BAD_HOST, f"host {host!r} contains the illegal character {bad!r}"
        )
    return host, rest[slash:]


def _split_path_and_query(rest: str) -> tuple[str, str | None]:
    """Drop the fragment (first ``#``), then split path from query at the first ``?``."""
    without_fragment = rest.split("#", 1)[0]
    path, question, query = without_fragment.partition("?")
    return path, (query if question else None)


def _path_ai(token: str, options: DigitalLinkOptions) -> _AiSpec | None:
    """The AI named by a path segment: digits, or a convenience alpha if permitted."""
    if options.permit_convenience_alphas and 3 <= len(token) <= 5 and not token[0].isdigit():
        alpha_ai = _CONVENIENCE_ALPHAS.get(token)
        if alpha_ai is not None:
            return _known_ai_specs()[alpha_ai]
    return _lookup_ai(token, permit_unknown=options.permit_unknown_ais)


def _find_key_path(path: str, options: DigitalLinkOptions) -> tuple[str, list[tuple[_AiSpec, str]]]:
    """Walk ``/AI/value`` pairs from the right until a primary key; what is left of it is the prefix."""
    segments = path.split("/")
    pairs: list[tuple[_AiSpec, str]] = []
    end = len(segments)
    while end - 2 >= 1:
        spec = _path_ai(segments[end - 2], options)
        if spec is None:
            break
        pairs.append((spec, segments[end - 1]))
        end -= 2
        if spec.ai in _DL_PRIMARY_KEYS:
            return "/".join(segments[:end]), pairs[::-1]
    raise DigitalLinkError(
        DigitalLinkReason.BAD_PATH, f"path {path!r} holds no GS1 primary key such as /01/{{GTIN}}"
    )


def _percent_decode(raw: str, *, plus_is_space: bool) -> str:
    """Decode ``%XX`` escapes as the engine does: malformed ones stay literal; ``%00`` is refused."""
    if "%" not in raw and not (plus_is_space and "+" in raw):
        return raw
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "%" and index + 2 < len(raw) and {raw[index + 1], raw[index + 2]} <= _HEX:
            byte = int(raw[index + 1 : index + 3], 16)
            if byte == 0:
                raise DigitalLinkError(
                    DigitalLinkReason.BAD_CHARACTERS, f"{raw!r} decodes to a NUL character"
                )
            out.append(chr(byte))
            index += 3
            continue
        out.append(" " if plus_is_space and char == "+" else char)
        index += 1
    return "".join(out)


def _zero_suppressed(spec: _AiSpec, value: str, options: DigitalLinkOptions) -> str:
    if options.permit_zero_suppressed_gtin and spec.ai == "01" and len(value) in (8, 12, 13):
        return value.zfill(14)
    return value


def _path_element(spec: _AiSpec, raw: str, options: DigitalLinkOptions) -> _Element:
    if not raw:
        raise DigitalLinkError(DigitalLinkReason.BAD_PATH, f"AI ({spec.ai}) has an empty value in the path")
    value = _zero_suppressed(spec, _percent_decode(raw, plus_is_space=False), options)
    _check_length(spec, value)
    return _Element(spec, value)


def _query_params(query: str) -> Iterator[tuple[str, str | None]]:
    """``(key, raw value)`` per parameter, skipping empty ones; a singleton has value None."""
    for param in query.split("&"):
        if param:
            key, equals, raw = param.partition("=")
            yield key, (raw if equals else None)


def _read_query(query: str, options: DigitalLinkOptions) -> tuple[list[_Element], list[tuple[str, str]]]:
    elements: list[_Element] = []
    extra: list[tuple[str, str]] = []
    for key, raw in _query_params(query):
        if raw is not None and key and key.isdigit():
            elements.append(_query_element(key, raw, options))
        else:
            extra.append(_extra_param(key, raw or ""))
    _check_unique_params(extra)
    return elements, extra


def _check_unique_params(extra: list[tuple[str, str]]) -> None:
    """A repeated non-GS1 parameter is ambiguous; for our signature ``s`` it would be an attack."""
    seen: set[str] = set()
    for name, _ in extra:
        if name in seen:
            raise DigitalLinkError(
                DigitalLinkReason.DUPLICATE_PARAM, f"query parameter {name!r} appears more than once"
            )
        seen.add(name)


def _query_element(key: str, raw: str, options: DigitalLinkOptions) -> _Element:
    spec = _lookup_ai(key, permit_unknown=options.permit_unknown_ais)
    if spec is None:
        raise DigitalLinkError(
            DigitalLinkReason.UNKNOWN_AI, f"query parameter {key!r} is numeric but no GS1 AI"
        )
    if not raw:
        raise DigitalLinkError(DigitalLinkReason.BAD_QUERY, f"AI ({key}) has an empty value in the query")
    value = _zero_suppressed(spec, _percent_decode(raw, plus_is_space=True), options)
    _check_length(spec, value)
    return _Element(spec, value)


def _extra_param(raw_key: str, raw_value: str) -> tuple[str, str]:
    """A non-GS1 parameter, decoded; a key that only decodes to digits would smuggle an AI past us."""
    key = _percent_decode(raw_key, plus_is_space=True)
    if key != raw_key and key.isdigit():
        raise DigitalLinkError(
            DigitalLinkReason.BAD_QUERY, f"query parameter {raw_key!r} is a percent-encoded AI"
        )
    value = _percent_decode(raw_value, plus_is_space=True)
    try:
        decoded = value.encode("latin-1").decode("utf-8")
        return key.encode("latin-1").decode("utf-8"), decoded
    except UnicodeDecodeError as exc:
        raise DigitalLinkError(
            DigitalLinkReason.BAD_CHARACTERS, f"query parameter {raw_key!r} is not UTF-8"
        ) from exc


def _check_length(spec: _AiSpec, value: str) -> None:
    if not spec.min_length <= len(value) <= spec.max_length:
        raise DigitalLinkError(
            DigitalLinkReason.BAD_LENGTH,
            f"AI ({spec.ai}) value {value!r} has {len(value)} characters; it takes {_length_range(spec)}",
        )


def _length_range(spec: _AiSpec) -> str:
    if spec.min_length == spec.max_length:
        return f"exactly {spec.max_length}"
    return f"{spec.min_length} to {spec.max_length}"


@cache
def _key_qualifier_sequences() -> frozenset[tuple[str, ...]]:
    """Every valid path: a primary key then an ordered subset of one of its qualifier sequences."""
    sequences: set[tuple[str, ...]] = set()
    for key, alternatives in _DL_PRIMARY_KEYS.items():
        for qualifiers in alternatives:
            for size in range(len(qualifiers) + 1):
                sequences.update((key, *subset) for subset in combinations(qualifiers, size))
    return frozenset(sequences)


def _check_key_qualifiers(path_elements: list[_Element]) -> None:
    sequence = tuple(element.spec.ai for element in path_elements)
    if sequence not in _key_qualifier_sequences():
        shown = "/".join(f"({ai})" for ai in sequence)
        raise DigitalLinkError(
            DigitalLinkReason.BAD_PATH, f"path AIs {shown} are not a valid key-qualifier sequence"
        )


def _check_attributes(path: list[_Element], query: list[_Element], options: DigitalLinkOptions) -> None:
    """Attributes must be new, allowed as attributes, and not belong in the path."""
    path_ais = [element.spec.ai for element in path]
    seen = list(path_ais)
    for element in query:
        ai = element.spec.ai
        if ai in seen:
            raise DigitalLinkError(DigitalLinkReason.DUPLICATE_AI, f"AI ({ai}) appears more than once")
        seen.append(ai)
        if ai in _NOT_ATTRIBUTES or (element.spec.unknown and not options.permit_unknown_ai_attributes):
            raise DigitalLinkError(DigitalLinkReason.BAD_QUERY, f"AI ({ai}) may not be a query attribute")
        for position in range(1, len(path_ais) + 1):
            if (*path_ais[:position], ai, *path_ais[position:]) in _key_qualifier_sequences():
                raise DigitalLinkError(
                    DigitalLinkReason.BAD_QUERY, f"AI ({ai}) belongs in the path, not in the query"
                )


def _validate_value(element: _Element) -> None:
    """Character set, then the dictionary's linters for this AI, then biip's pattern as a last net."""
    spec, value = element.spec, element.value
    bad = next((char for char in value if char not in spec.charset), None)
    if bad is not None:
        raise DigitalLinkError(
            DigitalLinkReason.BAD_CHARACTERS, f"AI ({spec.ai}) value {value!r} contains {bad!r}"
        )
    for check in _CHECKS.get(spec.ai, ()):
        part = value[check.start : check.end]
        if not part:
            continue
        if check.linter in _NUMERIC_LINTERS and not part.isdigit():
            raise DigitalLinkError(
                DigitalLinkReason.BAD_CHARACTERS, f"AI ({spec.ai}) value {value!r} needs digits there"
            )
        reason, linter = _LINTERS[check.linter]
        problem = linter(part)
        if problem is not None:
            raise DigitalLinkError(reason, f"AI ({spec.ai}) value {value!r}: {problem}")
    if spec.pattern.fullmatch(spec.ai + value) is None:
        raise DigitalLinkError(
            DigitalLinkReason.BAD_VALUE, f"AI ({spec.ai}) value {value!r} does not fit its GS1 format"
        )


def _build(
    path: list[_Element], query: list[_Element], extra: list[tuple[str, str]], host: str, prefix: str
) -> DigitalLink:
    pairs = [(element.spec.ai, element.value) for element in path]
    return DigitalLink(
        primary=pairs[0],
        qualifiers=tuple(pairs[1:]),
        attributes=tuple((element.spec.ai, element.value) for element in query),
        extra_params=tuple(extra),
        element_string=_element_string(path + query),
        host=host,
        path_prefix=prefix,
    )


def _element_string(elements: Iterable[_Element]) -> str:
    """The GS1 element string with ``^`` for FNC1: one first, then after each variable-length value."""
    out: list[str] = []
    separator_due = True
    for element in elements:
        if separator_due:
            out.append("^")
        out.append(element.spec.ai + element.value)
        separator_due = element.spec.fnc1
    return "".join(out)
