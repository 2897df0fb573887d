"""Reads of online application (public schema: the catalogue, the centres, the registry)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cases.choices import ONLINE_DEPTH_MIN, CaseStatus
from catalog.models import Adoption, Item, Material
from catalog.selectors import CatalogueEntry, handling_adoption, handling_chain, item_search
from common.i18n import pick
from tenants.choices import CentreStatus, Level
from tenants.models import Centre


def online_items(*, query: str | None = None, on: dt.date) -> QuerySet[Item]:
    """Items that may be applied for online: a current version of online depth 3 or 4, adopted by some
    centre on `on`; by name, code, department, keyword or pinyin initials. Ordered by department, code."""
    adopted = Adoption.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on), item=OuterRef("pk"),
                                      starts_on__lte=on)
    return (item_search(query=query, include_local=True)
            .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=on), Exists(adopted),
                    current_version__online_depth__gte=ONLINE_DEPTH_MIN)
            .order_by("department__code", "code"))


def items_by_department(items: list[Item]) -> list[tuple[str, list[Item]]]:
    """[(department name, its items)] in the order given."""
    return [(department.name, list(rows)) for department, rows in groupby(items, key=lambda item: item.department)]


def item_get(*, code: str) -> Item:
    """An item with a version in effect, by code (404 otherwise)."""
    item = (Item.objects.select_related("current_version", "department").filter(code=code,
                                                                               current_version__isnull=False).first())
    if item is None:
        raise Http404
    return item


def item_materials(*, item: Item) -> list[Material]:
    return list(Material.objects.filter(version_id=item.current_version_id).order_by("position", "pk"))


def townships(*, query: str = "") -> QuerySet[Centre]:
    """Township and street centres (乡镇/街道便民服务中心) in service, by name (Chinese or English) or code."""
    rows = Centre.objects.filter(level=Level.TOWNSHIP, status=CentreStatus.READY).select_related("parent")
    query = query.strip()
    if query:
        rows = rows.filter(Q(name_zh__icontains=query) | Q(name_en__icontains=query)
                           | Q(division_code__startswith=query) | Q(parent__name_zh__icontains=query)
                           | Q(parent__name_en__icontains=query))
    return rows.order_by("division_code")


def township_get(*, code: str) -> Centre | None:
    """A township centre in service by its division code (None if there is none)."""
    return (Centre.objects.select_related("parent__parent")
            .filter(level=Level.TOWNSHIP, status=CentreStatus.READY, division_code=code).first())


@dataclass(frozen=True)
class Handling:
    """Which centre handles an application made at a township, and why (the rule of proxy filings)."""

    township: Centre
    centre: Centre
    adoption: CatalogueEntry
    #: 0 the township itself, 1 its district or zone, 2 the city
    rank: int

    @property
    def why(self) -> str:
        names = {"township": self.township.name, "centre": self.centre.name}
        if self.rank == 0:
            return _("%(township)s handles this item itself.") % names
        if self.rank == 1:
            return _("%(township)s does not handle this item; its district or zone, %(centre)s, does.") % names
        return _("Neither %(township)s nor its district or zone handles this item; the city centre, %(centre)s, "
                 "does.") % names

    @property
    def promised_days(self) -> int:
        return self.adoption.promised_days


def handling_for(*, township: Centre, item_code: str, on: dt.date) -> Handling | None:
    """Where an online application for `item_code` from `township` goes (`catalog.selectors.handling_adoption`),
    or None when no centre of its chain accepts the item."""
    adoption = handling_adoption(township=township, item_code=item_code, on=on)
    if adoption is None:
        return None
    chain = [centre.pk for centre in handling_chain(township=township)]
    return Handling(township=township, centre=adoption.centre, adoption=adoption,
                    rank=chain.index(adoption.centre_id))


def material_name(material: Material) -> str:
    return pick(material.name_zh, material.name_en)


def next_step(status: str) -> str:
    """One sentence: what happens next, or what the applicant is to do."""
    steps: dict[str, str] = {
        CaseStatus.SUBMITTED: _("The centre checks your application and materials (pre-check). You will get an SMS "
                                "when it is accepted, or a one-time notice listing anything missing."),
        CaseStatus.AWAITING_SUPPLEMENT: _("Upload every material the one-time notice lists, below."),
        CaseStatus.ACCEPTED: _("Accepted: the department reviews it. The promised due date is shown below."),
        CaseStatus.SUPPLEMENTED: _("Your materials are complete: the review goes on."),
        CaseStatus.UNDER_REVIEW: _("Under review by the department."),
        CaseStatus.APPROVED: _("Approved: download the decision below; you will get an SMS when the paper result is "
                               "ready."),
        CaseStatus.DENIED: _("Denied: the decision below gives the reason."),
        CaseStatus.RESULT_READY: _("The result is ready: collect the paper original at the centre's window with your "
                                   "ID."),
        CaseStatus.COLLECTED: _("Finished: the result was collected."),
        CaseStatus.REFUSED: _("Not accepted: the centre's reason is given below."),
        CaseStatus.WITHDRAWN: _("Withdrawn."),
    }
    return steps.get(status, "")
