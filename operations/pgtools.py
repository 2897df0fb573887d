"""PostgreSQL's client programs (pg_dump, pg_restore) of the right version, and the connection they use.

pg_dump refuses a server newer than itself, and pg_restore cannot read an archive written by a newer
pg_dump; an older server may not understand what a much newer pg_restore writes. So a program is chosen
by major version: the server's own major when one is found, else the smallest major above it. Looked for,
in order: `settings.PG_BIN_DIR` (GOVSERVICE_PG_BIN), the embedded server's own programs (the `pgserver`
wheel ships PostgreSQL 16's), Debian's `/usr/lib/postgresql/<major>/bin`, then PATH.
"""
from __future__ import annotations

import glob
import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Tool:
    """One client program: its path and PostgreSQL major version (e.g. 15)."""

    path: str
    major: int


def server_major() -> int:
    """The connected server's major version (15 for 15.20), from `server_version_num`."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _candidate_folders() -> list[str]:
    folders = []
    if getattr(settings, "PG_BIN_DIR", ""):
        folders.append(settings.PG_BIN_DIR)
    spec = importlib.util.find_spec("pgserver")  # found, not imported: importing it starts nothing, but costs
    if spec is not None and spec.submodule_search_locations:
        folders.extend(str(Path(location) / "pginstall" / "bin") for location in spec.submodule_search_locations)
    folders.extend(sorted(glob.glob("/usr/lib/postgresql/*/bin")))
    return folders


def _major_of(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def tools_found(name: str) -> list[Tool]:
    """Every `name` program found (path and major), in search order, without duplicates."""
    found: list[Tool] = []
    paths = [str(Path(folder) / name) for folder in _candidate_folders()]
    on_path = shutil.which(name)
    if on_path:
        paths.append(on_path)
    seen = set()
    for path in paths:
        real = os.path.realpath(path)
        if real in seen or not os.access(path, os.X_OK):
            continue
        seen.add(real)
        major = _major_of(path)
        if major is not None:
            found.append(Tool(path=path, major=major))
    return found


def tool_for(name: str, *, at_least: int, prefer: int | None = None) -> Tool:
    """The `name` program (pg_dump, pg_restore) of major `prefer` if found and >= `at_least`, else the smallest
    major >= `at_least`. Raises CommandError naming what was found and how to get the right one."""
    found = tools_found(name)
    fitting = sorted((tool for tool in found if tool.major >= at_least), key=lambda tool: tool.major)
    for tool in fitting:
        if tool.major == prefer:
            return tool
    if fitting:
        return fitting[0]
    seen = ", ".join(f"{tool.path} ({tool.major})" for tool in found) or _("none")
    raise CommandError(_(
        "%(name)s of PostgreSQL %(major)s or later is needed, found: %(seen)s. Install the client programs of "
        "that version (Debian: apt-get install postgresql-client-%(major)s) or set GOVSERVICE_PG_BIN to the folder "
        "holding them.") % {"name": name, "major": at_least, "seen": seen})


def libpq_environment(settings_dict: dict | None = None) -> dict[str, str]:
    """The environment for a client program to reach the database of `settings_dict` (default: Django's
    default database), with PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE; the embedded server's socket
    folder is found as Django's own connection finds it."""
    if settings_dict is None:
        connection.ensure_connection()
        params = connection.get_connection_params()
        settings_dict = {"NAME": params.get("dbname"), "USER": params.get("user"), "PASSWORD": params.get("password"),
                         "HOST": params.get("host"), "PORT": params.get("port")}
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                          ("NAME", "PGDATABASE")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def run(args: list[str], *, env: dict[str, str]) -> None:
    """Run a client program; its error output becomes the CommandError's message when it fails."""
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CommandError(_("%(program)s failed (exit %(code)s): %(error)s") % {
            "program": Path(args[0]).name, "code": result.returncode,
            "error": (result.stderr or result.stdout).strip()[-2000:]})
