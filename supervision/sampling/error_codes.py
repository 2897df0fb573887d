"""Error codes of the sampling room (clients branch on these)."""
from enum import StrEnum


class SamplingErrorCode(StrEnum):
    ALREADY_DRAWN = "sampling_already_drawn"
