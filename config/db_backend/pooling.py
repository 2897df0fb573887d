"""What a connection pooler in front of PostgreSQL (连接池) asks of the database settings.

`DATABASE_POOLER=pgbouncer` says that `DATABASE_URL` names PgBouncer in **transaction pooling**: each
transaction of a client may run on a different PostgreSQL server connection, one another client used a
moment before. Whatever a client leaves in a server connection's session (a `SET`, a `WITH HOLD` cursor,
a prepared statement) is then seen by others, and what it set a transaction ago may be gone. So:

- the centre's `search_path` travels with every statement, as `SET LOCAL` in the statement's own
  transaction (config/db_backend: `PooledCursor`), never as a session `SET` that django-tenants (and this
  project's backend, which keeps it across requests) would rely on for later transactions;
- Django's server-side cursors are off (`DISABLE_SERVER_SIDE_CURSORS`: `.iterator()` fetches in chunks on
  the client instead of a `WITH HOLD` cursor that outlives its transaction);
- psycopg never prepares statements (`prepare_threshold` None: a statement prepared on one server
  connection is unknown to the next; PgBouncer tracks them only from 1.21 on) and binds parameters on the
  client (`server_side_binding` off: the `SET LOCAL` and the statement go in one simple-protocol message);
- the few sessions that need a server connection of their own (the hall's `LISTEN`, hall.stream) connect
  to PostgreSQL directly: `DATABASE_DIRECT_URL`, required with a pooler.

docs/operations.md, "Connection pooling (PgBouncer)", says why not PgBouncer's `track_extra_parameters`
and what was measured.
"""
from __future__ import annotations

from urllib.parse import urlsplit

#: The poolers `DATABASE_POOLER` may name ("" = connections go straight to PostgreSQL).
POOLERS = ("", "pgbouncer")


class PoolerSettingsError(ValueError):
    """`DATABASE_POOLER` names no known pooler, or the settings it needs are missing or contradict it."""


def pooled_database(config: dict, *, pooler: str, direct_url: str) -> dict:
    """`config` (a DATABASES entry) for connections through `pooler`: returned as is for "", else a copy
    with `POOLER`, `DISABLE_SERVER_SIDE_CURSORS`, psycopg's options and `DIRECT` (host, port, user,
    password and database name of `direct_url`, for hall.stream). Raises PoolerSettingsError."""
    if pooler not in POOLERS:
        raise PoolerSettingsError(f"DATABASE_POOLER={pooler!r}: known poolers are {', '.join(p for p in POOLERS if p)}")
    if not pooler:
        return config
    options = dict(config.get("OPTIONS") or {})
    if options.get("server_side_binding") is True or options.get("prepare_threshold") is not None:
        raise PoolerSettingsError("DATABASE_POOLER: server-side binding and prepared statements cannot be used "
                                  "through a transaction pooler")
    if not direct_url:
        raise PoolerSettingsError("DATABASE_POOLER needs DATABASE_DIRECT_URL (PostgreSQL itself, not the pooler): "
                                  "the hall's live stream LISTENs on a connection of its own")
    direct = urlsplit(direct_url)
    options.update(prepare_threshold=None, server_side_binding=False)
    return {**config, "POOLER": pooler, "DISABLE_SERVER_SIDE_CURSORS": True, "OPTIONS": options,
            "DIRECT": {key: value for key, value in (
                ("host", direct.hostname), ("port", direct.port), ("user", direct.username),
                ("password", direct.password), ("dbname", direct.path.lstrip("/"))) if value}}
