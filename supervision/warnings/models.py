"""Deadline warnings (one row per case and level), supervision findings and a centre's supervision
settings (public schema)."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import CaseEventKind, CaseStatus
from common.i18n import pick
from supervision.warnings.choices import FindingKind, WarningLevel


class SupervisionSetting(models.Model):
    """A centre's supervision settings: how many working days before the promised date a yellow
    warning fires."""

    centre = models.OneToOneField("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                                  related_name="supervision_setting")
    yellow_workdays = models.PositiveSmallIntegerField(_("yellow warning: working days before the promised date"),
                                                       default=2)

    class Meta:
        verbose_name = _("supervision setting")
        verbose_name_plural = _("supervision settings")

    def __str__(self) -> str:
        return f"{self.centre_id}: {self.yellow_workdays}"


class DeadlineWarning(models.Model):
    """A deadline warning (预警): fires once per case and level, through the outbox to the responsible
    clerk and the department's chief representative, and shows in their inbox."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                               related_name="warnings")
    case_id = models.UUIDField(_("case id"))
    case_number = models.CharField(_("case number"), max_length=32)
    item_name_zh = models.CharField(_("item (Chinese)"), max_length=200)
    item_name_en = models.CharField(_("item (English)"), max_length=300, blank=True, default="")
    department_code = models.CharField(_("department"), max_length=2, blank=True)
    handler_id = models.BigIntegerField(_("responsible clerk (user id)"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=8, choices=WarningLevel.choices)
    due_date = models.DateField(_("due date"))
    fired_at = models.DateTimeField(_("fired at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey("tenants.User", verbose_name=_("acknowledged by"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("deadline warning")
        verbose_name_plural = _("deadline warnings")
        ordering = ["-fired_at"]
        constraints = [models.UniqueConstraint(fields=["case_id", "level"], name="supervision_deadlinewarning_once",
                                               violation_error_message=_("This warning has fired already."))]
        indexes = [models.Index(fields=["centre", "-fired_at"], name="supervision_warning_centre")]

    def __str__(self) -> str:
        return f"{self.case_number} {self.level}"

    @property
    def item_name(self) -> str:
        """The item's name in the reader's language (English where the catalogue has it)."""
        return pick(self.item_name_zh, self.item_name_en)


class Finding(models.Model):
    """Out-of-process handling caught by supervision (a step skipped, a step by the wrong role)."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                               related_name="findings")
    case_id = models.UUIDField(_("case id"))
    case_number = models.CharField(_("case number"), max_length=32)
    kind = models.CharField(_("kind"), max_length=16, choices=FindingKind.choices)
    action = models.CharField(_("action attempted"), max_length=24)
    status = models.CharField(_("case status then"), max_length=24)
    acting_user = models.ForeignKey("tenants.User", verbose_name=_("by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("supervision finding")
        verbose_name_plural = _("supervision findings")
        ordering = ["-at"]
        indexes = [models.Index(fields=["centre", "-at"], name="supervision_finding_centre")]

    def __str__(self) -> str:
        return f"{self.case_number} {self.kind}"

    @property
    def action_label(self) -> str:
        """The step tried, in the reader's language."""
        return str(CaseEventKind(self.action).label) if self.action in CaseEventKind.values else self.action

    @property
    def status_label(self) -> str:
        """The case's status then, in the reader's language."""
        return str(CaseStatus(self.status).label) if self.status in CaseStatus.values else self.status
