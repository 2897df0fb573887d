"""The platform's Prometheus metrics (运行指标) that processes record as things happen: each request's latency
by view, the supervision sweeps' durations, failed provisionings. What is read from the database when
scraped (outbox backlogs and ages, half-made centres) and the endpoint itself are in config/metrics.py.

prometheus-client keeps these in the process. Under gunicorn's several workers (and Celery's worker and
beat beside them) set `PROMETHEUS_MULTIPROC_DIR` to an empty folder, the same for every process of the
machine, before they start (the launcher: var/metrics): each process then writes its values to files
there and the endpoint adds up every process's (prometheus-client's multiprocess mode). Names and
alerts: docs/operations.md, "Metrics and alerts".
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve
from prometheus_client import Counter, Gauge, Histogram

#: Request latency buckets (seconds): pages answer in tens of milliseconds, exports and imports in seconds.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SWEEP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

REQUEST_SECONDS = Histogram(
    "govservice_http_request_duration_seconds",
    "Time from a request's arrival to its response (streamed bodies not included), by view and method.",
    ["view", "method"], buckets=REQUEST_BUCKETS)
RESPONSES = Counter(
    "govservice_http_responses",
    "Responses by view, method and status class (2xx, 3xx, 4xx, 5xx).",
    ["view", "method", "status"])
SWEEP_SECONDS = Histogram(
    "govservice_sweep_duration_seconds",
    "Duration of a supervision sweep that finished (sweep: deadline, hall_long_wait, followup).",
    ["sweep"], buckets=SWEEP_BUCKETS)
SWEEP_FAILURES = Counter(
    "govservice_sweep_failures", "Supervision sweeps that raised instead of finishing.", ["sweep"])
SWEEP_LAST_SUCCESS = Gauge(
    "govservice_sweep_last_success_timestamp_seconds",
    "When a supervision sweep last finished (Unix time; the latest over every process).",
    ["sweep"], multiprocess_mode="max")
PROVISIONING_FAILURES = Counter(
    "govservice_provisioning_failures",
    "Centre onboardings (tenants.services) whose schema or completion failed, leaving the centre unserved.")

#: Label of a request no URL pattern matched (a 404 before any view), so unknown paths add no series.
UNRESOLVED = "<unresolved>"


@contextmanager
def sweep_timed(sweep: str) -> Iterator[None]:
    """Time the sweep named `sweep` around the block: its duration and time of success when the block
    finishes, a failure counted when it raises (the exception goes on)."""
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        SWEEP_FAILURES.labels(sweep).inc()
        raise
    SWEEP_SECONDS.labels(sweep).observe(time.perf_counter() - started)
    SWEEP_LAST_SUCCESS.labels(sweep).set(time.time())


def view_label(request: HttpRequest) -> str:
    """The view a request went to, as its URL pattern's name says (`cases:case-detail`), else its
    function's dotted path; `UNRESOLVED` when no pattern matched. A request answered in front of URL
    resolution (registry.lean's progress lookups) is named by resolving its path here."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
        except Resolver404:
            match = None
    if match is None:
        return UNRESOLVED
    return match.view_name or match._func_path


class RequestMetricsMiddleware:
    """First in MIDDLEWARE: times every request, whichever middleware answers it, and counts its response
    by view, method and status class. An unknown method is counted as "other" (a label per verb sent by
    anyone would grow without bound)."""

    METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in self.METHODS else "other"
        view = view_label(request)
        REQUEST_SECONDS.labels(view, method).observe(time.perf_counter() - started)
        RESPONSES.labels(view, method, f"{response.status_code // 100}xx").inc()
        return response
