"""The dashboards' daily roll-up of the case registry (监察看板日汇总): per local day of submission, the
counts and sums the period charts add up, so that a page reads a few hundred small rows a day instead of
every registry row of the period (supervision.dashboards.rollup writes them; selectors read them).

Derived data, rebuilt from `registry_registryentry` at will: no foreign-key constraint on the centre
(centres are never deleted: the registry protects them), no timestamps of its own beyond the run log.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Grain(models.TextChoices):
    """What one roll-up row is broken down by (besides the day, and the centre or all centres)."""

    ITEM = "item", _("by item")
    CHANNEL = "channel", _("by channel")
    TOTAL = "total", _("all cases")


class DashboardDay(models.Model):
    """One day's figures of the cases **submitted** that local day (Asia/Shanghai), for one centre or all
    centres (`centre` null), broken down by item code (`grain` item), by channel (`grain` channel) or not
    at all (`grain` total); the unused breakdown column holds "".

    The figures follow the definitions of supervision.dashboards.selectors: `cases` submitted; `decided`
    (status in cases.choices.DECIDED); `on_time` (decided, local date of `last_event_at` on or before
    `promised_due`); and, over the decided cases with an acceptance date and both due dates
    (`days_decided` of them), the sums of calendar days used, of calendar days the promise and the law
    allowed, and of the promised and legal limits in working days (null when none had a limit)."""

    day = models.DateField(_("day of submission"))
    grain = models.CharField(_("breakdown"), max_length=8, choices=Grain.choices)
    centre = models.ForeignKey("tenants.Centre", verbose_name=_("centre"), on_delete=models.DO_NOTHING,
                               db_constraint=False, null=True, blank=True, related_name="+")
    item_code = models.CharField(_("item code"), max_length=32, blank=True, default="")
    channel = models.CharField(_("channel"), max_length=16, blank=True, default="")
    cases = models.IntegerField(_("cases submitted"))
    decided = models.IntegerField(_("cases decided"))
    on_time = models.IntegerField(_("decided on time"))
    days_decided = models.IntegerField(_("decided with both due dates"))
    days_used = models.BigIntegerField(_("calendar days used (sum)"), null=True, blank=True)
    promised_allowed = models.BigIntegerField(_("calendar days the promise allowed (sum)"), null=True, blank=True)
    legal_allowed = models.BigIntegerField(_("calendar days the law allowed (sum)"), null=True, blank=True)
    promised_limit = models.BigIntegerField(_("promised limits in working days (sum)"), null=True, blank=True)
    legal_limit = models.BigIntegerField(_("legal limits in working days (sum)"), null=True, blank=True)

    class Meta:
        verbose_name = _("dashboard day")
        verbose_name_plural = _("dashboard days")
        constraints = [
            # Also the index every read uses: grain, centre (= or IS NULL), then a range of days.
            models.UniqueConstraint(fields=["grain", "centre", "day", "item_code", "channel"], nulls_distinct=False,
                                    name="supervision_dashboardday_one_per_key",
                                    violation_error_message=_("One row per day, breakdown and centre.")),
        ]
        indexes = [models.Index(fields=["day"], name="supervision_dashboardday_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.grain} {self.centre_id or '*'} {self.item_code or self.channel}"


class DashboardRollupRun(models.Model):
    """One run of the roll-up: which days it recomputed, and up to which day the roll-up is complete
    (`through`: every day up to it rolled up; the pages read later days live from the registry). The
    next run recomputes the days of the registry rows whose `last_event_at` is at or after this run's
    `started_at` (less a margin for late writes)."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    through = models.DateField(_("complete through"))
    days = models.PositiveIntegerField(_("days recomputed"))
    rows = models.PositiveIntegerField(_("rows written"))
    rebuild = models.BooleanField(_("full rebuild"), default=False)

    class Meta:
        verbose_name = _("dashboard roll-up run")
        verbose_name_plural = _("dashboard roll-up runs")
        indexes = [models.Index(fields=["-started_at"], name="supervision_rollup_started")]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} → {self.through}"
