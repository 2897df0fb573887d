"""Lifecycle events carried to every adopting centre by a REAL Celery worker.

The worker runs in this process (celery.contrib.testing) against the configured broker
(CELERY_TEST_BROKER_URL when set, else kombu's filesystem transport in a private folder, so no
other worker on the machine takes these tasks). The worker reads the database through its own
connection, so the data here is committed (django_db_blocker.unblock()) and removed at the end;
the database is never flushed.
"""
from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from catalog import selectors, services
from catalog.models import Adoption, CatalogueNotice, Department, Item, ItemVersion, LifecycleEvent
from tenants.models import Centre

pytestmark = pytest.mark.celery_integration

DEPARTMENT = "PX"  # used by no other test


@pytest.fixture(scope="module")
def worker(celery_worker):
    return celery_worker


@pytest.fixture
def committed(django_db_blocker):
    """Run the test body against committed data; remove every catalogue row it made afterwards."""
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        try:
            yield
        finally:
            items = Item.objects.filter(department__code=DEPARTMENT)
            CatalogueNotice.objects.filter(event__item__in=items).delete()
            Adoption.objects.filter(item__in=items).delete()
            LifecycleEvent.objects.filter(item__in=items).delete()
            items.update(current_version=None)
            ItemVersion.objects.filter(item__in=items).delete()  # no materials: those of published versions are frozen
            for kind in ("handling", "sub", "main"):
                items.filter(kind=kind).delete()
            Department.objects.filter(code=DEPARTMENT).delete()


def make_item(serial: int, levels: list[str]) -> Item:
    department, _ = Department.objects.get_or_create(code=DEPARTMENT, defaults={
        "name_zh": "市测试局", "name_en": "Test Bureau"})
    with transaction.atomic():
        item = services.item_create(code=f"610100{DEPARTMENT}-XK-{serial:04d}", department=department,
                                    category="licence", item_type="XK", levels=levels, acting_user=None)
        version = services.version_create_draft(
            item=item, content={"name_zh": f"测试事项{serial}", "name_en": f"Test item {serial}",
                                "legal_limit_days": 20, "promised_limit_days": 10},
            materials=[], effective_from=dt.date(2020, 1, 1), acting_user=None)
        services.version_publish(version=version, acting_user=None)
    item.refresh_from_db()
    return item


def centres(*slugs: str) -> list[Centre]:
    by_slug = {c.slug: c for c in Centre.objects.filter(slug__in=slugs)}
    return [by_slug[slug] for slug in slugs]


def adopt(item: Item, *centre_list: Centre) -> None:
    for centre in centre_list:  # parents first: a township adopts what its district adopted
        services.adoption_create(centre=centre, item=item, acting_user=None)


def record_and_wait(*, kind: str, item: Item, effective_on: dt.date, merged_into: Item | None = None,
                    timeout: float = 20.0) -> LifecycleEvent:
    event = services.event_record(kind=kind, item=item, reason="测试 / test", effective_on=effective_on,
                                  merged_into=merged_into, acting_user=None)  # committed: the task is sent now
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        event.refresh_from_db()
        if event.propagated_at is not None:
            return event
        time.sleep(0.1)
    raise AssertionError(f"event {event.pk} was not propagated within {timeout} s")


def accepts(centre: Centre, item: Item, on: dt.date) -> bool:
    return selectors.item_accepts_cases(centre=centre, item=item, on=on)


@pytest.mark.django_db  # also makes pytest-django set up the test database when this module runs alone
def test_recording_an_event_sends_one_propagation_task_after_commit(django_capture_on_commit_callbacks):
    from unittest import mock

    item = make_item(9, ["city"])
    with mock.patch("catalog.tasks.event_propagate_task.delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            event = services.event_record(kind="cancelled_basis", item=item, reason="依据不足",
                                          effective_on=timezone.localdate(), acting_user=None)
        delay.assert_not_called()
        for callback in callbacks:
            callback()
    delay.assert_called_once_with(event.pk)


def test_a_cancellation_reaches_every_adopting_centre(worker, committed):
    item = make_item(1, ["city", "district", "zone", "township"])
    adopters = centres("xian", "beilin", "yanta", "gaoxin", "beilin-nanyuanmen")
    adopt(item, *adopters)
    effective = timezone.localdate() + dt.timedelta(days=3)

    event = record_and_wait(kind="cancelled_state", item=item, effective_on=effective)

    assert event.centres_reached == 5
    assert set(CatalogueNotice.objects.filter(event=event).values_list("centre__slug", flat=True)) == {
        c.slug for c in adopters}
    assert set(Adoption.objects.filter(item=item).values_list("ends_on", flat=True)) == {effective}
    for centre in adopters:
        assert accepts(centre, item, effective - dt.timedelta(days=1))
        assert not accepts(centre, item, effective)
        assert not accepts(centre, item, effective + dt.timedelta(days=30))


def test_devolving_ends_the_citys_adoption_and_districts_and_zones_adopt(worker, committed):
    item = make_item(2, ["city"])
    xian, beilin, yanta, gaoxin, nanyuanmen = centres("xian", "beilin", "yanta", "gaoxin", "beilin-nanyuanmen")
    adopt(item, xian)
    effective = timezone.localdate() + dt.timedelta(days=3)

    event = record_and_wait(kind="devolved", item=item, effective_on=effective)

    city_adoption = Adoption.objects.get(item=item, centre=xian)
    assert (city_adoption.ends_on, city_adoption.end_event_id) == (effective, event.pk)
    assert accepts(xian, item, effective - dt.timedelta(days=1))
    assert not accepts(xian, item, effective)
    for centre in (beilin, yanta, gaoxin):
        assert Adoption.objects.get(item=item, centre=centre, ends_on__isnull=True).starts_on == effective
        assert accepts(centre, item, effective)
    assert not Adoption.objects.filter(item=item, centre=nanyuanmen).exists()
    notified = set(CatalogueNotice.objects.filter(event=event).values_list("centre__slug", flat=True))
    assert {"xian", "beilin", "yanta", "gaoxin"} <= notified
    item.refresh_from_db()
    assert set(item.levels) == {"city"}  # the levels in force until the effective date
    from catalog.services import catalogue_refresh_current

    catalogue_refresh_current(today=effective)
    item.refresh_from_db()
    assert set(item.levels) == {"district", "zone"}


def test_a_merge_moves_the_adopters_to_the_target(worker, committed):
    merged, target = make_item(3, ["district"]), make_item(4, ["district"])
    beilin, yanta = centres("beilin", "yanta")
    adopt(merged, beilin, yanta)
    adopt(target, yanta)
    effective = timezone.localdate() + dt.timedelta(days=3)

    event = record_and_wait(kind="merged", item=merged, effective_on=effective, merged_into=target)

    assert event.centres_reached == 2
    assert set(Adoption.objects.filter(item=merged).values_list("ends_on", flat=True)) == {effective}
    assert Adoption.objects.filter(item=target, centre=beilin, ends_on__isnull=True).count() == 1
    assert Adoption.objects.filter(item=target, centre=yanta, ends_on__isnull=True).count() == 1
    for centre in (beilin, yanta):
        assert accepts(centre, merged, effective - dt.timedelta(days=1))
        assert not accepts(centre, merged, effective)
        assert accepts(centre, target, effective)
    assert CatalogueNotice.objects.filter(event=event).count() == 2
