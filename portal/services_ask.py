"""What a signed-in applicant does in the online service hall (网上办事大厅) beyond applying: ask a question
(咨询), complain (投诉) or write to the director's mailbox (主任信箱) — supervision's inquiries, linked to the
account —, book an appointment in a centre's hall (预约, through `hall.door`) and rate a decided case of
theirs (好差评, supervision's review service). The portal is the layer above both: it calls their
services and doors; neither imports the portal.

Errors are `ApplicationError`s with `extra["fields"]` where a field is at fault, in the applicant's language.
"""
from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog.models import Item
from common.errors import ApplicationError
from hall import door as hall_door
from notifications.services import outbox_enqueue
from portal.error_codes import PortalErrorCode
from portal.models import Applicant, Booking
from portal.selectors import my_case_entry
from supervision.reviews import services as review_services
from supervision.reviews.choices import InquiryKind, ReviewChannel
from supervision.reviews.models import Inquiry, Review
from tenants.addresses import platform_address
from tenants.models import Centre

#: The SMS to the account when its question is answered (placeholders: centre_zh, centre_en, kind_zh,
#: kind_en, subject, question_url).
ANSWERED_TEMPLATE = "inquiry_answered"


def _refuse(field: str, message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code, {"fields": {field: [message]}})


# --- questions, complaints, the director's mailbox ----------------------------------------------------

def question_ask(*, applicant: Applicant, centre: Centre, kind: str, subject: str, body: str, item_code: str = "",
                 case_id: uuid.UUID | str | None = None, now: dt.datetime | None = None) -> Inquiry:
    """Send a consultation, complaint or letter to `centre` from the account (`Inquiry.applicant_id`): the
    name and contact are the account's (its real name when bound, its mobile), optionally about an item
    (`item_code`, field `item_code`: `portal_question_item_unknown`) or one of the account's own cases
    (`case_id`: another's is 404; a case at another centre is `portal_question_case_elsewhere`, field
    `case`). Answered within the kind's working days (`supervision.reviews.choices.ANSWER_WORKDAYS`)."""
    now = now or timezone.now()
    item_code = (item_code or "").strip().upper()
    if item_code and not Item.objects.filter(code=item_code).exists():
        raise _refuse("item_code", _("No item has the code %(code)s: check it, or leave it empty.")
                      % {"code": item_code}, PortalErrorCode.QUESTION_ITEM_UNKNOWN)
    case_number = ""
    if case_id:
        entry = my_case_entry(applicant=applicant, case_id=case_id)
        if entry.centre_id != centre.pk:
            raise _refuse("case", _("Case %(number)s is handled by %(centre)s: send the question there, or leave "
                                    "the case out.") % {"number": entry.number, "centre": entry.centre.name},
                          PortalErrorCode.QUESTION_CASE_ELSEWHERE)
        case_number = entry.number
        item_code = item_code or entry.item_code
    return review_services.inquiry_submit(
        centre=centre, kind=kind, subject=subject, body=body, case_number=case_number, item_code=item_code,
        name=applicant.name, contact=applicant.mobile, acting_user=None, now=now, applicant_id=applicant.pk)


def on_inquiry_answered(inquiry: Inquiry) -> None:
    """The listener of `supervision.reviews.hooks.inquiry_answered`: an SMS to the account that asked (its
    current mobile; none for an anonymous question or an erased account), once per question, pointing to
    the question's page. In the answer's transaction."""
    if inquiry.applicant_id is None:
        return
    applicant = Applicant.objects.filter(pk=inquiry.applicant_id, erased_at__isnull=True).first()
    if applicant is None or not applicant.mobile:
        return
    centre = inquiry.centre
    kind = InquiryKind(inquiry.kind).label
    with translation.override("zh-hans"):
        kind_zh = str(kind)
    with translation.override("en"):
        kind_en = str(kind).lower()
    path = reverse("portal:question", args=[inquiry.pk], urlconf=settings.PUBLIC_SCHEMA_URLCONF)
    outbox_enqueue(dedupe_key=f"inquiry:{inquiry.pk}:answered", to=applicant.mobile, template_key=ANSWERED_TEMPLATE,
                   centre_id=centre.pk, context={
                       "centre_zh": centre.name_zh, "centre_en": centre.name_en, "kind_zh": kind_zh,
                       "kind_en": kind_en, "subject": inquiry.subject[:40],
                       "question_url": platform_address(path=path)})


# --- appointments ----------------------------------------------------------------------------------

def appointment_book(*, applicant: Applicant, centre: Centre, letter: str, item_code: str, day: dt.date,
                     starts_at: dt.time, now: dt.datetime | None = None) -> hall_door.AppointmentFacts:
    """Book a slot of the centre's hall queue `letter` for the item with the account's real name, ID number
    and mobile (no SMS code: the account signed in with one), indexed as the account's `Booking`. The
    hall's rules and errors are `hall.door.appointment_book_signed_in`'s (a full slot, one a day per queue,
    the no-show suspension, ...). The account must have a real name bound (`portal_identity_required`)."""
    now = now or timezone.now()
    if not applicant.is_bound:
        raise ApplicationError(_("Bind your real name first: appointments are booked under it."),
                               PortalErrorCode.IDENTITY_REQUIRED)
    with transaction.atomic():
        facts = hall_door.appointment_book_signed_in(
            centre=centre, letter=letter, item_code=item_code, day=day, starts_at=starts_at, name=applicant.name,
            mobile=applicant.mobile, id_number=applicant.id_number, applicant_kind=applicant.kind, now=now)
        Booking.objects.create(applicant=applicant, centre=centre, appointment_id=facts.id, day=facts.day)
    return facts


def appointment_cancel(*, applicant: Applicant, appointment_id: uuid.UUID,
                       now: dt.datetime | None = None) -> hall_door.AppointmentFacts:
    """Cancel one of the account's appointments (the slot freed, an SMS): another's or none is
    `portal_booking_not_found` (404); one no longer booked is `hall_appointment_not_active` (409)."""
    now = now or timezone.now()
    booking = (Booking.objects.select_related("centre").filter(applicant=applicant, appointment_id=appointment_id)
               .first())
    facts = hall_door.appointment_cancel_of_person(centre=booking.centre, appointment_id=appointment_id,
                                                   id_hmac=applicant.id_hmac, now=now) if booking else None
    if facts is None:
        raise ApplicationError(_("No appointment of yours has this reference."), PortalErrorCode.BOOKING_NOT_FOUND,
                               http_status=404)
    return facts


# --- rating a case ---------------------------------------------------------------------------------

def case_rate(*, applicant: Applicant, case_id: uuid.UUID | str, levels: dict[str, str], comment: str = "",
              now: dt.datetime | None = None) -> Review:
    """Rate one of the account's own decided cases online (好差评), once: `supervision.reviews.services.
    review_submit` (channel online) — no case number or lookup factor, the account owns the case. Raises 404
    for another's case, `review_case_not_decided` for an open one, `review_already_given` (409) the
    second time, `review_level_missing` without an overall level."""
    entry = my_case_entry(applicant=applicant, case_id=case_id)
    return review_services.review_submit(entry=entry, channel=ReviewChannel.ONLINE, levels=levels, comment=comment,
                                         acting_user=None, now=now or timezone.now())
