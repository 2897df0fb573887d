"""Error codes of the warnings room (clients branch on these)."""
from enum import StrEnum


class WarningErrorCode(StrEnum):
    ALREADY_ACKNOWLEDGED = "warning_already_acknowledged"
