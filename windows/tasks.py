"""Per-centre periodic tasks (sent by beat to every ready centre)."""
from celery import shared_task
from django.utils import timezone

from windows.services import heartbeat_record


@shared_task(name="windows.tasks.centre_heartbeat")
def centre_heartbeat() -> str:
    heartbeat_record(now=timezone.now())
    return "ok"
