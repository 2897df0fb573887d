"""One reading of a person's or an organisation's number at every door (common.identity)."""
from __future__ import annotations

import datetime as dt

import pytest

from common.identity import (
    credit_code_problem,
    identity_hmac,
    mask_id_number,
    mask_name,
    mask_phone,
    normalise_case_number,
    normalise_identifier,
    normalise_mobile,
    resident_id_problem,
)

TODAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize("number", [
    "610103195503150029",  # Beilin, born 1955: Beilin's code dates from 1983 (issued as an adult)
    "610116198001011235",  # Chang'an District (610116 since 2002), born 1980
    "11010519491231002X",  # Beijing Chaoyang, born 1949, check character X
])
def test_real_id_numbers_of_older_people_are_valid(number):
    assert resident_id_problem(number, today=TODAY) is None


@pytest.mark.parametrize(("number", "why"), [
    ("61010319550315002", "18 characters"),
    ("6101031955031500X9", "18 characters"),
    ("610103195502300029", "not a real date"),
    ("610103203001010021", "in the future"),
    ("610103189912310028", "before 1900"),
    ("610103195503150028", "check character"),
    ("990103195503150024", "division code"),  # no province 99 (check character right)
])
def test_wrong_id_numbers_say_what_is_wrong(number, why):
    problem = resident_id_problem(number, today=TODAY)
    assert problem is not None and why in problem


def test_the_division_check_is_on_the_province_and_prefecture_never_the_county_at_birth():
    # 6101 (Xi'an) is a prefecture; 610199 is no county anywhere, and that is not the point
    body = "61019919700101001"
    from stdnum.cn import ric

    assert resident_id_problem(body + ric.calc_check_digit(body + "0"), today=TODAY) is None


def test_full_width_digits_spaces_and_hyphens_from_an_ime_are_folded_before_anything_else():
    typed = " ６１０１０３-1985 0615 100x "
    assert normalise_identifier(typed) == "61010319850615100X"
    assert normalise_identifier("６１０１０３１９８５０６１５１００４") == "610103198506151004"
    assert normalise_identifier("９１１１００００６０００３７３４１Ｌ") == "91110000600037341L"


def test_one_number_is_one_person_however_it_was_typed():
    assert identity_hmac("６１０１０３１９８５０６１５１００４") == identity_hmac("610103198506151004")
    assert identity_hmac("61010319491231002x") == identity_hmac("61010319491231002X")


def test_case_numbers_keep_their_hyphens_whatever_dash_was_typed():
    assert normalise_case_number(" ６１０１０３－２０２６０９２８－００００１ ") == "610103-20260928-00001"
    assert normalise_case_number("610103—20260928‐00001") == "610103-20260928-00001"


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("610103 20261130 00011", "610103-20261130-00011"),
        ("610103\u300020261130\u300000011", "610103-20261130-00011"),  # the IME's ideographic space
        ("610103 - 20261130 -- 00011", "610103-20261130-00011"),
        ("6101032026113000011", "610103-20261130-00011"),
        ("61010310120261130０００４２", "610103101-20261130-00042"),
        ("12345", "12345"),  # not a case number: left for the lookup to not find
        # a joint case's number (联办件), read off a receipt into a phone
        ("j610103 20261130 0001", "J610103-20261130-0001"),
        ("J 610103-20261130-0001", "J610103-20261130-0001"),
        ("J610103202611300001", "J610103-20261130-0001"),
        ("Ｊ６１０１０３－２０２６１１３０－０００１", "J610103-20261130-0001"),
    ],
)
def test_case_numbers_typed_with_spaces_or_without_separators_are_read_as_one_number(typed, stored):
    assert normalise_case_number(typed) == stored


def test_credit_codes():
    assert credit_code_problem("91110000600037341L") is None
    assert credit_code_problem("91110000600037341M") is not None
    assert "18" in credit_code_problem("9111000060003734")


def test_mobiles_in_any_typing_become_e164_and_landlines_are_not_mobiles():
    assert normalise_mobile("１３８ １２３４ ５６７８") == "+8613812345678"
    assert normalise_mobile("+86 138-1234-5678") == "+8613812345678"
    assert normalise_mobile("029-88886666") is None


def test_one_mask_each_wherever_a_number_is_shown_or_logged():
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("12") == "****"
    assert mask_id_number("11010519491231002X") == "**************002X"
    assert mask_name("张三丰") == "张**" and mask_name("") == ""
