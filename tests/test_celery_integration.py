"""A real Celery worker (and the beat scheduler's sending logic) against the configured broker.

The broker is CELERY_TEST_BROKER_URL when set (CI: the machine's Redis), otherwise the embedded
default (kombu's filesystem transport). GOVSERVICE_REQUIRE_CELERY=1 turns "broker unreachable" from
a skip into a failure.
"""
from __future__ import annotations

import time

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from tenants.choices import CentreStatus
from tenants.models import Centre

pytestmark = pytest.mark.celery_integration


@pytest.fixture(scope="module")
def worker(celery_worker):
    return celery_worker


def beats(centre: Centre) -> int:
    from windows.models import CentreHeartbeat

    with tenant_context(centre):
        row = CentreHeartbeat.objects.filter(id=1).first()
        return row.beats if row else 0


def wait_until(predicate, timeout=20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_task_sent_from_inside_a_centre_runs_in_that_centre(worker, django_db_blocker):
    from windows.tasks import centre_heartbeat

    with django_db_blocker.unblock():
        beilin = Centre.objects.get(slug="beilin")
        yanta = Centre.objects.get(slug="yanta")
        before_beilin, before_yanta = beats(beilin), beats(yanta)
        with tenant_context(beilin):
            centre_heartbeat.delay()
        assert wait_until(lambda: beats(beilin) == before_beilin + 1)
        assert beats(yanta) == before_yanta


def test_beat_sends_to_every_ready_centre_and_never_to_a_suspended_one(worker, django_db_blocker):
    from django.conf import settings

    from tenants.beat import ReadyCentresScheduler

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        centres = list(Centre.objects.all())
        suspended = Centre.objects.get(slug="yanta")
        Centre.objects.filter(pk=suspended.pk).update(status=CentreStatus.SUSPENDED)
        try:
            before = {c.slug: beats(c) for c in centres}
            scheduler = ReadyCentresScheduler(app=worker, lazy=True)
            schedule = scheduler._tenant_aware_beat_schedule_to_dict(
                {"hb": settings.CELERY_BEAT_SCHEDULE["centre-heartbeat"]})
            entry = scheduler.Entry(**dict(schedule["hb@__all_tenants_only__"], name="hb", app=worker))
            scheduler.apply_entry(entry)

            ready = [c for c in centres if c.pk != suspended.pk and c.status == CentreStatus.READY]
            assert wait_until(lambda: all(beats(c) == before[c.slug] + 1 for c in ready))
            time.sleep(1.0)
            assert beats(suspended) == before["yanta"]
        finally:
            Centre.objects.filter(pk=suspended.pk).update(status=CentreStatus.READY)


def test_a_large_catalogue_file_is_checked_by_the_worker_and_its_problems_kept(worker, django_db_blocker):
    import io

    from catalog.importers import COLUMNS, catalogue_import_queue
    from catalog.models import CatalogueImport

    header = ",".join(COLUMNS)
    rows = "".join(f"610100SC-XK-{n:04d},NOPE,bogus,XK,main,,city,某事项,Item,20,10,0,1,0,x,x\n" for n in range(300))
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        job = catalogue_import_queue(stream=io.BytesIO(f"{header}\n{rows}".encode()), file_name="bad.csv",
                                     acting_user=None)  # committed, then sent to the worker
        try:
            assert wait_until(lambda: CatalogueImport.objects.get(pk=job.pk).stage == "failed")
            job.refresh_from_db()
            assert (job.total, job.done) == (300, 300)
            assert job.problem_count == 600 and len(job.problems) == 100
        finally:
            CatalogueImport.objects.filter(pk=job.pk).delete()
