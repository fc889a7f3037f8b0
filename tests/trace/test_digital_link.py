"""The GS1 Digital Link parser: GS1's 118 engine vectors, our own code shape, every refusal reason, fuzzing.

The vectors come from the GS1 Barcode Syntax Engine's unit test ``test_dl_parseDLuri`` (``src/c-lib/dl.c``),
which switches engine options on and off between cases; the JSON file kept the cases but not the switches,
so ``ENGINE_OPTIONS`` restores them. With one fixed configuration no parser can match all 118: seven URIs
appear twice (or three times) with opposite expectations.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from biip.checksums import gs1_standard_check_digit
from hypothesis import given, settings
from hypothesis import strategies as st

from suyuan.trace.digital_link import (
    _CHECKS,
    _DL_PRIMARY_KEYS,
    _NOT_ATTRIBUTES,
    STRICT,
    UNIMPLEMENTED_LINTERS,
    DigitalLink,
    DigitalLinkError,
    DigitalLinkOptions,
    DigitalLinkReason,
    _known_ai_specs,
    parse_digital_link,
)
from tests.conftest import DATA

GS1_DIR = DATA / "gs1"
VECTORS_FILE = GS1_DIR / "digital_link_vectors.json"
DICTIONARY_FILE = GS1_DIR / "gs1-syntax-dictionary.txt"

ALPHAS = DigitalLinkOptions(permit_convenience_alphas=True)
ZERO_SUPPRESSED = DigitalLinkOptions(permit_zero_suppressed_gtin=True)
UNKNOWN_AIS = DigitalLinkOptions(permit_unknown_ais=True)
UNKNOWN_ATTRIBUTES = DigitalLinkOptions(permit_unknown_ais=True, permit_unknown_ai_attributes=True)

# Vector index -> (URI it must be, options the engine test had switched on for it).
ENGINE_OPTIONS: dict[int, tuple[str, DigitalLinkOptions]] = {
    37: ("https://a/gtin/12312312312333", ALPHAS),
    38: ("https://a/gtin/12312312312333/ser/ABC123", ALPHAS),
    39: ("https://a/sscc/006141411234567890", ALPHAS),
    42: ("https://a/01/2112345678900", ZERO_SUPPRESSED),
    44: ("https://a/01/416000336108", ZERO_SUPPRESSED),
    46: ("https://a/01/02345673", ZERO_SUPPRESSED),
    48: ("https://a/8004/9520614141234567?01=2112345678900", ZERO_SUPPRESSED),
    50: ("https://a/8004/9520614141234567?01=02345673", ZERO_SUPPRESSED),
    84: ("https://brand.example.com/01/9520123456788", ZERO_SUPPRESSED),
    85: ("https://brand.example.com/some-extra/pathinfo/01/9520123456788", ZERO_SUPPRESSED),
    91: ("https://example.com/01/9520123456788?3103=000195&3922=0299&17=201225", ZERO_SUPPRESSED),
    93: ("https://example.com/01/9520123456788?3103=000195&3922=0299&17=201225", ZERO_SUPPRESSED),
    95: ("https://id.gs1.org/01/9520123456788?3103=000195&3922=0299&17=201225", ZERO_SUPPRESSED),
    97: ("https://id.gs1.org/01/9520123456788?17=201225&3103=000195&3922=0299", ZERO_SUPPRESSED),
    111: ("https://example.com/01/09520123456788?99=XYZ&89=ABC123", UNKNOWN_AIS),
    112: ("https://example.com/01/09520123456788?99=XYZ&89=ABC123", UNKNOWN_ATTRIBUTES),
}

SIGNATURE = "1" + "3141592653589793238462643383279502884197169399375105820974944592307816406286"
SIGNATURE += "20899862803482534211706798214808651328230664709384460955058223172535940812848"
OUR_CODE = f"HTTPS://SY.EXAMPLE.CN/01/09501101530003/10/L2611A/21/123?s={SIGNATURE}"


def load_vectors() -> list[dict[str, Any]]:
    """The engine's 118 cases (vendored in tests/data/gs1; a missing file fails the module)."""
    vectors: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
    return vectors


VECTORS = load_vectors()


def outcome(uri: str, options: DigitalLinkOptions = STRICT) -> str | None:
    """The element string, or None if the parser refuses the URI."""
    try:
        return parse_digital_link(uri, options=options).element_string
    except DigitalLinkError:
        return None


def reason_of(uri: str, **kwargs: Any) -> str:
    with pytest.raises(DigitalLinkError) as caught:
        parse_digital_link(uri, **kwargs)
    assert str(caught.value), "every refusal carries a human message"
    return caught.value.reason


# --- GS1 engine vectors -------------------------------------------------------------------------------


