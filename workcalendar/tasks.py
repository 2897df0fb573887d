"""Celery tasks of the working-day calendar (public schema; they enter centres explicitly)."""
from config.celery import app


@app.task(name="workcalendar.recompute_due_dates")
def recompute_due_dates(centre_id: int | None = None) -> int:
    from workcalendar.services import recompute_due_dates as recompute

    return recompute(centre_id=centre_id)
