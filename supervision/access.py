"""Who sees what in supervision, said once for every room (missing and forbidden look alike: 404).

- A centre's **staff** (any staff role there, or a platform administrator) see its warnings inbox
  (clerks their own cases, chief representatives their department), its reviews, rectifications and
  complaints, and its dashboard.
- Its **overseers** (its centre administrators and supervisors, or a platform administrator) see all
  of its warnings and its findings.
- The **city's overseers** (the city centre's administrators and supervisors, and platform
  administrators) see every centre's archive samples, inspections, bulletins, awards and scores, and
  keep the scoring rules; a centre's own overseers see its own.
"""
from __future__ import annotations

from django.http import Http404

from tenants.choices import Level, Role
from tenants.models import AnyUser, Centre
from tenants.selectors import user_centre_roles, user_is_platform_admin, user_is_staff_of, user_roles_in

#: Who oversees a centre: sees every warning and finding, its samples, inspections and bulletins.
OVERSEERS = frozenset({Role.CENTRE_ADMIN, Role.SUPERVISOR})


def require_staff(*, user: AnyUser, centre: Centre) -> None:
    """404 unless the user is staff of `centre` (or a platform administrator)."""
    if not user.is_authenticated or not user_is_staff_of(user=user, centre=centre):
        raise Http404


def user_oversees(*, user: AnyUser, centre: Centre) -> bool:
    """An administrator or supervisor of `centre` itself, or a platform administrator."""
    if not user.is_authenticated:
        return False
    return bool(user_roles_in(user=user, centre=centre) & OVERSEERS) or user_is_platform_admin(user=user)


def user_is_city_overseer(*, user: AnyUser) -> bool:
    """A supervisor or administrator of the city centre, or a platform administrator: sees every centre."""
    if not user.is_authenticated:
        return False
    if user_is_platform_admin(user=user):
        return True
    centre_ids = [centre_id for centre_id, roles in user_centre_roles(user=user).items() if roles & OVERSEERS]
    return bool(centre_ids) and Centre.objects.filter(pk__in=centre_ids, level=Level.CITY).exists()


def require_overseer(*, user: AnyUser, centre: Centre) -> None:
    """404 unless the user oversees `centre` (its administrators and supervisors, or the city's)."""
    if not (user_oversees(user=user, centre=centre) or user_is_city_overseer(user=user)):
        raise Http404


def require_city_overseer(*, user: AnyUser) -> None:
    if not user_is_city_overseer(user=user):
        raise Http404
