"""Assessment (考核) with its rules as data: inspections of windows and staff with their deductions,
the daily bulletin (通报), the monthly awards (为民服务标兵, 群众满意窗口) and the yearly scores of
centres and departments (100 minus the year's deductions, never below 0).

Who sees what: a centre's supervisors and administrators see their centre; the city centre's
supervisors and administrators (and platform administrators) see every centre; anyone else gets 404.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Department
from common.errors import ApplicationError, ErrorCode
from registry.models import RegistryEntry
from supervision.models_assessment import Inspection, ScoringRule
from tenants.choices import Level, Role
from tenants.models import Centre, Membership, User
from tenants.selectors import _memberships, user_is_platform_admin
from windows.door import window_names

#: Who oversees a centre (sees its samples, inspections and bulletins).
OVERSEERS = frozenset({Role.CENTRE_ADMIN, Role.SUPERVISOR})
#: Who is assessed as staff for the service star.
FRONT_LINE = frozenset({Role.WINDOW_CLERK, Role.CHIEF_REPRESENTATIVE})
FULL_SCORE = Decimal(100)
_POINTS = DecimalField(max_digits=8, decimal_places=1)


# --- access -------------------------------------------------------------------------------------

def user_is_city_overseer(*, user: User) -> bool:
    """A supervisor or administrator of the city centre, or a platform administrator: sees every centre."""
    if not user.is_authenticated:
        return False
    if user_is_platform_admin(user=user):
        return True
    centre_ids = [cid for cid, roles in _memberships(user).items() if cid is not None and roles & OVERSEERS]
    return bool(centre_ids) and Centre.objects.filter(pk__in=centre_ids, level=Level.CITY).exists()


def require_overseer(*, user: User, centre: Centre) -> None:
    """404 unless the user oversees `centre` (its supervisors and administrators, or the city's)."""
    if not user.is_authenticated:
        raise Http404
    if _memberships(user).get(centre.pk, set()) & OVERSEERS:
        return
    if not user_is_city_overseer(user=user):
        raise Http404


def require_city_overseer(*, user: User) -> None:
    if not user_is_city_overseer(user=user):
        raise Http404


# --- rules and inspections ----------------------------------------------------------------------

@transaction.atomic
def scoring_rule_save(*, code: str, description_zh: str, description_en: str, points: Decimal,
                      is_active: bool = True, acting_user: User | None) -> ScoringRule:
    """Create or change a rule (by its code). The city keeps the rules; `acting_user=None` is the system."""
    if acting_user is not None:
        require_city_overseer(user=acting_user)
    if points < 0:
        raise ApplicationError(_("A deduction is zero points or more."), ErrorCode.VALIDATION,
                               {"fields": {"points": [_("A deduction is zero points or more.")]}})
    rule, _created = ScoringRule.objects.update_or_create(code=code.strip(), defaults={
        "description_zh": description_zh, "description_en": description_en, "points": points,
        "is_active": is_active})
    return rule


@transaction.atomic
def inspection_record(*, centre: Centre, window_number: str, rule: ScoringRule, inspector: User | None,
                      staff: User | None = None, department: Department | None = None,
                      points: Decimal | None = None, note: str = "", at: dt.datetime | None = None) -> Inspection:
    """Record an inspection's deduction. The points default to the rule's; the department to the staff
    member's department at the centre."""
    if inspector is not None:
        require_overseer(user=inspector, centre=centre)
    if not rule.is_active:
        raise ApplicationError(_("This rule is no longer in force."), ErrorCode.VALIDATION)
    if department is None and staff is not None:
        code = Membership.objects.filter(user=staff, centre=centre).exclude(department_code="").values_list(
            "department_code", flat=True).first()
        department = Department.objects.filter(code=code).first() if code else None
    return Inspection.objects.create(centre=centre, window_number=window_number.strip(), staff=staff,
                                     department=department, rule=rule,
                                     points=rule.points if points is None else points, note=note,
                                     at=at or timezone.now(), inspector=inspector)


def inspections_for(*, user: User, centre: Centre) -> QuerySet[Inspection]:
    require_overseer(user=user, centre=centre)
    return Inspection.objects.filter(centre=centre).select_related("rule", "staff", "inspector", "department")


# --- the daily bulletin -------------------------------------------------------------------------

def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime(day.year, day.month, day.day, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


@dataclass
class Bulletin:
    """The day's inspections and deductions (通报), of one centre or of the whole city."""

    day: dt.date
    centre: Centre | None
    inspections: list[Inspection]
    total_points: Decimal
    by_centre: list[dict] = field(default_factory=list)


def daily_bulletin(*, day: dt.date, centre: Centre | None = None) -> Bulletin:
    """The day's inspections of `centre` (None: every centre, with a line per centre)."""
    start, end = _day_bounds(day)
    qs = Inspection.objects.filter(at__gte=start, at__lt=end)
    if centre is not None:
        qs = qs.filter(centre=centre)
    inspections = list(qs.select_related("centre", "rule", "staff", "department").order_by("centre__division_code",
                                                                                              "at"))
    by_centre = list(qs.values("centre__division_code", "centre__name_zh", "centre__name_en").annotate(
        count=Count("id"), points=Sum("points")).order_by("centre__division_code")) if centre is None else []
    return Bulletin(day=day, centre=centre, inspections=inspections,
                    total_points=sum((i.points for i in inspections), Decimal(0)), by_centre=by_centre)


def bulletin_for(*, user: User, day: dt.date, centre: Centre | None) -> Bulletin:
    if centre is None:
        require_city_overseer(user=user)
    else:
        require_overseer(user=user, centre=centre)
    return daily_bulletin(day=day, centre=centre)


# --- monthly awards -----------------------------------------------------------------------------

def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    return start, dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=tz)


def _satisfaction(*, centre: Centre, start: dt.datetime, end: dt.datetime) -> dict[int, float]:
    """Satisfaction rate (share of reviews at the three top levels) by responsible clerk, from the
    month's good/bad reviews (好差评); empty when the reviews are not installed."""
    try:
        from supervision.models_reviews import Review
        from supervision.reviews import SATISFIED_LEVELS
    except ImportError:
        return {}
    rows = Review.objects.filter(centre=centre, created_at__gte=start, created_at__lt=end,
                                 entry__handler_id__isnull=False).values("entry__handler_id").annotate(
        n=Count("id"), good=Count("id", filter=Q(overall__in=SATISFIED_LEVELS)))
    return {r["entry__handler_id"]: r["good"] / r["n"] for r in rows}


@dataclass
class StaffScore:
    user: User
    deductions: Decimal
    cases: int
    satisfaction: float | None = None

    @property
    def name(self) -> str:
        return self.user.full_name or self.user.username


@dataclass
class WindowScore:
    number: str
    name: str
    deductions: Decimal


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
    the window with the fewest deductions (then its number: reviews do not name the window)."""
    month = month.replace(day=1)
    start, end = _month_bounds(month)
    in_month = Inspection.objects.filter(centre=centre, at__gte=start, at__lt=end)
    sat_staff = _satisfaction(centre=centre, start=start, end=end)

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
    windows = [WindowScore(number=n, name=names.get(n, ""), deductions=by_window.get(n, Decimal(0)))
               for n in set(names) | set(by_window)]
    windows.sort(key=lambda w: (w.deductions, w.number))
    return Awards(month=month, staff=staff, windows=windows)


def awards_for(*, user: User, centre: Centre, month: dt.date) -> Awards:
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
