"""Spare centre schemas: onboarding takes one made ahead (a rename), never one made from older
migrations, and the refill keeps the pool at the number wanted."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_exists, tenant_context

from tenants.choices import CentreStatus
from tenants.services import centre_onboard
from tenants.spares import spares, spares_refill
from tests.tenants.test_provisioning import catalogue
from tests.tenants.test_services import township

pytestmark = pytest.mark.django_db


def unqualified(catalogue: dict) -> dict:
    """The catalogue with foreign keys' targets unqualified (pg_get_constraintdef qualifies a table's name
    only when its schema is not on the search path)."""
    return {**catalogue, "constraints": [(*row[:-1], row[-1].replace("S.", "")) for row in catalogue["constraints"]]}


@override_settings(TENANT_SPARE_SCHEMAS=1)
def test_onboarding_takes_the_spare_schema_and_the_centre_works(beilin):
    refill = spares_refill()
    assert (refill.made, refill.ready) == (1, 1)
    spare = spares()[0].name
    made_ahead = catalogue(spare)

    centre = centre_onboard(data=township(), acting_user=None, admin_username="admin-boshulin").centre

    assert centre.status == CentreStatus.READY
    assert spares() == [] and not schema_exists(spare)
    # the very tables, indexes, constraints and migration records the spare was made with, now the centre's
    assert unqualified(catalogue(centre.schema_name)) == unqualified(made_ahead)
    with tenant_context(centre):
        from windows.models import Window

        Window.objects.create(number="1", name_zh="综合窗口", name_en="Window 1")
        assert Window.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT obj_description(%s::regnamespace, 'pg_namespace')", [centre.schema_name])
        assert cursor.fetchone()[0] is None  # no longer marked as a spare


@override_settings(TENANT_SPARE_SCHEMAS=1)
def test_a_spare_of_older_migrations_is_never_taken_and_the_refill_replaces_it(beilin):
    spares_refill()
    stale = spares()[0].name
    with connection.cursor() as cursor:
        cursor.execute(f'COMMENT ON SCHEMA "{stale}" IS %s', ["key-of-last-weeks-migrations"])

    centre = centre_onboard(data=township(), acting_user=None).centre

    assert schema_exists(centre.schema_name) and schema_exists(stale)  # made by the replay instead
    refill = spares_refill()
    assert (refill.made, refill.dropped, refill.ready) == (1, 1, 1)
    assert not schema_exists(stale) and len(spares()) == 1


@override_settings(TENANT_SPARE_SCHEMAS=0)
def test_spares_off_onboarding_replays_and_the_command_lists_them(beilin):
    spares_refill(wanted=1)
    centre_onboard(data=township(), acting_user=None)
    assert len(spares()) == 1  # not taken: spares are off
    from io import StringIO

    out = StringIO()
    call_command("spare_schemas", stdout=out)
    assert f"{spares()[0].name}\tready" in out.getvalue()


@override_settings(TENANT_SPARE_SCHEMAS=2)
def test_the_refill_keeps_the_number_wanted(beilin):
    assert spares_refill().made == 2
    again = spares_refill()
    assert (again.made, again.dropped, again.ready) == (0, 0, 2)
    fewer = spares_refill(wanted=1)
    assert (fewer.made, fewer.dropped, fewer.ready) == (0, 1, 1) and len(spares()) == 1


@override_settings(TENANT_SPARE_SCHEMAS=1)
def test_a_spare_another_onboarding_is_taking_is_left_to_it(beilin):
    """Two onboardings at once never take the same spare: the one that finds it being taken (its lock held
    by the other's transaction) makes its schema by the replay instead."""
    import psycopg

    from tenants import spares as spares_module

    spares_refill()
    spare = spares()[0].name
    settings_dict = connection.settings_dict
    with psycopg.connect(host=settings_dict["HOST"], port=settings_dict["PORT"] or 5432,
                         user=settings_dict["USER"], dbname=settings_dict["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [spares_module._TAKE_LOCK, spare])
        centre = centre_onboard(data=township(), acting_user=None).centre
    assert schema_exists(centre.schema_name) and [s.name for s in spares()] == [spare]
