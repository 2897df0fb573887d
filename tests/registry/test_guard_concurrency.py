"""Twenty wrong factors for one case number at the same moment, each on its own connection (as twenty
workers would send them): every one is counted, and no more than the rule's 5 are ever looked at before
the number is guarded. The rows are committed (other connections must see them) and removed after, so
these tests run outside the per-test transaction."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from registry.guard import NumberGuarded, guarded_lookup, number_failed, number_guard_lift, number_is_guarded

NUMBER = "610103-20990101-00777"  # no such case: an unknown number is counted like a known one
THREADS = 20


@pytest.fixture
def db_unblocked(django_db_setup, django_db_blocker):
    from registry.models import NumberGuard

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        number_guard_lift(NUMBER)
        try:
            yield NumberGuard
        finally:
            number_guard_lift(NUMBER)


def _at_once(work) -> list:
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=20)
            results[index] = work()
        except Exception as exc:  # noqa: BLE001
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _looked(calls: list):
    def find(*, number: str, factor: str) -> None:  # noqa: ARG001 - the lookup's signature: never finds
        calls.append(factor)
    return find


def test_twenty_guesses_at_once_through_the_lookup_five_are_looked_at_the_rest_are_guarded(db_unblocked):
    calls: list = []
    results = _at_once(lambda: guarded_lookup(number=NUMBER, factor="1111", find=_looked(calls)))
    guarded = [r for r in results if isinstance(r, NumberGuarded)]
    assert results.count(None) == 5 and len(guarded) == THREADS - 5, results
    assert len(calls) == 5
    assert dict(db_unblocked.objects.values_list("window_seconds", "failures")) == {15 * 60: 5, 24 * 60 * 60: 5}
    assert number_is_guarded(NUMBER)


def test_twenty_failures_counted_at_once_are_all_counted(db_unblocked):
    results = _at_once(lambda: number_failed(NUMBER))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results.count(False) == 4 and results.count(True) == THREADS - 4  # the 5th trips the guard
    assert dict(db_unblocked.objects.values_list("window_seconds", "failures")) == {15 * 60: 20, 24 * 60 * 60: 20}
    locks = db_unblocked.objects.values_list("locked_until", flat=True)
    assert all(until is not None for until in locks)  # 5 trip the quarter hour, 20 the day
