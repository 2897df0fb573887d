"""What the online service hall reads for questions, appointments and ratings: the account's inquiries
(public), its appointments (the public `Booking` index, then each centre that holds one through
`hall.door`), the centres that take appointments for an item, the centres to ask."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from catalog.models import Adoption, Item
from hall import door as hall_door
from portal.models import Applicant, Booking
from supervision.reviews import selectors as review_selectors
from supervision.reviews.models import Inquiry
from tenants.choices import CentreStatus
from tenants.models import Centre


def centres_to_ask(*, query: str = "") -> QuerySet[Centre]:
    """The centres in service, by division code; `query` narrows them by a part of the Chinese or English
    name or of the division code."""
    centres = Centre.objects.filter(status=CentreStatus.READY).order_by("division_code")
    query = (query or "").strip()
    if query:
        centres = centres.filter(Q(name_zh__icontains=query) | Q(name_en__icontains=query)
                                 | Q(division_code__startswith=query))
    return centres


def my_questions(*, applicant: Applicant) -> QuerySet[Inquiry]:
    """The account's questions, complaints and letters, newest first."""
    return review_selectors.inquiries_of_applicant(applicant_id=applicant.pk)


def my_question(*, applicant: Applicant, pk: int) -> Inquiry:
    """One of them; another account's is 404."""
    return review_selectors.inquiry_of_applicant(applicant_id=applicant.pk, pk=pk)


@dataclass(frozen=True)
class CentreQueues:
    centre: Centre
    queues: list[hall_door.QueueOffer]


def booking_offers(*, item: Item, on: dt.date | None = None) -> list[CentreQueues]:
    """The centres that handle `item` today (an open adoption) and have a hall queue in service for it, each
    with its queues (best first), by division code: one query for the adoptions, one over their halls."""
    on = on or timezone.localdate()
    centre_ids = (Adoption.objects.filter(item=item, starts_on__lte=on)
                  .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on)).values_list("centre_id", flat=True))
    centres = list(Centre.objects.filter(pk__in=centre_ids, status=CentreStatus.READY).order_by("division_code"))
    found = hall_door.queues_for_item(centres=centres, item_code=item.code, department_code=item.department.code)
    return [CentreQueues(centre=centre, queues=found[centre.pk]) for centre in centres if centre.pk in found]


def bookable_item(*, code: str) -> Item:
    """The item of a booking page by its code (with its department and current version), or 404."""
    item = Item.objects.select_related("department", "current_version").filter(code=code).first()
    if item is None:
        raise Http404
    return item


@dataclass(frozen=True)
class MyAppointment:
    centre: Centre
    facts: hall_door.AppointmentFacts


def my_appointments(*, applicant: Applicant, limit: int = 100) -> list[MyAppointment]:
    """The appointments booked from the account (at most `limit`, the latest days), the coming ones first
    then the past ones; each centre that holds one is read once through `hall.door`."""
    if not applicant.is_bound:
        return []
    by_centre: dict[int, list] = {}
    centres: dict[int, Centre] = {}
    for booking in Booking.objects.filter(applicant=applicant).select_related("centre").order_by("-day")[:limit]:
        by_centre.setdefault(booking.centre_id, []).append(booking.appointment_id)
        centres[booking.centre_id] = booking.centre
    found = [MyAppointment(centre=centres[centre_id], facts=facts) for centre_id, ids in by_centre.items()
             for facts in hall_door.appointments_of_person(centre=centres[centre_id], ids=ids,
                                                           id_hmac=applicant.id_hmac)]
    today = timezone.localdate()
    coming = sorted((a for a in found if a.facts.day >= today), key=lambda a: (a.facts.day, a.facts.starts_at))
    past = sorted((a for a in found if a.facts.day < today), key=lambda a: (a.facts.day, a.facts.starts_at),
                  reverse=True)
    return coming + past
