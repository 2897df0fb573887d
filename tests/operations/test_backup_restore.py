"""Backup and restore of the whole platform, round-tripped on the demo: a platform of its own (a database
beside the test database, migrated, the demo provisioned on a cut network of 11 centres, committed), backed
up with `platform_backup`, restored with `platform_restore` into a new empty database and storage. Every
schema's tables have the same rows (count and checksum, read by the test) and sequences, the files are the
same, the restored platform answers the progress lookup and a case page as the original does, and the
deadline sweep finds the same warnings. pg_dump missing is a failure here, never a skip."""
from __future__ import annotations

import hashlib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from tests.operations.conftest import (
    create_database,
    drop_database,
    fingerprint,
    on_database,
    sibling_database_name,
    sweep_in_2100,
)


def _files(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in root.rglob("*") if path.is_file()}


def _answers(centre_client) -> dict:
    """What the platform answers: the progress lookup of the demo applicant's cases by her ID number (and of
    someone else's, refused), and Beilin's first cases' pages for Beilin's clerk."""
    from django.core.cache import cache

    from common.identity import identity_hmac
    from delegation.demo import resident_id
    from registry.models import RegistryEntry
    from tenants.models import Centre, User

    cache.clear()
    resident = resident_id(0)
    answers = {}
    theirs = RegistryEntry.objects.filter(applicant_hmac=identity_hmac(resident)).order_by("number")
    others = RegistryEntry.objects.exclude(applicant_hmac=identity_hmac(resident)).order_by("number")
    for entry in [*theirs[:3], *others[:1]]:
        response = centre_client(None).get("/progress/api/", {"number": entry.number, "factor": resident[-4:]})
        answers[f"progress {entry.number}"] = (response.status_code, response.json())
    beilin = Centre.objects.get(slug="beilin")
    clerk = User.objects.get(username="clerk-beilin")
    for entry in RegistryEntry.objects.filter(centre=beilin).order_by("number")[:3]:
        response = centre_client(beilin, clerk).get(f"/cases/{entry.case_id}/")
        answers[f"page {entry.number}"] = (response.status_code, entry.number in response.content.decode())
    return answers


def test_a_backup_restored_into_an_empty_database_is_the_same_platform(demo_platform, django_db_blocker, tmp_path,
                                                                       centre_client):
    source_db, source_media = demo_platform
    restored_db = sibling_database_name("bk_dst")
    restored_media = tmp_path / "media-restored"
    archive = tmp_path / "platform.tar"
    with django_db_blocker.unblock():
        with on_database(source_db), override_settings(MEDIA_ROOT=source_media):
            before = fingerprint()
            out = StringIO()
            call_command("platform_backup", str(archive), "--jobs", "2", stdout=out)
            answers_before = _answers(centre_client)
            warnings_before = sweep_in_2100()
        assert len(before) >= 12 and any(schema.startswith("c610103") for schema in before)
        assert _files(source_media), "the demo's online applications upload files"
        assert warnings_before, "the demo's open cases are overdue in 2100"

        create_database(restored_db)
        try:
            with on_database(restored_db), override_settings(MEDIA_ROOT=restored_media):
                out = StringIO()
                call_command("platform_restore", str(archive), "--jobs", "2", stdout=out)
                assert "every count equals the backup's" in out.getvalue()
                after = fingerprint()
                answers_after = _answers(centre_client)
                warnings_after = sweep_in_2100()

                with pytest.raises(CommandError, match="is not empty"):
                    call_command("platform_restore", str(archive), stdout=StringIO())
        finally:
            drop_database(restored_db)

    assert after.keys() == before.keys()
    for schema, tables in before.items():
        assert after[schema] == tables, schema
    assert _files(restored_media) == _files(source_media)
    assert answers_after == answers_before
    assert any(status == 200 for key, (status, _body) in answers_before.items() if key.startswith("progress"))
    assert warnings_after == warnings_before


def test_a_damaged_archive_is_refused_naming_the_file(demo_platform, django_db_blocker, tmp_path):
    source_db, source_media = demo_platform
    folder = tmp_path / "backup"
    with django_db_blocker.unblock():
        with on_database(source_db), override_settings(MEDIA_ROOT=source_media):
            call_command("platform_backup", str(folder), "--no-media", stdout=StringIO())
        toc = folder / "database" / "toc.dat"
        toc.write_bytes(toc.read_bytes() + b"x")
        with pytest.raises(CommandError, match="damaged: database/toc.dat"):
            call_command("platform_restore", str(folder), stdout=StringIO())


def test_without_a_pg_dump_of_the_servers_version_the_command_says_what_to_install(db):
    from operations.pgtools import tool_for

    with pytest.raises(CommandError, match="pg_dump of PostgreSQL 99 or later is needed.*postgresql-client-99"):
        tool_for("pg_dump", at_least=99)


def test_the_right_pg_dump_is_found_for_the_server(db):
    from operations.pgtools import server_major, tool_for

    major = server_major()
    assert tool_for("pg_dump", at_least=major, prefer=major).major >= major
