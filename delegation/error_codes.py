"""Error codes of delegation (clients branch on these)."""
from enum import StrEnum


class DelegationErrorCode(StrEnum):
    NOT_AN_AGENT = "delegation_not_an_agent"
    POST_ENDED = "delegation_post_ended"
    CONSENT_REQUIRED = "delegation_consent_required"
    CONSENT_MISMATCH = "delegation_consent_mismatch"
    INVALID_RESIDENT = "delegation_invalid_resident"
    ITEM_NOT_OFFERED = "delegation_item_not_offered"
    HANDOVER_OUT_OF_ORDER = "delegation_handover_out_of_order"
    RESULT_NOT_READY = "delegation_result_not_ready"
    INVALID_STATION = "delegation_invalid_station"
    INVALID_AGENT = "delegation_invalid_agent"
    INVALID_PROJECT = "delegation_invalid_project"
    GREEN_CHANNEL_CLOSED = "delegation_green_channel_closed"
    GREEN_CHANNEL_ITEM = "delegation_green_channel_item"
