"""Good/bad reviews (好差评) and complaints as data: the national five levels, the dimensions per channel,
the groups derived from them and the working-day limits (rules as constants)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import DECIDED


class ReviewLevel(models.TextChoices):
    """The national five levels, best first."""

    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    VERY_DISSATISFIED = "very_dissatisfied", _("Very dissatisfied")


#: The three top levels count as satisfied; the two lowest are a bad review (差评).
SATISFIED_LEVELS = frozenset({ReviewLevel.VERY_SATISFIED, ReviewLevel.SATISFIED, ReviewLevel.BASICALLY_SATISFIED})
BAD_LEVELS = frozenset({ReviewLevel.DISSATISFIED, ReviewLevel.VERY_DISSATISFIED})


class ReviewChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")


#: The dimensions rated on each channel (field names of Review; `overall` first and required).
DIMENSIONS: dict[str, tuple[str, ...]] = {
    ReviewChannel.ONLINE: ("overall", "efficiency", "guide_accuracy", "convenience", "platform_usability"),
    ReviewChannel.COUNTER: ("overall", "efficiency", "service_level", "attitude"),
}

#: A case may be rated once it is decided.
REVIEWABLE_STATUSES = DECIDED

#: A bad review: call the applicant back within 1 working day, fix and report within 15.
CALLBACK_WORKDAYS = 1
FIX_WORKDAYS = 15


class NoticeAnswer(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_NEEDED = "not_needed", _("Not needed (materials were complete)")


class InquiryKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    CONSULTATION = "consultation", _("Consultation")
    MAILBOX = "mailbox", _("Director's mailbox")


class InquiryChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    WINDOW = "window", _("At the window")


#: Working days to answer each kind.
ANSWER_WORKDAYS: dict[str, int] = {
    InquiryKind.COMPLAINT: 5,
    InquiryKind.CONSULTATION: 3,
    InquiryKind.MAILBOX: 10,
}
