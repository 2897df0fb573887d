"""Model fields of the project: `EncryptedTextField`, a text column encrypted at rest (common.crypto)."""
from __future__ import annotations

from typing import Any

from django.db import models

from common import crypto


class EncryptedTextField(models.TextField):
    """Text stored encrypted (Fernet, `common.crypto`) and read back in clear: the attribute holds the
    clear value, only the column holds ciphertext. Each save encrypts under the newest key.

    The column cannot be searched (encryption is not deterministic): only `isnull` lookups are allowed;
    any other (`filter(phone=...)`) raises FieldError instead of silently matching nothing. Look values
    up by an HMAC column (`common.identity.identity_hmac`).
    """

    description = "Text encrypted at rest"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value if value is None else crypto.encrypt(value)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:  # noqa: ARG002
        return value if value is None else crypto.decrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None
