"""The per-number guard of the progress lookup (查询防暴力破解): wrong factors are counted per case
number, whoever sends them, so guesses spread over many addresses still run out.

`settings.PROGRESS_GUARD` lists the rules, each `{"failures": n, "window": seconds, "lock": seconds}`
(no two with the same window): after n wrong factors for one number, each less than `window` seconds
after the one before (the count is forgotten `window` seconds after the last), the number is guarded for
`lock` seconds, and every lookup of it (the right factor too) answers "try later". An unknown number is
counted exactly like a known one, so the guard tells nothing about which numbers exist. A lookup that
finds its case counts nothing, so an applicant who types the factor right is never slowed.

The counts live in PostgreSQL (`registry.NumberGuard`, public schema: one row per number and rule, the
number only as the SHA-256 of its normalised form), not in the cache, which may forget them (the file
cache culls at 300 entries). A wrong factor is counted in one statement (INSERT … ON CONFLICT DO UPDATE),
so parallel guesses are all counted; and `guarded_lookup` holds a transaction-level advisory lock on
the number from its check to its count, so parallel guesses of one number are checked one after the
other and no more than a rule's `failures` of them are ever looked at before the guard holds.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import ApplicationError, ErrorCode
from common.identity import normalise_case_number
from registry.models import NumberGuard
from registry.selectors import Found, guard_key, progress_lookup


class NumberGuarded(ApplicationError):
    """The case number is guarded: answer "try later" (429, code `rate_limited`) whatever the factor."""

    http_status = 429

    def __init__(self) -> None:
        super().__init__(_("Too many lookups. Please try again later."), ErrorCode.RATE_LIMITED, {"wait": None})


def _now() -> dt.datetime:
    return timezone.now()


def _digest(number: str) -> str:
    return hashlib.sha256(normalise_case_number(number).encode()).hexdigest()


def _rules() -> list[tuple[int, int, int]]:
    """(window, failures, lock) of each rule, in seconds, by window (the order rows are locked in)."""
    rules = sorted((int(r["window"]), int(r["failures"]), int(r["lock"])) for r in settings.PROGRESS_GUARD)
    if len({window for window, _f, _l in rules}) != len(rules):
        raise ImproperlyConfigured("PROGRESS_GUARD: two rules with the same window")
    return rules


def number_is_guarded(number: str) -> bool:
    """True while any rule guards case `number` (a joint case and its legs together: `guard_key`)."""
    return _is_guarded(guard_key(number))


def number_failed(number: str) -> bool:
    """Count one wrong factor (or an unknown number) for case `number` (a joint case and its legs
    together: `guard_key`); True when the number is guarded now."""
    return _failed(guard_key(number))


def _is_guarded(key: str) -> bool:
    """True while any rule guards `key` (a `guard_key`). One indexed SELECT."""
    return NumberGuard.objects.filter(number_hash=_digest(key), locked_until__gt=_now()).exists()


def _failed(number: str) -> bool:
    """Count one wrong factor for `number` (a `guard_key`), for every rule at once, in one statement;
    guard it when a rule trips. True when it is guarded now."""
    rules = _rules()
    if not rules:
        return False
    digest, now = _digest(number), _now()
    table = connection.ops.quote_name(NumberGuard._meta.db_table)
    rows: list[str] = []
    params_rows: list[str | int | dt.datetime] = []
    for window, failures, lock in rules:
        rows.append("(%s, %s, 1, %s, CASE WHEN %s <= 1 THEN %s::timestamptz END)")
        params_rows += [digest, window, now + dt.timedelta(seconds=window), failures,
                        now + dt.timedelta(seconds=lock)]
    allowed = " ".join("WHEN %s THEN %s" for _rule in rules)
    lock_until = " ".join("WHEN %s THEN %s::timestamptz" for _rule in rules)
    # the count after this failure: one more, or a fresh 1 when the window has passed since the last
    count = "(CASE WHEN g.counted_until > %s THEN g.failures + 1 ELSE 1 END)"
    sql = (
        f"INSERT INTO {table} AS g (number_hash, window_seconds, failures, counted_until, locked_until) "
        f"VALUES {', '.join(rows)} "
        "ON CONFLICT (number_hash, window_seconds) DO UPDATE SET "
        f"failures = {count}, counted_until = EXCLUDED.counted_until, "
        f"locked_until = CASE WHEN {count} >= (CASE g.window_seconds {allowed} END) "
        f"THEN GREATEST(g.locked_until, CASE g.window_seconds {lock_until} END) ELSE g.locked_until END "
        "RETURNING locked_until"
    )
    params: list[str | int | dt.datetime] = [*params_rows, now, now]
    params += [value for window, failures, _lock in rules for value in (window, failures)]
    params += [value for window, _failures, lock in rules for value in (window, now + dt.timedelta(seconds=lock))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return any(until is not None and until > now for (until,) in cursor.fetchall())


def number_guard_lift(number: str) -> None:
    """Forget case `number`'s wrong factors and lift its guard at once (an operator's step, from
    `manage.py shell`, when an applicant cannot wait); a joint case's and its legs' shared count too."""
    NumberGuard.objects.filter(number_hash__in={_digest(number), _digest(guard_key(number))}).delete()


def number_guard_purge(*, now: dt.datetime | None = None) -> int:
    """Remove the rows that no longer count or guard anything (run by the beat); how many."""
    now = now or _now()
    deleted, _by_model = NumberGuard.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now), counted_until__lte=now).delete()
    return deleted


def _serialise_and_check(number: str) -> bool:
    """Hold a transaction-level advisory lock on `number` (a `guard_key`; released at commit), then say
    whether it is guarded (`_is_guarded`): lookups of one number wait for each other from the check to
    the count; other numbers are not held. One round trip: the two statements go in one message, and the
    check, a statement of its own, reads with a snapshot taken once the lock is held, so it sees every
    count committed before."""
    digest = _digest(number)
    key = int.from_bytes(bytes.fromhex(digest[:16]), "big", signed=True)
    table = connection.ops.quote_name(NumberGuard._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_xact_lock(%s); SELECT EXISTS (SELECT 1 FROM {table} "  # noqa: S608
                       "WHERE number_hash = %s AND locked_until > %s)", [key, digest, _now()])
        cursor.nextset()
        (guarded,) = cursor.fetchone()
    return bool(guarded)


def guarded_lookup(*, number: str, factor: str,
                   find: Callable[..., Found | None] = progress_lookup) -> Found | None:
    """`find(number=…, factor=…)` (by default `progress_lookup`) behind the per-number guard: what it
    found (a case's entry, or a joint case with its legs), or None (counted as a failure of `number`, a
    joint case's number like any other).

    Raises `NumberGuarded` without looking while the number is guarded, for a known and an unknown
    number alike. A joint case's number and its legs' numbers are counted and guarded together
    (`registry.selectors.guard_key`).
    """
    with transaction.atomic():
        key = guard_key(number)  # a joint case and its legs share one count
        if _serialise_and_check(key):
            raise NumberGuarded
        entry = find(number=number, factor=factor)
        if entry is None:
            _failed(key)
    return entry
