"""Writes of the reviews room: ratings, follow-up calls, rectifications, complaints, and the follow-up
sweep that warns a centre's supervisors when a rectification step or an answer is late.

Each step that is done once (a rating, a callback, a report, a follow-up rating, an answer) answers a
second attempt with a conflict (409) and writes nothing.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Department
from common.errors import ApplicationError, ConflictError
from common.identity import normalise_case_number
from notifications.services import outbox_enqueue
from registry.hooks import CounterRated
from registry.models import HallVisit, RegistryEntry
from supervision.reviews.choices import (
    ANSWER_WORKDAYS,
    BAD_LEVELS,
    CALLBACK_WORKDAYS,
    DIMENSIONS,
    FIX_WORKDAYS,
    REVIEWABLE_STATUSES,
    InquiryChannel,
    InquiryKind,
    ReviewChannel,
    ReviewLevel,
)
from supervision.reviews.error_codes import ReviewErrorCode
from supervision.reviews.hooks import inquiry_answered
from supervision.reviews.models import Inquiry, Rectification, Review, ReviewCallback
from tenants.choices import Role
from tenants.models import Centre, Membership, User
from workcalendar.clock import WorkCalendar

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

#: The SMS templates of the follow-up sweep (督办): a late rectification step (placeholders: number, item_zh,
#: item_en, step_zh, step_en, due) and a late answer to a complaint, consultation or letter (number, subject,
#: kind_zh, kind_en, due).
RECTIFICATION_TEMPLATE_KEY = "rectification_overdue"
INQUIRY_TEMPLATE_KEY = "inquiry_overdue"
#: The rectification steps the sweep watches, as the SMS names them.
RECTIFICATION_STEPS: dict[str, StrOrPromise] = {
    "callback": pgettext_lazy("bad review step", "callback"),
    "fix": pgettext_lazy("bad review step", "rectification report"),
}


def _bilingual(name: str, label: StrOrPromise) -> dict[str, str]:
    """`{name}_zh` and `{name}_en`: a translatable label in Chinese and in English, for an SMS context."""
    with translation.override("zh-hans"):
        zh = str(label)
    with translation.override("en"):
        en = str(label).lower()
    return {f"{name}_zh": zh, f"{name}_en": en}


def _check_levels(levels: dict[str, str], channel: str) -> dict[str, str]:
    allowed = DIMENSIONS[channel]
    cleaned = {name: levels.get(name) or "" for name in allowed}
    if cleaned["overall"] not in ReviewLevel.values or any(
            value and value not in ReviewLevel.values for value in cleaned.values()):
        raise ApplicationError(_("Choose a level for the overall rating."), ReviewErrorCode.LEVEL_MISSING)
    return cleaned


def _rated_already() -> ConflictError:
    return ConflictError(_("This case has been rated already; each case is rated once."),
                         ReviewErrorCode.ALREADY_REVIEWED)


# --- ratings ---------------------------------------------------------------------------------------

@transaction.atomic
def review_submit(*, entry: RegistryEntry, channel: str, levels: dict[str, str], comment: str = "",
                  acting_user: User | None, now: dt.datetime) -> Review:
    """Rate a decided case once (online: by the applicant, `acting_user` None; at the counter: recorded
    by staff, kept as `recorded_by`). A bad overall rating opens a rectification with its working-day
    deadlines."""
    entry = RegistryEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status not in REVIEWABLE_STATUSES:
        raise ApplicationError(_("A case can be rated once it has been decided."), ReviewErrorCode.NOT_REVIEWABLE)
    if Review.objects.filter(entry=entry).exists():
        raise _rated_already()
    cleaned = _check_levels(levels, channel)
    try:
        with transaction.atomic():
            review = Review.objects.create(centre_id=entry.centre_id, entry=entry, channel=channel,
                                           comment=comment.strip(), created_at=now, recorded_by=acting_user,
                                           **cleaned)
    except IntegrityError as exc:  # a concurrent rating won
        raise _rated_already() from exc
    if review.overall in BAD_LEVELS:
        rectification_open(review=review, today=timezone.localtime(now).date())
    return review


def _visit_rated_already() -> ConflictError:
    return ConflictError(_("This visit has been rated already; each visit is rated once. Thank you."),
                         ReviewErrorCode.ALREADY_REVIEWED)


@transaction.atomic
def review_submit_at_counter(*, centre: Centre, ticket_id: uuid.UUID, levels: dict[str, str], comment: str = "",
                             now: dt.datetime) -> Review:
    """Rate a hall visit (排队号) on its window's rating pad (评价器), once per visit: the review names
    the visit's window and clerk, and its case when the visit opened one (that case's one rating). The
    counter's dimensions (`DIMENSIONS[COUNTER]`: overall required; efficiency, service level and attitude
    optional). A bad overall rating opens a rectification. Raises `review_visit_unknown` (no such visit
    at the centre, 404), `review_visit_not_done` (not served yet, or not come), `review_level_missing`
    and `review_already_given` (409: the visit, or its case, was rated already)."""
    visit = HallVisit.objects.select_for_update().filter(centre=centre, ticket_id=ticket_id).first()
    if visit is None:
        raise ApplicationError(_("No such visit at this centre."), ReviewErrorCode.VISIT_UNKNOWN, http_status=404)
    if visit.status != "done":
        raise ApplicationError(_("A visit can be rated once it has been served."), ReviewErrorCode.VISIT_NOT_DONE)
    if Review.objects.filter(ticket_id=ticket_id).exists():
        raise _visit_rated_already()
    entry = None
    if visit.case_id is not None:
        entry = RegistryEntry.objects.select_for_update().filter(case_id=visit.case_id, centre=centre).first()
        if entry is not None and Review.objects.filter(entry=entry).exists():
            raise _rated_already()
    cleaned = _check_levels(levels, ReviewChannel.COUNTER)
    try:
        with transaction.atomic():
            review = Review.objects.create(centre=centre, entry=entry, ticket_id=ticket_id,
                                           window_number=visit.window_number, clerk_id=visit.clerk_id,
                                           channel=ReviewChannel.COUNTER, comment=comment.strip()[:2000],
                                           created_at=now, **cleaned)
    except IntegrityError as exc:  # a concurrent rating of the visit (or its case) won
        raise _visit_rated_already() from exc
    if review.overall in BAD_LEVELS:
        rectification_open(review=review, today=timezone.localtime(now).date())
    return review


def on_counter_rated(event: CounterRated) -> None:
    """The listener of `registry.hooks.counter_rated` (connected in the app's `ready`): the review written
    in the hall's transaction."""
    event.review_id = review_submit_at_counter(centre=event.centre, ticket_id=event.ticket_id, levels=event.levels,
                                               comment=event.comment, now=event.now).pk


@transaction.atomic
def review_follow_up(*, entry: RegistryEntry, level: str, now: dt.datetime) -> Rectification:
    """The applicant's one follow-up rating after a bad review, once the rectification is reported."""
    rectification = Rectification.objects.select_for_update().filter(review__entry=entry).first()
    if rectification is None:
        raise ApplicationError(_("Only a bad review can be followed up."), ReviewErrorCode.NOT_BAD)
    if rectification.follow_up_at is not None:
        raise ConflictError(_("The follow-up rating has been given already; it can be given once."),
                            ReviewErrorCode.FOLLOW_UP_GIVEN)
    if rectification.reported_at is None:
        raise ApplicationError(_("The follow-up rating opens once the centre has reported its rectification."),
                               ReviewErrorCode.FOLLOW_UP_TOO_EARLY)
    if level not in ReviewLevel.values:
        raise ApplicationError(_("Choose a level for the overall rating."), ReviewErrorCode.LEVEL_MISSING)
    rectification.follow_up_level = level
    rectification.follow_up_at = now
    rectification.save(update_fields=["follow_up_level", "follow_up_at"])
    return rectification


def callback_record(*, entry: RegistryEntry, procedure_correct: bool, notice_given: str, attitude: str,
                    notes: str = "", acting_user: User, now: dt.datetime) -> ReviewCallback:
    """A phone follow-up (回访) with the three questions, by `acting_user` (kept as `called_by`). A case
    may be called more than once (no answer, a second question): each call is its own row."""
    return ReviewCallback.objects.create(centre_id=entry.centre_id, entry=entry,
                                         procedure_correct=procedure_correct, notice_given=notice_given,
                                         attitude=attitude, notes=notes.strip(), called_by=acting_user,
                                         called_at=now)


# --- rectifications ----------------------------------------------------------------------------------

def rectification_open(*, review: Review, today: dt.date) -> Rectification:
    """Deadlines in the centre's working days: callback within 1, fix and report within 15."""
    calendar = WorkCalendar.for_centre(review.centre_id)
    return Rectification.objects.create(
        centre_id=review.centre_id, review=review, opened_on=today,
        callback_due=calendar.add_workdays(today, CALLBACK_WORKDAYS).date,
        fix_due=calendar.add_workdays(today, FIX_WORKDAYS).date)


@transaction.atomic
def rectification_record_callback(*, rectification: Rectification, acting_user: User,
                                  now: dt.datetime) -> Rectification:
    """The applicant was called back about the bad review (by `acting_user`, kept as `called_back_by`)."""
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if rectification.called_back_at is not None:
        raise ConflictError(_("The applicant has been called back already."), ReviewErrorCode.CALLED_BACK_ALREADY)
    rectification.called_back_at, rectification.called_back_by = now, acting_user
    rectification.save(update_fields=["called_back_at", "called_back_by"])
    return rectification


@transaction.atomic
def rectification_report(*, rectification: Rectification, report: str, acting_user: User,
                         now: dt.datetime) -> Rectification:
    """Record what was fixed and that the applicant was told (整改反馈), by `acting_user` (kept as
    `reported_by`; also as `called_back_by` when no callback was recorded before: telling is calling)."""
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if rectification.reported_at is not None:
        raise ConflictError(_("The rectification has been reported already."), ReviewErrorCode.REPORTED_ALREADY)
    if not report.strip():
        raise ApplicationError(_("Describe what was fixed."), ReviewErrorCode.REPORT_MISSING)
    rectification.report = report.strip()
    rectification.reported_at, rectification.reported_by = now, acting_user
    if rectification.called_back_at is None:
        rectification.called_back_at, rectification.called_back_by = now, acting_user
    rectification.save(update_fields=["report", "reported_at", "reported_by", "called_back_at", "called_back_by"])
    return rectification


# --- complaints, consultations, the director's mailbox ------------------------------------------------

def _department(code: str) -> str:
    code = (code or "").strip().upper()
    if code and not Department.objects.filter(code=code).exists():
        raise ApplicationError(_("No department has that code."), ReviewErrorCode.UNKNOWN_DEPARTMENT)
    return code


def inquiry_submit(*, centre: Centre, kind: str, subject: str, body: str, department_code: str = "",
                   case_number: str = "", name: str = "", contact: str = "", acting_user: User | None,
                   now: dt.datetime, item_code: str = "", applicant_id: int | None = None) -> Inquiry:
    """Take a complaint, consultation or letter: online (anonymous allowed, `acting_user` None; from an
    account of the online service hall: `applicant_id`, whose questions it lists) or at the window (by
    staff, kept as `recorded_by`). Optionally about a case (`case_number`) or an item (`item_code`). Raises
    `review_inquiry_unknown_department`, and `review_inquiry_missing` (field `subject` or `body`) when the
    subject or the text is blank."""
    department_code = _department(department_code)
    for field, value, message in (("subject", subject, _("Give a subject.")), ("body", body, _("Write your text."))):
        if not (value or "").strip():
            raise ApplicationError(message, ReviewErrorCode.INQUIRY_MISSING, {"fields": {field: [message]}})
    today = timezone.localtime(now).date()
    return Inquiry.objects.create(
        centre=centre, kind=kind, channel=InquiryChannel.WINDOW if acting_user is not None else InquiryChannel.ONLINE,
        department_code=department_code, case_number=normalise_case_number(case_number), subject=subject.strip(),
        body=body.strip(), name=name.strip(), contact=contact.strip(), received_on=today,
        due_date=WorkCalendar.for_centre(centre.pk).add_workdays(today, ANSWER_WORKDAYS[kind]).date,
        recorded_by=acting_user, created_at=now, item_code=(item_code or "").strip(), applicant_id=applicant_id)


def inquiries_forget_applicant(*, applicant_id: int) -> int:
    """Empty the name and contact of every inquiry an online service hall account asked (its erasure:
    the questions and answers stay, no longer naming the person). Returns how many were changed."""
    return Inquiry.objects.filter(applicant_id=applicant_id).exclude(name="", contact="").update(name="", contact="")


@transaction.atomic
def inquiry_route(*, inquiry: Inquiry, department_code: str, acting_user: User, now: dt.datetime) -> Inquiry:
    """Route to a department (by `acting_user`, kept as `routed_by` with `routed_at`); the department it
    has already changes nothing."""
    department_code = _department(department_code)
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if not department_code or department_code == inquiry.department_code:
        return inquiry
    inquiry.department_code, inquiry.routed_at, inquiry.routed_by = department_code, now, acting_user
    inquiry.save(update_fields=["department_code", "routed_at", "routed_by"])
    return inquiry


@transaction.atomic
def inquiry_answer(*, inquiry: Inquiry, answer: str, acting_user: User, now: dt.datetime) -> Inquiry:
    """Answer once (by `acting_user`, kept as `answered_by`); a second answer is a conflict. Sends
    `supervision.reviews.hooks.inquiry_answered` in the transaction."""
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.answered_at is not None:
        raise ConflictError(_("This has been answered already."), ReviewErrorCode.ANSWERED_ALREADY)
    if not answer.strip():
        raise ApplicationError(_("Write the answer."), ReviewErrorCode.ANSWER_MISSING)
    inquiry.answer, inquiry.answered_at, inquiry.answered_by = answer.strip(), now, acting_user
    inquiry.save(update_fields=["answer", "answered_at", "answered_by"])
    inquiry_answered.send(inquiry)  # the online service hall tells the account that asked
    return inquiry


@transaction.atomic
def inquiry_handle(*, inquiry: Inquiry, department_code: str = "", answer: str = "", acting_user: User,
                   now: dt.datetime) -> Inquiry:
    """What the complaints page saves at once: route (when a department is given) and answer (when an
    answer is given), all or nothing."""
    if department_code.strip():
        inquiry = inquiry_route(inquiry=inquiry, department_code=department_code, acting_user=acting_user, now=now)
    if answer.strip():
        inquiry = inquiry_answer(inquiry=inquiry, answer=answer, acting_user=acting_user, now=now)
    return inquiry


# --- the follow-up sweep ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FollowupSweepResult:
    overdue: dict[str, int]
    messages: int


def _supervisors(centre_ids: set[int]) -> dict[int, list[tuple[int, str]]]:
    """The centres' supervisors with a mobile number, one query."""
    found: dict[int, list[tuple[int, str]]] = {}
    for centre_id, user_id, mobile in Membership.objects.filter(
            centre_id__in=centre_ids, role=Role.SUPERVISOR, user__is_active=True).exclude(user__mobile="").values_list(
            "centre_id", "user_id", "user__mobile"):
        found.setdefault(centre_id, []).append((user_id, mobile))
    return found


def _late(model, due_field: str, done_field: str, mark_field: str, today: dt.date, now: dt.datetime) -> list:
    """Mark the rows whose step is past due and not done (once: `mark_field` set), returning them."""
    rows = list(model.objects.select_for_update(skip_locked=True).filter(
        **{f"{due_field}__lt": today, f"{done_field}__isnull": True, f"{mark_field}__isnull": True}))
    if rows:
        model.objects.filter(pk__in=[row.pk for row in rows]).update(**{mark_field: now})
    return rows


def _rectified(number: str | None, item_zh: str | None, item_en: str | None, window: str) -> dict[str, str]:
    """What the SMS names of a bad review: its case, or (a rating pad's review of a visit that opened no
    case) its window."""
    if number:
        return {"number": number, "item_zh": item_zh or "", "item_en": item_en or item_zh or ""}
    return {"number": "-", "item_zh": f"{window}号窗口现场评价", "item_en": f"rating at window {window}"}


@transaction.atomic
def supervision_followup_sweep(today: dt.date, *, now: dt.datetime | None = None) -> FollowupSweepResult:
    """Mark late rectification steps (callback, fix and report) and late answers to complaints,
    consultations and letters, and queue one SMS per step to each of the centre's supervisors with a
    mobile. A step is marked once and its SMS dedupe key names it: a rerun sends nothing."""
    now = now or timezone.now()
    callbacks = _late(Rectification, "callback_due", "called_back_at", "callback_overdue_at", today, now)
    fixes = _late(Rectification, "fix_due", "reported_at", "fix_overdue_at", today, now)
    answers = _late(Inquiry, "due_date", "answered_at", "overdue_at", today, now)
    steps: list[tuple[str, int, str, dict[str, str]]] = []  # (dedupe key, centre, template, context)
    review_ids = {row.review_id for row in callbacks + fixes}
    cases = {pk: _rectified(number, item_zh, item_en, window) for pk, number, item_zh, item_en, window in
             Review.objects.filter(pk__in=review_ids).values_list(
                 "pk", "entry__number", "entry__item_name_zh", "entry__item_name_en", "window_number")
             } if review_ids else {}
    for rows, step in ((callbacks, "callback"), (fixes, "fix")):
        for row in rows:
            due = row.callback_due if step == "callback" else row.fix_due
            steps.append((f"rectification:{row.pk}:{step}", row.centre_id, RECTIFICATION_TEMPLATE_KEY,
                          {**cases[row.review_id], **_bilingual("step", RECTIFICATION_STEPS[step]),
                           "due": due.isoformat()}))
    for row in answers:
        steps.append((f"inquiry:{row.pk}:answer", row.centre_id, INQUIRY_TEMPLATE_KEY,
                      {"number": row.case_number or f"#{row.pk}", "subject": row.subject[:40],
                       **_bilingual("kind", InquiryKind(row.kind).label), "due": row.due_date.isoformat()}))
    recipients = _supervisors({step[1] for step in steps}) if steps else {}
    messages = 0
    for key, centre_id, template_key, context in steps:
        for user_id, mobile in recipients.get(centre_id, []):
            outbox_enqueue(dedupe_key=f"{key}:{user_id}", to=mobile, template_key=template_key, centre_id=centre_id,
                           context=context)
            messages += 1
    overdue = {"callback": len(callbacks), "fix": len(fixes), "answer": len(answers)}
    if messages or any(overdue.values()):
        logger.info("follow-up sweep: %s overdue, %d SMS queued", overdue, messages)
    return FollowupSweepResult(overdue=overdue, messages=messages)

