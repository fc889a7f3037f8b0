"""Check characters and formats of the identifiers filings rest on."""

from __future__ import annotations

from datetime import date

import pytest

from suyuan.trace.ceb import checks
from suyuan.trace.errors import InvalidCountry, InvalidGtin, InvalidHsCode, InvalidInput, InvalidUscc
from suyuan.trace.identifiers import (
    complete_gtin,
    complete_uscc,
    normalize_country,
    normalize_gtin,
    normalize_hs_code,
    normalize_uscc,
    organisation_code,
    resident_id_check_character,
    resident_id_valid,
    validate_gs1_text,
)
from suyuan.trace.zone.quotas import normalize_id_number


def test_uscc_worked_example_from_gb32100_is_valid() -> None:
    assert normalize_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert organisation_code("91350100M000100Y43") == "M000100Y4"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("91350100M000100Y44", "check character"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y433", "18 characters"),
        ("91350100M0001I0Y43", "outside GB 32100"),  # I is not in the alphabet
        ("91350100M000100S43", "outside GB 32100"),
        ("9135A100M000100Y43", "outside GB 32100"),  # division code must be digits
        ("", "18 characters"),
    ],
)
def test_invalid_uscc_is_refused_with_the_reason(value: str, why: str) -> None:
    with pytest.raises(InvalidUscc, match=why):
        normalize_uscc(value)


def test_uscc_with_wrong_embedded_organisation_check_is_refused() -> None:
    good = complete_uscc("91440300", "MA5F1QH1")
    body = good[:16] + ("0" if good[16] != "0" else "1")
    from stdnum.cn import uscc

    forged = body + uscc.calc_check_digit(body)  # outer check right, inner (GB 11714) wrong
    with pytest.raises(InvalidUscc, match="organisation code"):
        normalize_uscc(forged)


def test_complete_uscc_builds_codes_that_validate() -> None:
    for body in ("MA5F1QH1", "12345678", "ABCDEFGH"):
        assert normalize_uscc(complete_uscc("91440300", body))


def test_gtin_is_normalised_to_14_digits() -> None:
    assert normalize_gtin("4006381333931") == "04006381333931"
    assert normalize_gtin("96385074") == "00000096385074"
    assert complete_gtin("400638133393") == "04006381333931"


@pytest.mark.parametrize("value", ["4006381333932", "400638133393", "40063813339311a", "", "٤٠٠٦٣٨١٣٣٣٩٣١"])
def test_invalid_gtin_is_refused(value: str) -> None:
    with pytest.raises(InvalidGtin):
        normalize_gtin(value)


def test_hs_codes_of_6_8_10_digits_with_dots_are_accepted() -> None:
    assert normalize_hs_code("1901.10") == "190110"
    assert normalize_hs_code("19011010") == "19011010"
    assert normalize_hs_code("1901 10 10 00") == "1901101000"


@pytest.mark.parametrize("value", ["1901", "190110100", "7701101000", "9901101000", "abcdef", "0001101000"])
def test_invalid_hs_code_is_refused(value: str) -> None:
    with pytest.raises(InvalidHsCode):
        normalize_hs_code(value)


def test_countries_are_iso_3166_alpha_2() -> None:
    assert normalize_country("nz") == "NZ"
    assert normalize_country("DEU") == "DE"
    for bad in ("XX", "ZZZ", "Germany", ""):
        with pytest.raises(InvalidCountry):
            normalize_country(bad)


def test_lot_uses_gs1_character_set_82() -> None:
    assert validate_gs1_text("L2611-A/b", "lot") == "L2611-A/b"
    for bad in ("", "批次1", "A" * 21, "with space", "pipe|", "L1\n"):
        with pytest.raises(InvalidInput):
            validate_gs1_text(bad, "lot")


# GB 11643-1999: one check for exits and CEB documents, no area table (python-stdnum refuses 310115).
@pytest.mark.parametrize("number", ["310115199003071239", "310115198512310010", "11010519491231002X"])
def test_resident_id_accepts_valid_numbers_including_pudong_310115(number: str) -> None:
    assert resident_id_valid(number)


@pytest.mark.parametrize(
    "number",
    [
        "310115199003071238",  # wrong check digit
        "310115198512310011",  # wrong check digit
        "110105194912310021",  # X expected
        "310115199002301234",  # 30 February
        "310115189912310010",  # born before 1900
        "31011519900307123",  # 17 characters
        "31011519900307123Y",  # check character neither digit nor X
        "３10115199003071239",  # full-width digit
    ],
)
def test_resident_id_refuses_wrong_check_digit_dates_and_forms(number: str) -> None:
    assert not resident_id_valid(number)


def test_resident_id_refuses_birth_dates_in_the_future() -> None:
    first17 = "31011520300101001"
    assert not resident_id_valid(first17 + resident_id_check_character(first17), today=date(2026, 1, 1))


def test_quotas_and_ceb_share_the_one_gb11643_check() -> None:
    assert normalize_id_number(" 310115199003071239 ") == "310115199003071239"
    assert checks.id_number("310115199003071239", "1", "buyerIdNumber") == "310115199003071239"
    with pytest.raises(InvalidInput):
        normalize_id_number("310115199003071238")
    with pytest.raises(checks.Rejection):
        checks.id_number("310115199003071238", "1", "buyerIdNumber")
