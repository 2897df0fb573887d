"""Celery tasks of `cases` run once in the public schema (the beat: config/settings/celery.py)."""
from celery import shared_task


@shared_task(name="cases.outbox_catch_up")
def outbox_catch_up_task() -> int:
    """Project the centres' outbox rows a process left (`cases.outbox.outbox_catch_up`); 0 while the public
    rows are written in the case's transaction."""
    from cases.outbox import outbox_catch_up

    return outbox_catch_up()
