"""HMACs that let the registry match without holding personal data."""
from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def _key() -> bytes:
    return (settings.REGISTRY_HMAC_KEY or f"registry:{settings.SECRET_KEY}").encode()


def applicant_hmac(id_number: str) -> str:
    """The same applicant (ID number or credit code) gives the same value in every centre."""
    return hmac.new(_key(), id_number.strip().upper().encode(), hashlib.sha256).hexdigest()


def lookup_hmac(number: str, factor: str) -> str:
    """A progress-lookup factor (last four digits of ID or phone) bound to one case number."""
    return hmac.new(_key(), f"{number}|{factor.strip().upper()}".encode(), hashlib.sha256).hexdigest()
