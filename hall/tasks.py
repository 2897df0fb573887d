"""Per-centre periodic task of the hall (sent by beat to every ready centre, in its schema)."""
from __future__ import annotations

from celery import shared_task
from django.db import connection
from django.utils import timezone

from hall import services
from tenants.models import Centre


@shared_task(name="hall.appointments_sweep")
def appointments_sweep() -> dict[str, int]:
    """Appointments whose slot ended unchecked become no-shows; tomorrow's (the next working day's) are
    reminded by SMS once, from 9:00."""
    centre = Centre.objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]
    now = timezone.now()
    missed = services.appointments_mark_no_show(now=now)
    reminded = services.appointments_remind(centre=centre, now=now) if timezone.localtime(now).hour >= 9 else 0
    return {"no_show": missed, "reminded": reminded}
