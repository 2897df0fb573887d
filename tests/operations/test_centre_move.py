"""Moving a centre between two platform instances: Beilin (a district centre with cases, a hall, joint cases,
news, staff, the registry, outbox and audit log) exported with `centre_export` from the demo platform and
imported with `centre_import` into a second instance (its own database) with the same catalogue under other
ids and no Beilin. Its schema's rows are the same (ids of users, items and versions rewritten to the
target's: the test joins them to usernames and item codes on both sides), its public rows are the same in
natural terms, and its clerk reads the same case pages there."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings

from tests.operations.conftest import (
    create_database,
    drop_database,
    fingerprint,
    migrate_public,
    on_database,
    provision_small_demo,
    sibling_database_name,
    sweep_in_2100,
)

CODE, SCHEMA = "610103", "c610103"


@pytest.fixture(scope="module")
def target(django_db_setup, django_db_blocker, tmp_path_factory):
    """Another platform instance: the demo without Beilin and its townships (the city, Yanta, the Hi-tech
    Zone), the same catalogue, every public id sequence moved on so no id agrees with the source's."""
    name = sibling_database_name("mv_dst")
    media = tmp_path_factory.mktemp("media-target")
    with django_db_blocker.unblock():
        create_database(name)
        try:
            with on_database(name), override_settings(MEDIA_ROOT=media):
                migrate_public()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT schemaname, sequencename FROM pg_sequences WHERE schemaname = 'public'")
                    for n, (schema, sequence) in enumerate(cursor.fetchall()):
                        cursor.execute("SELECT setval(%s, %s)", [f'"{schema}"."{sequence}"', 5000 + 37 * n])
                provision_small_demo(tmp_path_factory.mktemp("network-target"), districts=set(),
                                     keep={"610100", "610113", "610171"})
            yield name, media
        finally:
            drop_database(name)


#: Columns of the centre's schema that hold public ids (the target's differ): compared through their rows.
ID_COLUMNS = {
    "cases_case": {"item_id", "item_version_id", "submitted_by_id", "handler_id"},
    "cases_casematerial": {"material_id"}, "cases_caseevent": {"acting_user_id"},
    "cases_onetimenotice": {"issued_by_id"}, "cases_casedocument": {"material_id", "uploaded_by_id"},
    "hall_ticket": {"clerk_id", "issued_by_id"}, "hall_appointment": {"booked_by_id", "changed_by_id"},
    "hall_hallevent": {"actor_id"}, "hall_halldevice": {"created_by_id", "retired_by_id"},
    "guardian_userobjectpermission": {"user_id", "permission_id", "content_type_id"},
    "guardian_groupobjectpermission": {"group_id", "permission_id", "content_type_id"},
    "windows_windowuserobjectpermission": {"user_id", "permission_id"},
    "windows_windowgroupobjectpermission": {"group_id", "permission_id"},
}


def _through_natural_keys() -> dict:
    """The id columns of the centre's schema read as what they name: usernames, item codes and versions."""
    queries = {
        "cases": f"""SELECT c.number, i.code, v.number, s.username, h.username FROM {SCHEMA}.cases_case c
                      LEFT JOIN catalog_item i ON i.id = c.item_id
                      LEFT JOIN catalog_itemversion v ON v.id = c.item_version_id
                      LEFT JOIN tenants_user s ON s.id = c.submitted_by_id
                      LEFT JOIN tenants_user h ON h.id = c.handler_id""",
        "events": f"""SELECT e.case_id, e.action, e.at, u.username FROM {SCHEMA}.cases_caseevent e
                       LEFT JOIN tenants_user u ON u.id = e.acting_user_id""",
        "materials": f"""SELECT m.case_id, i.code, v.number, cm.position FROM {SCHEMA}.cases_casematerial m
                          LEFT JOIN catalog_material cm ON cm.id = m.material_id
                          LEFT JOIN catalog_itemversion v ON v.id = cm.version_id
                          LEFT JOIN catalog_item i ON i.id = v.item_id""",
        "window permissions": f"""SELECT p.content_object_id, u.username, a.codename
                                   FROM {SCHEMA}.windows_windowuserobjectpermission p
                                   JOIN tenants_user u ON u.id = p.user_id
                                   JOIN auth_permission a ON a.id = p.permission_id""",
        "hall": f"""SELECT t.id, c.username, i.username FROM {SCHEMA}.hall_ticket t
                     LEFT JOIN tenants_user c ON c.id = t.clerk_id
                     LEFT JOIN tenants_user i ON i.id = t.issued_by_id""",
    }
    with connection.cursor() as cursor:
        found = {}
        for name, sql in queries.items():
            cursor.execute(sql)
            found[name] = sorted(cursor.fetchall(), key=repr)
    return found


