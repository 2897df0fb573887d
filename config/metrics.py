"""The Prometheus endpoint (`/metrics`, 运行指标): what the processes recorded (common/metrics.py: request
latency by view, sweep durations, failed provisionings), added up over every process of the machine in
prometheus-client's multiprocess mode, plus what is read from the database when scraped:

- `govservice_case_outbox_rows`, `govservice_case_outbox_oldest_age_seconds`: rows waiting in the centres'
  outboxes (cases.door.outbox_waiting; with `CASE_PUBLIC_WRITES = "after_commit"`), the oldest's age;
- `govservice_sms_outbox_pending`, `govservice_sms_outbox_oldest_pending_age_seconds`: messages not sent
  yet (notifications.selectors.outbox_waiting), the oldest's age;
- `govservice_centres_provisioning`: centres whose onboarding stopped half-way (not served);
- `govservice_metrics_database_up`: 1 if those reads answered, 0 if the database did not (the rest is
  then left out rather than the scrape failing).

Not public: answered only to a request with `Authorization: Bearer <GOVSERVICE_METRICS_TOKEN>` or from an
address in `GOVSERVICE_METRICS_NETWORKS` (default: loopback); everyone else gets 403. An address counts
only as the platform reads client addresses (common.client.client_address, `TRUSTED_PROXIES`): a request
that came through a proxy the platform does not trust (a forwarded-for header with `TRUSTED_PROXIES=0`)
is never let in by its address. docs/operations.md, "Metrics and alerts".
"""
from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Iterable, Iterator
from functools import cache

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.http import require_safe
from django_tenants.utils import get_public_schema_name, schema_context
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from cases.door import outbox_waiting as case_outbox_waiting
from common.client import client_address
from notifications.selectors import outbox_waiting as sms_outbox_waiting
from tenants.choices import CentreStatus
from tenants.models import Centre
from tenants.services import centres_half_made

FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED")


@cache
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(net, strict=False) for net in spec)


def metrics_allowed(request: HttpRequest) -> bool:
    """The request bears the metrics token, or comes from an allowed network (read as above)."""
    token = settings.METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    if not settings.REST_FRAMEWORK.get("NUM_PROXIES") and any(request.META.get(h) for h in FORWARDING_HEADERS):
        return False  # relayed by a proxy not trusted: REMOTE_ADDR is the proxy's, not the client's
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.METRICS_ALLOWED_NETWORKS)))


def _age(now, then) -> float:
    return max((now - then).total_seconds(), 0.0) if then is not None else 0.0


class DatabaseCollector:
    """The figures read from the database at each scrape (a few indexed statements; the centres' outboxes
    in one statement per 500 centres)."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("govservice_metrics_database_up",
                               "1 if the database answered the metrics' reads at this scrape, else 0.")
        try:
            with schema_context(get_public_schema_name()):
                now = timezone.now()
                centres = list(Centre.objects.exclude(status=CentreStatus.PROVISIONING).only("pk", "schema_name"))
                rows, oldest_row = case_outbox_waiting(centres=centres)
                sms = sms_outbox_waiting()
                half_made = len(centres_half_made())
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("govservice_case_outbox_rows",
                                "Rows waiting in the centres' outboxes to be projected into the public schema.",
                                value=rows)
        yield GaugeMetricFamily("govservice_case_outbox_oldest_age_seconds",
                                "Age of the oldest row waiting in a centre's outbox (0 when none waits).",
                                value=_age(now, oldest_row))
        yield GaugeMetricFamily("govservice_sms_outbox_pending", "Messages in the notifications outbox not sent yet.",
                                value=sms.waiting)
        yield GaugeMetricFamily("govservice_sms_outbox_oldest_pending_age_seconds",
                                "Age of the oldest message not sent yet (0 when none waits).",
                                value=_age(now, sms.oldest))
        yield GaugeMetricFamily("govservice_centres_provisioning",
                                "Centres whose onboarding stopped before they were ready (not served).",
                                value=half_made)


class _ThisProcess:
    """Without multiprocess mode: this process's own metrics (prometheus-client's default registry)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def metrics_text() -> bytes:
    """The exposition: every process's recorded metrics (multiprocess mode) or this process's, then the
    database's figures."""
    registry = CollectorRegistry(auto_describe=False)
    if settings.METRICS_MULTIPROC_DIR:
        MultiProcessCollector(registry, path=settings.METRICS_MULTIPROC_DIR)
    else:
        registry.register(_ThisProcess())  # type: ignore[arg-type]
    registry.register(DatabaseCollector())  # type: ignore[arg-type]
    started = time.perf_counter()
    text = generate_latest(registry)
    took = time.perf_counter() - started
    return text + (f"# HELP govservice_metrics_scrape_seconds Time this scrape took to build.\n"
                   f"# TYPE govservice_metrics_scrape_seconds gauge\n"
                   f"govservice_metrics_scrape_seconds {took:.6f}\n").encode()


@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """/metrics on every host, for Prometheus: 403 unless `metrics_allowed`."""
    if not metrics_allowed(request):
        return HttpResponseForbidden()
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
