"""Reads and access checks for centres and memberships. Missing and forbidden look alike (404)."""
from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from tenants.choices import STAFF_ROLES, Role
from tenants.models import Centre, Membership, User


def _memberships(user: User) -> dict[int | None, set[str]]:
    """All of the user's roles, by centre id (None: platform-wide), read once per user object (a
    request's user): the permission checks of one request cost one query in all."""
    cached = getattr(user, "_memberships_cache", None)
    if cached is None:
        cached = {}
        departments: dict[int | None, str] = {}
        for centre_id, role, department in Membership.objects.filter(user=user).values_list(
                "centre_id", "role", "department_code"):
            cached.setdefault(centre_id, set()).add(role)
            if department:
                departments[centre_id] = department
        user._memberships_cache = cached  # type: ignore[attr-defined]
        user._departments_cache = departments  # type: ignore[attr-defined]
    return cached


def user_department_in(*, user: User, centre: Centre) -> str:
    """The department whose cases the user handles at `centre` ("" for all)."""
    if not user.is_authenticated:
        return ""
    _memberships(user)
    return user._departments_cache.get(centre.pk, "")  # type: ignore[attr-defined]


def forget_memberships(*, user: User) -> None:
    """Drop the memoised roles (after a grant, so the same object sees it)."""
    user.__dict__.pop("_memberships_cache", None)
    user.__dict__.pop("_departments_cache", None)


def user_is_platform_admin(*, user: User) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or Role.PLATFORM_ADMIN in _memberships(user).get(None, set())


def user_roles_in(*, user: User, centre: Centre | None) -> set[str]:
    if centre is None or not user.is_authenticated:
        return set()
    return set(_memberships(user).get(centre.pk, set()))


def user_is_staff_of(*, user: User, centre: Centre) -> bool:
    return user_is_platform_admin(user=user) or bool(user_roles_in(user=user, centre=centre) & STAFF_ROLES)


def user_is_centre_admin(*, user: User, centre: Centre) -> bool:
    return user_is_platform_admin(user=user) or Role.CENTRE_ADMIN in user_roles_in(user=user, centre=centre)


def centres_of_user(*, user: User) -> list[Centre]:
    """The centres where `user` holds a role, for the centre switcher."""
    return list(Centre.objects.filter(memberships__user=user).distinct().order_by("division_code"))


def centre_list(*, level: str | None = None, status: str | None = None, parent_code: str | None = None,
                query: str | None = None) -> QuerySet[Centre]:
    qs = Centre.objects.select_related("parent").prefetch_related("domains").annotate(
        children_count=Count("children"))
    if level:
        qs = qs.filter(level=level)
    if status:
        qs = qs.filter(status=status)
    if parent_code:
        qs = qs.filter(parent__division_code=parent_code)
    if query:
        from django.db.models import Q

        qs = qs.filter(Q(name_zh__icontains=query) | Q(name_en__icontains=query)
                       | Q(division_code__startswith=query) | Q(slug__icontains=query))
    return qs.order_by("division_code")


def centre_get(*, code: str) -> Centre:
    centre = Centre.objects.select_related("parent").filter(division_code=code).first()
    if centre is None:
        raise Http404
    return centre


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


def user_centre_roles(*, user: User) -> dict[int, set[str]]:
    """The user's roles at each centre where they hold one, by centre id (platform-wide roles left out),
    from the same memoised read as the other checks."""
    if not user.is_authenticated:
        return {}
    return {centre_id: set(roles) for centre_id, roles in _memberships(user).items() if centre_id is not None}
