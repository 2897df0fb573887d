"""Error codes of the assessment room (clients branch on these)."""
from enum import StrEnum


class AssessmentErrorCode(StrEnum):
    NEGATIVE_POINTS = "assessment_negative_points"
    RULE_INACTIVE = "assessment_rule_inactive"
    STAFF_NOT_AT_CENTRE = "assessment_staff_not_at_centre"
