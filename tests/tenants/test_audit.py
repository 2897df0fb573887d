"""The audit log (操作日志): what the tenants services record, that a rolled-back change records nothing,
who may read which entries, the page's filters, the CSV, both languages."""
from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django_tenants.utils import schema_context

from common.errors import ApplicationError, ConflictError
from tenants.audit import audit_record
from tenants.choices import AuditKind, AuditTarget, CentreStatus, Role
from tenants.models import AuditEvent, Centre, Membership
from tenants.services import (
    centre_onboard,
    centre_rename,
    centre_set_status,
    membership_grant,
    membership_revoke,
    user_deactivate,
)
from tenants.validation import CentreInput

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_schema")]

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
LOCAL = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def beilin_admin(make_user, beilin):
    return make_user((beilin, Role.CENTRE_ADMIN), username="admin-b")


def events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("at", "id"))


def only(**filters) -> AuditEvent:
    found = events(**filters)
    assert len(found) == 1, found
    return found[0]


# --- what the tenants services record ------------------------------------------------------------------

def test_onboarding_records_the_centre_with_who_onboarded_it_and_its_admin(platform_admin):
    data = CentreInput(level="township", code="610103002", slug="beilin-boshulin", name_zh="柏树林街道",
                       name_en="Baishulin Subdistrict", parent_code="610103")
    centre = centre_onboard(data=data, acting_user=platform_admin, admin_username="admin-boshulin").centre

    event = only(kind=AuditKind.CENTRE_ONBOARDED, centre=centre)
    assert (event.actor, event.actor_name, event.centre_code) == (platform_admin, "platform-admin", "610103002")
    assert event.after == {"name_zh": "柏树林街道", "name_en": "Baishulin Subdistrict", "level": "township",
                           "parent": "610103", "admin": "admin-boshulin"}

    centre_onboard(data=data, acting_user=platform_admin)  # "already exists": nothing changed
    assert len(events(kind=AuditKind.CENTRE_ONBOARDED, centre=centre)) == 1


def test_suspending_and_resuming_record_the_status_before_and_after(beilin, platform_admin):
    centre_set_status(centre=beilin, status=CentreStatus.SUSPENDED, reason="audit", acting_user=platform_admin)
    beilin.refresh_from_db()
    centre_set_status(centre=beilin, status=CentreStatus.READY, acting_user=None)

    suspended = only(kind=AuditKind.CENTRE_SUSPENDED, centre=beilin)
    assert (suspended.actor, suspended.before, suspended.after) == (
        platform_admin, {"status": "ready"}, {"status": "suspended"})
    resumed = only(kind=AuditKind.CENTRE_RESUMED, centre=beilin)
    assert (resumed.actor, resumed.actor_name) == (None, "system")
    assert (resumed.before, resumed.after) == ({"status": "suspended"}, {"status": "ready"})


def test_a_status_change_refused_as_a_conflict_records_nothing(beilin, platform_admin):
    seen = Centre.objects.get(pk=beilin.pk)
    centre_set_status(centre=beilin, status=CentreStatus.SUSPENDED, reason="audit", acting_user=platform_admin)
    with pytest.raises(ConflictError):
        centre_set_status(centre=seen, status=CentreStatus.SUSPENDED, reason="audit", acting_user=platform_admin)
    assert len(events(centre=beilin, kind=AuditKind.CENTRE_SUSPENDED)) == 1


def test_renaming_a_centre_records_only_the_names_that_changed(beilin, platform_admin):
    renamed = centre_rename(centre=beilin, name_zh="碑林区政务服务中心", name_en=" Beilin District ",
                            acting_user=platform_admin)

    assert (renamed.name_zh, renamed.name_en) == ("碑林区政务服务中心", "Beilin District")
    assert Centre.objects.get(pk=beilin.pk).name_zh == "碑林区政务服务中心"
    event = only(kind=AuditKind.CENTRE_RENAMED, centre=beilin)
    assert (event.actor, event.target_type, event.target_label) == (platform_admin, "centre", "碑林区政务服务中心")
    assert (event.before, event.after) == ({"name_zh": "碑林区"}, {"name_zh": "碑林区政务服务中心"})

    centre_rename(centre=renamed, name_zh="碑林区政务服务中心", name_en="Beilin District", acting_user=platform_admin)
    assert len(events(kind=AuditKind.CENTRE_RENAMED)) == 1  # the same names again: nothing to record


