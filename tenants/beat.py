"""Celery beat that never fires for a centre that is not ready, and runs once however many are started.

A beat entry without `tenant_schemas` is sent once per *ready* centre. Platform-wide jobs (the
deadline sweep over the registry, reports) use `"tenant_schemas": ["public"]` and are sent once,
to run in the public schema: never 200 messages a tick.

Exactly one beat sends (节拍锁, the beat lock): `BeatLock`, a PostgreSQL session-level advisory lock
held by the beat process on a connection of its own. A second beat started by mistake (a second
machine, a deploy that overlaps the old one) finds the lock taken, says so once in its log and sends
nothing; it tries again every `BEAT_LOCK_RETRY_SECONDS` and takes over when the first one stops,
however it stops (PostgreSQL frees the lock when that session ends, a SIGKILL or a lost machine
included: no lease to expire, no file to clean up). Tested with real beat processes:
tests/faults/test_several_processes.py.
"""
from __future__ import annotations

import logging

from celery.beat import Scheduler
from django.conf import settings
from django.db import close_old_connections, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django_tenants.utils import get_public_schema_name
from tenant_schemas_celery.scheduler import TenantAwareScheduler

from tenants.choices import CentreStatus
from tenants.models import Centre

logger = logging.getLogger(__name__)

#: `pg_try_advisory_lock(int, int)`: (this, 0). Advisory locks are per database: one beat per platform.
BEAT_LOCK_CLASS = 0x0BEA7000


class BeatLock:
    """The right to send the beat schedule: a session-level advisory lock on the platform's database, held
    on a connection of its own (not Django's, which the scheduler's queries share and may close).

    `hold()` says whether this process holds it now: it takes it when free, and checks each time that the
    connection holding it is still alive (a PostgreSQL restart ends the session and frees the lock; this
    process then tries to take it again like any other). Between that check and the sends of one tick
    another beat could take a lock freed by a restart: at worst one tick sent twice, once per restart."""

    def __init__(self) -> None:
        self._connection: BaseDatabaseWrapper | None = None
        self.held = False
        self._told_waiting = False

    def hold(self) -> bool:
        """True when this process holds the lock (taking it if free); never raises: a database that cannot
        be reached means not held (and is said in the log)."""
        try:
            if self.held:
                self._cursor_execute("SELECT 1")
                return True
            if self._cursor_execute("SELECT pg_try_advisory_lock(%s, 0)", [BEAT_LOCK_CLASS]):
                self.held, self._told_waiting = True, False
                logger.info("beat lock taken: this beat sends the schedule")
                return True
        except Exception as error:  # noqa: BLE001 - any database failure: not held
            if self.held:
                logger.warning("beat lock lost (%s): sending nothing until it is taken again", error)
            self.release()
            return False
        if not self._told_waiting:
            logger.warning("beat lock held by another beat: this beat sends nothing while that one runs; it "
                           "tries again every %s s (one beat per platform: stop this one if it was started "
                           "by mistake)", settings.BEAT_LOCK_RETRY_SECONDS)
            self._told_waiting = True
        return False

    def _cursor_execute(self, sql: str, params: list | None = None):
        if self._connection is None:
            self._connection = connections.create_connection("default")
        with self._connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def release(self) -> None:
        """Close the lock's connection (freeing the lock if held)."""
        connection, self._connection, self.held = self._connection, None, False
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001, S110 - a dead connection is already closed
                pass


class ReadyCentresScheduler(TenantAwareScheduler):
    lock_class = BeatLock

    @classmethod
    def get_queryset(cls):
        return Centre.objects.filter(status=CentreStatus.READY)

    def apply_entry(self, entry, producer=None):
        headers = entry.options.get("headers", {})
        if headers.get("_schema_name") == get_public_schema_name():
            return Scheduler.apply_entry(self, entry, producer=producer)
        return super().apply_entry(entry, producer=producer)

    def tick(self, *args, **kwargs):
        """Celery's tick, only while this beat holds the beat lock; otherwise nothing is sent and the next
        try is in BEAT_LOCK_RETRY_SECONDS (seconds to sleep, as Celery's tick returns).

        Each tick starts as a request does (`close_old_connections`): a connection a PostgreSQL restart broke
        is replaced instead of failing every later tick (beat has no request cycle, and Celery's Django
        fix-up closes connections only around a worker's tasks)."""
        close_old_connections()
        if not hasattr(self, "_beat_lock"):
            self._beat_lock = self.lock_class()
        if not self._beat_lock.hold():
            return float(settings.BEAT_LOCK_RETRY_SECONDS)
        return super().tick(*args, **kwargs)

    def close(self):
        super().close()
        if hasattr(self, "_beat_lock"):
            self._beat_lock.release()
