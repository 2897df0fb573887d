"""Error codes of the key-project register (clients branch on these)."""
from enum import StrEnum


class ProjectErrorCode(StrEnum):
    INVALID = "project_invalid"
    REGISTERED_OTHERWISE = "project_registered_otherwise"