def test_renaming_a_centre_someone_renamed_meanwhile_is_refused_and_changes_nothing(beilin, platform_admin):
    seen_by_second_admin = Centre.objects.get(pk=beilin.pk)
    centre_rename(centre=beilin, name_zh="碑林", name_en="Beilin", acting_user=platform_admin)

    with pytest.raises(ConflictError) as error:
        centre_rename(centre=seen_by_second_admin, name_zh="碑林区中心", name_en="Beilin Centre",
                      acting_user=platform_admin)

    assert "renamed to 碑林 meanwhile" in str(error.value)
    assert Centre.objects.get(pk=beilin.pk).name_zh == "碑林"
    assert len(events(kind=AuditKind.CENTRE_RENAMED)) == 1


def test_a_rename_to_an_empty_or_too_long_name_is_refused_by_field(beilin, platform_admin):
    with pytest.raises(ApplicationError) as error:
        centre_rename(centre=beilin, name_zh="  ", name_en="x" * 151, acting_user=platform_admin)
    assert set(error.value.extra["fields"]) == {"name_zh", "name_en"}
    assert Centre.objects.get(pk=beilin.pk).name_zh == "碑林区"
    assert events(kind=AuditKind.CENTRE_RENAMED) == []


def test_granting_a_role_records_new_roles_and_department_moves_only(beilin, platform_admin, make_user):
    clerk = make_user(username="clerk-x")
    membership = membership_grant(user=clerk, centre=beilin, role=Role.WINDOW_CLERK, department_code="SC",
                                  acting_user=platform_admin)
    granted = only(kind=AuditKind.ROLE_GRANTED, target_id=str(membership.pk))
    assert (granted.actor, granted.centre, granted.target_label) == (platform_admin, beilin, "clerk-x · window_clerk")
    assert (granted.before, granted.after) == (None, {"role": "window_clerk", "department_code": "SC"})

    membership_grant(user=clerk, centre=beilin, role=Role.WINDOW_CLERK, department_code="SC", acting_user=None)
    membership_grant(user=clerk, centre=beilin, role=Role.WINDOW_CLERK, acting_user=None)
    assert len(events(kind=AuditKind.ROLE_GRANTED, target_id=str(membership.pk))) == 1  # nothing changed

    membership_grant(user=clerk, centre=beilin, role=Role.WINDOW_CLERK, department_code="GA",
                     acting_user=platform_admin)
    moved = events(kind=AuditKind.ROLE_GRANTED, target_id=str(membership.pk))[-1]
    assert (moved.before, moved.after) == ({"department_code": "SC"}, {"department_code": "GA"})


def test_revoking_a_role_records_what_was_held_and_a_second_revoke_is_told(beilin, beilin_admin, make_user):
    clerk = make_user((beilin, Role.WINDOW_CLERK), username="clerk-y")
    membership = Membership.objects.get(user=clerk, centre=beilin)

    membership_revoke(membership=membership, acting_user=beilin_admin)

    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = only(kind=AuditKind.ROLE_REVOKED)
    assert (event.actor, event.centre, event.target_label) == (beilin_admin, beilin, "clerk-y · window_clerk")
    assert (event.before, event.after) == ({"role": "window_clerk", "department_code": ""}, None)
    with pytest.raises(ConflictError):
        membership_revoke(membership=membership, acting_user=beilin_admin)
    assert len(events(kind=AuditKind.ROLE_REVOKED)) == 1


def test_deactivating_a_user_stops_their_sign_in_and_is_recorded_once(beilin, platform_admin, make_user,
                                                                     centre_client):
    clerk = make_user((beilin, Role.WINDOW_CLERK), username="clerk-z")
    client = centre_client(beilin, clerk)
    assert client.get("/cases/").status_code == 200

    user_deactivate(user=clerk, acting_user=platform_admin)
    user_deactivate(user=clerk, acting_user=platform_admin)

    clerk.refresh_from_db()
    assert not clerk.is_active
    assert client.get("/cases/").status_code == 302  # signed out: to the sign-in page
    event = only(kind=AuditKind.USER_DEACTIVATED)
    assert (event.actor, event.target_type, event.target_label) == (platform_admin, "user", "clerk-z")
    assert (event.before, event.after) == ({"is_active": True}, {"is_active": False})


