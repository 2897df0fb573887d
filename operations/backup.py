"""Backup and restore of the whole platform (平台备份与恢复): every schema of the database (public and every
centre's) with pg_dump's directory format, the uploaded files through Django's storage, and a manifest.

An archive is a folder (or the same folder packed in one `.tar` file)::

    manifest.json   format, created time, versions (platform, Django, PostgreSQL server and pg_dump), every
                    schema's applied migrations and every table's row count (read in the dump's own
                    snapshot), the centres, and a SHA-256 of every file below
    database/       pg_dump --format=directory (compressed; written with --jobs)
    media/          the uploaded files, under their storage names

A restore goes into an EMPTY database only (pg_restore --jobs), then checks every table's row count
against the manifest. Sources: PostgreSQL's documentation, "SQL Dump" and pg_dump's `--snapshot`.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path

import django
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from operations import pgtools

FORMAT = "govservice-platform-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_DIR = "database"
MEDIA_DIR = "media"

Say = Callable[[str], None]


def _quiet(_line: str) -> None:
    return None


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


# --- what the database holds ----------------------------------------------------------------------------

def user_schemas(cursor) -> list[str]:
    """The database's schemas apart from PostgreSQL's own: `public` and every centre's (sorted)."""
    cursor.execute("""SELECT nspname FROM pg_namespace
                       WHERE nspname NOT LIKE 'pg\\_%%' AND nspname <> 'information_schema' ORDER BY nspname""")
    return [row[0] for row in cursor.fetchall()]


def row_counts(cursor, schema: str) -> dict[str, int]:
    """{table: rows} of one schema's tables, in one query."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema])
    tables = [row[0] for row in cursor.fetchall()]
    if not tables:
        return {}
    cursor.execute(" UNION ALL ".join(
        f"SELECT %s, count(*) FROM {quote(schema)}.{quote(table)}" for table in tables), tables)
    return {table: int(count) for table, count in cursor.fetchall()}


def migrations_state(cursor, schema: str) -> dict:
    """A schema's applied migrations: how many, and the latest per app (by name: they are numbered)."""
    cursor.execute("SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = 'django_migrations'", [schema])
    if cursor.fetchone() is None:
        return {"count": 0, "latest": {}}
    cursor.execute(f"SELECT app, max(name), count(*) FROM {quote(schema)}.django_migrations GROUP BY app ORDER BY app")
    rows = cursor.fetchall()
    return {"count": sum(row[2] for row in rows), "latest": {row[0]: row[1] for row in rows}}


def package_version(package: str) -> str:
    """The installed version of `package` ("" when it is not installed)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return ""


def sha256_of(path: Path) -> str:
    """The file's SHA-256, hex, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files_under(root: Path) -> Iterator[Path]:
    for folder, _dirs, names in os.walk(root):
        for name in sorted(names):
            yield Path(folder) / name


# --- the uploaded files ---------------------------------------------------------------------------------

def storage_names(storage=default_storage, folder: str = "") -> Iterator[str]:
    """Every file's name in a Django storage (the filesystem under MEDIA_ROOT, or S3), walked folder by
    folder through the storage API; an absent root folder holds nothing."""
    try:
        folders, names = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(names):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from storage_names(storage, f"{folder}/{sub}" if folder else sub)


def _media_copy_out(target: Path, say: Say) -> dict:
    count = size = 0
    for name in storage_names():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, path.open("wb") as copy:
            shutil.copyfileobj(source, copy, 1 << 20)
        count += 1
        size += path.stat().st_size
    say(_("files: %(count)s (%(bytes)s bytes) from %(storage)s") % {
        "count": count, "bytes": size, "storage": type(default_storage).__name__})
    return {"storage": f"{type(default_storage).__module__}.{type(default_storage).__name__}",
            "files": count, "bytes": size}


# --- backup ---------------------------------------------------------------------------------------------

