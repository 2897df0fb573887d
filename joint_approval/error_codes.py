"""Error codes of joint approvals (clients branch on these)."""
from enum import StrEnum


class JointErrorCode(StrEnum):
    NOT_STAFF = "joint_not_staff"
    WRONG_CENTRE = "joint_wrong_centre"
    NO_ITEMS = "joint_no_items"
    UNKNOWN_ITEM = "joint_unknown_item"
    LEG_FAILED = "joint_leg_failed"
    NO_CENTRE = "joint_no_centre_for_leg"
    INVALID_PROJECT = "joint_invalid_project"
    PROJECT_RUNNING = "joint_project_running"
