"""Served on every host: the platform's health check (the database and the broker) and its icon."""
from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from config.celery import app


def health(_request: HttpRequest) -> JsonResponse:
    """Database and broker reachable? 200 if both, 503 otherwise."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks},
                        status=200 if healthy else 503)


@cache
def _favicon() -> bytes:
    return (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(_request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask every host for whatever the page links (base.html links the SVG)."""
    return HttpResponse(_favicon(), content_type="image/vnd.microsoft.icon")