def test_there_are_118_vectors_and_the_option_table_names_the_right_ones() -> None:
    assert len(VECTORS) == 118
    for index, (uri, _) in ENGINE_OPTIONS.items():
        assert VECTORS[index]["uri"] == uri


@pytest.mark.parametrize("index", range(118))
def test_engine_vector(index: int) -> None:
    vector = VECTORS[index]
    options = ENGINE_OPTIONS.get(index, ("", STRICT))[1]
    got = outcome(vector["uri"], options)
    if vector["valid"]:
        assert got == vector["element_string"], vector["uri"]
    else:
        assert got is None, f"{vector['uri']} should be refused, parsed to {got}"


def test_with_engine_defaults_only_the_option_dependent_vectors_differ() -> None:
    wrong = set()
    for index, vector in enumerate(VECTORS):
        expected = vector["element_string"] if vector["valid"] else None
        if outcome(vector["uri"]) != expected:
            wrong.add(index)
    switched_on = {index for index, (_, options) in ENGINE_OPTIONS.items() if index != 111}
    assert wrong == switched_on  # 111 is refused either way
    assert len(VECTORS) - len(wrong) == 103


# --- our own code shape ---------------------------------------------------------------------------------


def test_our_code_parses_with_signature_as_extra_param() -> None:
    link = parse_digital_link(OUR_CODE)
    assert link.primary == ("01", "09501101530003")
    assert link.qualifiers == (("10", "L2611A"), ("21", "123"))
    assert link.attributes == ()
    assert link.extra_params == (("s", SIGNATURE),)
    assert link.element_string == "^010950110153000310L2611A^21123"
    assert (link.host, link.path_prefix) == ("SY.EXAMPLE.CN", "")
    assert (link.get("01"), link.get("10"), link.get("21"), link.get("17")) == (
        "09501101530003",
        "L2611A",
        "123",
        None,
    )
    assert link.param("s") == SIGNATURE
    assert link.param("t") is None


def test_path_prefix_before_the_primary_key_is_kept_apart() -> None:
    link = parse_digital_link("https://example.com/some/prefix/01/09501101530003/10/L1/21/7?s=1")
    assert link.path_prefix == "/some/prefix"
    assert link.get("21") == "7"


def test_percent_encoded_lot_and_serial_decode_and_plus_stays_plus_in_path() -> None:
    link = parse_digital_link("https://a/01/09501101530003/10/A%2FB+C/21/%25x?s=1&note=a+b%20c")
    assert link.qualifiers == (("10", "A/B+C"), ("21", "%x"))
    assert link.extra_params == (("s", "1"), ("note", "a b c"))


def test_attributes_from_the_query_are_kept_in_order() -> None:
    link = parse_digital_link("https://a/01/09501101530003/10/L1?17=261231&3103=000195&s=1")
    assert link.attributes == (("17", "261231"), ("3103", "000195"))
    assert link.element_string == "^010950110153000310L1^172612313103000195"


def test_parsed_link_is_immutable() -> None:
    link = parse_digital_link(OUR_CODE)
    with pytest.raises(AttributeError):
        link.primary = ("00", "x")  # type: ignore[misc]


# --- refusal reasons -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("", "not_a_uri"),
        ("ftp://a/01/09501101530003", "not_a_uri"),
        ("Https://a/01/09501101530003", "not_a_uri"),
        ("https://a", "not_a_uri"),
        ("https://a b/01/09501101530003", "bad_characters"),
        ("https://a/01/09501101530003/10/ABC<", "bad_characters"),
        ("https://a/01/0950110153000%003", "bad_characters"),
        ("https://a/01/09501101530003/10/%C3%A9", "bad_characters"),
        ("https://a!b/01/09501101530003", "bad_host"),
        ("https://a/b/c", "bad_path"),
        ("https://a/01/09501101530003/", "bad_path"),
        ("https://a/01/09501101530003/21/1/10/L", "bad_path"),
        ("https://a/01/09501101530003/235/X/10/L", "bad_path"),
        ("https://a/01/09501101530003/10/", "bad_path"),
        ("https://a/01/09501101530004", "bad_check_digit"),
        ("https://a/00/006141411234567891", "bad_check_digit"),
        ("https://a/8013/1987654Ad4X4bL5ttr2310cXK", "bad_check_digit"),
        ("https://a/01/0950110153000", "bad_length"),
        ("https://a/01/09501101530003/10/" + "L" * 21, "bad_length"),
        ("https://a/01/0950110153000A", "bad_characters"),
        ("https://a/01/09501101530003?17=261332", "bad_date"),
        ("https://a/01/09501101530003?17=250229", "bad_date"),
        ("https://a/01/09501101530003?422=999", "bad_value"),
        ("https://a/8006/095201234567880302", "bad_value"),
        ("https://a/01/09501101530003?999=x", "unknown_ai"),
        ("https://a/01/09501101530003?99=", "bad_query"),
        ("https://a/01/09501101530003?10=L1", "bad_query"),
        ("https://a/01/09501101530003?21=1", "bad_query"),
        ("https://a/01/09501101530003?%31%30=L1", "bad_query"),
        ("https://a/01/09501101530003/10/L1?10=L1", "duplicate_ai"),
        ("https://a/01/09501101530003?99=A&99=A", "duplicate_ai"),
        (OUR_CODE + "&s=1", "duplicate_param"),
        (OUR_CODE + "&s", "duplicate_param"),
        (OUR_CODE + "&%73=1", "duplicate_param"),
    ],
)
def test_refusal_reason(uri: str, reason: str) -> None:
    assert reason_of(uri) == reason


