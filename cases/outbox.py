"""The centre's outbox (中心发件箱): the writes a case change owes the public schema — its row in the shared
case registry, the applicant's SMS — and when they happen.

`settings.CASE_PUBLIC_WRITES` chooses:

- `"in_transaction"` (the default, one PostgreSQL server): `outbox_publish` runs the topic's handler at
  once, in the case's own transaction: a case and its registry row commit together or not at all.
- `"after_commit"` (a Citus cluster, where each centre's schema lives on one worker and the public schema
  on the coordinator): `outbox_publish` writes an `OutboxRow` in the centre's schema, in the case's
  transaction, so the case write touches one schema — one node, no two-phase commit. After the commit
  the same process projects the centre's rows into the public schema (`outbox_project`: oldest first, one
  projector per centre at a time, under an advisory lock); the beat's `outbox_catch_up` projects what a
  process that died between its commit and its projection left (every `OUTBOX_CATCH_UP_SECONDS`), and
  `reconcile_registry` projects before it compares.

Either way the handler gets the same payload: JSON (dates and times as ISO strings, UUIDs as strings),
`payload` as `outbox_publish` was given it after a JSON round trip, and `outbox_id` (the row's id, None in
the transaction). A handler must be idempotent for a given `outbox_id`: a row is deleted after its
projection commits, so a projector that dies in between leaves it to be projected again (the registry
keeps the last `outbox_id` it applied on each row; an SMS has its dedupe key). A case's rows are applied
in the order its changes committed: changes of one case take its row lock in turn, and ids are taken in
the transaction, so a later change of a case has a larger id and is never visible before an earlier one.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from functools import partial

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from cases.models import OutboxRow
from tenants.choices import CentreStatus
from tenants.models import Centre
from tenants.schemas import require_schema

logger = logging.getLogger(__name__)

IN_TRANSACTION = "in_transaction"
AFTER_COMMIT = "after_commit"
MODES = (IN_TRANSACTION, AFTER_COMMIT)

#: handler(centre, payload, outbox_id): applies one row's write to the public schema
Handler = Callable[[Centre, dict, "int | None"], None]
_handlers: dict[str, Handler] = {}

#: Rows projected in one public transaction (a centre's backlog after an outage goes in such batches).
BATCH = 500
#: The advisory lock's first key (`pg_advisory_xact_lock(int, int)`: this, the centre's id).
_LOCK_CLASS = 0x0CA5E0B0


def outbox_handler(topic: str) -> Callable[[Handler], Handler]:
    """Register the handler of `topic` (an app above `cases`, in its `AppConfig.ready`). One per topic."""
    def register(handler: Handler) -> Handler:
        if _handlers.get(topic, handler) is not handler:
            raise RuntimeError(f"outbox topic {topic!r} has a handler already")
        _handlers[topic] = handler
        return handler
    return register


def after_commit() -> bool:
    return settings.CASE_PUBLIC_WRITES == AFTER_COMMIT


def outbox_publish(*, centre: Centre, topic: str, payload: dict, case_id: uuid.UUID | str | None = None) -> None:
    """The public write `payload` of `topic` owed by a change at `centre` (inside its schema and the
    change's transaction): applied now, or kept in the centre's outbox and projected after commit
    (`CASE_PUBLIC_WRITES`). Raises KeyError for a topic nobody handles (a programming error)."""
    handler = _handlers[topic]
    data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
    if not after_commit():
        handler(centre, data, None)
        return
    require_schema(centre)
    OutboxRow.objects.create(topic=topic, payload=data, case_id=case_id)
    _project_on_commit(centre)


def _project_on_commit(centre: Centre) -> None:
    """Project `centre`'s outbox once the current transaction commits (once per transaction and centre)."""
    for entry in connection.run_on_commit:  # (savepoint ids, func, robust)
        if getattr(entry[1], "outbox_centre", None) == centre.pk:
            return
    project = partial(_project_quietly, centre)
    project.outbox_centre = centre.pk  # type: ignore[attr-defined]
    transaction.on_commit(project, robust=True)


def _project_quietly(centre: Centre) -> None:
    """After a commit: a failure here must not fail the request whose change is committed; the rows wait
    for the beat's catch-up."""
    try:
        outbox_project(centre=centre)
    except Exception:  # the change is committed; the catch-up projects it
        logger.exception("outbox of %s: projection failed; the catch-up will retry", centre.schema_name)


def outbox_project(*, centre: Centre) -> int:
    """Apply `centre`'s outbox rows to the public schema, oldest first, and delete them; returns how many
    were applied. Each batch: one public transaction holding the centre's advisory lock (projectors of one
    centre take turns), then the rows' deletion in the centre's schema (a separate statement: a row
    applied but not yet deleted is applied again, which its handler ignores)."""
    table = f"{connection.ops.quote_name(centre.schema_name)}.{OutboxRow._meta.db_table}"
    applied = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, centre.pk])
            cursor.execute(f"SELECT id, topic, payload FROM {table} ORDER BY id LIMIT %s", [BATCH])  # noqa: S608
            rows = cursor.fetchall()
            for outbox_id, topic, payload in rows:
                _handlers[topic](centre, json.loads(payload) if isinstance(payload, str) else payload, outbox_id)
        if not rows:
            return applied
        with connection.cursor() as cursor:
            # the ids applied, never a range: a change that took a smaller id may commit after a larger one
            cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [[row[0] for row in rows]])  # noqa: S608
        applied += len(rows)
        if len(rows) < BATCH:
            return applied


def _waiting(centres: list[Centre]) -> Iterator[tuple[int, int, dt.datetime]]:
    """(centre id, rows waiting, the oldest row's `created_at`) of each of `centres` that has rows: one
    statement over 500 schemas at a time."""
    quote = connection.ops.quote_name
    for start in range(0, len(centres), 500):
        chunk = centres[start:start + 500]
        union = " UNION ALL ".join(
            f"SELECT {int(c.pk)} AS centre_id, count(*) AS n, min(created_at) AS oldest "  # noqa: S608 - quoted names
            f"FROM {quote(c.schema_name)}.{OutboxRow._meta.db_table}" for c in chunk)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT centre_id, n, oldest FROM ({union}) counts WHERE n > 0")  # noqa: S608
            yield from cursor.fetchall()


def outbox_backlog(*, centres: list[Centre]) -> dict[int, int]:
    """How many rows wait in each of `centres`' outboxes ({centre id: rows}, centres with none left out):
    one statement over their schemas."""
    return {centre_id: rows for centre_id, rows, _oldest in _waiting(centres)}


def outbox_waiting(*, centres: list[Centre]) -> tuple[int, dt.datetime | None]:
    """The rows waiting in all of `centres`' outboxes and when the oldest was written (None: none wait),
    for the platform's metrics: an outbox that only grows, or an old row, is a projection that stopped."""
    total, oldest = 0, None
    for _centre_id, rows, first in _waiting(centres):
        total += rows
        oldest = first if oldest is None or first < oldest else oldest
    return total, oldest


def outbox_catch_up() -> int:
    """Project every centre's waiting rows (the beat's reconciliation; a no-op while writes are made in the
    case's transaction). Returns the rows applied."""
    if not after_commit():
        return 0
    centres = list(Centre.objects.exclude(status=CentreStatus.PROVISIONING).order_by("pk"))
    waiting = outbox_backlog(centres=centres)
    applied = 0
    for centre in centres:
        if centre.pk in waiting:
            applied += outbox_project(centre=centre)
    if applied:
        logger.warning("outbox catch-up applied %d rows a process had left", applied)
    return applied
