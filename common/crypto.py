"""Encryption at rest of applicants' personal data (个人敏感信息: ID numbers, mobile phones), with
`cryptography`'s Fernet (AES-128-CBC + HMAC-SHA256, a random IV per value) under a MultiFernet.

Keys: `settings.DATA_KEYS` (environment `GOVSERVICE_DATA_KEYS`, comma-separated Fernet keys, **newest
first**). The newest encrypts; every listed key decrypts. Rotation: put a new key first and keep the old
one, run `manage.py reencrypt_personal_data` (every centre's rows and the outbox are rewritten under the
newest key), then drop the old key. In development and tests the one key is derived from SECRET_KEY;
production refuses to start without `GOVSERVICE_DATA_KEYS` (config/settings/production.py).

Encryption is not deterministic (the same ID number encrypts differently each time): look values up by
their HMAC (`common.identity.identity_hmac`), never by the encrypted column.
"""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

#: Every Fernet token starts with these characters (version byte 0x80, base64): how a stored value
#: written before encryption (clear text) is told from an encrypted one.
TOKEN_PREFIX = "gAAAAA"  # noqa: S105 - a format marker, not a secret


class UndecryptableError(ImproperlyConfigured):
    """A stored value was encrypted with a key that is no longer in GOVSERVICE_DATA_KEYS."""


def derived_key(secret: str) -> str:
    """A Fernet key derived from `secret` (development and tests only)."""
    return base64.urlsafe_b64encode(hashlib.sha256(f"personal-data:{secret}".encode()).digest()).decode()


def data_keys() -> tuple[str, ...]:
    """The keys in force, newest first (settings.DATA_KEYS, else one derived from SECRET_KEY)."""
    keys = tuple(k for k in getattr(settings, "DATA_KEYS", ()) if k)
    return keys or (derived_key(settings.SECRET_KEY),)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("GOVSERVICE_DATA_KEYS: each key must be a Fernet key (32 url-safe "
                                   "base64-encoded bytes, from Fernet.generate_key())") from exc


def encrypt(text: str) -> str:
    """`text` encrypted under the newest key, as ASCII text (~4/3 of 57 + len(text) bytes); "" stays ""."""
    if not text:
        return text
    return _fernet(data_keys()).encrypt(text.encode()).decode("ascii")


def decrypt(stored: str) -> str:
    """The clear text of a stored value. A value written before encryption (no Fernet prefix) is returned
    as it is; a token no key in force opens raises `UndecryptableError`."""
    if not stored or not stored.startswith(TOKEN_PREFIX):
        return stored
    try:
        return _fernet(data_keys()).decrypt(stored.encode("ascii")).decode()
    except InvalidToken as exc:
        raise UndecryptableError("A stored personal-data value cannot be decrypted with GOVSERVICE_DATA_KEYS: "
                                 "was a key dropped before `reencrypt_personal_data` ran?") from exc


def is_encrypted(stored: str) -> bool:
    """Whether a stored value is a token (not clear text)."""
    return bool(stored) and stored.startswith(TOKEN_PREFIX)