def test_every_reason_is_documented_as_a_stable_string() -> None:
    assert {str(reason) for reason in DigitalLinkReason} >= {
        "not_a_uri",
        "bad_path",
        "bad_check_digit",
        "bad_characters",
        "too_long",
        "duplicate_ai",
        "duplicate_param",
        "bad_query",
    }


def test_error_is_a_value_error_with_a_string_reason() -> None:
    with pytest.raises(ValueError, match="check digit") as caught:
        parse_digital_link("https://a/01/09501101530004")
    assert isinstance(caught.value, DigitalLinkError)
    assert caught.value.reason == "bad_check_digit"
    assert isinstance(caught.value.reason, str)


def test_over_long_input_is_refused_before_anything_else() -> None:
    assert reason_of("\u00e9" * 3000) == "too_long"
    assert reason_of(OUR_CODE, max_length=len(OUR_CODE) - 1) == "too_long"
    assert parse_digital_link(OUR_CODE, max_length=len(OUR_CODE)).primary[0] == "01"
    assert reason_of("https://a/01/09501101530003?x=" + "y" * 2048) == "too_long"


def test_non_ascii_is_refused_before_the_scheme_is_looked_at() -> None:
    assert reason_of("ftp://\u00e9") == "bad_characters"
    assert reason_of(OUR_CODE + "\u00a0") == "bad_characters"


def test_non_text_is_refused_as_not_a_uri() -> None:
    assert reason_of(b"https://a/01/09501101530003") == "not_a_uri"  # type: ignore[arg-type]


# --- AI content checks and engine options --------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "element_string"),
    [
        ("https://a/8006/095201234567880102", "^8006095201234567880102"),
        ("https://a/8003/09520123456788ABC", "^800309520123456788ABC"),
        ("https://a/8013/1987654Ad4X4bL5ttr2310c2K", "^80131987654Ad4X4bL5ttr2310c2K"),
        ("https://a/414/9520123456788/254/32a%2Fb", "^414952012345678825432a/b"),
        ("https://a/01/09501101530003?423=156", "^0109501101530003423156"),
        ("https://a/01/09501101530003?423=156250", "^0109501101530003423156250"),
    ],
)
def test_keys_with_linters_are_accepted_when_right(uri: str, element_string: str) -> None:
    assert parse_digital_link(uri).element_string == element_string


def test_dates_accept_leap_days_and_day_zero_only_where_gs1_does() -> None:
    link = parse_digital_link("https://a/01/09501101530003?17=240229&11=250600")
    assert link.attributes == (("17", "240229"), ("11", "250600"))
    assert reason_of("https://a/01/09501101530003?7006=250600") == "bad_date"


def test_zero_suppressed_gtin_only_with_the_option() -> None:
    assert reason_of("https://a/01/9501101530003") == "bad_length"
    link = parse_digital_link("https://a/01/9501101530003", options=ZERO_SUPPRESSED)
    assert link.primary == ("01", "09501101530003")


def test_convenience_alphas_only_with_the_option() -> None:
    uri = "https://a/gtin/09501101530003/lot/L1/ser/9"
    assert reason_of(uri) == "bad_path"
    link = parse_digital_link(uri, options=ALPHAS)
    assert link.qualifiers == (("10", "L1"), ("21", "9"))


def test_unknown_ais_need_both_options_to_be_attributes() -> None:
    uri = "https://a/01/09501101530003?89=X"
    assert reason_of(uri) == "unknown_ai"
    assert reason_of(uri, options=UNKNOWN_AIS) == "bad_query"
    assert parse_digital_link(uri, options=UNKNOWN_ATTRIBUTES).attributes == (("89", "X"),)
    assert reason_of("https://a/01/09501101530003?011=X", options=UNKNOWN_ATTRIBUTES) == "unknown_ai"


# --- hand-written tables against the GS1 Syntax Dictionary -----------------------------------------------


Component = tuple[int, int, int, bool, tuple[str, ...]]


