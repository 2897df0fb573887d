"""The door into a centre's hall for server code that is not on the centre's host (Celery's calendar
listener, the demo, benchmarks): each function takes the `Centre` and enters its schema itself
(tenants.schemas), as cases.door and windows.door do."""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from common.errors import ApplicationError
from common.i18n import pick
from hall import demo, selectors, services
from hall.choices import AppointmentStatus, BookingChannel
from hall.error_codes import HallErrorCode
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


# --- the online service hall (portal, 网上办事大厅): appointments of a signed-in applicant -------------

@dataclass(frozen=True)
class QueueOffer:
    """A queue in service at a centre that takes appointments for an item (best first: a queue naming the
    item, then one naming its department, then one serving every item)."""

    centre_id: int
    letter: str
    name_zh: str
    name_en: str

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)


def queues_for_item(*, centres: Sequence[Centre], item_code: str, department_code: str) -> dict[int, list[QueueOffer]]:
    """The queues in service that serve the item (its code, its department's code, or every item when a
    queue names none) at each of `centres` (ready ones), by centre id; a centre without one is absent.
    One statement over the centres' `hall_queue` tables, each named with its schema (UNION ALL), so a
    request asks every centre that handles the item at once and no connection changes schema."""
    ready = [centre for centre in centres if centre.status == CentreStatus.READY]
    if not ready:
        return {}
    table = connection.ops.quote_name(Queue._meta.db_table)
    parts: list[str] = []
    params: list[int | str] = []
    for centre in ready:
        parts.append(
            f"SELECT %s::bigint, letter, name_zh, name_en, CASE WHEN %s::varchar = ANY(item_codes) THEN 0 "  # noqa: S608
            f"WHEN %s::varchar = ANY(department_codes) THEN 1 ELSE 2 END AS rank "
            f"FROM {connection.ops.quote_name(centre.schema_name)}.{table} WHERE is_active AND "
            f"(%s::varchar = ANY(item_codes) OR %s::varchar = ANY(department_codes) "
            f"OR (cardinality(item_codes) = 0 AND cardinality(department_codes) = 0))")
        params += [centre.pk, item_code, department_code, item_code, department_code]
    found: dict[int, list[QueueOffer]] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 5, 2", params)
        for centre_id, letter, name_zh, name_en, _rank in cursor.fetchall():
            found.setdefault(centre_id, []).append(QueueOffer(centre_id=centre_id, letter=letter, name_zh=name_zh,
                                                              name_en=name_en))
    return found


def slots_of_queue(*, centre: Centre, letter: str, now: dt.datetime, limit: int = 600) -> list[selectors.Slot]:
    """The free appointment slots of the centre's queue `letter` (`hall.selectors.slots_free`); none for a
    queue not in service."""
    with centre_schema(centre):
        queue = selectors.queue_by_letter(letter)
        return selectors.slots_free(centre=centre, queue=queue, now=now, limit=limit) if queue else []


@dataclass(frozen=True)
class AppointmentFacts:
    """What the online service hall shows of an appointment at a centre (no personal data)."""

    id: uuid.UUID
    centre_id: int
    code: str
    queue_letter: str
    queue_name_zh: str
    queue_name_en: str
    item_code: str
    item_name_zh: str
    item_name_en: str
    day: dt.date
    starts_at: dt.time
    ends_at: dt.time
    status: str
    status_label: str
    slot_label: str

    @property
    def item_name(self) -> str:
        return pick(self.item_name_zh, self.item_name_en) or pick(self.queue_name_zh, self.queue_name_en)

    @property
    def is_booked(self) -> bool:
        return self.status == AppointmentStatus.BOOKED


def _facts(centre: Centre, appointment: Appointment) -> AppointmentFacts:
    queue = appointment.queue
    return AppointmentFacts(
        id=appointment.pk, centre_id=centre.pk, code=appointment.code, queue_letter=queue.letter,
        queue_name_zh=queue.name_zh, queue_name_en=queue.name_en, item_code=appointment.item_code,
        item_name_zh=appointment.item_name_zh, item_name_en=appointment.item_name_en, day=appointment.day,
        starts_at=appointment.starts_at, ends_at=appointment.ends_at, status=appointment.status,
        status_label=str(appointment.get_status_display()), slot_label=appointment.slot_label)


def appointment_book_signed_in(*, centre: Centre, letter: str, item_code: str, day: dt.date, starts_at: dt.time,
                               name: str, mobile: str, id_number: str, applicant_kind: str,
                               now: dt.datetime) -> AppointmentFacts:
    """Book online (网上预约) for an applicant signed in to the online service hall: the account was signed
    in with an SMS code to this mobile and its real name is bound, so no further code is sent; everything
    else is the hall's own rules (`hall.services.appointment_book`, channel online): the applicant checked,
    the slot's capacity (`hall_slot_full`), one appointment per person, queue and day
    (`hall_already_booked`, 409), online booking suspended after repeated no-shows
    (`hall_booking_suspended`), the item served by the queue (`hall_item_not_served`), and the booking SMS.
    A queue not in service: `hall_queue_unknown`."""
    with centre_schema(centre), transaction.atomic():
        queue = selectors.queue_by_letter(letter)
        if queue is None:
            raise ApplicationError(_("This queue takes no appointments now; choose another."),
                                   HallErrorCode.QUEUE_UNKNOWN)
        appointment = services.appointment_book(
            centre=centre, queue=queue, day=day, starts_at=starts_at, name=name, mobile=mobile, id_number=id_number,
            channel=BookingChannel.ONLINE, now=now, item_code=item_code, applicant_kind=applicant_kind)
        return _facts(centre, appointment)


def appointments_of_person(*, centre: Centre, ids: Sequence[uuid.UUID], id_hmac: str) -> list[AppointmentFacts]:
    """The centre's appointments among `ids` booked under the ID number whose HMAC is `id_hmac` (others are
    left out), by day and time."""
    with centre_schema(centre):
        rows = (Appointment.objects.filter(pk__in=list(ids), id_hmac=id_hmac).select_related("queue")
                .order_by("day", "starts_at"))
        return [_facts(centre, row) for row in rows]


def appointment_cancel_of_person(*, centre: Centre, appointment_id: uuid.UUID, id_hmac: str,
                                 now: dt.datetime) -> AppointmentFacts | None:
    """Cancel the appointment if it was booked under the ID number whose HMAC is `id_hmac` (None when it is
    not theirs or does not exist): `hall.services.appointment_cancel` (the slot freed, an SMS). Raises
    `hall_appointment_not_active` (409) when it is no longer booked."""
    with centre_schema(centre), transaction.atomic():
        appointment = Appointment.objects.filter(pk=appointment_id, id_hmac=id_hmac).first()
        if appointment is None:
            return None
        return _facts(centre, services.appointment_cancel(centre=centre, appointment=appointment, now=now))
