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


def _enter(tmp_path, text: str):
    path = tmp_path / "2027.csv"
    path.write_bytes(text.encode("gb18030"))
    with translation.override("en"):
        call_command("enter_holiday_schedule", "--year", "2027", "--file", str(path), stdout=None)


def test_a_file_with_only_its_header_is_refused_and_the_entered_schedule_stays(tmp_path):
    _enter(tmp_path, SCHEDULE_2027)

    with pytest.raises(CommandError) as caught:
        _enter(tmp_path, "date,kind,name\n")

    assert "no rows below its header: nothing was entered" in str(caught.value)
    assert ScheduleDay.objects.count() == 4  # the schedule entered before is still there


def test_a_day_written_twice_in_two_forms_is_refused_naming_both_rows(tmp_path):
    with pytest.raises(CommandError) as caught:
        _enter(tmp_path, "date,kind,name\n2027/1/1,holiday,元旦\n2027-01-01,holiday,元旦\n")

    assert "Row 3: 2027-01-01 is listed again (first in row 2)." in str(caught.value)
    assert not ScheduleDay.objects.exists()


def test_a_workday_on_a_weekday_is_refused_and_a_holiday_on_a_weekend_is_taken(tmp_path):
    with pytest.raises(CommandError) as caught:  # 2027-01-05 is a Tuesday: a working day anyway
        _enter(tmp_path, "date,kind,name\n2027-01-01,holiday,元旦\n2027-01-05,workday,调休\n")
    assert "these are weekdays, working days anyway: 2027-01-05" in str(caught.value)
    assert not ScheduleDay.objects.exists()

    _enter(tmp_path, "date,kind,name\n2027-01-02,holiday,元旦\n")  # a Saturday inside a holiday run
    assert ScheduleDay.objects.filter(date=dt.date(2027, 1, 2), is_workday=False).exists()


def test_an_empty_schedule_is_refused_by_the_service():
    from common.errors import ApplicationError
    from workcalendar.services import schedule_enter

    with pytest.raises(ApplicationError) as caught:
        schedule_enter(year=2027, holidays=[], workdays=[], acting_user=None)
    assert caught.value.code == "workcalendar_empty_schedule"
