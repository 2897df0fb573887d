"""What a cell shows, as the imports read it (`common.tables`): number formats reproduced, numbers
Excel cannot hold refused, days written as offices write them."""
from __future__ import annotations

import datetime as dt

import pytest

from common.tables import CellUnreadable, parse_day, shown_text


@pytest.mark.parametrize(("value", "number_format", "shown"), [
    (2988886666, "00000000000", "02988886666"),
    (2988886666.0, "00000000000", "02988886666"),
    (610103, "@", "610103"),
    (13012345678, "General", "13012345678"),
    (1.3e10, "General", "13000000000"),
    (12.5, "General", "12.5"),
    (5, "0.00", "5.00"),
    (1234567.891, "#,##0.00", "1,234,567.89"),
    (3.1, "0.0#", "3.1"),
    (42, '"Tel "0', "Tel 42"),
    (42, "0_ ", "42"),
    (-42, r"0_);[Red]\(0\)", "(42)"),
    (42, "[$-804]General", "42"),
    (dt.datetime(2027, 1, 1), "yyyy/m/d", "2027-01-01"),  # noqa: DTZ001 - an Excel date has no zone
    (" 029-8888 ", "@", "029-8888"),
])
def test_a_text_cell_reads_as_the_cell_shows_it(value, number_format, shown):
    assert shown_text(value, number_format) == shown


@pytest.mark.parametrize(("value", "number_format"), [
    (610103199001011234, "0"),          # an identity number typed as a number: Excel kept 15 digits
    (6.10103199001011e17, "General"),
    (2988886666, "000-0000-0000"),      # digits spread over literal text: not reproduced, not guessed
    (0.5, "0%"),
])
def test_a_cell_whose_shown_value_cannot_be_recovered_is_refused(value, number_format):
    with pytest.raises(CellUnreadable):
        shown_text(value, number_format)


@pytest.mark.parametrize("text", ["2027-01-01", "2027/1/1", "2027.1.1", "2027年1月1日", "２０２７年１月１日",
                                  "２０２７／０１／０１", "20270101", " 2027-1-1 "])
def test_a_day_is_read_in_the_forms_offices_write(text):
    assert parse_day(text) == dt.date(2027, 1, 1)


@pytest.mark.parametrize("text", ["2027-13-01", "1/1/2027", "next monday", ""])
def test_anything_else_is_not_a_day(text):
    assert parse_day(text) is None
