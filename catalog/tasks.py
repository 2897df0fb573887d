"""Celery tasks of the catalogue (public schema)."""
from celery import shared_task

from catalog.services import catalogue_refresh_current, event_propagate


@shared_task(name="catalog.event_propagate", autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def event_propagate_task(event_id: int) -> int:
    return event_propagate(event_id=event_id).centres_reached


@shared_task(name="catalog.refresh_current_versions")
def refresh_current_versions() -> int:
    return catalogue_refresh_current()
