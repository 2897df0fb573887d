"""Made-up Host headers cost no memory: the routing cache keeps only centres' hosts."""
from __future__ import annotations

import gc
import tracemalloc

import pytest
from django.test import Client

from tenants.routing import routing_cache

pytestmark = pytest.mark.django_db


def test_unknown_hosts_are_answered_404_and_not_remembered(centre_client, beilin, settings):
    settings.ROUTING_CHECK_SECONDS = 3600
    assert centre_client(beilin).get("/").status_code == 200
    held = len(routing_cache)
    for n in range(50):
        assert Client(HTTP_HOST=f"made-up-{n}.{settings.PLATFORM_DOMAIN}").get("/").status_code == 404
    assert len(routing_cache) == held == 1


def test_thousands_of_unknown_hosts_do_not_grow_the_process(beilin, settings):
    """The probe sent 40,000 made-up hosts and each worker grew by about 6 MB; here 1,000 must leave
    (almost) nothing behind, while a centre's host is still answered from memory."""
    settings.ROUTING_CHECK_SECONDS = 3600
    own = f"{beilin.slug}.{settings.PLATFORM_DOMAIN}"
    assert routing_cache.centre_for_host(own).pk == beilin.pk
    routing_cache.centre_for_host("warm-up.localhost")
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for n in range(1000):
            assert routing_cache.centre_for_host(f"host-{n:05d}.{settings.PLATFORM_DOMAIN}") is None
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert grown < 32_000, f"the process grew by {grown} bytes"
    assert routing_cache.centre_for_host(own).pk == beilin.pk
