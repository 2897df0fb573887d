"""Archive sampling (档案抽查): a month's draw per centre and its sampled cases (public schema)."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["ArchiveSample", "ArchiveSampleCase"]


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
