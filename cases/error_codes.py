"""Error codes of cases (clients branch on these)."""
from enum import StrEnum


class CaseErrorCode(StrEnum):
    ITEM_NOT_ACCEPTED = "case_item_not_accepted"
    INVALID_APPLICANT = "case_invalid_applicant"
    UNKNOWN_MATERIAL = "case_unknown_material"
    TRANSITION_NOT_ALLOWED = "case_transition_not_allowed"
    ROLE_NOT_ALLOWED = "case_role_not_allowed"
    NOTE_REQUIRED = "case_note_required"
    CONFLICT = "case_conflict"
    IDEMPOTENCY_MISMATCH = "case_idempotency_key_reused"
    ITEM_NOT_ONLINE = "case_item_not_online"
    MATERIAL_FILE_REQUIRED = "case_material_file_required"
    NOTHING_TO_SUPPLEMENT = "case_nothing_to_supplement"
