"""Reads of the catalogue: a centre's catalogue in one query, search, what accepts cases."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.db import connection
from django.db.models import Case as SqlCase
from django.db.models import F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from catalog.choices import VersionStatus
from catalog.models import (
    Adoption,
    Agency,
    CatalogueImport,
    CatalogueNotice,
    Department,
    FormFile,
    Item,
    ItemVersion,
    Material,
)
from tenants.choices import Level, Role
from tenants.models import Centre, Membership
from tenants.selectors import user_is_centre_admin, user_is_platform_admin


class CatalogueLimits(TypedDict):
    """The effective limits a centre's catalogue annotates on each adoption (working days)."""

    promised_days: int
    legal_days: int


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    #: A row of a centre's catalogue: an adoption with its effective limits (`CatalogueLimits`).
    CatalogueEntry: TypeAlias = WithAnnotations[Adoption, CatalogueLimits]
else:
    CatalogueEntry = Adoption


def _open_on(day: dt.date) -> Q:
    return Q(ends_on__isnull=True) | Q(ends_on__gt=day)


def centre_catalogue(*, centre: Centre | Sequence[Centre], on: dt.date | None = None, query: str | None = None,
                     category: str | None = None) -> QuerySet[CatalogueEntry]:
    """The centre's catalogue = its adoptions + its local items (local items are adopted when made),
    each with its effective promised limit (`promised_days`) and legal limit (`legal_days`), in working
    days: one query. Several centres at once: their catalogues together (`centre` a sequence)."""
    on = on or timezone.localdate()
    where = Q(centre__in=list(centre)) if isinstance(centre, Sequence) else Q(centre=centre)
    qs = (Adoption.objects.filter(where, starts_on__lte=on).filter(_open_on(on))
          .filter(Q(item__removed_on__isnull=True) | Q(item__removed_on__gt=on))
          .select_related("item__current_version", "item__department")
          .annotate(promised_days=Coalesce("promised_limit_days", F("item__current_version__promised_limit_days")),
                    legal_days=F("item__current_version__legal_limit_days"))
          .order_by("item__code"))
    if category:
        qs = qs.filter(item__category=category)
    if query:
        qs = qs.filter(_search_q(query, prefix="item__"))
    return qs


def _search_q(query: str, *, prefix: str = "") -> Q:
    condition = Q()
    for token in query.lower().split():
        condition &= Q(**{f"{prefix}search_text__contains": token})
    return condition


def item_search(*, query: str | None = None, category: str | None = None, department_code: str | None = None,
                level: str | None = None, include_local: bool = False) -> QuerySet[Item]:
    """Master items by name, code, department, keyword or pinyin initials (`jsgc` finds 建设工程…)."""
    qs = Item.objects.filter(current_version__isnull=False).select_related("current_version", "department")
    if not include_local:
        qs = qs.filter(owner_centre__isnull=True)
    if query:
        qs = qs.filter(_search_q(query))
    if category:
        qs = qs.filter(category=category)
    if department_code:
        qs = qs.filter(department__code=department_code)
    if level:
        qs = qs.filter(levels__contains=[level])
    return qs.order_by("code")


def adoptable_items(*, centre: Centre, on: dt.date | None = None, query: str | None = None) -> QuerySet[Item]:
    """Master items the centre may claim on `on` and has not: those its level exercises, in effect,
    not removed; for a township only what its district claimed for it (逐级认领)."""
    on = on or timezone.localdate()
    items = (item_search(query=query, level=centre.level)
             .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=on))
             .exclude(pk__in=centre_catalogue(centre=centre, on=on).values("item_id")))
    if centre.level == Level.TOWNSHIP:
        parent = centre.parent
        if parent is None:
            return items.none()
        items = items.filter(pk__in=centre_catalogue(centre=parent, on=on).values("item_id"))
    return items


def adoption_get(*, centre: Centre, item_code: str, on: dt.date | None = None) -> Adoption:
    """The centre's adoption of an item (404 if it does not exercise it)."""
    adoption = centre_catalogue(centre=centre, on=on).filter(item__code=item_code).first()
    if adoption is None:
        raise Http404
    return adoption


def item_accepts_cases(*, centre: Centre, item: Item, on: dt.date | None = None) -> bool:
    """From a removal's effective date an item accepts no new case anywhere."""
    on = on or timezone.localdate()
    return centre_catalogue(centre=centre, on=on).filter(item=item).exists()


def user_is_catalogue_admin(*, user) -> bool:
    """Catalogue administrators (and platform administrators) write the master catalogue."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user_is_platform_admin(user=user) or Membership.objects.filter(
        user=user, role=Role.CATALOGUE_ADMIN).exists()


def catalogue_import_get_for(*, user, job_id: int) -> CatalogueImport:
    """A catalogue import the worker runs, for catalogue administrators; anyone else: 404 (as missing)."""
    job = CatalogueImport.objects.defer("content").filter(pk=job_id).first()
    if job is None or not user_is_catalogue_admin(user=user):
        raise Http404
    return job


def user_may_adopt(*, user, centre: Centre) -> bool:
    """Centre administrators (and platform administrators) manage their centre's adoptions."""
    return getattr(user, "is_authenticated", False) and user_is_centre_admin(user=user, centre=centre)


