"""The per-number guard of the progress lookup (查询防暴力破解): wrong factors are counted per case
number, whoever sends them, so guesses spread over many addresses still run out.

`settings.PROGRESS_GUARD` lists the rules, each `{"failures": n, "window": seconds, "lock": seconds}`:
after n wrong factors for one number, each less than `window` seconds after the one before (the count
is forgotten `window` seconds after the last), the number is guarded for `lock` seconds, and every
lookup of it (the right factor too) answers "try later". An unknown number is counted exactly like a
known one, so the guard tells nothing about which numbers exist. The counts live in the cache
(`CACHES["default"]`: Redis or files in runs), keyed by a hash of the number; a lookup that finds its
case counts nothing, so an applicant who types the factor right is never slowed.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from common.errors import ApplicationError, ErrorCode
from common.identity import normalise_case_number
from registry.models import RegistryEntry
from registry.selectors import progress_lookup

_PREFIX = "progress-guard"


class NumberGuarded(ApplicationError):
    """The case number is guarded: answer "try later" (429, code `rate_limited`) whatever the factor."""

    http_status = 429

    def __init__(self) -> None:
        super().__init__(_("Too many lookups. Please try again later."), ErrorCode.RATE_LIMITED, {"wait": None})


def _key(kind: str, number: str, window: int) -> str:
    digest = hashlib.sha256(normalise_case_number(number).encode()).hexdigest()[:40]
    return f"{_PREFIX}:{kind}:{window}:{digest}"


def _rules() -> list[dict]:
    return list(settings.PROGRESS_GUARD)


def number_is_guarded(number: str) -> bool:
    """True while any rule guards case `number` (normalised first)."""
    keys = [_key("lock", number, rule["window"]) for rule in _rules()]
    return bool(keys) and bool(cache.get_many(keys))


def number_failed(number: str) -> None:
    """Count one wrong factor (or an unknown number) for case `number`; guard it when a rule trips."""
    for rule in _rules():
        window = int(rule["window"])
        counter = _key("fail", number, window)
        cache.add(counter, 0, timeout=window)
        try:
            count = cache.incr(counter)  # atomic on Redis and locmem
        except ValueError:  # expired between add and incr
            cache.add(counter, 1, timeout=window)
            count = 1
        cache.touch(counter, window)  # the file cache's incr rewrites the key with the default timeout
        if count >= int(rule["failures"]):
            cache.set(_key("lock", number, window), True, timeout=int(rule["lock"]))


def number_guard_lift(number: str) -> None:
    """Forget case `number`'s wrong factors and lift its guard at once (an operator's step, from
    `manage.py shell`, when an applicant cannot wait)."""
    cache.delete_many([_key(kind, number, rule["window"]) for rule in _rules() for kind in ("fail", "lock")])


def guarded_lookup(*, number: str, factor: str,
                   find: Callable[..., RegistryEntry | None] = progress_lookup) -> RegistryEntry | None:
    """`find(number=…, factor=…)` (by default `progress_lookup`) behind the per-number guard: the entry,
    or None (counted as a failure of `number`).

    Raises `NumberGuarded` without looking while the number is guarded, for a known and an unknown
    number alike.
    """
    if number_is_guarded(number):
        raise NumberGuarded
    entry = find(number=number, factor=factor)
    if entry is None:
        number_failed(number)
    return entry
