"""Reads of the assessment room (考核): inspections, the daily bulletin (通报), the monthly awards
(为民服务标兵, 群众满意窗口), the yearly scores of centres and departments (100 minus the year's
deductions, never below 0) and the rules.

Who sees what (`supervision.access`): a centre's supervisors and administrators see their centre; the
city centre's supervisors and administrators (and platform administrators) see every centre and keep
the rules; anyone else gets 404.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from catalog.models import Department
from common.i18n import pick
from registry.models import RegistryEntry
from supervision.access import require_city_overseer, require_overseer, user_is_city_overseer
from supervision.assessment.models import Inspection, ScoringRule
from supervision.dashboards import hall as hall_figures
from supervision.periods import day_bounds, month_bounds
from supervision.reviews.selectors import satisfaction_by_handler, satisfaction_by_window
from tenants.choices import Role
from tenants.models import AnyUser, Centre, Membership, User
from windows.door import window_names

#: Who is assessed as staff for the service star.
FRONT_LINE = frozenset({Role.WINDOW_CLERK, Role.CHIEF_REPRESENTATIVE})
FULL_SCORE = Decimal(100)
_POINTS = DecimalField(max_digits=8, decimal_places=1)


# --- rules and inspections ----------------------------------------------------------------------

def rules_for(*, user: AnyUser) -> QuerySet[ScoringRule]:
    """Every rule, by code, with who changed it last (the city's overseers keep them)."""
    require_city_overseer(user=user)
    return ScoringRule.objects.select_related("updated_by").order_by("code")


def rule_by_code(*, code: str) -> ScoringRule | None:
    return ScoringRule.objects.filter(code=code.strip()).first()


def inspections_for(*, user: AnyUser, centre: Centre) -> QuerySet[Inspection]:
    require_overseer(user=user, centre=centre)
    return Inspection.objects.filter(centre=centre).select_related("rule", "staff", "inspector", "department")


# --- the daily bulletin -------------------------------------------------------------------------

@dataclass
class Bulletin:
    """The day's inspections and deductions (通报), of one centre or of the whole city, and the day's hall
    (大厅): `hall.summary` (tickets, mean wait, no-show rate, waits over 30 minutes) and, for the city,
    `hall.charts["hall_centres"].rows` (a line per centre with tickets)."""

    day: dt.date
    centre: Centre | None
    inspections: list[Inspection]
    total_points: Decimal
    by_centre: list[dict] = field(default_factory=list)
    hall: hall_figures.HallFigures | None = None


def daily_bulletin(*, day: dt.date, centre: Centre | None = None, now: dt.datetime | None = None) -> Bulletin:
    """The day's inspections of `centre` (None: every centre, with a line per centre), and the day's hall
    figures (one query: supervision.dashboards.hall.day_line)."""
    start, end = day_bounds(day)
    qs = Inspection.objects.filter(at__gte=start, at__lt=end)
    if centre is not None:
        qs = qs.filter(centre=centre)
    inspections = list(qs.select_related("centre", "rule", "staff", "department").order_by("centre__division_code",
                                                                                              "at"))
    by_centre = [{**row, "name": pick(row["centre__name_zh"], row["centre__name_en"])} for row in qs.values(
        "centre__division_code", "centre__name_zh", "centre__name_en").annotate(
        count=Count("id"), points=Sum("points")).order_by("centre__division_code")] if centre is None else []
    return Bulletin(day=day, centre=centre, inspections=inspections,
                    total_points=sum((i.points for i in inspections), Decimal(0)), by_centre=by_centre,
                    hall=hall_figures.day_line(day=day, centre=centre, now=now))


def bulletin_for(*, user: AnyUser, day: dt.date, centre: Centre | None) -> Bulletin:
    if centre is None:
        require_city_overseer(user=user)
    else:
        require_overseer(user=user, centre=centre)
    return daily_bulletin(day=day, centre=centre)


# --- monthly awards -----------------------------------------------------------------------------

@dataclass
class StaffScore:
    user: User
    deductions: Decimal
    cases: int
    satisfaction: float | None = None

    @property
    def name(self) -> str:
        return self.user.display_name


@dataclass
class WindowScore:
    number: str
    name: str
    deductions: Decimal
    satisfaction: float | None = None


@dataclass
class Awards:
    """The month's service star (为民服务标兵) and satisfied window (群众满意窗口), with the tables behind them."""

    month: dt.date
    staff: list[StaffScore]
    windows: list[WindowScore]

    @property
    def service_star(self) -> StaffScore | None:
        return self.staff[0] if self.staff else None

    @property
    def satisfied_window(self) -> WindowScore | None:
        return self.windows[0] if self.windows else None


def monthly_awards(*, centre: Centre, month: dt.date) -> Awards:
    """Service star: the front-line staff member with the fewest deductions in the month (then the
    higher satisfaction, when reviews exist; then more cases handled; then the name). Satisfied window:
    the window with the fewest deductions, then the higher satisfaction of the month's ratings on its
    rating pad (none counts as 0), then its number."""
    month = month.replace(day=1)
    start, end = month_bounds(month)
    in_month = Inspection.objects.filter(centre=centre, at__gte=start, at__lt=end)
    sat_staff = satisfaction_by_handler(centre=centre, start=start, end=end)

    deducted = dict(in_month.filter(staff__isnull=False).values_list("staff").annotate(s=Sum("points")).values_list(
        "staff", "s"))
    staff_ids = set(Membership.objects.filter(centre=centre, role__in=FRONT_LINE).values_list("user_id", flat=True))
    staff_ids |= set(deducted)
    handled = dict(RegistryEntry.objects.filter(
        centre=centre, handler_id__in=staff_ids, accepted_on__gte=start.date(), accepted_on__lt=end.date(),
    ).values_list("handler_id").annotate(n=Count("id")).values_list("handler_id", "n"))
    staff = [StaffScore(user=u, deductions=deducted.get(u.pk, Decimal(0)), cases=handled.get(u.pk, 0),
                        satisfaction=sat_staff.get(u.pk)) for u in User.objects.filter(pk__in=staff_ids)]
    staff.sort(key=lambda s: (s.deductions, -(s.satisfaction or 0), -s.cases, s.name, s.user.pk))

    by_window = dict(in_month.values_list("window_number").annotate(s=Sum("points")).values_list(
        "window_number", "s"))
    names = window_names(centre=centre)
    sat_window = satisfaction_by_window(centre=centre, start=start, end=end)
    windows = [WindowScore(number=n, name=names.get(n, ""), deductions=by_window.get(n, Decimal(0)),
                           satisfaction=sat_window.get(n)) for n in set(names) | set(by_window)]
    windows.sort(key=lambda w: (w.deductions, -(w.satisfaction or 0), w.number))
    return Awards(month=month, staff=staff, windows=windows)


def awards_for(*, user: AnyUser, centre: Centre, month: dt.date) -> Awards:
    require_overseer(user=user, centre=centre)
    return monthly_awards(centre=centre, month=month)


# --- yearly scores ------------------------------------------------------------------------------

def _score_annotations(prefix: str, year: int, extra: Q | None = None) -> dict:
    condition = Q(**{f"{prefix}__at__year": year}) & (extra or Q())
    deducted = Coalesce(Sum(f"{prefix}__points", filter=condition), Value(Decimal(0)), output_field=_POINTS)
    return {"deducted": deducted,
            "score": Greatest(Value(FULL_SCORE, output_field=_POINTS) - F("deducted"),
                              Value(Decimal(0), output_field=_POINTS), output_field=_POINTS)}


def yearly_centre_scores(*, year: int) -> QuerySet[Centre]:
    """Every centre with `deducted` and `score` (100 − the year's deductions, never below 0): one GROUP BY."""
    return Centre.objects.annotate(**_score_annotations("inspections", year)).order_by("division_code")


def yearly_department_scores(*, year: int, centre: Centre | None = None) -> QuerySet[Department]:
    """Every department with `deducted` and `score` for the year (at one centre, or city-wide): one GROUP BY."""
    extra = Q(inspections__centre=centre) if centre is not None else None
    return Department.objects.annotate(**_score_annotations("inspections", year, extra)).order_by("code")


@dataclass
class Scores:
    """A year's scores as a user may see them: every centre and department (the city's overseers), or
    their own centre and its departments."""

    year: int
    centres: list[Centre]
    departments: list[Department]


def scores_for(*, user: AnyUser, centre: Centre, year: int) -> Scores:
    if user_is_city_overseer(user=user):
        return Scores(year=year, centres=list(yearly_centre_scores(year=year)),
                      departments=list(yearly_department_scores(year=year)))
    require_overseer(user=user, centre=centre)
    return Scores(year=year, centres=list(yearly_centre_scores(year=year).filter(pk=centre.pk)),
                  departments=list(yearly_department_scores(year=year, centre=centre)))
