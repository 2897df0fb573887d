"""Routed variant: the project's dev settings and full middleware stack (centre routing
included); only the centre URL conf is the benchmark's one-row endpoint.

Imported by gunicorn with `--pythonpath <repo>,<repo>/platform/bench` (platform/ itself is never
a package: it must not shadow the standard library's `platform`).
"""
from config.settings.dev import *  # noqa: F403

ROOT_URLCONF = "bench_urls"  # what CentreRoutingMiddleware installs for a centre's host
