"""Assessment (考核): the city's scoring rules and the inspections of windows and staff (public schema,
one centre per inspection)."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.i18n import pick

__all__ = ["Inspection", "ScoringRule"]


class ScoringRule(models.Model):
    """An assessment rule (考核细则) kept by the city: what is wrong and how many points it costs."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    description_zh = models.CharField(_("description (Chinese)"), max_length=200)
    description_en = models.CharField(_("description (English)"), max_length=300)
    points = models.DecimalField(_("points deducted"), max_digits=5, decimal_places=1)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey("tenants.User", verbose_name=_("updated by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

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
        return pick(self.description_zh, self.description_en)


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
