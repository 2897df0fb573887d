"""Bilingual values (zh-hans first, English when asked): one rule for picking the one to show."""
from __future__ import annotations

from django.utils.translation import get_language


def is_english() -> bool:
    """Whether the active language is English (else Chinese, the platform's first language)."""
    return (get_language() or "").startswith("en")


def pick(zh: str, en: str | None) -> str:
    """The English value when the active language is English and there is one, else the Chinese."""
    return en if en and is_english() else zh
