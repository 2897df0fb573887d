"""Error codes of the reviews room (clients branch on these)."""
from enum import StrEnum


class ReviewErrorCode(StrEnum):
    NOT_REVIEWABLE = "review_case_not_decided"
    ALREADY_REVIEWED = "review_already_given"
    LEVEL_MISSING = "review_level_missing"
    NOT_BAD = "review_not_bad"
    FOLLOW_UP_GIVEN = "review_follow_up_given"
    FOLLOW_UP_TOO_EARLY = "review_follow_up_too_early"
    CALLED_BACK_ALREADY = "review_rectification_called_back"
    REPORTED_ALREADY = "review_rectification_reported"
    REPORT_MISSING = "review_rectification_report_missing"
    UNKNOWN_DEPARTMENT = "review_inquiry_unknown_department"
    ANSWERED_ALREADY = "review_inquiry_answered"
    ANSWER_MISSING = "review_inquiry_answer_missing"
    INQUIRY_MISSING = "review_inquiry_missing"
    VISIT_UNKNOWN = "review_visit_unknown"
    VISIT_NOT_DONE = "review_visit_not_done"
