"""Read a year's holiday schedule from a .csv or .xlsx file (`common.tables`, as the other imports:
UTF-8 or GB18030, Excel whatever size the sheet declares). Columns `date, kind, name`: `kind` is
`holiday` or `workday` (also 休/假/节假日 and 班/上班/调休上班); `date` as offices write it
(`common.tables.DAY_FORMS`, full-width digits too, or an Excel date). Every bad row is named."""
from __future__ import annotations

import datetime as dt
from typing import BinaryIO

from django.utils.translation import gettext as _

from common.errors import ApplicationError
from common.tables import DAY_FORMS, open_table, parse_day
from workcalendar.error_codes import CalendarErrorCode

KIND_WORDS = {"holiday": False, "休": False, "假": False, "节假日": False, "放假": False,
              "workday": True, "班": True, "上班": True, "调休上班": True}
MAX_PROBLEMS_LISTED = 20

Days = list[tuple[dt.date, str]]


def read_schedule_file(stream: BinaryIO, file_name: str) -> tuple[Days, Days]:
    """(holidays, weekend workdays) as `workcalendar.services.schedule_enter` takes them."""
    holidays: Days = []
    workdays: Days = []
    problems: list[str] = []
    count = 0
    first_row: dict[dt.date, int] = {}
    rows = 0
    with open_table(stream, file_name, required=("date", "kind"), text_columns=("date", "kind", "name"),
                    error_code=CalendarErrorCode.INVALID_FILE) as table:
        for row in table.rows():
            rows += 1
            found = [_("Row %(row)d: %(problem)s") % {"row": row.number, "problem": message}
                     for message in row.problems.values()]
            day = parse_day(row.values["date"])
            if day is None and "date" not in row.problems:
                found.append(_("Row %(row)d: “%(value)s” is not a date; write it as one of %(forms)s.")
                             % {"row": row.number, "value": row.values["date"], "forms": DAY_FORMS})
            kind = KIND_WORDS.get(row.values["kind"].strip().lower())
            if kind is None:
                found.append(_("Row %(row)d: kind “%(value)s” is neither holiday nor workday.")
                             % {"row": row.number, "value": row.values["kind"]})
            if day is not None and day in first_row:
                found.append(_("Row %(row)d: %(day)s is listed again (first in row %(first)d).")
                             % {"row": row.number, "day": day.isoformat(), "first": first_row[day]})
            elif day is not None:
                first_row[day] = row.number
            count += len(found)
            problems.extend(found[:MAX_PROBLEMS_LISTED - len(problems)])
            if day is not None and kind is not None:
                (workdays if kind else holidays).append((day, row.values.get("name", "")))
    if not rows:
        raise ApplicationError(_("The file has no rows below its header: nothing was entered."),
                               CalendarErrorCode.EMPTY_SCHEDULE)
    if problems:
        more = (_(" (%(count)d problems in all)") % {"count": count}) if count > len(problems) else ""
        raise ApplicationError(" ".join(problems) + more, CalendarErrorCode.INVALID_FILE,
                               {"problems": problems, "problem_count": count})
    return holidays, workdays
