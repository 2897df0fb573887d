"""Writes of good/bad reviews, follow-up calls, rectifications and complaints, and the follow-up sweep
that warns a centre's supervisors when a rectification step or an answer is late."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Department
from common.errors import ApplicationError, ConflictError
from common.identity import normalise_case_number
from notifications.services import outbox_enqueue
from registry.models import RegistryEntry
from supervision.models_reviews import Inquiry, Rectification, Review, ReviewCallback
from supervision.reviews import (
    ANSWER_WORKDAYS,
    BAD_LEVELS,
    CALLBACK_WORKDAYS,
    DIMENSIONS,
    FIX_WORKDAYS,
    REVIEWABLE_STATUSES,
    InquiryChannel,
    ReviewErrorCode,
    ReviewLevel,
)
from tenants.choices import Role
from tenants.models import Centre, User
from workcalendar.clock import WorkCalendar

logger = logging.getLogger(__name__)

#: The SMS template reused for these warnings (its placeholders: level_zh, number, item_zh, what_zh, due).
TEMPLATE_KEY = "deadline_warning"


def _check_levels(levels: dict[str, str], channel: str) -> dict[str, str]:
    allowed = DIMENSIONS[channel]
    cleaned = {name: levels.get(name) or "" for name in allowed}
    if cleaned["overall"] not in ReviewLevel.values or any(
            value and value not in ReviewLevel.values for value in cleaned.values()):
        raise ApplicationError(_("Choose a level for the overall rating."), ReviewErrorCode.LEVEL_MISSING)
    return cleaned


@transaction.atomic
def review_submit(*, entry: RegistryEntry, channel: str, levels: dict[str, str], comment: str = "",
                  acting_user: User | None, now: dt.datetime) -> Review:
    """Rate a decided case once (online: by the applicant; at the counter: recorded by staff). A bad
    overall rating opens a rectification with its working-day deadlines."""
    entry = RegistryEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status not in REVIEWABLE_STATUSES:
        raise ApplicationError(_("A case can be rated once it has been decided."), ReviewErrorCode.NOT_REVIEWABLE)
    cleaned = _check_levels(levels, channel)
    if Review.objects.filter(entry=entry).exists():
        raise ConflictError(_("This case has been rated already; each case is rated once."),
                            ReviewErrorCode.ALREADY_REVIEWED)
    try:
        with transaction.atomic():
            review = Review.objects.create(centre_id=entry.centre_id, entry=entry, channel=channel,
                                           comment=comment.strip(), created_at=now,
                                           recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
                                           **cleaned)
    except IntegrityError as exc:  # a concurrent rating won
        raise ConflictError(_("This case has been rated already; each case is rated once."),
                            ReviewErrorCode.ALREADY_REVIEWED) from exc
    if review.overall in BAD_LEVELS:
        rectification_open(review=review, today=timezone.localtime(now).date())
    return review


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
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if rectification.called_back_at is not None:
        raise ApplicationError(_("The applicant has been called back already."), ReviewErrorCode.ALREADY_DONE)
    rectification.called_back_at = now
    rectification.save(update_fields=["called_back_at"])
    return rectification


@transaction.atomic
def rectification_report(*, rectification: Rectification, report: str, acting_user: User,
                         now: dt.datetime) -> Rectification:
    """Record what was fixed and that the applicant was told (整改反馈)."""
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if rectification.reported_at is not None:
        raise ApplicationError(_("The rectification has been reported already."), ReviewErrorCode.ALREADY_DONE)
    if not report.strip():
        raise ApplicationError(_("Describe what was fixed."), ReviewErrorCode.ALREADY_DONE)
    rectification.report = report.strip()
    rectification.reported_at = now
    if rectification.called_back_at is None:
        rectification.called_back_at = now
    rectification.save(update_fields=["report", "reported_at", "called_back_at"])
    return rectification


@transaction.atomic
def review_follow_up(*, entry: RegistryEntry, level: str, now: dt.datetime) -> Rectification:
    """The applicant's one follow-up rating after a bad review, once the rectification is reported."""
    rectification = (Rectification.objects.select_for_update().filter(review__entry=entry).first())
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
    """A phone follow-up (回访) with the three questions."""
    return ReviewCallback.objects.create(centre_id=entry.centre_id, entry=entry,
                                         procedure_correct=procedure_correct, notice_given=notice_given,
                                         attitude=attitude, notes=notes.strip(), called_by=acting_user,
                                         called_at=now)


