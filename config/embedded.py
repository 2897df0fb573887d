"""The embedded PostgreSQL (pgserver) used when no DATABASE_URL is given.

The launcher (`platform/dev.py`) is the only process that starts or stops the embedded server;
every other process (web, Celery worker and beat, `manage.py`) only *finds* it here, from the
`postmaster.pid` file PostgreSQL writes into its data folder, and connects over its socket.
"""
from __future__ import annotations

import os
from pathlib import Path


def running_socket_dir(pgdata: Path) -> str | None:
    """The socket folder of a PostgreSQL server running on `pgdata`, or None."""
    pid_file = pgdata / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except OSError:
        return None
    if len(lines) < 5:
        return None
    try:
        pid = int(lines[0])
        os.kill(pid, 0)
    except PermissionError:
        pass  # alive, owned by another user (the `pgserver` user when we run as root)
    except (ValueError, ProcessLookupError):
        return None
    return lines[4].strip() or None
