"""Onboarding: provisioning by migrations, idempotence, resumable failures, clear errors."""
from __future__ import annotations

import io

import pytest
from django.db import connection
from django.utils import translation
from django_tenants.utils import schema_exists, tenant_context

from common.errors import ApplicationError, ConflictError
from tenants.choices import CentreStatus, Role
from tenants.importers import read_centre_file
from tenants.models import Centre, Domain, Membership
from tenants.services import centre_bulk_onboard, centre_onboard, centre_set_status, membership_grant
from tenants.validation import CentreInput

pytestmark = pytest.mark.django_db


def township(code="610103002", slug="beilin-boshulin", parent="610103", **over) -> CentreInput:
    data = dict(level="township", code=code, slug=slug, name_zh="柏树林街道", name_en="Baishulin Subdistrict",
                parent_code=parent)
    data.update(over)
    return CentreInput(**data)


def test_onboarding_provisions_a_ready_centre_with_its_schema_domain_and_admin(centre_client):
    result = centre_onboard(data=township(), acting_user=None, admin_username="admin-boshulin")

    assert result.created
    centre = Centre.objects.get(division_code="610103002")
    assert centre.status == CentreStatus.READY
    assert schema_exists(centre.schema_name)
    with tenant_context(centre):
        from windows.models import Window

        assert Window.objects.count() == 0  # its own tables, migrated
    assert Domain.objects.get(tenant=centre).domain == "beilin-boshulin.localhost"
    assert Membership.objects.filter(user__username="admin-boshulin", centre=centre,
                                     role=Role.CENTRE_ADMIN).exists()
    assert centre_client(centre).get("/").status_code == 200


def test_onboarding_the_same_code_twice_says_already_exists_and_duplicates_nothing():
    centre_onboard(data=township(), acting_user=None, admin_username="admin-boshulin")
    counts = (Centre.objects.count(), Domain.objects.count(), Membership.objects.count())

    again = centre_onboard(data=township(), acting_user=None, admin_username="admin-boshulin")

    assert not again.created
    assert "already exists" in again.message
    assert (Centre.objects.count(), Domain.objects.count(), Membership.objects.count()) == counts


