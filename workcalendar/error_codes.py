"""Error codes of the working-day calendar (clients branch on these)."""
from enum import StrEnum


class CalendarErrorCode(StrEnum):
    INVALID_DAY = "workcalendar_invalid_day"
    INVALID_FILE = "workcalendar_invalid_file"
    EMPTY_SCHEDULE = "workcalendar_empty_schedule"
