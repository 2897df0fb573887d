"""Celery tasks of the registry (public schema)."""
from celery import shared_task


@shared_task(name="registry.number_guard_purge")
def number_guard_purge_task() -> int:
    from registry.guard import number_guard_purge

    return number_guard_purge()
