"""A centre whose onboarding stopped before its schema was made: `migrate_schemas` skips it and names it
(it used to stop every migration with MigrationSchemaMissing), `resume_onboarding` completes it."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_exists

from common.errors import ApplicationError
from tenants.choices import CentreStatus
from tenants.models import Centre
from tenants.services import centre_onboard, centre_onboarding_resume
from tenants.validation import CentreInput

pytestmark = pytest.mark.django_db


def township() -> CentreInput:
    return CentreInput(level="township", code="610103003", slug="beilin-zhangjiacun", name_zh="张家村街道",
                       name_en="Zhangjiacun Subdistrict", parent_code="610103")


@pytest.fixture
def half_made(monkeypatch, beilin) -> Centre:
    """Onboarding stopped after the centre's row was committed, before its schema existed (a crash, a lost
    connection: the fault is injected where the schema is made)."""
    def lost_connection(*args, **kwargs):
        raise RuntimeError("server closed the connection unexpectedly")

    with monkeypatch.context() as patch:
        patch.setattr("tenants.services.schema_replay", lost_connection)
        patch.setattr("tenants.services.call_command", lost_connection)
        with pytest.raises(ApplicationError):
            centre_onboard(data=township(), acting_user=None)
    centre = Centre.objects.get(division_code="610103003")
    assert centre.status == CentreStatus.PROVISIONING and not schema_exists(centre.schema_name)
    return centre


def test_migrate_schemas_skips_a_half_made_centre_and_names_it(half_made, capsys):
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
    connection.set_schema_to_public()

    out = capsys.readouterr().out
    assert half_made.schema_name in out and "resume_onboarding" in out
    assert not schema_exists(half_made.schema_name)


def test_migrations_pending_does_not_count_a_half_made_centre(half_made):
    out = StringIO()
    call_command("migrations_pending", stdout=out)
    assert "every schema is up to date" in out.getvalue()


def test_resume_onboarding_completes_a_half_made_centre_and_it_is_served(half_made, centre_client):
    out = StringIO()
    call_command("resume_onboarding", stdout=out)
    connection.set_schema_to_public()

    half_made.refresh_from_db()
    assert half_made.status == CentreStatus.READY and schema_exists(half_made.schema_name)
    assert "610103003" in out.getvalue() and "is ready" in out.getvalue()
    assert centre_client(half_made).get("/").status_code == 200
    out = StringIO()
    call_command("migrations_pending", stdout=out)
    assert "every schema is up to date" in out.getvalue()


def test_a_resume_that_fails_again_is_reported_and_the_centre_stays_unserved(half_made, monkeypatch, capsys):
    def still_broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("tenants.services.schema_replay", still_broken)
    monkeypatch.setattr("tenants.services.call_command", still_broken)
    with pytest.raises(SystemExit) as exit_:
        call_command("resume_onboarding")

    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "disk full" in err and "still half-made" in err and "610103003" in err
    half_made.refresh_from_db()
    assert half_made.status == CentreStatus.PROVISIONING


def test_resuming_a_ready_centre_changes_nothing(beilin):
    result = centre_onboarding_resume(centre=beilin, acting_user=None)
    assert not result.created and result.centre.status == CentreStatus.READY
