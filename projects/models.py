"""The register of the city's key construction projects (重点建设项目): one row per project and year,
public (SHARED_APPS).

Every service that works for a key project reads this one row: the key-project agency service
(`delegation`: the project's agents, problems and approvals) and the city-district linked approval
(`joint_approval`: the project's items by level, the bundle they come from, its joint cases). What a
service records about a project stays in that service's app, keyed by the register's project; the
register knows none of them (it imports `tenants` and `common` only).

A company's name and unified social credit code are a public register of organisations, not personal
data.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.i18n import pick
from common.models import TimeStampedModel

#: The characters of a unified social credit code (GB 32100-2015: digits and capitals without I, O, S, V, Z).
CREDIT_CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"


class KeyProject(TimeStampedModel):
    """A key construction project (重点建设项目) on the city's list for a year: its name, the company that
    builds it (with its unified social credit code) and the district or development zone it is in.
    Registered through `projects.services.key_project_register`, which checks all of it."""

    year = models.PositiveSmallIntegerField(_("year"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    company_name = models.CharField(_("company"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    centre = models.ForeignKey("tenants.Centre", verbose_name=_("district or development zone"),
                               on_delete=models.PROTECT, related_name="key_projects")

    class Meta:
        verbose_name = _("key project")
        verbose_name_plural = _("key projects")
        ordering = ["-year", "name_zh"]
        constraints = [
            models.UniqueConstraint(fields=["year", "name_zh"], name="projects_keyproject_once",
                                    violation_error_message=_("The project is already on this year's list.")),
            models.CheckConstraint(condition=Q(credit_code__regex=CREDIT_CODE_PATTERN),
                                   name="projects_keyproject_credit_code_format",
                                   violation_error_message=_("A unified social credit code has 18 characters.")),
        ]
        indexes = [models.Index(fields=["centre", "year"], name="projects_keyproject_centre")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)
