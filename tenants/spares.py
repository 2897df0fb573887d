"""Spare centre schemas (备用模式): centre schemas made ahead of need, so that onboarding a centre
takes a schema already made instead of making one.

Making a centre's schema is the server's work: ~150 tables, their indexes and constraints, in one
transaction (tenants.provisioning's replay). It grows with the catalog the server already holds: at
2,000 centres it takes several tenths of a second on a 2-core machine, more than onboarding should
(issue 17: ≤ 0.1 s). A spare is the same schema, made by the same replay under a name of its own
(`spare_` and 12 hex digits) and marked with the key of the script it was made from (the schema's
comment: `tenants.provisioning.script_key()`, which changes with any tenant migration). Onboarding
renames a spare of the current key to the centre's schema name (`spare_take`: one catalog update, in
the onboarding's transaction) and falls back to the replay when none is there. A spare of an older key
is never taken and is dropped by the next refill: after a deploy with new migrations the pool is made
again, and meanwhile onboarding replays as before.

The pool is kept at `settings.TENANT_SPARE_SCHEMAS` spares (env `GOVSERVICE_SPARE_SCHEMAS`, default 2;
0 turns spares off) by `spares_refill`: the Celery task `tenants.spare_schemas_refill`, queued after
every onboarding that took a spare and by the beat every 10 minutes, or `manage.py spare_schemas`.

Spares are not centres: nothing routes to them, `migrate_schemas` never sees them (it reads the centre
rows), and a dump of the database holds them as empty schemas. On Citus a spare is made by the client
like any centre's schema, so it is distributed when made; its rename is one more DDL statement
(Citus propagates `ALTER SCHEMA ... RENAME` of a distributed schema; not tried on a cluster here).
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from tenants.provisioning import NotReplayable, schema_replay, script_key

logger = logging.getLogger(__name__)

PREFIX = "spare_"
#: pg_try_advisory_lock key: one refill at a time (classid of the two-key form; objid 0).
_REFILL_LOCK = 0x5FA2E
#: pg_try_advisory_xact_lock class of a spare being taken (objid: hashtext of its name).
_TAKE_LOCK = 0x5FA2F


@dataclass(frozen=True)
class Spare:
    """A spare schema: its name and the script key it was made from ("" when unmarked: a refill that
    stopped half-way)."""

    name: str
    key: str


@dataclass(frozen=True)
class RefillResult:
    """What a refill did: spares `made` and `dropped` (stale), the spares of the current key `ready`
    after it, seconds taken; `skipped` when another refill was running."""

    made: int
    dropped: int
    ready: int
    seconds: float
    skipped: bool = False


def spares() -> list[Spare]:
    """Every spare schema in the database, oldest name first."""
    with connection.cursor() as cursor:
        cursor.execute(r"""SELECT nspname, coalesce(obj_description(oid, 'pg_namespace'), '') FROM pg_namespace
                           WHERE nspname LIKE 'spare\_%%' ORDER BY nspname""")
        return [Spare(name, key) for name, key in cursor.fetchall()]


def spare_take(*, schema_name: str) -> bool:
    """Rename a spare made from the current script to `schema_name`, in the caller's transaction if there
    is one (then the rename is undone with it). True when a spare was taken; False when none of the
    current key is there (or spares are off): the caller makes the schema itself. Two onboardings at once
    take different spares (a transaction-scoped advisory lock on each)."""
    if settings.TENANT_SPARE_SCHEMAS <= 0:
        return False
    key = script_key()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            r"""SELECT nspname FROM pg_namespace
                WHERE nspname LIKE 'spare\_%%' AND obj_description(oid, 'pg_namespace') = %s
                  AND pg_try_advisory_xact_lock(%s, hashtext(nspname)) LIMIT 1""", [key, _TAKE_LOCK])
        row = cursor.fetchone()
        if row is None:
            return False
        quote = connection.ops.quote_name
        cursor.execute(f"ALTER SCHEMA {quote(row[0])} RENAME TO {quote(schema_name)}; "
                       f"COMMENT ON SCHEMA {quote(schema_name)} IS NULL")
    return True


def spares_refill(*, wanted: int | None = None) -> RefillResult:
    """Bring the pool to `wanted` spares of the current key (default `settings.TENANT_SPARE_SCHEMAS`):
    drop the spares of another key (or unmarked) and those past `wanted`, make the missing ones. Step by
    step, each in a transaction of its own holding a transaction-scoped advisory lock (so it also works
    through PgBouncer's transaction pooling): the pool is read again under the lock, so two refills at
    once never make more than wanted; one that finds the lock taken returns, `skipped`. With tenant
    migrations that cannot be replayed as SQL it makes none (onboarding migrates as before). Raises
    DatabaseError when the server refuses the DDL."""
    wanted = settings.TENANT_SPARE_SCHEMAS if wanted is None else wanted
    started = time.perf_counter()
    key = script_key()
    made = dropped = ready = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, 0)", [_REFILL_LOCK])
            if not cursor.fetchone()[0]:
                return RefillResult(made=made, dropped=dropped, ready=ready,
                                    seconds=round(time.perf_counter() - started, 3), skipped=True)
            found = spares()
            current = [spare for spare in found if spare.key == key]
            # stale spares out, and those past the number wanted (newest first)
            surplus = [spare for spare in found if spare.key != key] + current[wanted:][::-1]
            for spare in surplus:
                cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(spare.name)} CASCADE")
            dropped += len(surplus)
            ready = min(len(current), wanted)
            if ready >= wanted:
                break
            try:
                made_key = schema_replay(schema_name=f"{PREFIX}{uuid.uuid4().hex[:12]}", mark=True)
            except NotReplayable:
                logger.info("tenant migrations not replayable as SQL: no spare schemas")
                break
            made += 1
            if made_key != key:  # the script changed under us (a deploy): the next refill sorts it out
                break
        ready += 1
    return RefillResult(made=made, dropped=dropped, ready=ready, seconds=round(time.perf_counter() - started, 3))
