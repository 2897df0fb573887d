"""The holiday schedule file as an office writes it: GB18030 CSV or Excel, dates as 2027/1/1 or
2027年1月1日 (full-width digits too); any other form is refused naming the row and the forms wanted."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import Workbook

from workcalendar.clock import WorkCalendar
from workcalendar.models import ScheduleDay

pytestmark = pytest.mark.django_db

SCHEDULE_2027 = ("date,kind,name\n"
                 "2027/1/1,holiday,元旦\n"
                 "2027年2月5日,holiday,春节\n"
                 "２０２７．２．８,holiday,春节\n"
                 "2027-02-20,workday,春节调休\n")


def test_a_gb18030_csv_with_dates_as_offices_write_them_is_entered(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_bytes(SCHEDULE_2027.encode("gb18030"))

    call_command("enter_holiday_schedule", "--year", "2027", "--file", str(path), stdout=None)

    days = {day.date: (day.is_workday, day.name) for day in ScheduleDay.objects.all()}
    assert days == {dt.date(2027, 1, 1): (False, "元旦"), dt.date(2027, 2, 5): (False, "春节"),
                    dt.date(2027, 2, 8): (False, "春节"), dt.date(2027, 2, 20): (True, "春节调休")}
    assert WorkCalendar.for_centre(None).kind(dt.date(2027, 2, 8)) == (False, True)  # a Monday, now a holiday


def test_an_excel_file_with_date_cells_is_entered(tmp_path):
    book = Workbook()
    book.active.append(["date", "kind", "name"])
    book.active.append([dt.datetime(2027, 10, 1), "holiday", "国庆节"])  # noqa: DTZ001 - Excel dates have no zone
    book.active.append(["2027年10月9日", "workday", "国庆调休"])
    path = tmp_path / "2027.xlsx"
    book.save(path)

    call_command("enter_holiday_schedule", "--year", "2027", "--file", str(path), stdout=None)

    assert set(ScheduleDay.objects.values_list("date", "is_workday")) == {
        (dt.date(2027, 10, 1), False), (dt.date(2027, 10, 9), True)}


def test_a_date_in_another_form_is_refused_naming_the_row_and_the_forms_wanted(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_bytes("date,kind,name\n2027/1/1,holiday,元旦\n1/2/2027,holiday,春节\n".encode("gb18030"))

    with translation.override("en"), pytest.raises(CommandError) as caught:
        call_command("enter_holiday_schedule", "--year", "2027", "--file", str(path))

    assert "Row 3: “1/2/2027” is not a date; write it as one of 2027-01-01, 2027/1/1" in str(caught.value)
    assert not ScheduleDay.objects.exists()