def _public_rows() -> dict:
    """Beilin's public rows in natural terms (no ids), read by the test with its own queries."""
    from catalog.models import Adoption
    from notifications.models import OutboxMessage
    from registry.models import RegistryEntry
    from supervision.models import DeadlineWarning
    from tenants.models import AuditEvent, Domain, Membership

    def rows(queryset, *fields):
        return sorted(queryset.values_list(*fields), key=repr)

    return {
        "memberships": rows(Membership.objects.filter(centre__division_code=CODE), "user__username", "role",
                            "department_code", "created_at"),
        "adoptions": rows(Adoption.objects.filter(centre__division_code=CODE), "item__code",
                          "item__current_version__number", "promised_limit_days", "window", "starts_on", "ends_on"),
        "registry": rows(RegistryEntry.objects.filter(centre__division_code=CODE), "case_id", "number", "status",
                         "item_code", "legal_due", "promised_due", "history", "lookup_hmacs", "last_event_at"),
        "registry handlers": rows(RegistryEntry.objects.filter(centre__division_code=CODE, handler_id__isnull=False)
                                  .extra(select={"handler": "SELECT username FROM tenants_user WHERE id = handler_id"}),
                                  "number", "handler"),
        "outbox": rows(OutboxMessage.objects.filter(centre__division_code=CODE), "dedupe_key", "status", "body",
                       "created_at"),
        "audit": rows(AuditEvent.objects.filter(centre__division_code=CODE), "actor__username", "kind", "at",
                      "target_label", "before", "after"),
        "warnings": rows(DeadlineWarning.objects.filter(centre__division_code=CODE), "case_number", "level"),
        "domains": sorted(d.split(".")[0] for d in Domain.objects.filter(tenant__division_code=CODE)
                          .values_list("domain", flat=True)),
    }


def _pages(centre_client) -> dict:
    from registry.models import RegistryEntry
    from tenants.models import Centre, User

    centre = Centre.objects.get(division_code=CODE)
    clerk = User.objects.get(username="clerk-beilin")
    pages = {}
    for entry in RegistryEntry.objects.filter(centre=centre).order_by("number")[:3]:
        response = centre_client(centre, clerk).get(f"/cases/{entry.case_id}/")
        pages[entry.number] = (response.status_code, entry.number in response.content.decode())
    return pages


def test_a_centre_exported_and_imported_into_another_platform_is_the_same_centre(
        demo_platform, target, django_db_blocker, tmp_path, centre_client):
    source_db, source_media = demo_platform
    target_db, target_media = target
    archive = tmp_path / "beilin.tar"
    with django_db_blocker.unblock():
        with on_database(source_db), override_settings(MEDIA_ROOT=source_media):
            sweep_in_2100()  # Beilin's overdue cases get their warnings
            call_command("centre_export", CODE, str(archive), stdout=StringIO())
            schema_before = fingerprint([SCHEMA], leave_out=ID_COLUMNS)
            through_before = _through_natural_keys()
            public_before = _public_rows()
            pages_before = _pages(centre_client)
        with on_database(target_db), override_settings(MEDIA_ROOT=target_media):
            from tenants.models import Centre, User

            assert not Centre.objects.filter(division_code=CODE).exists()
            assert User.objects.filter(username="clerk-xian").exists()  # a user both instances have
            out = StringIO()
            call_command("centre_import", str(archive), stdout=out)
            schema_after = fingerprint([SCHEMA], leave_out=ID_COLUMNS)
            through_after = _through_natural_keys()
            public_after = _public_rows()
            pages_after = _pages(centre_client)
            with pytest.raises(CommandError, match="has the centre 610103"):
                call_command("centre_import", str(archive), stdout=StringIO())

    assert f"centre {CODE} imported" in out.getvalue()
    assert schema_after == schema_before
    assert through_before["cases"] and through_after == through_before
    for name, rows in public_before.items():
        assert rows, name
        assert public_after[name] == rows, name
    assert pages_after == pages_before and all(status == 200 for status, _found in pages_before.values())


def test_a_target_without_a_version_the_centre_adopted_is_refused_before_anything_is_written(
        demo_platform, target, django_db_blocker, tmp_path):
    source_db, source_media = demo_platform
    target_db, _target_media = target
    archive = tmp_path / "beilin.tar"
    with django_db_blocker.unblock():
        with on_database(source_db), override_settings(MEDIA_ROOT=source_media):
            from catalog.models import Adoption

            call_command("centre_export", CODE, str(archive), stdout=StringIO())
            adopted = Adoption.objects.filter(centre__division_code=CODE).select_related("item").first().item.code
        with on_database(target_db), transaction.atomic():
            from catalog.models import Item

            Item.objects.filter(code=adopted).update(code=f"{adopted}-X")
            with pytest.raises(CommandError, match=f"catalogue lacks .*item {adopted}"):
                call_command("centre_import", str(archive), stdout=StringIO())
            transaction.set_rollback(True)


def test_every_public_model_that_refers_to_a_centre_is_in_the_move_plan(monkeypatch):
    from operations import move

    assert move.plan_problems() == []

    monkeypatch.delitem(move.MOVE_PLAN, "supervision.Finding")
    monkeypatch.delitem(move.PLAIN_IDS, ("hall.HallEvent", "actor_id"))
    problems = move.plan_problems()
    assert any(problem.startswith("supervision.Finding refers to a centre") for problem in problems)
    assert any(problem.startswith("hall.HallEvent.actor_id looks like an id") for problem in problems)
    with pytest.raises(CommandError, match="does not cover every model"):
        move.centre_export(division_code=CODE, destination="never.tar")
