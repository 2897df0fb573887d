"""Settings of the processes the fault tests start (gunicorn, Celery worker and beat, tests/faults/tool.py):
production's shape (config.settings.base: DEBUG off, so a request that cannot reach the database gets the
real 503 of common.errors.server_error), with a beat schedule short enough to watch in seconds. Chosen by
the fault tests through DJANGO_SETTINGS_MODULE; nothing else uses it.

GOVSERVICE_FAULTS_BEAT: which beat entries, comma-separated: `heartbeat` (every centre, every
GOVSERVICE_FAULTS_HEARTBEAT_SECONDS), `outbox` (the outbox's sweep, every second), `catch-up` (the centres'
outbox catch-up, every second). GOVSERVICE_FAULTS_TRANSIENT=1 sends tasks as transient messages (a broker
restart loses them: a broken variant).
"""
import os

from config.settings.base import *  # noqa: F403

_BEAT = {part.strip() for part in os.environ.get("GOVSERVICE_FAULTS_BEAT", "heartbeat").split(",")}
CELERY_BEAT_SCHEDULE = {}
if "heartbeat" in _BEAT:
    CELERY_BEAT_SCHEDULE["centre-heartbeat"] = {
        "task": "windows.tasks.centre_heartbeat",
        "schedule": float(os.environ.get("GOVSERVICE_FAULTS_HEARTBEAT_SECONDS", "1")),
    }
if "outbox" in _BEAT:
    CELERY_BEAT_SCHEDULE["outbox-dispatch-due"] = {
        "task": "notifications.dispatch_due", "schedule": 1.0, "tenant_schemas": ["public"]}
if "catch-up" in _BEAT:
    CELERY_BEAT_SCHEDULE["cases-outbox-catch-up"] = {
        "task": "cases.outbox_catch_up", "schedule": 1.0, "tenant_schemas": ["public"]}
if os.environ.get("GOVSERVICE_FAULTS_TRANSIENT") == "1":
    CELERY_TASK_DEFAULT_DELIVERY_MODE = "transient"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
