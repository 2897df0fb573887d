"""Good/bad reviews (好差评), phone follow-ups (回访), rectifications of bad reviews (差评整改) and the
public's complaints, consultations and letters to the director (投诉、咨询、主任信箱). Public schema: a
review is keyed by the registry entry (one per case), so rates are one GROUP BY over the registry; a rating
given on a window's rating pad (评价器) is keyed by the hall visit (one per ticket), names the window and
the clerk, and the case when the visit opened one."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from supervision.reviews.choices import InquiryChannel, InquiryKind, NoticeAnswer, ReviewChannel, ReviewLevel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["Inquiry", "Rectification", "Review", "ReviewCallback"]


def _level(label: StrOrPromise) -> models.CharField:
    return models.CharField(label, max_length=20, choices=ReviewLevel.choices, blank=True)


class Review(models.Model):
    """An applicant's rating (评价): of a decided case, online or recorded at the counter (once per case),
    or of a hall visit on the window's rating pad (once per ticket: `ticket_id`, with the window, the
    clerk and the visit's case when it opened one; `entry` null when it opened none)."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                               related_name="reviews")
    entry = models.ForeignKey("registry.RegistryEntry", verbose_name=_("case"), on_delete=models.CASCADE,
                              related_name="reviews", null=True, blank=True)
    ticket_id = models.UUIDField(_("hall ticket"), null=True, blank=True)
    window_number = models.CharField(_("window"), max_length=16, blank=True)
    clerk = models.ForeignKey("tenants.User", verbose_name=_("clerk"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(_("channel"), max_length=8, choices=ReviewChannel.choices)
    overall = models.CharField(_("overall"), max_length=20, choices=ReviewLevel.choices)
    efficiency = _level(_("efficiency"))
    guide_accuracy = _level(_("accuracy of the service guide"))
    convenience = _level(_("convenience"))
    platform_usability = _level(_("usability of the platform"))
    service_level = _level(_("service level"))
    attitude = _level(_("attitude"))
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey("tenants.User", verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("rated at"))

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["entry"], name="supervision_review_one_per_case",
                                    violation_error_message=_("This case has been rated already.")),
            models.UniqueConstraint(fields=["ticket_id"], name="supervision_review_one_per_visit",
                                    violation_error_message=_("This visit has been rated already.")),
            models.CheckConstraint(condition=Q(entry__isnull=False) | Q(ticket_id__isnull=False),
                                   name="supervision_review_case_or_visit",
                                   violation_error_message=_("A review rates a case or a hall visit.")),
        ]
        indexes = [models.Index(fields=["centre", "-created_at"], name="supervision_review_centre"),
                   models.Index(fields=["centre", "window_number", "created_at"],
                                condition=Q(window_number__gt=""), name="supervision_review_window")]

    def __str__(self) -> str:
        return f"{self.entry_id or self.ticket_id} {self.overall}"


class ReviewCallback(models.Model):
    """A staff phone follow-up (回访) of a case, with the three questions asked."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                               related_name="review_callbacks")
    entry = models.ForeignKey("registry.RegistryEntry", verbose_name=_("case"), on_delete=models.CASCADE,
                              related_name="review_callbacks")
    procedure_correct = models.BooleanField(_("was the acceptance procedure right?"))
    notice_given = models.CharField(_("was the one-time notice given when needed?"), max_length=12,
                                    choices=NoticeAnswer.choices)
    attitude = models.CharField(_("staff attitude"), max_length=20, choices=ReviewLevel.choices)
    notes = models.TextField(_("notes"), blank=True)
    called_by = models.ForeignKey("tenants.User", verbose_name=_("called by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    called_at = models.DateTimeField(_("called at"))

    class Meta:
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        ordering = ["-called_at"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.called_at:%Y-%m-%d}"


class Rectification(models.Model):
    """The handling of a bad review (差评整改): call back within 1 working day, fix and report within 15;
    the applicant may then add one follow-up rating."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                               related_name="rectifications")
    review = models.OneToOneField(Review, verbose_name=_("review"), on_delete=models.CASCADE,
                                  related_name="rectification")
    opened_on = models.DateField(_("opened on"))
    callback_due = models.DateField(_("call back by"))
    fix_due = models.DateField(_("fix and report by"))
    called_back_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    called_back_by = models.ForeignKey("tenants.User", verbose_name=_("called back by"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey("tenants.User", verbose_name=_("reported by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    report = models.TextField(_("report"), blank=True)
    callback_overdue_at = models.DateTimeField(_("callback overdue since"), null=True, blank=True)
    fix_overdue_at = models.DateTimeField(_("fix overdue since"), null=True, blank=True)
    follow_up_level = _level(_("follow-up rating"))
    follow_up_at = models.DateTimeField(_("follow-up rated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["fix_due"]
        indexes = [models.Index(fields=["callback_due"], condition=Q(called_back_at__isnull=True),
                                name="supervision_rect_callback_open"),
                   models.Index(fields=["fix_due"], condition=Q(reported_at__isnull=True),
                                name="supervision_rect_fix_open")]

    def __str__(self) -> str:
        return f"{self.review_id}: {self.callback_due} / {self.fix_due}"


class Inquiry(models.Model):
    """A complaint (投诉), consultation (咨询) or letter to the director's mailbox (主任信箱), taken online
    (anonymous allowed, or from an account of the online service hall: `applicant_id`) or at the window,
    routed to a department and answered within a limit."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                               related_name="inquiries")
    kind = models.CharField(_("kind"), max_length=12, choices=InquiryKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=InquiryChannel.choices)
    department_code = models.CharField(_("department"), max_length=2, blank=True)
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)
    routed_by = models.ForeignKey("tenants.User", verbose_name=_("routed by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    case_number = models.CharField(_("case number"), max_length=32, blank=True)
    item_code = models.CharField(_("item"), max_length=32, blank=True)
    applicant_id = models.BigIntegerField(
        _("online service hall account"), null=True, blank=True,
        help_text=_("The online service hall's account that asked (a plain id: supervision knows no accounts)."))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    received_on = models.DateField(_("received on"))
    due_date = models.DateField(_("answer by"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey("tenants.User", verbose_name=_("answered by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_by = models.ForeignKey("tenants.User", verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("complaint or consultation")
        verbose_name_plural = _("complaints and consultations")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["centre", "due_date"], condition=Q(answered_at__isnull=True),
                                name="supervision_inquiry_open"),
                   models.Index(fields=["applicant_id", "-created_at"], condition=Q(applicant_id__isnull=False),
                                name="supervision_inquiry_applicant")]

    #: Set by `reviews.selectors.inquiries_open_for` (past its answer-by date on the day asked).
    is_overdue: bool = False

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}"
