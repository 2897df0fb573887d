"""Celery tasks of supervision (sent once, in the public schema)."""
from config.celery import app


@app.task(name="supervision.deadline_sweep")
def deadline_sweep_task() -> dict:
    from supervision.sweep import deadline_sweep

    return deadline_sweep().fired
