"""Celery tasks of supervision (sent once, in the public schema)."""
from celery import shared_task

from supervision.warnings.services import deadline_sweep


@shared_task(name="supervision.deadline_sweep")
def deadline_sweep_task() -> dict:
    return deadline_sweep().fired
