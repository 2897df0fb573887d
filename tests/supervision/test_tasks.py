"""Supervision's sweeps are on beat's schedule, each once in the public schema, and run as tasks."""
from __future__ import annotations

import pytest
from django.conf import settings

from config.celery import app


@pytest.mark.parametrize(("entry", "task"), [("supervision-deadline-sweep", "supervision.deadline_sweep"),
                                             ("supervision-followup-sweep", "supervision.followup_sweep")])
def test_each_sweep_runs_once_a_tick_in_public(entry, task):
    scheduled = settings.CELERY_BEAT_SCHEDULE[entry]
    assert (scheduled["task"], scheduled["tenant_schemas"]) == (task, ["public"])
    app.loader.import_default_modules()
    assert task in app.tasks


@pytest.mark.django_db
def test_the_followup_sweep_task_reports_what_is_late():
    from supervision.tasks import followup_sweep_task

    assert followup_sweep_task() == {"callback": 0, "fix": 0, "answer": 0}
