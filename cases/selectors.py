"""Reads of cases for a centre's staff, and who may see, act on and reveal them: the one place of the rule.
Missing and forbidden look alike (404).

Run inside the centre's schema (a request on its host): a case lives in its centre's schema, so
another centre's host simply does not have it.

Departments bind (部门办件归属). A membership's `department_code` (2 letters; empty: every department)
scopes what its holder handles:

- the centre's administrators and supervisors (and platform administrators) read every case; they gain
  no write power from it (an administrator acts as the transition map says, a supervisor not at all);
- a window clerk or chief representative with a department reads and acts on that department's cases
  only: another department's case is missing for them (404), on pages, the API and exports alike;
- a general window clerk (综合窗口, 一窗受理: no department) reads and acts on every department's cases;
- anyone may file a case at the window for any department (`require_case_staff`); a department clerk
  who files one for another department hands it over and does not see it afterwards.

Someone who reads a case but whose department is not the case's (a supervisor who is also a clerk of
another department) is refused a step with 403 `case_role_not_allowed` (`case_act_check`).

Personal data by need: the full ID number and phone of an applicant are shown only to those who handle
the case (`may_reveal`: its department's clerks and chief representatives, a general clerk), and only
through an explicit reveal that is audited; everyone else sees them masked.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import CLOCK_PAUSED, CLOCK_RUNNING, TERMINAL, TRANSITIONS, Action, CaseStatus
from cases.error_codes import CaseErrorCode
from cases.models import Case, CaseEvent, OneTimeNotice
from common.errors import ApplicationError
from common.rows import ModelRow
from tenants.choices import Role
from tenants.models import AnyUser, Centre
from tenants.selectors import user_department_in, user_is_platform_admin, user_is_staff_of, user_roles_in
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


#: Roles that read every case of the centre, whatever their membership's department.
READ_ALL_ROLES = frozenset({Role.CENTRE_ADMIN, Role.SUPERVISOR})
#: Roles that handle cases (act on them, may reveal personal data), bound to their department if they have one.
HANDLER_ROLES = frozenset({Role.WINDOW_CLERK, Role.CHIEF_REPRESENTATIVE})


def case_department_scope(*, user: AnyUser, centre: Centre) -> str | None:
    """The department whose cases `user` reads at `centre`: None for every department (administrators,
    supervisors, general clerks), else its 2-letter code. 404 for anyone not staff of the centre."""
    require_case_staff(user=user, centre=centre)
    if user_is_platform_admin(user=user) or user_roles_in(user=user, centre=centre) & READ_ALL_ROLES:
        return None
    return user_department_in(user=user, centre=centre) or None


def _handles_department(*, user: AnyUser, centre: Centre, department_code: str) -> bool:
    """Whether `user` is a clerk or chief representative at `centre` whose department covers
    `department_code` (an empty membership department covers all)."""
    if not user_roles_in(user=user, centre=centre) & HANDLER_ROLES:
        return False
    own = user_department_in(user=user, centre=centre)
    return not own or own == department_code


def may_reveal(*, user: AnyUser, centre: Centre, case: Case) -> bool:
    """Whether `user` handles `case` and so may reveal its applicant's full ID number and phone: the
    case's department's clerks and chief representatives, and general clerks. Not administrators or
    supervisors (they see masked values), not another department."""
    return (user.is_authenticated and user_is_staff_of(user=user, centre=centre)
            and _handles_department(user=user, centre=centre, department_code=case.department_code))


def case_roles_for(*, user: AnyUser, centre: Centre, case: Case) -> set[str]:
    """The roles `user` acts with on `case`: their roles at `centre`, less the clerk's and chief
    representative's when the case is another department's (an administrator keeps all of theirs)."""
    roles = user_roles_in(user=user, centre=centre)
    if Role.CENTRE_ADMIN in roles or _handles_department(user=user, centre=centre,
                                                          department_code=case.department_code):
        return roles
    return roles - HANDLER_ROLES


def case_act_check(*, user: AnyUser, centre: Centre, case: Case, action: str) -> None:
    """Refuse a step on `case` that `user`'s roles allow only in another department (403
    `case_role_not_allowed`, naming the case's department); anything else is the service's to check."""
    roles = TRANSITIONS[action].roles if action in TRANSITIONS else frozenset()
    if roles & user_roles_in(user=user, centre=centre) and not roles & case_roles_for(user=user, centre=centre,
                                                                                        case=case):
        raise ApplicationError(
            _("Case %(number)s belongs to another department (%(department)s): only its own staff may "
              "“%(action)s” it.") % {"number": case.number, "department": case.department_code,
                                    "action": Action(action).label},
            CaseErrorCode.ROLE_NOT_ALLOWED, {"department": case.department_code}, http_status=403)


def _scoped(qs: QuerySet[Case], *, user: AnyUser, centre: Centre) -> QuerySet[Case]:
    department = case_department_scope(user=user, centre=centre)
    return qs if department is None else qs.filter(department_code=department)


def case_ids_visible(*, user: AnyUser, centre: Centre, case_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `case_ids` `user` may read at `centre` (none for anyone not its staff): for pages of
    other apps that link to cases (a joint case's legs)."""
    if not user.is_authenticated or not user_is_staff_of(user=user, centre=centre):
        return set()
    return set(_scoped(Case.objects.filter(pk__in=case_ids), user=user, centre=centre)
               .values_list("pk", flat=True))


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
    qs = _scoped(Case.objects.all(), user=user, centre=centre).annotate(
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
    """The departments of the cases `user` may read: (code, name_zh, name_en), for the inbox filter."""
    rows = (_scoped(Case.objects.all(), user=user, centre=centre).exclude(department_code="")
            .values_list("department_code", "department_name_zh", "department_name_en").distinct())
    seen: dict[str, tuple[str, str, str]] = {}
    for code, name_zh, name_en in rows.order_by("department_code"):
        seen.setdefault(code, (code, name_zh, name_en))
    return list(seen.values())


def case_get_for(*, user: AnyUser, centre: Centre, case_id: uuid.UUID | str, detail: bool = True) -> Case:
    """One case of the centre — with its checklist, events and notices unless `detail` is False (a
    write only needs to know it exists and may be touched); 404 if missing, or not the centre's staff,
    or another department's case for a department's clerk (see the module's docstring)."""
    if not detail:
        case = case_row(case_id=case_id, department=case_department_scope(user=user, centre=centre))
        if case is None:
            raise Http404
        return case
    qs = _scoped(Case.objects.all(), user=user, centre=centre).prefetch_related(
        "materials", Prefetch("events", queryset=CaseEvent.objects.order_by("at", "pk")),
        Prefetch("notices", queryset=OneTimeNotice.objects.order_by("-issued_on", "-pk")))
    case = qs.filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


_CASE = ModelRow(Case, "c")
_CASE_BY_ID = f"SELECT {_CASE.select} FROM {Case._meta.db_table} c WHERE c.id = %s"  # noqa: S608 - names from the model


def case_row(*, case_id: uuid.UUID | str, department: str | None = None, for_update: bool = False) -> Case | None:
    """The case `case_id` of the current schema (whole row, no checklist or events), or None if there
    is none — or it is not of `department` when one is given (a department clerk's scope). One statement
    written once per process (common.rows), `FOR UPDATE` inside a transaction that changes the case: the
    write path's read, where a queryset compiled again on every request cost three times the CPU."""
    try:
        case_id = case_id if isinstance(case_id, uuid.UUID) else uuid.UUID(str(case_id))
    except ValueError:
        return None
    sql, params = _CASE_BY_ID, [str(case_id)]
    if department is not None:
        sql, params = sql + " AND c.department_code = %s", [str(case_id), department]
    with connection.cursor() as cursor:
        cursor.execute(sql + " FOR UPDATE" if for_update else sql, params)
        row = cursor.fetchone()
    return None if row is None else _CASE.instance(row)


def open_notice(case: Case) -> OneTimeNotice | None:
    """The case's unresolved one-time notice (from the prefetched notices)."""
    return next((n for n in case.notices.all() if n.resolved_on is None), None)


def latest_notice(case: Case) -> OneTimeNotice | None:
    """The open notice, else the most recent one."""
    notices = list(case.notices.all())
    return open_notice(case) or (notices[0] if notices else None)
