"""Error codes of the catalogue (clients branch on these)."""
from enum import StrEnum


class CatalogErrorCode(StrEnum):
    INVALID_ITEM = "catalog_invalid_item"
    INVALID_VERSION = "catalog_invalid_version"
    VERSION_FROZEN = "catalog_version_frozen"
    PROMISE_ABOVE_LEGAL = "catalog_promise_above_legal_limit"
    NOT_ADOPTABLE = "catalog_item_not_adoptable"
    ALREADY_ADOPTED = "catalog_already_adopted"
    ITEM_REMOVED = "catalog_item_removed"
    INVALID_EVENT = "catalog_invalid_event"
    INVALID_FILE = "catalog_invalid_file"
    UNPRINTABLE_TEXT = "catalog_unprintable_text"
    INVALID_FORM = "catalog_invalid_form"
