"""The door into a centre's hall for server code that is not on the centre's host (Celery's calendar
listener, the demo, benchmarks): each function takes the `Centre` and enters its schema itself
(tenants.schemas), as cases.door and windows.door do."""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Count

from hall import demo, selectors, services
from hall.models import Appointment, HallDevice, Queue, Ticket
from tenants.choices import CentreStatus
from tenants.models import Centre, User
from tenants.schemas import centre_schema
from windows.models import Window
from windows.services import window_grant_operator

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


# --- the demo (demo.hall): set-up, a morning of tickets, appointments --------------------------------

DemoQueue = demo.DemoQueue
DemoDevice = demo.DemoDevice

#: The pages a demo device opens, by kind (`{key}`: its key). Kept here so the demo's summary and the
#: pages agree in one place.
def device_page(*, kind: str, key: str) -> str:
    """The path of a device's page on its centre's host (`hall.selectors.device_page`)."""
    return selectors.device_page(kind=kind, key=key)


def demo_hall_setup(*, centre: Centre, queues: Sequence[demo.DemoQueue], operators: dict[str, User],
                    devices: Sequence[demo.DemoDevice]) -> dict[str, int]:
    """The demo hall of `centre`, in one transaction: its queues (by letter, with their windows), the
    clerks who operate its windows (window number → user) and its devices (by key). What exists is left
    alone. Returns how many queues and devices were made."""
    with centre_schema(centre), transaction.atomic():
        queues_made = demo.queues_ensure(queues=queues)
        for window in Window.objects.filter(number__in=list(operators)):
            window_grant_operator(centre=centre, window=window, user=operators[window.number], acting_user=None)
        devices_made = demo.devices_ensure(devices=devices)
    return {"queues": queues_made, "devices": devices_made}


def demo_hall_morning(*, centre: Centre, queues: Sequence[demo.DemoQueue], clerks: dict[str, User], day: dt.date,
                      until: dt.datetime, booked_at: dt.datetime, seed: int, area: str) -> dict[str, int]:
    """A morning at the demo hall of `centre` (hall.demo.morning_play), in one transaction: nothing when
    it has tickets on `day` already."""
    with centre_schema(centre), transaction.atomic():
        return demo.morning_play(centre=centre, queues=queues, clerks=clerks, day=day, until=until,
                                 booked_at=booked_at, seed=seed, area=area)


def demo_hall_appointments(*, centre: Centre, queues: Sequence[demo.DemoQueue], days: Sequence[dt.date],
                           now: dt.datetime, seed: int, area: str) -> int:
    """Appointments at the demo hall of `centre` on the coming working `days` (hall.demo.appointments_ahead),
    in one transaction: nothing when it has appointments on those days already."""
    with centre_schema(centre), transaction.atomic():
        return demo.appointments_ahead(centre=centre, queues=queues, days=days, now=now, seed=seed, area=area)


def demo_hall_counts(*, centre: Centre) -> dict[str, int]:
    """What the demo hall of `centre` holds: queues, devices, tickets by status, appointments by status."""
    with centre_schema(centre):
        counts = {"queues": Queue.objects.count(), "devices": HallDevice.objects.count()}
        for status, n in Ticket.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"):
            counts[f"tickets_{status}"] = n
        for status, n in (Appointment.objects.values_list("status").annotate(n=Count("id"))
                          .values_list("status", "n")):
            counts[f"appointments_{status}"] = n
        counts["cases"] = Ticket.objects.filter(case_id__isnull=False).count()
        return counts