def platform_backup(*, destination: Path, jobs: int = 2, media: bool = True, say: Say = _quiet) -> dict:
    """Write an archive of the whole platform to `destination` (a new or empty folder, or a `*.tar` file);
    returns the manifest. The row counts and the dump are read in one snapshot (pg_export_snapshot), so
    they agree however busy the platform is. Raises CommandError when pg_dump of the server's version
    (or later) is missing, or the destination holds something."""
    destination = Path(destination)
    packed = destination.suffix == ".tar"
    if destination.exists() and (packed or any(destination.iterdir())):
        raise CommandError(_("%(path)s exists already: give a new file or an empty folder.") % {"path": destination})
    major = pgtools.server_major()
    pg_dump = pgtools.tool_for("pg_dump", at_least=major, prefer=major)
    env = pgtools.libpq_environment()
    work = Path(tempfile.mkdtemp(prefix=".backup-", dir=destination.parent)) if packed else destination
    try:
        work.mkdir(parents=True, exist_ok=True)
        manifest = _dump(work=work, pg_dump=pg_dump, env=env, jobs=jobs, say=say)
        manifest["media"] = _media_copy_out(work / MEDIA_DIR, say) if media else None
        manifest["files"] = {str(path.relative_to(work)): sha256_of(path)
                             for path in _files_under(work) if path.name != MANIFEST}
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True),
                                     encoding="utf-8")
        if packed:
            with tarfile.open(destination, "w") as tar:
                for path in sorted(work.iterdir()):
                    tar.add(path, arcname=path.name)
    finally:
        if packed:
            shutil.rmtree(work, ignore_errors=True)
    return manifest


def _dump(*, work: Path, pg_dump: pgtools.Tool, env: dict, jobs: int, say: Say) -> dict:
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version'), current_database()")
            snapshot, server_version, database = cursor.fetchone()
            schemas = user_schemas(cursor)
            figures = {schema: {"tables": row_counts(cursor, schema), "migrations": migrations_state(cursor, schema)}
                       for schema in schemas}
            cursor.execute("SELECT schema_name, division_code, slug FROM public.tenants_centre ORDER BY division_code")
            centres = [{"schema_name": row[0], "division_code": row[1], "slug": row[2]} for row in cursor.fetchall()]
            say(_("dumping %(schemas)s schemas (%(centres)s centres) of %(database)s with %(pg_dump)s") % {
                "schemas": len(schemas), "centres": len(centres), "database": database, "pg_dump": pg_dump.path})
            pgtools.run([pg_dump.path, "--format=directory", f"--jobs={max(1, jobs)}", f"--snapshot={snapshot}",
                         f"--file={work / DATABASE_DIR}", "--no-password"], env=env)
        raw.rollback()
    finally:
        raw.close()
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "versions": {"platform": package_version("govservice"), "django": django.get_version(),
                     "django_tenants": package_version("django-tenants"), "postgresql_server": server_version,
                     "pg_dump": pg_dump.major},
        "database": database,
        "schemas": figures,
        "centres": centres,
    }


# --- restore --------------------------------------------------------------------------------------------

def read_archive(archive: Path, unpack_into: Path) -> tuple[Path, dict]:
    """The archive's folder (a `.tar` is unpacked into `unpack_into`) and its manifest, every file's checksum
    checked. Raises CommandError on a file missing, changed or not of this format."""
    archive = Path(archive)
    if archive.is_file():
        with tarfile.open(archive) as tar:
            tar.extractall(unpack_into, filter="data")
        folder = unpack_into
    else:
        folder = archive
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(_("%(path)s is not a platform backup: %(error)s") % {"path": archive, "error": exc}) from exc
    if manifest.get("format") != FORMAT:
        raise CommandError(_("%(path)s is not a platform backup.") % {"path": archive})
    files_verify(folder, manifest,
                 damaged=_("The archive is damaged: %(file)s is missing or changed since the backup."))
    return folder, manifest


def files_verify(folder: Path, manifest: dict, *, damaged: str) -> None:
    """Every file the manifest lists is in `folder` with its SHA-256. Raises CommandError(`damaged`, its
    `%(file)s` filled) on the first that is missing or changed."""
    for name, checksum in manifest["files"].items():
        path = folder / name
        if not path.is_file() or sha256_of(path) != checksum:
            raise CommandError(damaged % {"file": name})


