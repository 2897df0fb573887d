"""Celery tasks of supervision (sent once, in the public schema, by beat: config/settings/celery.py). Each
sweep's duration, time of success and failures go to the platform's metrics (common.metrics.sweep_timed)."""
from celery import shared_task
from django.utils import timezone

from common.metrics import sweep_timed
from supervision.dashboards.rollup import dashboard_rollup
from supervision.reviews.services import supervision_followup_sweep
from supervision.warnings.services import deadline_sweep, hall_long_wait_sweep


@shared_task(name="supervision.deadline_sweep")
def deadline_sweep_task() -> dict:
    with sweep_timed("deadline"):
        return deadline_sweep().fired


@shared_task(name="supervision.followup_sweep")
def followup_sweep_task() -> dict:
    """Late callbacks and fixes of bad reviews, late answers to complaints: marked once, supervisors
    told by SMS."""
    with sweep_timed("followup"):
        return supervision_followup_sweep(timezone.localdate()).overdue


@shared_task(name="supervision.hall_long_wait_sweep")
def hall_long_wait_sweep_task() -> dict:
    """People waiting in a hall over 30 minutes: flagged once, the centre's chief representatives told by
    one SMS a centre."""
    with sweep_timed("hall_long_wait"):
        result = hall_long_wait_sweep()
    return {"flagged": sum(result.flagged.values()), "centres": len(result.flagged), "messages": result.messages}


@shared_task(name="supervision.dashboard_rollup")
def dashboard_rollup_task() -> dict:
    """The dashboards' daily roll-up (监察看板日汇总) brought up to yesterday: the days not rolled up yet and
    those whose registry rows changed since the last run, recomputed."""
    result = dashboard_rollup()
    return {"days": result.days, "rows": result.rows, "through": result.through.isoformat(),
            "seconds": result.seconds}
