"""Per-centre periodic tasks (sent by beat to every ready centre)."""
from django.utils import timezone

from config.celery import app
from windows.services import heartbeat_record


@app.task(name="windows.tasks.centre_heartbeat")
def centre_heartbeat() -> str:
    heartbeat_record(now=timezone.now())
    return "ok"
