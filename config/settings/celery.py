"""Celery: broker from the environment; with none, kombu's filesystem transport under var/."""
from celery.schedules import crontab

from config import env

_BROKER_DIR = env.VAR_DIR / "broker"

if env.BROKER_URL:
    CELERY_BROKER_URL = env.BROKER_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # One folder in and out: every process reads and writes the same queue.
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "control_folder": str(_BROKER_DIR / "control"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "store_processed": False,
        # The transport looks for work every `polling_interval` seconds once its prefetch (2 with two
        # worker processes) is taken: at the default 1 s it moves ~2 tasks a second, fewer than the
        # 200 centres' heartbeats a minute bring, so the queue (and an SMS behind it) would only grow.
        "polling_interval": 0.1,
    }
    for _folder in ("queue", "control", "processed"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)

CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULER = "tenants.beat:ReadyCentresScheduler"
#: One beat sends (tenants.beat.BeatLock, a PostgreSQL advisory lock): a second one waits and tries again this often.
BEAT_LOCK_RETRY_SECONDS = env.env_float("BEAT_LOCK_RETRY_SECONDS", 10.0)
CELERY_BEAT_SCHEDULE_FILENAME = str(env.VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Sent once per *ready* centre (no tenant_schemas: every centre; see tenants.beat).
    "centre-heartbeat": {
        "task": "windows.tasks.centre_heartbeat",
        "schedule": 60.0,
    },
    # Once, in the public schema: versions whose effective date has come become current.
    # Sent once per ready centre: the hall's appointments whose slot ended unchecked become no-shows;
    # the next working day's are reminded by SMS (once).
    "hall-appointments-sweep": {
        "task": "hall.appointments_sweep",
        "schedule": 900.0,
    },
    # Once, in the public schema: the deadline sweep over the registry (电子监察).
    "supervision-deadline-sweep": {
        "task": "supervision.deadline_sweep",
        "schedule": 300.0,
        "tenant_schemas": ["public"],
    },
    # Once, in the public schema: rectifications of bad reviews and answers to complaints past their
    # working-day limits (差评整改, 投诉答复): the centre's supervisors are told once.
    "supervision-followup-sweep": {
        "task": "supervision.followup_sweep",
        "schedule": 900.0,
        "tenant_schemas": ["public"],
    },
    # Once, in the public schema: people waiting in a centre's hall over 30 minutes (registry.HallVisit),
    # flagged once; the centre's chief representatives told by one SMS a centre a sweep.
    "supervision-hall-long-wait-sweep": {
        "task": "supervision.hall_long_wait_sweep",
        "schedule": 120.0,
        "tenant_schemas": ["public"],
    },
    # Once a day, in the public schema, after midnight (Asia/Shanghai): the dashboards' daily roll-up up to
    # yesterday, with the earlier days whose registry rows changed since the last run (supervision.dashboards.rollup).
    "supervision-dashboard-rollup": {
        "task": "supervision.dashboard_rollup",
        "schedule": crontab(hour=0, minute=20),
        "tenant_schemas": ["public"],
    },
    # Once, in the public schema: outbox messages whose (re)try time has come.
    "outbox-dispatch-due": {
        "task": "notifications.dispatch_due",
        "schedule": 30.0,
        "tenant_schemas": ["public"],
    },
    # Once, in the public schema: with CASE_PUBLIC_WRITES = "after_commit" (Citus), the centres' outbox rows a
    # process left between a case's commit and their projection (cases.outbox); nothing to do otherwise.
    "cases-outbox-catch-up": {
        "task": "cases.outbox_catch_up",
        "schedule": 30.0,
        "tenant_schemas": ["public"],
    },
    # Once, in the public schema: the progress lookup's per-number guard forgets the rows whose count
    # and guard have both run out (registry.guard).
    "registry-number-guard-purge": {
        "task": "registry.number_guard_purge",
        "schedule": 3600.0,
        "tenant_schemas": ["public"],
    },
    # Once, in the public schema: the consent drafts of proxy forms left unfiled for a day, with their scans.
    "delegation-consent-drafts-purge": {
        "task": "delegation.consent_drafts_purge",
        "schedule": 3600.0,
        "tenant_schemas": ["public"],
    },
    # Once, in the public schema: the spare centre schemas onboarding takes, kept at TENANT_SPARE_SCHEMAS of the
    # current migrations (tenants.spares; made again after a deploy with new tenant migrations).
    "tenants-spare-schemas-refill": {
        "task": "tenants.spare_schemas_refill",
        "schedule": 600.0,
        "tenant_schemas": ["public"],
    },
    "catalogue-refresh-current-versions": {
        "task": "catalog.refresh_current_versions",
        "schedule": 3600.0,
        "tenant_schemas": ["public"],
    },
}