def test_a_failure_midway_leaves_the_centre_unserved_and_a_retry_completes_it(monkeypatch, centre_client):
    def broken_migrate(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("tenants.services.schema_replay", broken_migrate)
    monkeypatch.setattr("tenants.services.call_command", broken_migrate)
    with pytest.raises(ApplicationError) as error:
        centre_onboard(data=township(), acting_user=None)
    assert error.value.code == "centre_provisioning_failed"
    centre = Centre.objects.get(division_code="610103002")
    assert centre.status == CentreStatus.PROVISIONING
    assert centre_client(centre).get("/").status_code == 503

    monkeypatch.undo()
    retry = centre_onboard(data=township(), acting_user=None)

    assert retry.created
    centre.refresh_from_db()
    assert centre.status == CentreStatus.READY
    assert Centre.objects.filter(division_code="610103002").count() == 1
    assert centre_client(centre).get("/").status_code == 200


@pytest.mark.parametrize(("data", "field", "words"), [
    (township(parent="610199"), "parent_code", "Unknown parent"),
    (township(parent="610103001"), "parent_code", "cannot sit under"),
    (CentreInput("district", "610199", "newdistrict", "新区", "New District", "610103"), "parent_code",
     "cannot sit under"),
    (township(code="61010300X"), "code", "Malformed division code"),
    (township(code="6101030021"), "code", "Malformed division code"),
    (township(code="610104002"), "code", "starts with its parent's code"),
    (township(code="610103001", slug="another"), "code", "Duplicate division code"),
    (township(slug="beilin"), "slug", "Duplicate domain"),
    (township(slug="Bad_Slug!"), "slug", "Malformed slug"),
    (CentreInput("city", "610200", "another-city", "另一市", "Another City", ""), "level",
     "already a city centre"),
    (township(level="village"), "level", "Unknown level"),
    (township(name_zh=""), "name_zh", "required"),
])
def test_bad_input_gets_a_clear_error_naming_the_field(data, field, words):
    before = Centre.objects.count()
    with pytest.raises(ApplicationError) as error:
        centre_onboard(data=data, acting_user=None)
    assert error.value.code == "centre_invalid_input"
    assert field in error.value.extra["fields"]
    assert words in " ".join(error.value.extra["fields"][field])
    assert Centre.objects.count() == before


def test_errors_come_in_chinese_for_a_chinese_user():
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as error:
        centre_onboard(data=township(parent="610199"), acting_user=None)
    message = " ".join(error.value.extra["fields"]["parent_code"])
    assert "上级" in message or "未知" in message, message


CSV_HEADER = "level,code,slug,name_zh,name_en,parent_code\n"


def test_a_file_with_bad_rows_reports_every_bad_row_and_imports_nothing():
    text = CSV_HEADER + (
        "township,610103002,beilin-boshulin,柏树林街道,Baishulin,610103\n"   # fine
        "township,610103003,beilin-changlefang,长乐坊街道,Changlefang,619999\n"  # unknown parent
        "township,61010300,beilin-x,某街道,X,610103\n"                          # malformed code
        "township,610103004,beilin,东关南街街道,Dongguan,610103\n")            # duplicate domain
    rows = read_centre_file(io.BytesIO(text.encode()), "centres.csv")
    before = Centre.objects.count()

    with pytest.raises(ApplicationError) as error:
        centre_bulk_onboard(rows=rows, acting_user=None)

    bad = {row["row"]: row for row in error.value.extra["rows"]}
    assert sorted(bad) == [3, 4, 5]
    assert "parent_code" in bad[3]["fields"]
    assert "code" in bad[4]["fields"]
    assert "slug" in bad[5]["fields"]
    assert Centre.objects.count() == before


def test_an_excel_file_of_good_rows_onboards_parents_before_children_and_reports_progress():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["level", "code", "slug", "name_zh", "name_en", "parent_code"])
    sheet.append(["township", 610199001, "newzone-a", "甲街道", "A Subdistrict", 610199])  # child first
    sheet.append(["district", 610199, "newzone", "新区", "New District", 610100])
    stream = io.BytesIO()
    book.save(stream)
    stream.seek(0)
    seen = []

    results = centre_bulk_onboard(rows=read_centre_file(stream, "centres.xlsx"), acting_user=None,
                                  progress=lambda done, total, result: seen.append((done, total)))

    assert [r.centre.division_code for r in results] == ["610199", "610199001"]
    assert seen == [(1, 2), (2, 2)]
    assert Centre.objects.get(division_code="610199001").parent.division_code == "610199"


def test_an_excel_file_saved_by_wps_with_a_one_cell_size_is_read_whole():
    from openpyxl import Workbook

    from tests.catalog.test_import_office_files import as_wps, saved

    book = Workbook()
    book.active.append(["level", "code", "slug", "name_zh", "name_en", "parent_code"])
    book.active.append(["township", 610103002, "beilin-boshulin", "柏树林街道", "Baishulin", 610103])

    rows = read_centre_file(as_wps(saved(book)), "centres.xlsx")

    assert [(row.code, row.parent_code, row.name_en) for row in rows] == [("610103002", "610103", "Baishulin")]


def test_a_duplicate_row_in_one_file_is_reported():
    text = CSV_HEADER + ("township,610103002,beilin-boshulin,柏树林街道,B,610103\n"
                         "township,610103002,beilin-boshulin,柏树林街道,B,610103\n")
    with pytest.raises(ApplicationError) as error:
        centre_bulk_onboard(rows=read_centre_file(io.BytesIO(text.encode()), "c.csv"), acting_user=None)
    assert [row["row"] for row in error.value.extra["rows"]] == [3]


