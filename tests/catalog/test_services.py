"""The catalogue's rules: versions, adoption (逐级认领) with local limits, local items, lifecycle events."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from catalog.choices import Category, EventKind, ItemKind, ItemType, VersionStatus
from catalog.models import Adoption, CatalogueNotice, Department, ItemVersion, Material
from catalog.selectors import centre_catalogue, item_accepts_cases, item_search
from catalog.services import (
    adoption_adopt_all,
    adoption_create,
    adoption_update,
    event_propagate,
    event_record,
    item_create,
    local_item_create,
    version_create_draft,
    version_publish,
)
from common.errors import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 30)
CONTENT = {"name_zh": "建设工程规划许可证核发", "name_en": "Construction project planning permit",
           "legal_limit_days": 20, "promised_limit_days": 10}
MATERIALS = [{"name_zh": "申请表", "name_en": "Application form", "originals": 1, "copies": 0, "delivery": "upload"},
             {"name_zh": "营业执照", "name_en": "Business licence", "originals": 0, "copies": 1,
              "delivery": "counter", "applicant_types": ["organisation"]}]


@pytest.fixture
def department():
    return Department.objects.create(code="GH", name_zh="市自然资源和规划局", name_en="Natural Resources and Planning")


def make_item(department, code="610100GH-XK-0001", levels=("city", "district", "township"), content=None, **kw):
    item = item_create(code=code, department=department, category=kw.pop("category", Category.LICENCE),
                       item_type=kw.pop("item_type", ItemType.LICENCE), levels=levels, acting_user=None, **kw)
    version = version_create_draft(item=item, content={**CONTENT, **(content or {})}, materials=MATERIALS,
                                   effective_from=TODAY, acting_user=None)
    version_publish(version=version, acting_user=None, today=TODAY)
    item.refresh_from_db()
    return item


# --- items and versions ---------------------------------------------------------------------------

def test_a_promise_above_the_legal_limit_is_refused_by_the_service_and_by_the_database(department):
    item = item_create(code="610100GH-XK-0001", department=department, category="licence", item_type="XK",
                       levels=["city"], acting_user=None)
    with pytest.raises(ApplicationError) as error:
        version_create_draft(item=item, content={**CONTENT, "promised_limit_days": 25}, effective_from=TODAY,
                             acting_user=None)
    assert "legal limit of 20 working days" in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemVersion.objects.create(item=item, number=9, effective_from=TODAY, name_zh="x", name_en="x",
                                   legal_limit_days=5, promised_limit_days=6)


def test_item_codes_follow_the_national_form_and_sub_items_sit_under_main_items(department):
    with pytest.raises(ApplicationError) as error:
        item_create(code="GH-0001", department=department, category="licence", item_type="XK", levels=["city"],
                    acting_user=None)
    assert "code" in error.value.extra["fields"]
    main = make_item(department)
    with pytest.raises(ApplicationError) as error:
        item_create(code="610100GH-XK-0001-001", department=department, category="licence", item_type="XK",
                    levels=["city"], kind=ItemKind.HANDLING, parent=main, acting_user=None)
    assert "parent" in error.value.extra["fields"]
    sub = item_create(code="610100GH-XK-0001-001", department=department, category="licence", item_type="XK",
                      levels=["city"], kind=ItemKind.SUB, parent=main, acting_user=None)
    assert sub.parent == main


def test_a_published_version_is_never_edited_in_place_a_change_makes_a_new_version(department):
    item = make_item(department)
    first = item.current_version
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemVersion.objects.filter(pk=first.pk).update(promised_limit_days=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Material.objects.filter(version=first).update(copies=3)

    second = version_create_draft(item=item, content={"promised_limit_days": 8}, effective_from=TODAY,
                                  acting_user=None)
    version_publish(version=second, acting_user=None, today=TODAY)

    item.refresh_from_db()
    first.refresh_from_db()
    assert item.current_version == second
    assert (second.number, second.promised_limit_days, second.name_zh) == (2, 8, CONTENT["name_zh"])
    assert second.materials.count() == 2  # carried over
    assert first.status == VersionStatus.ARCHIVED
    assert first.promised_limit_days == 10  # a case accepted under it keeps it
    with pytest.raises(ConflictError):
        version_publish(version=second, acting_user=None, today=TODAY)


def test_a_version_effective_later_becomes_current_on_its_date(department):
    item = make_item(department)
    later = version_create_draft(item=item, content={"promised_limit_days": 7},
                                 effective_from=TODAY + dt.timedelta(days=10), acting_user=None)
    version_publish(version=later, acting_user=None, today=TODAY)
    item.refresh_from_db()
    assert item.current_version.number == 1
    from catalog.services import catalogue_refresh_current

    assert catalogue_refresh_current(today=TODAY + dt.timedelta(days=9)) == 0
    assert catalogue_refresh_current(today=TODAY + dt.timedelta(days=10)) == 1
    assert catalogue_refresh_current(today=TODAY + dt.timedelta(days=11)) == 0
    item.refresh_from_db()
    assert item.current_version == later


def test_search_finds_items_by_pinyin_initials_code_department_and_name(department):
    make_item(department)
    for query in ("jsgc", "610100GH-XK", "规划局", "planning permit", "建设工程"):
        assert [i.code for i in item_search(query=query)] == ["610100GH-XK-0001"], query
    assert list(item_search(query="zzzz")) == []


# --- adoption --------------------------------------------------------------------------------------

def test_a_centre_adopts_with_its_own_shorter_promise_and_its_catalogue_is_one_query(
        department, beilin, django_assert_num_queries):
    item = make_item(department)
    make_item(department, code="610100GH-XK-0002", content={"name_zh": "乡村建设规划许可"})
    adoption_create(centre=beilin, item=item, promised_limit_days=6, window="3", acting_user=None, today=TODAY)
    adoption_adopt_all(centre=beilin, acting_user=None, today=TODAY)

    with django_assert_num_queries(1):
        rows = [(a.item.code, a.promised_days, a.legal_days, a.item.current_version.name_zh, a.item.department.code)
                for a in centre_catalogue(centre=beilin, on=TODAY)]
    assert rows == [("610100GH-XK-0001", 6, 20, "建设工程规划许可证核发", "GH"),
                    ("610100GH-XK-0002", 10, 20, "乡村建设规划许可", "GH")]


def test_a_local_promise_above_the_legal_limit_is_refused_naming_the_legal_limit(department, beilin):
    item = make_item(department)
    with pytest.raises(ApplicationError) as error:
        adoption_create(centre=beilin, item=item, promised_limit_days=21, acting_user=None, today=TODAY)
    assert error.value.code == "catalog_promise_above_legal_limit"
    assert "legal limit is 20 working days" in str(error.value)
    assert error.value.extra["legal_limit_days"] == 20
    assert not Adoption.objects.filter(centre=beilin).exists()

    adoption = adoption_create(centre=beilin, item=item, promised_limit_days=12, acting_user=None,
                               today=TODAY).adoption
    with pytest.raises(ApplicationError):
        adoption_update(adoption=adoption, promised_limit_days=30, acting_user=None)
    changed = adoption_update(adoption=adoption, window="5", acting_user=None)
    assert (changed.window, changed.promised_limit_days) == ("5", 12)  # the promise is kept


def test_adopting_twice_keeps_one_adoption(department, beilin):
    item = make_item(department)
    first = adoption_create(centre=beilin, item=item, acting_user=None, today=TODAY)
    second = adoption_create(centre=beilin, item=item, acting_user=None, today=TODAY)
    assert first.created and not second.created
    assert Adoption.objects.filter(centre=beilin, item=item).count() == 1


def test_a_centre_adopts_only_what_its_level_exercises_and_a_township_what_its_district_claimed(
        department, beilin, nanyuanmen):
    city_only = make_item(department, code="610100GH-XK-0003", levels=["city"])
    with pytest.raises(ApplicationError) as error:
        adoption_create(centre=beilin, item=city_only, acting_user=None, today=TODAY)
    assert error.value.code == "catalog_item_not_adoptable"

    shared = make_item(department)
    with pytest.raises(ApplicationError) as error:
        adoption_create(centre=nanyuanmen, item=shared, acting_user=None, today=TODAY)
    assert "district claimed" in str(error.value)
    assert adoption_adopt_all(centre=nanyuanmen, acting_user=None, today=TODAY) == 0

    adoption_create(centre=beilin, item=shared, acting_user=None, today=TODAY)
    assert adoption_adopt_all(centre=nanyuanmen, acting_user=None, today=TODAY) == 1


def test_a_change_to_the_master_reaches_every_adopter(department, beilin, yanta):
    item = make_item(department)
    adoption_create(centre=beilin, item=item, promised_limit_days=18, acting_user=None, today=TODAY)
    adoption_create(centre=yanta, item=item, acting_user=None, today=TODAY)

    change = version_create_draft(item=item, content={"legal_limit_days": 15, "promised_limit_days": 5},
                                  effective_from=TODAY, acting_user=None)
    version_publish(version=change, acting_user=None, today=TODAY)

    by_centre = {a.centre_id: (a.promised_days, a.legal_days) for a in
                 centre_catalogue(centre=beilin, on=TODAY).union(centre_catalogue(centre=yanta, on=TODAY))}
    assert by_centre == {beilin.pk: (15, 15), yanta.pk: (5, 15)}  # Beilin's 18 lowered to the new legal 15


def test_a_local_item_is_coded_from_the_centre_and_in_its_catalogue_only(department, beilin, yanta):
    adoption = local_item_create(centre=beilin, department=department, category="public_service", item_type="GG",
                                 content={**CONTENT, "name_zh": "碑林区老年优待证办理", "name_en": "Senior card"},
                                 acting_user=None, today=TODAY)
    assert adoption.item.code.startswith("610103GH-GG-")
    assert [a.item.code for a in centre_catalogue(centre=beilin, on=TODAY)] == [adoption.item.code]
    with pytest.raises(ApplicationError):
        adoption_create(centre=yanta, item=adoption.item, acting_user=None, today=TODAY)


# --- lifecycle events ------------------------------------------------------------------------------

def test_a_cancellation_reaches_every_adopter_and_from_its_date_no_centre_accepts_the_item(
        department, beilin, yanta, django_capture_on_commit_callbacks):
    item = make_item(department)
    for centre in (beilin, yanta):
        adoption_create(centre=centre, item=item, acting_user=None, today=TODAY)
    effective = TODAY + dt.timedelta(days=5)

    with django_capture_on_commit_callbacks() as callbacks:
        event = event_record(kind=EventKind.CANCELLED_STATE, item=item, reason="国务院决定取消",
                             effective_on=effective, acting_user=None)
    assert len(callbacks) == 1  # the propagation task is queued after commit
    event_propagate(event_id=event.pk)

    assert CatalogueNotice.objects.filter(event=event).count() == 2
    assert item_accepts_cases(centre=beilin, item=item, on=effective - dt.timedelta(days=1))
    assert not item_accepts_cases(centre=beilin, item=item, on=effective)
    assert not item_accepts_cases(centre=yanta, item=item, on=effective)
    with pytest.raises(ApplicationError):
        adoption_create(centre=beilin, item=item, acting_user=None, today=effective)
    event_propagate(event_id=event.pk)  # idempotent
    assert CatalogueNotice.objects.filter(event=event).count() == 2


def test_devolving_ends_the_citys_adoption_and_districts_adopt(department, city, beilin, yanta):
    item = make_item(department, levels=["city"])
    adoption_create(centre=city, item=item, acting_user=None, today=TODAY)
    event = event_record(kind=EventKind.DEVOLVED, item=item, reason="下放区县实施", effective_on=TODAY,
                         acting_user=None)
    event_propagate(event_id=event.pk)

    assert not item_accepts_cases(centre=city, item=item, on=TODAY)
    assert item_accepts_cases(centre=beilin, item=item, on=TODAY)
    assert item_accepts_cases(centre=yanta, item=item, on=TODAY)
    item.refresh_from_db()
    assert "city" not in item.levels and "district" in item.levels


def test_merging_moves_adopters_to_the_target_item(department, beilin):
    old = make_item(department)
    target = make_item(department, code="610100GH-XK-0009")
    adoption_create(centre=beilin, item=old, acting_user=None, today=TODAY)
    with pytest.raises(ApplicationError):
        event_record(kind=EventKind.MERGED, item=old, reason="合并", effective_on=TODAY, acting_user=None)
    event = event_record(kind=EventKind.MERGED, item=old, merged_into=target, reason="两项合并为一项",
                         effective_on=TODAY, acting_user=None)
    event_propagate(event_id=event.pk)
    codes = [a.item.code for a in centre_catalogue(centre=beilin, on=TODAY)]
    assert codes == ["610100GH-XK-0009"]
    old.refresh_from_db()
    assert old.removed_on == TODAY
    assert old.current_version.status == VersionStatus.PUBLISHED  # open cases finish under it


def test_an_event_needs_a_reason(department):
    item = make_item(department)
    with pytest.raises(ApplicationError) as error:
        event_record(kind=EventKind.CANCELLED_BASIS, item=item, reason=" ", effective_on=TODAY, acting_user=None)
    assert "reason" in error.value.extra["fields"]
    assert connection.schema_name == "public"


def test_an_adoption_counts_from_its_start_date_and_a_rerun_event_reaches_no_one_twice(department, city, beilin):
    item = make_item(department, levels=["city"])
    adoption_create(centre=city, item=item, acting_user=None, today=TODAY)
    later = TODAY + dt.timedelta(days=20)
    event = event_record(kind=EventKind.DEVOLVED, item=item, reason="下放区县实施", effective_on=later,
                         acting_user=None)
    event_propagate(event_id=event.pk)
    assert item_accepts_cases(centre=city, item=item, on=later - dt.timedelta(days=1))
    assert not item_accepts_cases(centre=beilin, item=item, on=later - dt.timedelta(days=1))
    assert item_accepts_cases(centre=beilin, item=item, on=later)

    reached = event.__class__.objects.get(pk=event.pk).centres_reached
    assert event_propagate(event_id=event.pk).centres_reached == reached


def test_a_negative_local_promise_is_refused_as_such(department, beilin):
    item = make_item(department)
    with pytest.raises(ApplicationError) as error:
        adoption_create(centre=beilin, item=item, promised_limit_days=-1, acting_user=None, today=TODAY)
    assert "0 or more" in str(error.value)


def test_the_acceptance_terms_follow_the_same_rule_as_the_centres_catalogue(department, beilin, yanta):
    from catalog.selectors import adoption_terms

    item = make_item(department)
    adoption_create(centre=beilin, item=item, promised_limit_days=6, acting_user=None, today=TODAY)
    for centre, day in ((beilin, TODAY), (beilin, TODAY - dt.timedelta(days=1)), (yanta, TODAY)):
        listed = centre_catalogue(centre=centre, on=day).filter(item=item).first()
        terms = adoption_terms(centre_id=centre.pk, item_id=item.pk, on=day)
        assert (terms is None) == (listed is None)
        if listed:
            assert (terms.version_id, terms.legal_days, terms.promised_days) == (
                listed.item.current_version_id, listed.legal_days, listed.promised_days) == (
                item.current_version_id, 20, 6)
    event = event_record(kind=EventKind.CANCELLED_STATE, item=item, reason="取消", effective_on=TODAY,
                         acting_user=None)
    event_propagate(event_id=event.pk)
    assert adoption_terms(centre_id=beilin.pk, item_id=item.pk, on=TODAY) is None


# --- the audit log (操作日志) -------------------------------------------------------------------------

def audit_entries(**filters):
    from tenants.models import AuditEvent

    return list(AuditEvent.objects.filter(**filters).order_by("at", "id"))


@pytest.fixture
def beilin_admin(make_user, beilin):
    from tenants.choices import Role

    return make_user((beilin, Role.CENTRE_ADMIN), username="admin-b")


def test_adopting_an_item_is_recorded_once_with_the_centres_terms(department, beilin, beilin_admin):
    from tenants.choices import AuditKind

    item = make_item(department)
    adoption = adoption_create(centre=beilin, item=item, promised_limit_days=6, window="A12",
                               acting_user=beilin_admin, today=TODAY).adoption
    adoption_create(centre=beilin, item=item, acting_user=beilin_admin, today=TODAY)  # adopted already

    [entry] = audit_entries(kind=AuditKind.ITEM_ADOPTED)
    assert (entry.actor, entry.centre, entry.target_id) == (beilin_admin, beilin, str(adoption.pk))
    assert entry.target_label == f"{item.code} {CONTENT['name_zh']}"
    assert entry.after == {"promised_limit_days": 6, "window": "A12", "starts_on": "2026-11-30"}


def test_adopting_a_whole_level_is_one_entry_with_the_count(department, beilin, beilin_admin):
    from tenants.choices import AuditKind

    make_item(department, code="610100GH-XK-0001")
    make_item(department, code="610100GH-XK-0002")
    assert adoption_adopt_all(centre=beilin, acting_user=beilin_admin, today=TODAY) == 2
    assert adoption_adopt_all(centre=beilin, acting_user=beilin_admin, today=TODAY) == 0

    [entry] = audit_entries(kind=AuditKind.ITEM_ADOPTED)
    assert (entry.actor, entry.centre, entry.after) == (beilin_admin, beilin, {"count": 2, "starts_on": "2026-11-30"})


def test_changing_an_adoption_records_only_the_terms_that_changed(department, beilin, beilin_admin):
    from tenants.choices import AuditKind

    item = make_item(department)
    adoption = adoption_create(centre=beilin, item=item, promised_limit_days=6, window="A12", acting_user=None,
                               today=TODAY).adoption
    adoption_update(adoption=adoption, acting_user=beilin_admin, promised_limit_days=4, window="A12",
                    department_name="行政审批科")
    adoption_update(adoption=adoption, acting_user=beilin_admin, promised_limit_days=4)  # nothing changes

    [entry] = audit_entries(kind=AuditKind.ADOPTION_CHANGED)
    assert (entry.actor, entry.centre, entry.target_id) == (beilin_admin, beilin, str(adoption.pk))
    assert entry.before == {"promised_limit_days": 6, "department_name": ""}
    assert entry.after == {"promised_limit_days": 4, "department_name": "行政审批科"}


def test_a_refused_change_to_an_adoption_records_nothing(department, beilin, beilin_admin):
    from tenants.choices import AuditKind

    item = make_item(department)
    adoption = adoption_create(centre=beilin, item=item, acting_user=None, today=TODAY).adoption
    with pytest.raises(ApplicationError):
        adoption_update(adoption=adoption, acting_user=beilin_admin, promised_limit_days=25)
    with pytest.raises(RuntimeError), transaction.atomic():
        adoption_update(adoption=adoption, acting_user=beilin_admin, window="B3")
        raise RuntimeError("the caller's next step failed")
    assert audit_entries(kind=AuditKind.ADOPTION_CHANGED) == []
    adoption.refresh_from_db()
    assert adoption.window == ""


def test_ending_an_adoption_is_recorded_once(department, beilin, beilin_admin):
    from catalog.services import adoption_end
    from tenants.choices import AuditKind

    item = make_item(department)
    adoption = adoption_create(centre=beilin, item=item, acting_user=None, today=TODAY).adoption
    adoption_end(adoption=adoption, acting_user=beilin_admin, today=TODAY + dt.timedelta(days=3))
    adoption_end(adoption=adoption, acting_user=beilin_admin, today=TODAY + dt.timedelta(days=4))

    assert adoption.ends_on == TODAY + dt.timedelta(days=3)
    [entry] = audit_entries(kind=AuditKind.ADOPTION_ENDED)
    assert (entry.actor, entry.centre, entry.before, entry.after) == (
        beilin_admin, beilin, {"ends_on": None}, {"ends_on": "2026-12-03"})


def test_a_local_item_is_one_entry_at_its_centre(department, beilin, beilin_admin):
    from tenants.choices import AuditKind

    adoption = local_item_create(centre=beilin, department=department, category="public_service", item_type="GG",
                                 content={**CONTENT, "name_zh": "碑林区老年优待证办理", "name_en": "Senior card"},
                                 acting_user=beilin_admin, today=TODAY)

    [entry] = audit_entries(centre=beilin, actor=beilin_admin)
    assert entry.kind == AuditKind.LOCAL_ITEM_CREATED
    assert (entry.target_type, entry.target_label) == ("item", f"{adoption.item.code} 碑林区老年优待证办理")
    assert entry.after == {"name_zh": "碑林区老年优待证办理", "legal_limit_days": 20, "promised_limit_days": 10}


def test_master_items_and_their_versions_are_recorded_with_what_changed(department, make_user):
    from tenants.choices import AuditKind, Role

    editor = make_user((None, Role.PLATFORM_ADMIN), username="catalogue-editor")
    item = item_create(code="610100GH-XK-0009", department=department, category="licence", item_type="XK",
                       levels=["city", "district"], acting_user=editor)
    first = version_create_draft(item=item, content=CONTENT, effective_from=TODAY, acting_user=editor)
    version_publish(version=first, acting_user=editor, today=TODAY)
    item.refresh_from_db()
    second = version_create_draft(item=item, content={"promised_limit_days": 8}, effective_from=TODAY,
                                  acting_user=editor)

    created, drafted_first, published, drafted_second = audit_entries(actor=editor)
    assert (created.kind, created.centre, created.target_label) == (AuditKind.ITEM_CREATED, None, "610100GH-XK-0009")
    assert created.after == {"department": "GH", "levels": ["city", "district"]}
    assert drafted_first.kind == AuditKind.VERSION_DRAFTED and drafted_first.before is None
    assert (published.kind, published.target_label, published.after) == (
        AuditKind.VERSION_PUBLISHED, "610100GH-XK-0009 v1", {"status": "published", "effective_from": "2026-11-30"})
    assert (drafted_second.target_id, drafted_second.before, drafted_second.after) == (
        str(second.pk), {"promised_limit_days": 10}, {"promised_limit_days": 8, "effective_from": "2026-11-30"})
