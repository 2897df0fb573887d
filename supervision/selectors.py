"""Reads of supervision, per centre: a centre's staff never see another centre's warnings or findings."""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from supervision.models import DeadlineWarning, Finding
from tenants.choices import Role
from tenants.models import Centre, User
from tenants.selectors import user_department_in, user_is_platform_admin, user_is_staff_of, user_roles_in

#: Who sees every warning and finding of the centre (others: their own cases and department).
OVERSEERS = frozenset({Role.CENTRE_ADMIN, Role.SUPERVISOR})


def _require_staff(user: User, centre: Centre) -> None:
    if not user.is_authenticated or not user_is_staff_of(user=user, centre=centre):
        raise Http404


def warnings_for(*, user: User, centre: Centre, level: str | None = None) -> QuerySet[DeadlineWarning]:
    """The warnings in the user's inbox: all of the centre's for its admins and supervisors; for a
    clerk or chief representative, those of the cases they accepted or of their department."""
    _require_staff(user, centre)
    qs = DeadlineWarning.objects.filter(centre=centre)
    roles = user_roles_in(user=user, centre=centre)
    department = user_department_in(user=user, centre=centre)
    sees_all = bool(roles & OVERSEERS) or user_is_platform_admin(user=user) or (
        Role.CHIEF_REPRESENTATIVE in roles and not department)
    if not sees_all:
        mine = Q(handler_id=user.pk)
        if Role.CHIEF_REPRESENTATIVE in roles:
            mine |= Q(department_code=department)
        qs = qs.filter(mine)
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("acknowledged_at", "-fired_at")


def findings_for(*, user: User, centre: Centre) -> QuerySet[Finding]:
    """The centre's findings, for its administrators and supervisors only."""
    _require_staff(user, centre)
    if not (user_roles_in(user=user, centre=centre) & OVERSEERS or user_is_platform_admin(user=user)):
        raise Http404
    return Finding.objects.filter(centre=centre).select_related("acting_user").order_by("-at")
