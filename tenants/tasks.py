"""Celery tasks of the tenants app: they take ids, reload and call a service."""
from celery import shared_task

from tenants import services


@shared_task(name="tenants.onboarding_batch_run")
def onboarding_batch_run(batch_id: int) -> int:
    batch = services.onboarding_batch_run(batch_id=batch_id)
    return batch.created_count
