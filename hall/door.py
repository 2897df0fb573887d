"""The door into a centre's hall for server code that is not on the centre's host (Celery's calendar
listener, the demo, benchmarks): each function takes the `Centre` and enters its schema itself
(tenants.schemas), as cases.door and windows.door do."""
from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from hall import services
from hall.models import Queue
from tenants.choices import CentreStatus
from tenants.models import Centre
from tenants.schemas import centre_schema

logger = logging.getLogger(__name__)


def appointments_reschedule(*, first_day: dt.date, last_day: dt.date, centre_id: int | None, reason: str,
                            now: dt.datetime) -> tuple[int, int]:
    """Move or cancel the appointments on days that stopped being working days, at one centre (a closure)
    or at every ready centre (a holiday schedule), each centre in its own transaction. (moved, cancelled)."""
    centres = Centre.objects.filter(status=CentreStatus.READY).order_by("pk")
    if centre_id is not None:
        centres = centres.filter(pk=centre_id)
    moved = cancelled = 0
    for centre in centres:
        with centre_schema(centre), transaction.atomic():
            m, c = services.appointments_reschedule(centre=centre, first_day=first_day, last_day=last_day,
                                                    reason=reason, now=now)
        moved, cancelled = moved + m, cancelled + c
    if moved or cancelled:
        logger.info("hall: %s appointments moved, %s cancelled (%s)", moved, cancelled, reason)
    return moved, cancelled


def queue_letters(*, centre: Centre) -> list[str]:
    """The letters of the centre's queues in service."""
    with centre_schema(centre):
        return list(Queue.objects.filter(is_active=True).order_by("letter").values_list("letter", flat=True))