def database_contents(cursor) -> list[str]:
    """What makes a database not empty: its schemas other than `public` and its relations in `public`."""
    found = [_("schema %(name)s") % {"name": name} for name in user_schemas(cursor) if name != "public"]
    cursor.execute("""SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' ORDER BY c.relname LIMIT 5""")
    found += [_("table %(name)s") % {"name": row[0]} for row in cursor.fetchall()]
    return found


def platform_restore(*, archive: Path, jobs: int = 2, media: bool = True, say: Say = _quiet) -> dict:
    """Restore an archive into the (empty) database of the settings and the (empty) storage; returns
    {"schemas", "tables", "rows"} restored and "migrations_behind" (the apps whose migrations the code has
    past the archive's). Raises CommandError, before anything is written, when the
    database or the storage holds anything, the archive is damaged or pg_restore is missing; after the
    restore, when a table's row count differs from the manifest's."""
    with tempfile.TemporaryDirectory(prefix="govservice-restore-") as unpacked:
        folder, manifest = read_archive(Path(archive), Path(unpacked))
        with connection.cursor() as cursor:
            contents = database_contents(cursor)
            cursor.execute("SELECT current_database()")
            database = cursor.fetchone()[0]
        if contents:
            raise CommandError(_(
                "The database %(database)s is not empty (%(contents)s...): a restore goes into an empty database "
                "only. Create a new one (createdb) and point DATABASE_URL at it, or drop this one first.")
                % {"database": database, "contents": ", ".join(contents)})
        if media and manifest.get("media") and next(storage_names(), None) is not None:
            raise CommandError(_("The file storage is not empty (%(storage)s): restore the files into an empty one, "
                                 "or pass --no-media.") % {"storage": type(default_storage).__name__})
        major = pgtools.server_major()
        pg_restore = pgtools.tool_for("pg_restore", at_least=max(major, manifest["versions"]["pg_dump"]), prefer=major)
        say(_("restoring %(schemas)s schemas into %(database)s with %(pg_restore)s") % {
            "schemas": len(manifest["schemas"]), "database": database, "pg_restore": pg_restore.path})
        connection.close()
        pgtools.run([pg_restore.path, f"--jobs={max(1, jobs)}", "--no-owner", "--no-privileges", "--exit-on-error",
                     f"--dbname={pgtools.libpq_environment()['PGDATABASE']}", "--no-password",
                     str(folder / DATABASE_DIR)], env=pgtools.libpq_environment())
        connection.close()
        if media and manifest.get("media"):
            _media_copy_in(folder / MEDIA_DIR, say)
        return {**_verify(manifest, say), "migrations_behind": migrations_behind(manifest)}


def _media_copy_in(source: Path, say: Say) -> None:
    count = 0
    for path in _files_under(source):
        name = path.relative_to(source).as_posix()
        with path.open("rb") as stream:
            saved = default_storage.save(name, File(stream))
        if saved != name:
            raise CommandError(_("The storage saved %(name)s as %(saved)s.") % {"name": name, "saved": saved})
        count += 1
    say(_("files restored: %(count)s") % {"count": count})


def _verify(manifest: dict, say: Say) -> dict:
    wrong = []
    tables = rows = 0
    with connection.cursor() as cursor:
        for schema, figures in manifest["schemas"].items():
            counts = row_counts(cursor, schema)
            for table, expected in figures["tables"].items():
                if counts.get(table) != expected:
                    wrong.append(f"{schema}.{table}: {counts.get(table)} / {expected}")
                tables += 1
                rows += expected
    if wrong:
        raise CommandError(_("Restored, but these tables' row counts differ from the backup's: %(tables)s")
                           % {"tables": "; ".join(wrong[:20])})
    say(_("restored %(schemas)s schemas, %(tables)s tables, %(rows)s rows: every count equals the backup's")
        % {"schemas": len(manifest["schemas"]), "tables": tables, "rows": rows})
    return {"schemas": len(manifest["schemas"]), "tables": tables, "rows": rows}


def migrations_behind(manifest: dict) -> list[str]:
    """The public apps whose latest migration in the archive is not this code's latest (an archive taken
    before an upgrade: run `migrate_schemas` after the restore)."""
    leaves = dict(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())
    latest = manifest["schemas"].get("public", {}).get("migrations", {}).get("latest", {})
    return sorted(app for app, name in latest.items() if app in leaves and leaves[app] != name)
