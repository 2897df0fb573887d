"""Error codes of the tenants app (clients branch on these)."""
from enum import StrEnum


class CentreErrorCode(StrEnum):
    INVALID_INPUT = "centre_invalid_input"
    INVALID_FILE = "centre_invalid_file"
    ALREADY_EXISTS = "centre_already_exists"
    STATUS_TRANSITION = "centre_status_transition"
    CITY_NOT_SUSPENDABLE = "centre_city_not_suspendable"
    REASON_REQUIRED = "centre_reason_required"
    PROVISIONING_FAILED = "centre_provisioning_failed"
    MEMBERSHIP_INVALID = "membership_invalid"
    CHANGED_MEANWHILE = "centre_changed_meanwhile"
    MEMBERSHIP_CHANGED_MEANWHILE = "membership_changed_meanwhile"


class SignInErrorCode(StrEnum):
    LOCKED = "sign_in_locked"
    NOTHING_TO_UNLOCK = "sign_in_nothing_to_unlock"
    BAD_CODE = "second_factor_bad_code"
    CODE_REQUIRED = "second_factor_code_required"
    SECOND_FACTOR_REQUIRED = "second_factor_required"
