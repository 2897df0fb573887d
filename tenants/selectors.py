"""Reads and access checks for centres and memberships. Missing and forbidden look alike (404)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tenants.choices import STAFF_ROLES, Level, Role
from tenants.hooks import CentreImpact, centre_impact
from tenants.models import AnyUser, AuditEvent, Centre, Membership, User


def _memberships(user: User) -> dict[int | None, set[str]]:
    """All of the user's roles, by centre id (None: platform-wide), read once per user object (a
    request's user): the permission checks of one request cost one query in all."""
    cached = getattr(user, "_memberships_cache", None)
    if cached is None:
        cached = memberships_remember(user=user, rows=Membership.objects.filter(user=user).values_list(
            "centre_id", "role", "department_code"))
    return cached


def memberships_remember(*, user: User, rows: Iterable[Sequence]) -> dict[int | None, set[str]]:
    """Remember the user's memberships, `rows` of (centre id or None, role, department code), as the
    checks of this request read them: for a caller that read them already (the API's token
    authentication reads them in the same statement as the user)."""
    cached: dict[int | None, set[str]] = {}
    departments: dict[int | None, str] = {}
    for centre_id, role, department in rows:
        cached.setdefault(centre_id, set()).add(role)
        if department:
            departments[centre_id] = department
    user._memberships_cache = cached  # type: ignore[attr-defined]
    user._departments_cache = departments  # type: ignore[attr-defined]
    return cached


def user_department_in(*, user: AnyUser, centre: Centre) -> str:
    """The department whose cases the user handles at `centre` ("" for all)."""
    if not isinstance(user, User):
        return ""
    _memberships(user)
    return user._departments_cache.get(centre.pk, "")  # type: ignore[attr-defined]


def forget_memberships(*, user: User) -> None:
    """Drop the memoised roles (after a grant, so the same object sees it)."""
    user.__dict__.pop("_memberships_cache", None)
    user.__dict__.pop("_departments_cache", None)


def user_is_platform_admin(*, user: AnyUser) -> bool:
    if not isinstance(user, User):
        return False
    return user.is_superuser or Role.PLATFORM_ADMIN in _memberships(user).get(None, set())


def user_roles_in(*, user: AnyUser, centre: Centre | None) -> set[str]:
    if centre is None or not isinstance(user, User):
        return set()
    return set(_memberships(user).get(centre.pk, set()))


def user_is_staff_of(*, user: AnyUser, centre: Centre) -> bool:
    return user_is_platform_admin(user=user) or bool(user_roles_in(user=user, centre=centre) & STAFF_ROLES)


def user_is_centre_admin(*, user: AnyUser, centre: Centre) -> bool:
    return user_is_platform_admin(user=user) or Role.CENTRE_ADMIN in user_roles_in(user=user, centre=centre)


def centres_of_user(*, user: User) -> list[Centre]:
    """The centres where `user` holds a role, for the centre switcher."""
    return list(Centre.objects.filter(memberships__user=user).distinct().order_by("division_code"))


def centre_list(*, level: str | None = None, status: str | None = None, parent_code: str | None = None,
                district_code: str | None = None, query: str | None = None) -> QuerySet[Centre]:
    """Centres by division code. `parent_code`: the centres directly under that centre; `district_code`: a
    district's or zone's centre and the township centres under it."""
    qs = Centre.objects.select_related("parent").prefetch_related("domains").annotate(
        children_count=Count("children"))
    if level:
        qs = qs.filter(level=level)
    if status:
        qs = qs.filter(status=status)
    if parent_code:
        qs = qs.filter(parent__division_code=parent_code)
    if district_code:
        qs = qs.filter(Q(division_code=district_code) | Q(parent__division_code=district_code))
    if query:
        qs = qs.filter(Q(name_zh__icontains=query) | Q(name_en__icontains=query)
                       | Q(division_code__startswith=query) | Q(slug__icontains=query))
    return qs.order_by("division_code")


def district_list() -> QuerySet[Centre]:
    """The district/county (区县) and development-zone centres, by division code: those township centres sit
    under (the platform home's district filter)."""
    return Centre.objects.filter(level__in=[Level.DISTRICT, Level.ZONE]).order_by("division_code")


def centre_get(*, code: str) -> Centre:
    centre = Centre.objects.select_related("parent").filter(division_code=code).first()
    if centre is None:
        raise Http404
    return centre


def centre_impact_of(*, centre: Centre) -> CentreImpact:
    """What a change of `centre`'s status touches: its open cases (counted by the apps that hold them,
    through the `centre_impact` hook) and how many people hold a role there."""
    impact = CentreImpact(centre=centre)
    centre_impact.send(impact)
    impact.people = Membership.objects.filter(centre=centre).values("user").distinct().count()
    return impact


def centre_ancestors(*, centre: Centre) -> list[Centre]:
    """From the city down to the centre's parent (at most three levels: one query each)."""
    chain: list[Centre] = []
    node = centre.parent
    while node is not None:
        chain.append(node)
        node = Centre.objects.select_related("parent").get(pk=node.pk).parent if node.parent_id else None
    return list(reversed(chain))


def centre_children(*, centre: Centre) -> QuerySet[Centre]:
    return Centre.objects.filter(parent=centre).order_by("division_code")


def memberships_of(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("centre").order_by("centre__division_code")


def user_centre_roles(*, user: AnyUser) -> dict[int, set[str]]:
    """The user's roles at each centre where they hold one, by centre id (platform-wide roles left out),
    from the same memoised read as the other checks."""
    if not isinstance(user, User):
        return {}
    return {centre_id: set(roles) for centre_id, roles in _memberships(user).items() if centre_id is not None}


# --- the audit log (操作日志) -----------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilters:
    """What the audit page filters by; empty means "any". Dates are local days, both included."""

    kind: str = ""
    centre_code: str = ""
    actor: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def audit_events_for(*, user: AnyUser, centre: Centre | None, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The audit entries `user` may read, newest first. On the platform's site (`centre` None): platform
    administrators only, every entry, filterable by centre. On a centre's host: its administrators (and
    platform administrators), that centre's entries only; the centre filter is ignored. Anyone else: 404.
    """
    if centre is None:
        if not user_is_platform_admin(user=user):
            raise Http404
        events = AuditEvent.objects.all()
        if filters.centre_code:
            events = events.filter(centre_code=filters.centre_code)
    else:
        if not user_is_centre_admin(user=user, centre=centre):
            raise Http404
        events = AuditEvent.objects.filter(centre=centre)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.actor:
        events = events.filter(actor_name__iexact=filters.actor.strip())
    if filters.date_from:
        events = events.filter(at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_local_midnight(filters.date_to + dt.timedelta(days=1)))
    return events.select_related("actor", "centre").order_by("-at", "-id")
