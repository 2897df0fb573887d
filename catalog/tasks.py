"""Celery tasks of the catalogue (public schema). The services queue these tasks, so a task imports the
service it calls when it runs (the one import cycle Celery asks for)."""
from celery import shared_task


@shared_task(name="catalog.event_propagate", autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def event_propagate_task(event_id: int) -> int:
    from catalog.services import event_propagate

    return event_propagate(event_id=event_id).centres_reached


@shared_task(name="catalog.refresh_current_versions")
def refresh_current_versions() -> int:
    from catalog.services import catalogue_refresh_current

    return catalogue_refresh_current()


@shared_task(name="catalog.catalogue_import_run")
def catalogue_import_run(job_id: int) -> str:
    from catalog.importers import catalogue_import_run

    return catalogue_import_run(job_id=job_id).stage
