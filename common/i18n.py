"""Bilingual values (zh-hans first, English when asked): one rule for picking the one to show."""
from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language


def is_english() -> bool:
    """Whether the active language is English (else Chinese, the platform's first language)."""
    return (get_language() or "").startswith("en")


def pick(zh: str, en: str | None) -> str:
    """The English value when the active language is English and there is one, else the Chinese."""
    return en if en and is_english() else zh


def join_names(names: Iterable[object]) -> str:
    """Names listed in the active language: `甲、乙、丙` (the enumeration comma 顿号) in Chinese,
    `a, b, c` in English. An empty list gives ""."""
    return (", " if is_english() else "、").join(str(name) for name in names)