def dictionary_entries() -> dict[str, tuple[str, list[Component], list[str]]]:
    """AI -> (flags, components (start, min, max, optional, linters), attributes) from the dictionary."""
    entries = {}
    for line in DICTIONARY_FILE.read_text(encoding="utf-8").splitlines():
        tokens = line.split("#", 1)[0].split()
        if not tokens:
            continue
        ais, rest = tokens[0], tokens[1:]
        flags = rest.pop(0) if rest and not re.match(r"\[?[NXYZ]", rest[0]) else ""
        components, start = [], 0
        while rest and re.match(r"\[?[NXYZ]", rest[0]):
            spec, *linters = rest.pop(0).replace("]", "").split(",")
            length = int(spec.strip("[").lstrip("NXYZ.").lstrip("."))
            shortest = 1 if ".." in spec else length
            components.append((start, shortest, length, spec.startswith("["), tuple(linters)))
            start += length
        first, _, last = ais.partition("-")
        for number in range(int(first), int(last or first) + 1):
            entries[str(number).zfill(len(first))] = (flags, components, rest)
    return entries


def test_key_qualifier_table_matches_dictionary() -> None:
    expected: dict[str, tuple[tuple[str, ...], ...]] = {}
    for ai, (_, _, attributes) in dictionary_entries().items():
        for attribute in attributes:
            if attribute == "dlpkey":
                expected[ai] = ((),)
            elif attribute.startswith("dlpkey="):
                alternatives = attribute.removeprefix("dlpkey=").split("|")
                expected[ai] = tuple(tuple(alt.split(",")) for alt in alternatives)
    assert expected == _DL_PRIMARY_KEYS


def test_non_attribute_table_matches_dictionary() -> None:
    expected = {ai for ai, (flags, _, _) in dictionary_entries().items() if "?" not in flags}
    assert expected == _NOT_ATTRIBUTES


def test_linter_table_matches_dictionary() -> None:
    for ai, (_, components, _) in dictionary_entries().items():
        expected = set()
        for index, (start, _, length, _, linters) in enumerate(components):
            last = index == len(components) - 1
            end = None if last and start == 0 else start + length
            expected |= {(name, start, end) for name in linters if name not in UNIMPLEMENTED_LINTERS}
        ours = {(check.linter, check.start, check.end) for check in _CHECKS.get(ai, ())}
        assert ours == expected, ai


def test_biip_table_agrees_with_dictionary_on_ais_separators_and_lengths() -> None:
    entries = dictionary_entries()
    specs = _known_ai_specs()
    assert set(specs) == set(entries)
    for ai, (flags, components, _) in entries.items():
        spec = specs[ai]
        assert spec.fnc1 == ("*" not in flags), ai
        assert spec.max_length == sum(longest for _, _, longest, _, _ in components), ai
        assert spec.min_length == sum(
            shortest for _, shortest, _, optional, _ in components if not optional
        ), ai


# --- fuzzing ---------------------------------------------------------------------------------------------

URI_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def parses_or_refuses(uri: str, options: DigitalLinkOptions = STRICT) -> DigitalLink | None:
    try:
        return parse_digital_link(uri, options=options)
    except DigitalLinkError as error:
        assert error.reason in set(DigitalLinkReason)
        return None


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text_parses_or_raises_digital_link_error(text: str) -> None:
    parses_or_refuses(text)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["https://a/01/09501101530003", "HTTP://A/00/006141411234567890", "https://x/p/8004/12"]),
    st.text(alphabet=URI_ALPHABET, max_size=60),
    st.sampled_from([STRICT, ALPHAS, ZERO_SUPPRESSED, UNKNOWN_ATTRIBUTES]),
)
def test_uri_shaped_text_parses_or_raises_digital_link_error(
    stem: str, tail: str, options: DigitalLinkOptions
) -> None:
    parses_or_refuses(stem + tail, options)


gtins = st.text(alphabet="0123456789", min_size=13, max_size=13).map(
    lambda payload: payload + str(gs1_standard_check_digit(payload))
)
cset82_values = st.text(alphabet=CSET82, min_size=1, max_size=20)


@settings(max_examples=300, deadline=None)
@given(gtins, cset82_values, cset82_values, st.text(alphabet="0123456789", min_size=1, max_size=170))
def test_generated_codes_round_trip(gtin: str, lot: str, serial: str, signature: str) -> None:
    uri = (
        f"HTTPS://SY.EXAMPLE.CN/01/{gtin}/10/{quote(lot, safe='')}/21/{quote(serial, safe='')}?s={signature}"
    )
    link = parse_digital_link(uri)
    assert (link.get("01"), link.get("10"), link.get("21")) == (gtin, lot, serial)
    assert link.extra_params == (("s", signature),)
    assert link.element_string == f"^01{gtin}10{lot}^21{serial}"