def test_an_entry_still_reads_after_its_actor_is_deleted(make_user, beilin):
    actor = make_user(username="temp-admin")
    audit_record(kind=AuditKind.CENTRE_RENAMED, actor=actor, centre=beilin, target_label="x")
    with schema_context(beilin.schema_name):  # django-guardian's tables, which a user's deletion visits, are a centre's
        actor.delete()
    event = only(kind=AuditKind.CENTRE_RENAMED)
    assert (event.actor, event.actor_name, event.centre_code) == (None, "temp-admin", "610103")


# --- a change rolled back leaves no entry ------------------------------------------------------------

def test_a_change_rolled_back_by_the_callers_transaction_leaves_no_entry(beilin, platform_admin):
    with pytest.raises(RuntimeError), transaction.atomic():
        centre_rename(centre=beilin, name_zh="碑林新区", name_en="New Beilin", acting_user=platform_admin)
        centre_set_status(centre=Centre.objects.get(pk=beilin.pk), status=CentreStatus.SUSPENDED, reason="audit",
                          acting_user=platform_admin)
        raise RuntimeError("the caller's next step failed")

    beilin.refresh_from_db()
    assert (beilin.name_zh, beilin.status) == ("碑林区", CentreStatus.READY)
    assert events(centre=beilin, kind__in=[AuditKind.CENTRE_RENAMED, AuditKind.CENTRE_SUSPENDED]) == []