def inquiry_submit(*, centre: Centre, kind: str, subject: str, body: str, department_code: str = "",
                   case_number: str = "", name: str = "", contact: str = "", acting_user: User | None,
                   now: dt.datetime) -> Inquiry:
    """Take a complaint, consultation or letter: online (anonymous allowed) or at the window (staff)."""
    department_code = (department_code or "").strip().upper()
    if department_code and not Department.objects.filter(code=department_code).exists():
        raise ApplicationError(_("No department has that code."), ReviewErrorCode.UNKNOWN_DEPARTMENT)
    today = timezone.localtime(now).date()
    staff = acting_user if getattr(acting_user, "pk", None) else None
    return Inquiry.objects.create(
        centre=centre, kind=kind, channel=InquiryChannel.WINDOW if staff else InquiryChannel.ONLINE,
        department_code=department_code, case_number=normalise_case_number(case_number), subject=subject.strip(),
        body=body.strip(), name=name.strip(), contact=contact.strip(), received_on=today,
        due_date=WorkCalendar.for_centre(centre.pk).add_workdays(today, ANSWER_WORKDAYS[kind]).date,
        recorded_by=staff, created_at=now)


@transaction.atomic
def inquiry_route(*, inquiry: Inquiry, department_code: str, acting_user: User) -> Inquiry:
    department_code = department_code.strip().upper()
    if not Department.objects.filter(code=department_code).exists():
        raise ApplicationError(_("No department has that code."), ReviewErrorCode.UNKNOWN_DEPARTMENT)
    Inquiry.objects.filter(pk=inquiry.pk).update(department_code=department_code)
    inquiry.refresh_from_db()
    return inquiry


@transaction.atomic
def inquiry_answer(*, inquiry: Inquiry, answer: str, acting_user: User, now: dt.datetime) -> Inquiry:
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.answered_at is not None:
        raise ApplicationError(_("This has been answered already."), ReviewErrorCode.ALREADY_ANSWERED)
    if not answer.strip():
        raise ApplicationError(_("Write the answer."), ReviewErrorCode.ALREADY_ANSWERED)
    inquiry.answer, inquiry.answered_at, inquiry.answered_by = answer.strip(), now, acting_user
    inquiry.save(update_fields=["answer", "answered_at", "answered_by"])
    return inquiry


# --- the follow-up sweep ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FollowupSweepResult:
    overdue: dict[str, int]
    messages: int


def _supervisors(centre_ids: set[int]) -> dict[int, list[tuple[int, str]]]:
    """The centres' supervisors with a mobile number, one query."""
    from tenants.models import Membership

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


@transaction.atomic
def supervision_followup_sweep(today: dt.date, *, now: dt.datetime | None = None) -> FollowupSweepResult:
    """Mark late rectification steps (callback, fix and report) and late answers to complaints,
    consultations and letters, and queue one SMS per step to each of the centre's supervisors with a
    mobile. A step is marked once and its SMS dedupe key names it: a rerun sends nothing."""
    now = now or timezone.now()
    callbacks = _late(Rectification, "callback_due", "called_back_at", "callback_overdue_at", today, now)
    fixes = _late(Rectification, "fix_due", "reported_at", "fix_overdue_at", today, now)
    answers = _late(Inquiry, "due_date", "answered_at", "overdue_at", today, now)
    steps: list[tuple[str, int, str, str, str, dt.date]] = []  # (key, centre, number, item, what, due)
    review_ids = {row.review_id for row in callbacks + fixes}
    cases = {pk: (number, item) for pk, number, item in Review.objects.filter(pk__in=review_ids).values_list(
        "pk", "entry__number", "entry__item_name_zh")} if review_ids else {}
    for row in callbacks:
        steps.append((f"rectification:{row.pk}:callback", row.centre_id, *cases[row.review_id],
                      "差评回访已超期", row.callback_due))
    for row in fixes:
        steps.append((f"rectification:{row.pk}:fix", row.centre_id, *cases[row.review_id],
                      "差评整改反馈已超期", row.fix_due))
    for row in answers:
        what = {"complaint": "投诉答复已超期", "consultation": "咨询答复已超期"}.get(row.kind, "主任信箱答复已超期")
        steps.append((f"inquiry:{row.pk}:answer", row.centre_id, row.case_number or f"#{row.pk}", row.subject[:40],
                      what, row.due_date))
    recipients = _supervisors({step[1] for step in steps}) if steps else {}
    messages = 0
    for key, centre_id, number, item, what, due in steps:
        for user_id, mobile in recipients.get(centre_id, []):
            outbox_enqueue(dedupe_key=f"{key}:{user_id}", to=mobile, template_key=TEMPLATE_KEY, centre_id=centre_id,
                           context={"level_zh": "督办提醒", "number": number, "item_zh": item, "what_zh": what,
                                    "due": due.isoformat()})
            messages += 1
    overdue = {"callback": len(callbacks), "fix": len(fixes), "answer": len(answers)}
    if messages or any(overdue.values()):
        logger.info("follow-up sweep: %s overdue, %d SMS queued", overdue, messages)
    return FollowupSweepResult(overdue=overdue, messages=messages)


def rectification_sweep(today: dt.date, *, now: dt.datetime | None = None) -> FollowupSweepResult:
    """The rectification deadlines are watched by the one follow-up sweep (complaints included)."""
    return supervision_followup_sweep(today, now=now)
