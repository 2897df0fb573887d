"""Reads of the warnings room, per centre: a centre's staff never see another centre's warnings or
findings (who sees what: `supervision.access`)."""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from supervision.access import OVERSEERS, require_staff, user_oversees
from supervision.warnings.models import DeadlineWarning, Finding
from tenants.choices import Role
from tenants.models import AnyUser, Centre
from tenants.selectors import user_department_in, user_is_platform_admin, user_roles_in


def warnings_for(*, user: AnyUser, centre: Centre, level: str | None = None) -> QuerySet[DeadlineWarning]:
    """The warnings in the user's inbox: all of the centre's for its admins and supervisors; for a
    clerk or chief representative, those of the cases they accepted or of their department."""
    require_staff(user=user, centre=centre)
    qs = DeadlineWarning.objects.filter(centre=centre).select_related("acknowledged_by")
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


def warning_get_for(*, user: AnyUser, centre: Centre, pk: int) -> DeadlineWarning:
    """One warning of the user's inbox (404 otherwise)."""
    warning = warnings_for(user=user, centre=centre).filter(pk=pk).first()
    if warning is None:
        raise Http404
    return warning


def findings_for(*, user: AnyUser, centre: Centre) -> QuerySet[Finding]:
    """The centre's findings, for its administrators and supervisors only."""
    require_staff(user=user, centre=centre)
    if not user_oversees(user=user, centre=centre):
        raise Http404
    return Finding.objects.filter(centre=centre).select_related("acting_user").order_by("-at")
