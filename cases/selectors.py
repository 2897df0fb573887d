"""Reads of cases for a centre's staff, and who may see them. Missing and forbidden look alike (404).

Run inside the centre's schema (a request on its host): a case lives in its centre's schema, so
another centre's host simply does not have it.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from cases.choices import CLOCK_PAUSED, CLOCK_RUNNING, TERMINAL, CaseStatus
from cases.models import Case, CaseEvent, OneTimeNotice
from tenants.models import AnyUser, Centre
from tenants.selectors import user_is_staff_of
from workcalendar.clock import WorkCalendar

#: "Due soon": the promised due date falls within this many working days from today.
DUE_SOON_WORKDAYS = 2

OPEN = "open"
ALL = "all"
OVERDUE = "overdue"
DUE_SOON = "soon"


@dataclass(frozen=True)
class CaseFilters:
    """What the inbox shows: a status (`open` by default, `all`, or one status), a department code,
    and `due` (`overdue`, `soon` or nothing)."""

    status: str = OPEN
    department: str = ""
    due: str = ""

    @classmethod
    def from_mapping(cls, data) -> CaseFilters:
        status = data.get("status") or OPEN
        if status not in (OPEN, ALL, *CaseStatus.values):
            status = OPEN
        due = data.get("due") or ""
        return cls(status=status, department=(data.get("department") or "").strip().upper()[:2],
                   due=due if due in (OVERDUE, DUE_SOON) else "")


def require_case_staff(*, user: AnyUser, centre: Centre) -> None:
    """Only the centre's staff (or a platform administrator) see its cases; anyone else gets 404."""
    if not user.is_authenticated or not user_is_staff_of(user=user, centre=centre):
        raise Http404


def due_soon_until(*, centre: Centre, today: dt.date) -> dt.date:
    """The last day that counts as "due soon" (the second working day after today)."""
    return WorkCalendar.for_centre(centre.pk).add_workdays(today, DUE_SOON_WORKDAYS).date


def case_list_for(*, user: AnyUser, centre: Centre, filters: CaseFilters | None = None,
                  today: dt.date | None = None) -> QuerySet[Case]:
    """The centre's cases for its staff, most urgent first: overdue, then by the nearest promised due
    date, then not yet accepted, then paused (awaiting materials), then decided; one query.

    Each row is annotated with `urgency` (0 overdue … 4 decided or closed), `is_overdue` and
    `is_due_soon`. Overdue: the clock runs and the promised due date is before today.
    """
    require_case_staff(user=user, centre=centre)
    filters = filters or CaseFilters()
    today = today or timezone.localdate()
    soon = due_soon_until(centre=centre, today=today)
    running = Q(status__in=CLOCK_RUNNING, promised_due__isnull=False)
    overdue = running & Q(promised_due__lt=today)
    due_soon = running & Q(promised_due__gte=today, promised_due__lte=soon)
    qs = Case.objects.annotate(
        urgency=SqlCase(When(overdue, then=Value(0)), When(running, then=Value(1)),
                      When(status=CaseStatus.SUBMITTED, then=Value(2)),
                      When(status__in=CLOCK_PAUSED, then=Value(3)), default=Value(4),
                      output_field=IntegerField()),
        is_overdue=SqlCase(When(overdue, then=Value(1)), default=Value(0), output_field=IntegerField()),
        is_due_soon=SqlCase(When(due_soon, then=Value(1)), default=Value(0), output_field=IntegerField()),
    )
    if filters.status == OPEN:
        qs = qs.exclude(status__in=TERMINAL)
    elif filters.status != ALL:
        qs = qs.filter(status=filters.status)
    if filters.department:
        qs = qs.filter(department_code=filters.department)
    if filters.due == OVERDUE:
        qs = qs.filter(overdue)
    elif filters.due == DUE_SOON:
        qs = qs.filter(due_soon)
    return qs.order_by("urgency", "promised_due", "submitted_at", "number")


def case_departments_for(*, user: AnyUser, centre: Centre) -> list[tuple[str, str, str]]:
    """The departments the centre's cases belong to: (code, name_zh, name_en), for the inbox filter."""
    require_case_staff(user=user, centre=centre)
    rows = (Case.objects.exclude(department_code="")
            .values_list("department_code", "department_name_zh", "department_name_en").distinct())
    seen: dict[str, tuple[str, str, str]] = {}
    for code, name_zh, name_en in rows.order_by("department_code"):
        seen.setdefault(code, (code, name_zh, name_en))
    return list(seen.values())


def case_get_for(*, user: AnyUser, centre: Centre, case_id: uuid.UUID | str, detail: bool = True) -> Case:
    """One case of the centre — with its checklist, events and notices unless `detail` is False (a
    write only needs to know it exists and may be touched); 404 if missing or not allowed."""
    require_case_staff(user=user, centre=centre)
    qs = Case.objects.all()
    if detail:
        qs = qs.prefetch_related(
            "materials", Prefetch("events", queryset=CaseEvent.objects.order_by("at", "pk")),
            Prefetch("notices", queryset=OneTimeNotice.objects.order_by("-issued_on", "-pk")))
    case = qs.filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


def open_notice(case: Case) -> OneTimeNotice | None:
    """The case's unresolved one-time notice (from the prefetched notices)."""
    return next((n for n in case.notices.all() if n.resolved_on is None), None)


def latest_notice(case: Case) -> OneTimeNotice | None:
    """The open notice, else the most recent one."""
    notices = list(case.notices.all())
    return open_notice(case) or (notices[0] if notices else None)
