"""Host → centre routing with a per-process cache and cross-process invalidation.

Stock django-tenants looks the domain up in the database on every request (measured here:
routed throughput 0.55 of plain Django). This cache keeps what it found per process and empties
itself when `RoutingVersion.version` moves. A database trigger bumps that number on any insert,
update or delete of a centre or a domain, so *every* writer (services, admin, raw SQL) invalidates
it, and each process looks at the number at most once per `ROUTING_CHECK_SECONDS`: a renamed or
suspended centre takes effect everywhere within that time.

Only hosts that belong to a centre are kept (at most one entry per `Domain` row): an unknown host
costs its one query each time and no memory, so made-up `Host` headers cannot grow a worker.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from tenants.models import Centre, Domain


@dataclass
class _State:
    version: int | None = None
    checked_at: float = float("-inf")


class RoutingCache:
    def __init__(self) -> None:
        self._hosts: dict[str, Centre] = {}
        self._state = _State()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._hosts = {}
            self._state = _State()

    def __len__(self) -> int:
        """How many hosts this process holds (each a centre's domain)."""
        return len(self._hosts)

    def _current_version(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version FROM public.tenants_routingversion WHERE id = 1")
            row = cursor.fetchone()
        return row[0] if row else 0

    def _revalidate(self, now: float) -> None:
        interval = settings.ROUTING_CHECK_SECONDS
        if now - self._state.checked_at < interval:
            return
        version = self._current_version()
        with self._lock:
            if version != self._state.version:
                self._hosts = {}
                self._state.version = version
            self._state.checked_at = now

    def centre_for_host(self, host: str) -> Centre | None:
        """The centre at `host`, or None. At most one cheap query a second; one more for a centre's
        host not yet seen by this process, and one for each request to a host that is no centre's
        (not remembered)."""
        self._revalidate(time.monotonic())
        found = self._hosts.get(host)
        if found is None:
            domain = Domain.objects.select_related("tenant").filter(domain=host).first()
            if domain is None:
                return None
            found = domain.tenant
            with self._lock:
                self._hosts[host] = found
        return found


routing_cache = RoutingCache()
