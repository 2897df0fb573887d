"""Celery tasks of the tenants app: they take ids, reload and call a service (which queues them: a task
imports it when it runs)."""
from celery import shared_task


@shared_task(name="tenants.onboarding_batch_run")
def onboarding_batch_run(batch_id: int) -> int:
    from tenants import services

    batch = services.onboarding_batch_run(batch_id=batch_id)
    return batch.created_count


@shared_task(name="tenants.spare_schemas_refill")
def spare_schemas_refill() -> int:
    """Bring the spare schemas to `settings.TENANT_SPARE_SCHEMAS` (tenants.spares); the spares made."""
    from tenants.spares import spares_refill

    return spares_refill().made
