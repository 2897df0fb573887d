"""Archive sampling (档案抽查) and assessment (考核): public schema, one centre per row."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

__all__ = ["ArchiveSample", "ArchiveSampleCase", "Inspection", "ScoringRule"]


class ArchiveSample(models.Model):
    """A month's random draw of closed cases whose paper archives (纸质档案) are checked against the
    system. The seed is kept: drawing again with it gives the same cases in the same order."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                               related_name="archive_samples")
    month = models.DateField(_("month"), help_text=_("The first day of the month sampled."))
    seed = models.BigIntegerField(_("seed"))
    size = models.PositiveSmallIntegerField(_("sample size asked"), default=20)
    case_ids = models.JSONField(_("drawn case ids, in order"), default=list)
    drawn_at = models.DateTimeField(_("drawn at"))
    drawn_by = models.ForeignKey("tenants.User", verbose_name=_("drawn by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("archive sample")
        verbose_name_plural = _("archive samples")
        ordering = ["-month", "centre"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "month"], name="supervision_archivesample_once_a_month",
                                    violation_error_message=_("This centre's archives are sampled once a month.")),
            models.CheckConstraint(condition=Q(month__day=1), name="supervision_archivesample_first_of_month",
                                   violation_error_message=_("A sample's month is its first day.")),
        ]

    def __str__(self) -> str:
        return f"{self.centre_id} {self.month:%Y-%m}"


class ArchiveSampleCase(models.Model):
    """One sampled case: the system's dates (copied at the draw) and the paper archive's dates as a
    supervisor recorded them; `mismatches` names the dates that differ."""

    sample = models.ForeignKey(ArchiveSample, verbose_name=_("sample"), on_delete=models.CASCADE,
                               related_name="cases")
    position = models.PositiveSmallIntegerField(_("position in the draw"))
    case_id = models.UUIDField(_("case id"))
    case_number = models.CharField(_("case number"), max_length=32)
    system_received_on = models.DateField(_("received (system)"))
    system_accepted_on = models.DateField(_("accepted (system)"), null=True, blank=True)
    system_decided_on = models.DateField(_("decided (system)"), null=True, blank=True)
    archive_received_on = models.DateField(_("received (archive)"), null=True, blank=True)
    archive_accepted_on = models.DateField(_("accepted (archive)"), null=True, blank=True)
    archive_decided_on = models.DateField(_("decided (archive)"), null=True, blank=True)
    mismatches = models.JSONField(_("dates that differ"), default=list)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey("tenants.User", verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("sampled case")
        verbose_name_plural = _("sampled cases")
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "case_id"], name="supervision_archivesamplecase_once",
                                    violation_error_message=_("A case is drawn once per sample.")),
        ]

    def __str__(self) -> str:
        return self.case_number

    @property
    def is_flagged(self) -> bool:
        return bool(self.mismatches)


class ScoringRule(models.Model):
    """An assessment rule (考核细则) kept by the city: what is wrong and how many points it costs."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    description_zh = models.CharField(_("description (Chinese)"), max_length=200)
    description_en = models.CharField(_("description (English)"), max_length=300)
    points = models.DecimalField(_("points deducted"), max_digits=5, decimal_places=1)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=0), name="supervision_scoringrule_points_not_negative",
                                   violation_error_message=_("A deduction is zero points or more.")),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    @property
    def description(self) -> str:
        return self.description_en if (get_language() or "").startswith("en") else self.description_zh


class Inspection(models.Model):
    """A daily inspection (日常考核) of a window and its staff: the rule broken and the points deducted."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                               related_name="inspections")
    window_number = models.CharField(_("window number"), max_length=16)
    staff = models.ForeignKey("tenants.User", verbose_name=_("staff member"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="inspections")
    department = models.ForeignKey("catalog.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="inspections")
    rule = models.ForeignKey(ScoringRule, verbose_name=_("rule"), on_delete=models.PROTECT,
                             related_name="inspections")
    points = models.DecimalField(_("points deducted"), max_digits=5, decimal_places=1)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"))
    inspector = models.ForeignKey("tenants.User", verbose_name=_("inspector"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-at"]
        indexes = [models.Index(fields=["centre", "at"], name="supervision_inspection_centre")]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=0), name="supervision_inspection_points_not_negative",
                                   violation_error_message=_("A deduction is zero points or more.")),
        ]

    def __str__(self) -> str:
        return f"{self.window_number} {self.rule_id} -{self.points}"