# --- single reads (the master catalogue is public: no object permissions) -------------------------

def department_list() -> QuerySet:
    return Department.objects.order_by("code")


def item_get(*, code: str, master_only: bool = False) -> Item:
    """One item with what its page shows (current version and materials, parent, children, versions,
    events, agencies), or 404."""


    qs = (Item.objects.select_related("department", "parent__current_version", "current_version")
          .prefetch_related(
              Prefetch("current_version__materials", queryset=Material.objects.order_by("position")),
              Prefetch("versions", queryset=ItemVersion.objects.order_by("-number")),
              Prefetch("children", queryset=Item.objects.select_related("current_version").order_by("code")),
              "events__merged_into", "agencies"))
    if master_only:
        qs = qs.filter(owner_centre__isnull=True, current_version__isnull=False)
    item = qs.filter(code=code).first()
    if item is None:
        raise Http404
    return item


def agency_list() -> QuerySet:


    return Agency.objects.prefetch_related(
        Prefetch("items", queryset=Item.objects.select_related("current_version").order_by("code"))
    ).order_by("name_zh")


def notices_of(*, centre: Centre) -> QuerySet:
    """A centre's catalogue notices, newest first."""
    return (CatalogueNotice.objects.filter(centre=centre).select_related("event__item")
            .order_by("-created_at", "-pk"))


@dataclass(frozen=True)
class AdoptionTerms:
    version_id: int
    name_zh: str
    name_en: str
    legal_days: int
    promised_days: int


def adoption_terms(*, centre_id: int, item_id: int, on: dt.date) -> AdoptionTerms | None:
    """What accepting a case of `item_id` at the centre on `on` freezes: the current version and both
    limits (the centre's own promise, else the master's) — or None if the centre does not accept it.
    The same rule as `centre_catalogue`, as one plain statement for the case-acceptance hot path (a
    test checks that the two agree)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.id, v.name_zh, v.name_en, v.legal_limit_days, "
            "       COALESCE(a.promised_limit_days, v.promised_limit_days) "
            "FROM catalog_adoption a JOIN catalog_item i ON i.id = a.item_id "
            "JOIN catalog_itemversion v ON v.id = i.current_version_id "
            "WHERE a.centre_id = %s AND a.item_id = %s AND a.starts_on <= %s "
            "AND (a.ends_on IS NULL OR a.ends_on > %s) AND (i.removed_on IS NULL OR i.removed_on > %s) "
            "LIMIT 1", [centre_id, item_id, on, on, on])
        row = cursor.fetchone()
    return AdoptionTerms(*row) if row else None


def version_forms(*, version_id: int | None) -> list[FormFile]:
    """The forms and samples (表单, 样表) of an item version, to download from its guide: blank forms first,
    then samples, each in the order added. Public documents (no permission asked); [] for no version."""
    if version_id is None:
        return []
    return list(FormFile.objects.filter(version_id=version_id).order_by("kind", "position", "pk"))


def form_get_for_download(*, user, form_id: int) -> FormFile:
    """A form to download: anyone's for a published or archived version (public documents); a draft's only
    for catalogue administrators. Anything else is 404 (as missing)."""
    form = FormFile.objects.select_related("version").filter(pk=form_id).first()
    if form is None or (form.version.status == VersionStatus.DRAFT and not user_is_catalogue_admin(user=user)):
        raise Http404
    return form


def handling_chain(*, township: Centre) -> list[Centre]:
    """The centres that may handle an application made at `township` (乡镇/街道), nearest first: the township,
    its district (or zone), the city. A centre that is not a township has no parent chain of its own here:
    itself, its parent, the city."""
    chain = [township]
    district = township.parent
    if district is not None:
        chain += [district, district.parent or Centre.objects.get(level=Level.CITY)]
    return chain


def handling_adoption(*, township: Centre, item_code: str, on: dt.date) -> CatalogueEntry | None:
    """Where an application for `item_code` made at `township` is handled — the one rule of proxy filings
    (代办) and online applications (网上申报): the township if it exercises the item, else its district (or
    zone), else the city; one query over the three catalogues. The adoption (its `centre` loaded), or None
    when none of them accepts the item on `on`."""
    chain = handling_chain(township=township)
    rank = SqlCase(*[When(centre_id=centre.pk, then=Value(i)) for i, centre in enumerate(chain)],
                   output_field=IntegerField())
    return (centre_catalogue(centre=chain, on=on).filter(item__code=item_code)
            .select_related("centre").order_by(rank).first())
