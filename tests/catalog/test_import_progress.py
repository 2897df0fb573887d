"""A large import's creating stage is seen while its items are created: the worker commits it before
the items' transaction opens (written inside it, nobody saw "creating" until "done"). Real commits,
read from a second connection, as the progress page's request would."""
from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from catalog import services
from catalog.importers import catalogue_import_queue, catalogue_import_run
from catalog.models import CatalogueImport, Department, Item
from common.errors import ApplicationError
from tests.catalog.test_import_export import GOOD, SUB, as_csv


def test_the_creating_stage_is_seen_from_another_connection_while_items_are_created(
        django_db_setup, django_db_blocker, monkeypatch):
    seen: list[tuple[str, int, int]] = []
    real_item_create = services.item_create

    def item_create(**kwargs):
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as other:
            seen.append(other.execute("SELECT stage, done, total FROM public.catalog_catalogueimport WHERE id = %s",
                                      [job.pk]).fetchone())
        if len(seen) == 2:  # stop here: the import is all or nothing, so nothing stays behind
            raise ApplicationError("stopped by the test", "test_stopped")
        return real_item_create(**kwargs)

    monkeypatch.setattr(services, "item_create", item_create)
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        department = Department.objects.create(code="SC", name_zh="市市场监督管理局", name_en="Market Regulation")
        try:
            job = catalogue_import_queue(stream=as_csv([GOOD, SUB]), file_name="items.csv", acting_user=None)
            job = catalogue_import_run(job_id=job.pk)
            assert seen == [("creating", 0, 2), ("creating", 0, 2)]
            assert (job.stage, job.error) == ("failed", "stopped by the test")
            assert not Item.objects.exists()  # the first item created was rolled back with the rest
        finally:
            CatalogueImport.objects.all().delete()
            department.delete()


@pytest.mark.django_db
def test_the_progress_page_shows_the_creating_stage_as_items_being_created(centre_client, make_user, city):
    from tenants.choices import Role

    job = CatalogueImport.objects.create(file_name="items.csv", stage="creating", total=5000)
    page = centre_client(None, make_user((city, Role.CATALOGUE_ADMIN))).get(
        f"/catalogue/imports/{job.pk}/", HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "creating 5000 items" in page and 'hx-trigger="every 1s"' in page
    assert "<progress aria-label" in page  # no value: an indeterminate bar, not "0 / 5000"