def test_an_onboarding_that_fails_before_the_centre_is_ready_records_nothing(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr("tenants.services.user_get_or_create", broken)
    data = CentreInput(level="township", code="610103002", slug="beilin-boshulin", name_zh="柏树林街道",
                       name_en="Baishulin Subdistrict", parent_code="610103")
    with pytest.raises(ApplicationError):
        centre_onboard(data=data, acting_user=None, admin_username="admin-boshulin")
    assert events(centre_code="610103002") == []


# --- who reads what: the page --------------------------------------------------------------------------

@pytest.fixture
def some_events(beilin, yanta, platform_admin, beilin_admin):
    """A rename at Beilin by its admin, a suspension at Yanta by the platform admin, a schedule (no
    centre), on three different days."""
    day = dt.datetime(2026, 11, 2, 10, 30, tzinfo=LOCAL)
    audit_record(kind=AuditKind.CENTRE_RENAMED, actor=beilin_admin, centre=beilin, target_type=AuditTarget.CENTRE,
                 target_label="碑林区", before={"name_en": "Beilin"}, after={"name_en": "Beilin District"}, at=day,
                 note="按区划调整更名")
    audit_record(kind=AuditKind.CENTRE_SUSPENDED, actor=platform_admin, centre=yanta, target_type=AuditTarget.CENTRE,
                 target_label="雁塔区", before={"status": "ready"}, after={"status": "suspended"},
                 at=day + dt.timedelta(days=1))
    audit_record(kind=AuditKind.SCHEDULE_ENTERED, actor=None, target_type=AuditTarget.SCHEDULE_YEAR,
                 target_id=2027, target_label="2027", after={"holidays": 28, "workdays": 6},
                 at=day + dt.timedelta(days=2))


def rows(response) -> list[str]:
    """The kinds listed on the page, top to bottom."""
    import re

    assert response.status_code == 200, response.status_code
    return re.findall(r'<tr class="kind-[a-z_]+" data-kind="([a-z_]+)"', response.content.decode())


def test_a_centre_admin_sees_only_their_centres_entries(some_events, beilin, beilin_admin, centre_client):
    page = centre_client(beilin, beilin_admin).get("/audit/")
    assert AuditKind.CENTRE_SUSPENDED not in rows(page)  # Yanta's
    assert AuditKind.SCHEDULE_ENTERED not in rows(page)  # platform-wide
    assert rows(page).count(AuditKind.CENTRE_RENAMED) == 1
    html = page.content.decode()
    assert "2026-11-02 10:30:00" in html  # local time
    assert "admin-b" in html and "按区划调整更名" in html
    assert "Name (English): <del>Beilin</del> → <ins>Beilin District</ins>" in html


def test_a_centre_admin_gets_404_at_another_centre_and_on_the_platforms_page(some_events, yanta, beilin_admin,
                                                                           centre_client):
    assert centre_client(yanta, beilin_admin).get("/audit/").status_code == 404
    assert centre_client(None, beilin_admin).get("/audit/").status_code == 404
    assert centre_client(yanta, beilin_admin).get("/audit/export.csv").status_code == 404
    assert centre_client(None, beilin_admin).get("/audit/export.csv").status_code == 404


def test_staff_who_are_not_admins_get_404_and_visitors_are_asked_to_sign_in(beilin, make_user, centre_client):
    clerk = make_user((beilin, Role.WINDOW_CLERK))
    assert centre_client(beilin, clerk).get("/audit/").status_code == 404
    assert centre_client(beilin).get("/audit/").url.startswith("/accounts/login/")


def test_the_platform_admin_sees_every_centre_and_filters_work(some_events, platform_admin, centre_client):
    client = centre_client(None, platform_admin)
    ours = {AuditKind.SCHEDULE_ENTERED, AuditKind.CENTRE_SUSPENDED, AuditKind.CENTRE_RENAMED}
    everything = rows(client.get("/audit/"))
    assert [kind for kind in everything if kind in ours] == [
        AuditKind.SCHEDULE_ENTERED, AuditKind.CENTRE_SUSPENDED, AuditKind.CENTRE_RENAMED]  # newest first
    assert AuditKind.CENTRE_ONBOARDED in everything  # the session's centres, onboarded by the system

    yanta = rows(client.get("/audit/", {"centre": "610113"}))
    assert AuditKind.CENTRE_SUSPENDED in yanta
    assert AuditKind.CENTRE_RENAMED not in yanta and AuditKind.SCHEDULE_ENTERED not in yanta
    assert set(rows(client.get("/audit/", {"kind": AuditKind.CENTRE_RENAMED}))) == {AuditKind.CENTRE_RENAMED}
    assert rows(client.get("/audit/", {"actor": "admin-b"})) == [AuditKind.CENTRE_RENAMED]
    assert rows(client.get("/audit/", {"date_from": "2026-11-03", "date_to": "2026-11-03"})) == [
        AuditKind.CENTRE_SUSPENDED]
    html = client.get("/audit/", {"date_from": "2026-11-04", "date_to": "2026-11-02"}).content.decode()
    assert "The end date is before the start date." in html


def test_the_platform_admin_on_a_centres_host_sees_that_centre_only(some_events, yanta, platform_admin,
                                                                    centre_client):
    listed = rows(centre_client(yanta, platform_admin).get("/audit/", {"centre": "610103"}))
    assert AuditKind.CENTRE_SUSPENDED in listed  # Yanta's: the centre filter is not for a centre's host
    assert AuditKind.CENTRE_RENAMED not in listed and AuditKind.SCHEDULE_ENTERED not in listed


def test_the_page_shows_fifty_entries_a_page_newest_first(beilin, beilin_admin, centre_client):
    start = dt.datetime(2026, 1, 1, 9, 0, tzinfo=LOCAL)
    for n in range(55):
        audit_record(kind=AuditKind.CLOSURE_SET, actor=beilin_admin, centre=beilin, target_label=f"closure-{n}",
                     at=start + dt.timedelta(minutes=n))
    client = centre_client(beilin, beilin_admin)
    first = client.get("/audit/", {"kind": AuditKind.CLOSURE_SET}).content.decode()
    second = client.get("/audit/", {"kind": AuditKind.CLOSURE_SET, "page": 2}).content.decode()
    assert first.count('data-kind="closure_set"') == 50 and second.count('data-kind="closure_set"') == 5
    assert first.index("closure-54") < first.index("closure-53")
    assert "closure-4<" in second and "closure-5<" not in second
    assert "kind=closure_set&amp;page=2" in first  # the next page keeps the filter


def test_the_page_reads_in_chinese_and_in_english(some_events, platform_admin, centre_client):
    client = centre_client(None, platform_admin)
    zh = client.get("/audit/", **ZH).content.decode()
    assert "操作日志" in zh and "中心更名" in zh and "已暂停" in zh and "系统" in zh
    en = client.get("/audit/").content.decode()
    assert "Audit log" in en and "Centre renamed" in en and "Suspended" in en and "System" in en


def test_admins_find_the_page_from_their_home_page(beilin, beilin_admin, platform_admin, make_user, centre_client):
    assert 'href="/audit/"' in centre_client(beilin, beilin_admin).get("/").content.decode()
    assert 'href="/audit/"' in centre_client(None, platform_admin).get("/").content.decode()
    clerk = make_user((beilin, Role.WINDOW_CLERK))
    assert 'href="/audit/"' not in centre_client(beilin, clerk).get("/").content.decode()


# --- the CSV ---------------------------------------------------------------------------------------------

def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # the BOM: Excel in Chinese reads UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_has_the_header_and_the_filtered_rows(some_events, platform_admin, centre_client):
    table = read_csv(centre_client(None, platform_admin).get("/audit/export.csv",
                                                             {"centre": "610103", "kind": AuditKind.CENTRE_RENAMED}))
    assert table[0] == ["Time", "Kind", "Actor", "Division code", "Centre", "Target", "What changed", "Note"]
    assert table[1:] == [["2026-11-02 10:30:00", "Centre renamed", "admin-b", "610103", "Beilin District",
                          "Centre 碑林区", "Name (English): Beilin → Beilin District", "按区划调整更名"]]


def test_the_csv_in_chinese_and_for_a_centre_admin_holds_their_centre_only(some_events, beilin, beilin_admin,
                                                                          centre_client):
    table = read_csv(centre_client(beilin, beilin_admin).get("/audit/export.csv", **ZH))
    assert table[0][:3] == ["时间", "类型", "操作人"]
    assert {row[3] for row in table[1:]} == {"610103"}


def test_the_csv_is_capped_and_says_so(some_events, platform_admin, centre_client, monkeypatch):
    monkeypatch.setattr("tenants.views.AUDIT_EXPORT_MAX_ROWS", 2)
    table = read_csv(centre_client(None, platform_admin).get("/audit/export.csv", {"date_to": "2026-11-29"}))
    assert [row[1] for row in table[1:3]] == ["Holiday schedule entered", "Centre suspended"]
    assert table[3] == ["Only the newest 2 entries are included; narrow the filters to export the rest."]
    assert len(table) == 4


def test_a_name_that_looks_like_a_formula_is_not_run_by_the_spreadsheet(beilin, platform_admin, centre_client):
    audit_record(kind=AuditKind.WINDOW_CREATED, actor=platform_admin, centre=beilin, target_type=AuditTarget.WINDOW,
                 target_label="x", note="=HYPERLINK(\"http://evil\")")
    table = read_csv(centre_client(None, platform_admin).get("/audit/export.csv",
                                                             {"kind": AuditKind.WINDOW_CREATED}))
    assert table[1][-1] == "'=HYPERLINK(\"http://evil\")"


def test_the_export_reads_in_chunks_without_skipping_or_repeating_entries_at_the_same_time(beilin):
    from tenants.views import _newest_first_in_chunks

    same_time = dt.datetime(2026, 3, 1, 9, 0, tzinfo=LOCAL)
    for n in range(7):
        audit_record(kind=AuditKind.CLOSURE_SET, actor=None, centre=beilin, target_label=f"c{n}",
                     at=same_time + dt.timedelta(minutes=n // 3))  # three entries share each minute
    listed = AuditEvent.objects.filter(kind=AuditKind.CLOSURE_SET).order_by("-at", "-id")
    assert [e.target_label for e in _newest_first_in_chunks(listed, size=2)] == [
        "c6", "c5", "c4", "c3", "c2", "c1", "c0"]
