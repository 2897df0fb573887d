"""Settings of the cases benchmark (platform/bench/cases_bench.py): the project's dev settings and
full middleware stack; the progress lookup's rate limit lifted (rate None: DRF's throttle then allows
every request without touching the cache), since wrk sends every lookup from one address.

Imported by gunicorn with `--pythonpath <repo>,<repo>/platform/bench` (platform/ is never a package).
"""
from config.settings.dev import *  # noqa: F403

REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {  # noqa: F405
    **REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}), "progress": None}}  # noqa: F405