def test_two_admins_changing_a_centre_at_once_one_wins_the_other_is_told(beilin):
    seen_by_second_admin = Centre.objects.get(pk=beilin.pk)
    centre_set_status(centre=beilin, status=CentreStatus.SUSPENDED, reason="audit", acting_user=None)

    with pytest.raises(ConflictError) as error:
        centre_set_status(centre=seen_by_second_admin, status=CentreStatus.SUSPENDED, reason="audit", acting_user=None)
    assert "someone changed it first" in str(error.value)


def test_a_provisioning_centre_cannot_be_suspended_by_hand(beilin):
    Centre.objects.filter(pk=beilin.pk).update(status=CentreStatus.PROVISIONING)
    beilin.refresh_from_db()
    with pytest.raises(ApplicationError):
        centre_set_status(centre=beilin, status=CentreStatus.SUSPENDED, reason="audit", acting_user=None)


def test_one_user_may_hold_roles_in_several_centres_but_platform_admin_has_no_centre(make_user, city, beilin):
    coordinator = make_user((city, Role.CENTRE_ADMIN), (beilin, Role.SUPERVISOR))
    assert set(Membership.objects.filter(user=coordinator).values_list("centre__slug", flat=True)) == {
        "xian", "beilin"}
    with pytest.raises(ApplicationError):
        membership_grant(user=coordinator, centre=city, role=Role.PLATFORM_ADMIN, acting_user=None)
    with pytest.raises(ApplicationError):
        membership_grant(user=coordinator, centre=None, role=Role.WINDOW_CLERK, acting_user=None)


def test_the_database_itself_refuses_a_second_city_or_a_city_with_a_parent(city):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Centre.objects.create(schema_name="c610200", slug="x2", name_zh="x", name_en="x", level="city",
                              division_code="610200")
    with pytest.raises(IntegrityError), transaction.atomic():
        Centre.objects.create(schema_name="c610201", slug="x3", name_zh="x", name_en="x", level="district",
                              division_code="610201")  # a district with no parent


def test_provisioning_replays_the_tenant_migrations_into_the_new_schema():
    result = centre_onboard(data=township(), acting_user=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
                       [result.centre.schema_name])
        tables = cursor.fetchone()[0]
        cursor.execute(f'SELECT count(*) FROM "{result.centre.schema_name}".django_migrations')
        applied = cursor.fetchone()[0]
    assert tables >= 5  # windows, their permissions, guardian's, heartbeat, django_migrations
    assert applied > 0


def test_a_failure_after_the_schema_was_made_is_resumed_by_migrating_the_existing_schema(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr("tenants.services.user_get_or_create", broken)
    with pytest.raises(ApplicationError):
        centre_onboard(data=township(), acting_user=None, admin_username="admin-boshulin")
    centre = Centre.objects.get(division_code="610103002")
    assert centre.status == CentreStatus.PROVISIONING
    assert schema_exists(centre.schema_name)

    monkeypatch.undo()
    centre_onboard(data=township(), acting_user=None, admin_username="admin-boshulin")

    centre.refresh_from_db()
    assert centre.status == CentreStatus.READY
    assert Membership.objects.filter(centre=centre, user__username="admin-boshulin").count() == 1


def test_a_csv_saved_by_chinese_excel_in_gb18030_is_read_and_other_bytes_are_refused_clearly():
    text = CSV_HEADER + "township,610103002,beilin-boshulin,柏树林街道,Baishulin,610103\n"
    rows = read_centre_file(io.BytesIO(text.encode("gb18030")), "centres.csv")
    assert rows[0].name_zh == "柏树林街道"
    with pytest.raises(ApplicationError) as error:
        read_centre_file(io.BytesIO(b"level,code\n\xff\xfe\xfa\x80"), "centres.csv")
    assert "neither UTF-8 nor GB18030" in str(error.value)
