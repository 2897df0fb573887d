"""Holiday schedules entered by an administrator, and centres' closure days."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel


class ScheduleYear(TimeStampedModel):
    """A year whose State Council holiday schedule an administrator has entered (it then overrides
    the `chinese-calendar` package for that year)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    entered_by = models.ForeignKey("tenants.User", verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("holiday schedule year")
        verbose_name_plural = _("holiday schedule years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class ScheduleDay(models.Model):
    """A day that differs from the weekend rule: a holiday on a weekday, or a weekend workday (调休)."""

    schedule = models.ForeignKey(ScheduleYear, verbose_name=_("year"), on_delete=models.CASCADE,
                                 related_name="days")
    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("schedule day")
        verbose_name_plural = _("schedule days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'holiday'}"


class CentreClosure(models.Model):
    """A day a centre is closed although it is a working day (e.g. a relocation)."""

    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.CASCADE,
                               related_name="closures")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("centre closure day")
        verbose_name_plural = _("centre closure days")
        constraints = [models.UniqueConstraint(fields=["centre", "date"], name="workcalendar_centreclosure_once",
                                               violation_error_message=_("That day is already a closure day."))]

    def __str__(self) -> str:
        return f"{self.centre} {self.date}"
