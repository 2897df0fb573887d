"""Error codes of the online service hall (网上办事大厅); clients branch on these."""
from enum import StrEnum


class PortalErrorCode(StrEnum):
    INVALID_MOBILE = "portal_invalid_mobile"
    CODE_TOO_MANY = "portal_code_too_many"
    CODE_TOO_SOON = "portal_code_too_soon"
    CODE_WRONG = "portal_code_wrong"
    NOT_SIGNED_IN = "portal_not_signed_in"
    IDENTITY_REQUIRED = "portal_identity_required"
    IDENTITY_INVALID = "portal_identity_invalid"
    IDENTITY_TAKEN = "portal_identity_taken"
    IDENTITY_BOUND = "portal_identity_bound"
    ERASED = "portal_erased"
    QUESTION_CASE_ELSEWHERE = "portal_question_case_elsewhere"
    QUESTION_ITEM_UNKNOWN = "portal_question_item_unknown"
    BOOKING_NOT_FOUND = "portal_booking_not_found"
    ITEM_NOT_OFFERED = "portal_item_not_offered"
    TOWNSHIP_REQUIRED = "portal_township_required"
    ALREADY_OPEN = "portal_application_open"
    FILES_REFUSED = "portal_files_refused"
