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
    SUSPENDED = "centre_suspended"  # its addresses answer 503 until it is resumed
    PROVISIONING = "centre_provisioning"  # 503 until its schema is ready
    MEMBERSHIP_CHANGED_MEANWHILE = "membership_changed_meanwhile"


class SignInErrorCode(StrEnum):
    LOCKED = "sign_in_locked"
    NOTHING_TO_UNLOCK = "sign_in_nothing_to_unlock"
    BAD_CODE = "second_factor_bad_code"
    CODE_REQUIRED = "second_factor_code_required"
    SECOND_FACTOR_REQUIRED = "second_factor_required"
    PASSWORD_CHANGE_REQUIRED = "password_change_required"  # noqa: S105 - an error code, not a password


class StaffErrorCode(StrEnum):
    INVALID_INPUT = "staff_invalid_input"
    INVALID_FILE = "staff_invalid_file"
    ROLE_NOT_ALLOWED = "staff_role_not_allowed"
    BEYOND_CENTRE = "staff_beyond_centre"
    LAST_ADMIN = "staff_last_admin"
    CHANGED_MEANWHILE = "staff_changed_meanwhile"
