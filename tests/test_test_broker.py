"""Tests queue their tasks in a broker of their own, never in the one a running platform's worker reads."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings

from config import env


def queued(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()


def test_a_task_a_test_sends_stays_out_of_the_platforms_queue():
    from config.celery import app

    platform_queue = env.VAR_DIR / "broker" / "queue"
    test_queue = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    before_platform, before_test = queued(platform_queue), queued(test_queue)

    app.send_task("windows.tasks.centre_heartbeat")

    assert queued(platform_queue) == before_platform
    assert len(queued(test_queue) - before_test) == 1
