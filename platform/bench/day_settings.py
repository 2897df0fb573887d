"""Settings of "a day at ten times" (day_load.py): the project's dev settings (DJANGO_DEBUG=0), with the
deadline sweep every 300 s / DAY_COMPRESSION (its 5 minutes of a working day played compressed)."""
import os

from config.settings.dev import *  # noqa: F403

DAY_COMPRESSION = float(os.environ.get("DAY_COMPRESSION", "48"))
CELERY_BEAT_SCHEDULE = {**CELERY_BEAT_SCHEDULE}  # noqa: F405
CELERY_BEAT_SCHEDULE["supervision-deadline-sweep"] = {
    **CELERY_BEAT_SCHEDULE["supervision-deadline-sweep"], "schedule": 300.0 / DAY_COMPRESSION}
