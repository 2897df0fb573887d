"""Brute force of the progress lookup: a client cannot get a fresh allowance by sending a new
X-Forwarded-For, and each case number is guarded against guesses from many addresses: after a few wrong
factors it answers "try later" to everyone (the right factor too), and an unknown number answers the same."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection

from cases.choices import Action
from cases.services import case_submit, case_transition
from registry.guard import number_failed, number_guard_lift, number_guard_purge, number_is_guarded
from registry.models import NumberGuard
from tests.cases.conftest import VALID_ID

pytestmark = pytest.mark.django_db
UNKNOWN = "610103-20990101-00042"
RATING = {"overall": "satisfied"}


@pytest.fixture
def case(in_beilin, item, clerk):
    case = case_submit(centre=connection.tenant, item_code="610100SC-XK-0001", applicant_kind="person",
                       applicant_name="王小明", applicant_id_number=VALID_ID, phone="13812345678",
                       channel="window", acting_user=clerk).case
    return case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=clerk)


def _proxies(settings, count: int, rate: str | None = "10/minute") -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count,
                               "DEFAULT_THROTTLE_RATES": {"progress": rate}}


def _sweep(client, number: str, factors: list[str]) -> list:
    """One guess per factor, each from a new address in X-Forwarded-For (as the probe did)."""
    return [client.get("/progress/api/", {"number": number, "factor": factor},
                       HTTP_X_FORWARDED_FOR=f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
            for i, factor in enumerate(factors)]


def test_a_new_x_forwarded_for_per_request_gets_no_fresh_allowance(case, centre_client, settings):
    """No trusted proxy (the default): the header is ignored and the connection's address counts."""
    client = centre_client()
    numbers = [f"610103-20990101-{n:05d}" for n in range(11)]  # other numbers: the per-number guard stays out
    answers = [client.get("/progress/api/", {"number": number, "factor": "1234"},
                          HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") for n, number in enumerate(numbers)]
    assert [a.status_code for a in answers] == [404] * 10 + [429]
    assert "Too many lookups. Please try again in" in answers[-1].json()["message"]


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(case, centre_client, settings):
    """One proxy in front: the client is the last address of X-Forwarded-For; what the client wrote
    before it is not believed."""
    _proxies(settings, 1, "2/minute")
    client = centre_client()
    statuses = [client.get("/progress/api/", {"number": f"610103-20990101-{n:05d}", "factor": "1234"},
                           HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9").status_code for n in range(3)]
    assert statuses == [404, 404, 429]
    other = client.get("/progress/api/", {"number": "610103-20990101-00099", "factor": "1234"},
                       HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.10")
    assert other.status_code == 404  # another client behind the proxy has its own allowance


def test_guesses_from_many_addresses_never_find_the_factor_and_an_unknown_number_answers_the_same(
        case, centre_client, settings):
    """The probe's attack, at its worst: every guess from a different client (a trusted proxy passes
    each one's own address). The right factor sits among the guesses; the number is guarded first."""
    _proxies(settings, 1)
    client = centre_client()
    factors = [f"{n:04d}" for n in range(200)]
    factors.insert(120, "5678")  # the applicant's phone ends with it
    known = _sweep(client, case.number, factors)
    assert [a.status_code for a in known] == [404] * 5 + [429] * 196
    right = known[120]
    assert right.status_code == 429 and right.json() == known[-1].json() == known[5].json()
    assert right.json()["code"] == "rate_limited"
    assert right.json()["message"] == "Too many lookups. Please try again later."

    unknown = _sweep(client, UNKNOWN, factors)
    assert [a.status_code for a in unknown] == [a.status_code for a in known]
    assert [a.json() for a in unknown[5:]] == [a.json() for a in known[5:]]
    assert [{**a.json(), "extra": {}} for a in unknown[:5]] == [{**a.json(), "extra": {}} for a in known[:5]]


def test_the_guard_is_shared_by_the_page_the_api_and_the_reviews_room(case, beilin, centre_client, settings):
    _proxies(settings, 0, None)  # the per-client throttle lifted: the guard alone
    client = centre_client(beilin)
    for factor in ("1111", "2222"):
        assert client.post("/progress/", {"number": case.number, "factor": factor}).status_code == 404
    for factor in ("3333", "4444"):
        assert client.get("/progress/api/", {"number": case.number, "factor": factor}).status_code == 404
    review = client.post("/supervision/reviews/rate/", {"number": case.number, "factor": "5555", **RATING})
    assert review.status_code == 404
    assert number_is_guarded(case.number)

    page = client.post("/progress/", {"number": case.number, "factor": "5678"})
    assert page.status_code == 429
    assert "Too many lookups. Please try again later." in page.content.decode()
    assert case.number not in page.content.decode().split("<form")[0]  # no result above the form
    review = client.post("/supervision/reviews/rate/", {"number": case.number, "factor": "5678", **RATING})
    assert review.status_code == 429
    assert "Too many attempts. Please try again later." in review.content.decode()


def test_an_applicant_who_types_the_factor_right_is_not_hurt(case, centre_client, settings):
    _proxies(settings, 0, None)
    client = centre_client()
    for _ in range(10):  # right every time: nothing counted
        assert client.get("/progress/api/", {"number": case.number, "factor": "002X"}).status_code == 200
    for factor in ("1111", "2222", "3333", "4444"):  # four slips, then the right one
        assert client.get("/progress/api/", {"number": case.number, "factor": factor}).status_code == 404
    assert client.get("/progress/api/", {"number": case.number, "factor": "5678"}).status_code == 200


def test_the_guard_lifts_after_its_time_and_a_day_of_guesses_guards_for_a_day(case, centre_client, settings,
                                                                               monkeypatch):
    _proxies(settings, 0, None)
    clock = {"now": dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)}
    monkeypatch.setattr("registry.guard._now", lambda: clock["now"])  # the guard's clock
    client = centre_client()

    def look(factor: str) -> int:
        return client.get("/progress/api/", {"number": case.number, "factor": factor}).status_code

    for _ in range(5):
        assert look("1111") == 404
    assert look("5678") == 429
    clock["now"] += dt.timedelta(minutes=16)
    assert look("5678") == 200  # fifteen minutes later the applicant gets in

    for _round in range(3):  # 5 more wrong each quarter of an hour: 20 in the day
        for _ in range(5):
            assert look("1111") == 404
        clock["now"] += dt.timedelta(minutes=16)
    assert look("5678") == 429  # guarded for the day now, not just a quarter of an hour
    clock["now"] += dt.timedelta(hours=6)
    assert look("5678") == 429
    clock["now"] += dt.timedelta(hours=24)
    assert look("5678") == 200


def test_an_operator_can_lift_a_guard_at_once(case, centre_client, settings):
    _proxies(settings, 0, None)
    client = centre_client()
    for _ in range(5):
        assert client.get("/progress/api/", {"number": case.number, "factor": "1111"}).status_code == 404
    assert client.get("/progress/api/", {"number": case.number, "factor": "5678"}).status_code == 429
    number_guard_lift(case.number)
    assert client.get("/progress/api/", {"number": case.number, "factor": "5678"}).status_code == 200


def test_the_guard_survives_the_cache_being_cleared(case, centre_client, settings):
    """The counts are in PostgreSQL: a cache that forgets (the file cache culls at 300 entries, an
    attacker can fill it) does not lift a guard."""
    _proxies(settings, 0, None)
    client = centre_client()
    for _ in range(5):
        assert client.get("/progress/api/", {"number": case.number, "factor": "1111"}).status_code == 404
    cache.clear()
    assert client.get("/progress/api/", {"number": case.number, "factor": "5678"}).status_code == 429
    assert number_is_guarded(case.number)


def test_the_number_is_kept_only_as_a_hash(case):
    number_failed(case.number)
    rows = list(NumberGuard.objects.values_list("number_hash", "window_seconds", "failures"))
    assert len(rows) == 2 and {failures for _h, _w, failures in rows} == {1}
    assert all(len(digest) == 64 and case.number not in digest for digest, _w, _f in rows)
    number_failed(case.number.replace("-", " "))  # normalised first: the same number
    assert set(NumberGuard.objects.values_list("failures", flat=True)) == {2}


def test_the_purge_removes_only_rows_that_count_and_guard_nothing(monkeypatch):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    clock = {"now": start}
    monkeypatch.setattr("registry.guard._now", lambda: clock["now"])
    for _ in range(5):
        number_failed(UNKNOWN)  # guarded for 15 minutes, counted for a day
    number_failed("610103-20990101-00043")  # counted only
    assert number_guard_purge(now=start + dt.timedelta(minutes=14)) == 0  # all still counting, one guarding
    assert number_guard_purge(now=start + dt.timedelta(minutes=16)) == 2  # the quarter-hour rows, guard run out
    assert set(NumberGuard.objects.values_list("window_seconds", flat=True)) == {24 * 60 * 60}
    assert number_guard_purge(now=start + dt.timedelta(days=1, seconds=1)) == 2
    assert not NumberGuard.objects.exists()


def test_the_purge_runs_hourly_once_in_public_as_a_task():
    from django.conf import settings as django_settings

    from config.celery import app
    from registry.tasks import number_guard_purge_task

    scheduled = django_settings.CELERY_BEAT_SCHEDULE["registry-number-guard-purge"]
    assert (scheduled["task"], scheduled["tenant_schemas"]) == ("registry.number_guard_purge", ["public"])
    app.loader.import_default_modules()
    assert "registry.number_guard_purge" in app.tasks
    number_failed(UNKNOWN)
    assert number_guard_purge_task() == 0  # still counting: kept
