"""Catalogue reports: how much shorter the promised limits are than the legal ones (时限压缩), and
what changed in a year (事项调整). Each is a constant number of aggregate queries, never per item."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone, translation

from catalog.choices import ADDING_EVENTS, REMOVING_EVENTS, Category, EventKind, ItemKind
from catalog.models import Item, LifecycleEvent
from catalog.selectors import centre_catalogue
from tenants.choices import Level
from tenants.models import Centre

FOUR_PLACES = Decimal("0.0001")
OVERALL = "all"


def _compression(promised: int, legal: int) -> Decimal | None:
    """1 − Σpromised/Σlegal, rounded to four places (0.4444 is 44.44% shorter)."""
    if not legal:
        return None
    return (1 - Decimal(promised) / Decimal(legal)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def format_percent(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _row(category: str, *, items: int, sub_items: int, departments: int, legal: int, promised: int) -> dict:
    with translation.override("zh-hans"):
        label_zh = str(Category(category).label) if category != OVERALL else "合计"
    with translation.override("en"):
        label_en = str(Category(category).label) if category != OVERALL else "All"
    compression = _compression(promised, legal)
    return {"category": category, "label_zh": label_zh, "label_en": label_en, "items": items,
            "sub_items": sub_items, "departments": departments, "legal_days": legal, "promised_days": promised,
            "compression": compression, "percent": format_percent(compression)}


def master_catalogue(*, on: dt.date) -> QuerySet[Item]:
    """The city's own list on `on` (the report's 160 items of 28 city departments): master items with a
    published current version that the city level exercises, neither removed by then nor moved out by a
    removing event (a devolved item leaves the city's list).

    Master items the city does not exercise are not the city's: an item exercised only by the districts
    and zones (their own bureaus, or the district branches of a state- or province-run authority such as
    the tax bureaus), which a joint-approval bundle may still need at a district, is out of the counts.
    An item devolved after `on` was still the city's then, though its levels have lost the city since."""
    removing = LifecycleEvent.objects.filter(item=OuterRef("pk"), kind__in=list(REMOVING_EVENTS),
                                             effective_on__lte=on)
    devolved_later = LifecycleEvent.objects.filter(item=OuterRef("pk"), kind=EventKind.DEVOLVED,
                                                   effective_on__gt=on)
    return (Item.objects.filter(owner_centre__isnull=True, current_version__isnull=False)
            .filter(Q(levels__contains=[Level.CITY]) | Q(Exists(devolved_later)))
            .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=on))
            .exclude(Exists(removing)))


def compression_report(*, centre: Centre | None = None, on: dt.date | None = None) -> dict:
    """Items, sub-items, departments, Σ legal and Σ promised limits and the compression per category and
    overall (`departments`: how many departments have an item in the row; overall, each counted once).

    City-wide (no centre): the city's own list (`master_catalogue`) with the master's current versions.
    For a centre: its catalogue, with its own promised limits where it set one. One GROUP BY query
    either way."""
    on = on or timezone.localdate()
    grouped: Any
    if centre is None:
        grouped = (master_catalogue(on=on).order_by().values("category")
                   .annotate(items=Count("pk"), sub_items=Count("pk", filter=~Q(kind=ItemKind.MAIN)),
                             department_ids=ArrayAgg("department_id", distinct=True, default=[]),
                             legal=Sum("current_version__legal_limit_days"),
                             promised=Sum("current_version__promised_limit_days")))
    else:
        grouped = (centre_catalogue(centre=centre, on=on).order_by().values(category=F("item__category"))
                   .annotate(items=Count("pk"), sub_items=Count("pk", filter=~Q(item__kind=ItemKind.MAIN)),
                             department_ids=ArrayAgg("item__department_id", distinct=True, default=[]),
                             legal=Sum("legal_days"), promised=Sum("promised_days")))
    found: dict[str, Any] = {g["category"]: g for g in grouped}
    rows = {}
    departments: set[int] = set()
    for category in Category.values:
        g: dict = found.get(category, {})
        departments.update(g.get("department_ids", []))
        rows[category] = _row(category, items=g.get("items", 0), sub_items=g.get("sub_items", 0),
                              departments=len(g.get("department_ids", [])),
                              legal=g.get("legal") or 0, promised=g.get("promised") or 0)
    totals = {key: sum(r[field] for r in rows.values()) for key, field in (
        ("items", "items"), ("sub_items", "sub_items"), ("legal", "legal_days"), ("promised", "promised_days"))}
    overall = _row(OVERALL, departments=len(departments), **totals)
    return {"centre": centre.division_code if centre else None, "on": on, "categories": rows, "overall": overall}


def compression_table(report: dict, *, language: str = "zh") -> str:
    """The report as a plain-text table."""
    zh = language.startswith("zh")
    head = ("类别", "事项", "子项", "部门", "法定时限", "承诺时限", "压缩") if zh else (
        "Category", "Items", "Sub-items", "Departments", "Legal days", "Promised days", "Shorter by")
    lines = ["\t".join(head)]
    for row in [*report["categories"].values(), report["overall"]]:
        lines.append("\t".join([row["label_zh"] if zh else row["label_en"], str(row["items"]), str(row["sub_items"]),
                                str(row["departments"]), str(row["legal_days"]), str(row["promised_days"]),
                                row["percent"]]))
    return "\n".join(lines)


#: Removal kinds in the order the sentence names them, with their Chinese and English wording.
REMOVAL_WORDING = [
    (EventKind.DEVOLVED, "下放区县", "devolved"),
    (EventKind.CANCELLED_BASIS, "设定依据不足", "insufficient basis"),
    (EventKind.MERGED, "合并", "merged"),
    (EventKind.CANCELLED_STATE, "国家取消", "cancelled by the state"),
]


def change_report(*, year: int) -> dict:
    """What changed in the master catalogue in `year` (events by effective date): items added (added or
    taken over) and by how many departments; items removed, by how many departments, and why. One query."""
    adding, removing = Q(kind__in=list(ADDING_EVENTS)), Q(kind__in=list(REMOVING_EVENTS))
    counts = {"added": Count("item", distinct=True, filter=adding),
              "added_departments": Count("item__department", distinct=True, filter=adding),
              "removed": Count("item", distinct=True, filter=removing),
              "removed_departments": Count("item__department", distinct=True, filter=removing)}
    counts.update({str(kind): Count("item", distinct=True, filter=Q(kind=kind)) for kind in EventKind.values})
    figures = LifecycleEvent.objects.filter(effective_on__year=year, item__owner_centre__isnull=True).aggregate(
        **counts)
    return {"year": year, **figures}


def change_years(*, this_year: int) -> list[int]:
    """The years the change report offers, newest first: every year in which the master catalogue
    changed (the seed's 2014 included) and this year. One query."""
    years = set(LifecycleEvent.objects.filter(item__owner_centre__isnull=True, effective_on__isnull=False)
                .order_by().values_list("effective_on__year", flat=True).distinct())
    return sorted(years | {this_year}, reverse=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def change_sentence(report: dict, *, language: str = "zh") -> str:
    """'5 departments added 11 items; 12 departments removed 32: 15 devolved, 9 insufficient basis,
    2 merged, 6 cancelled by the state' (or its Chinese)."""
    zh = language.startswith("zh")
    parts = []
    if report["added"]:
        parts.append(f"{report['added_departments']}个部门新增{report['added']}项" if zh else
                     f"{_plural(report['added_departments'], 'department')} added {_plural(report['added'], 'item')}")
    if report["removed"]:
        reasons = [(zh_word, en_word, report[str(kind)]) for kind, zh_word, en_word in REMOVAL_WORDING
                   if report[str(kind)]]
        if zh:
            parts.append(f"{report['removed_departments']}个部门减少{report['removed']}项："
                         + "、".join(f"{w}{n}项" for w, _, n in reasons))
        else:
            parts.append(f"{_plural(report['removed_departments'], 'department')} removed {report['removed']}: "
                         + ", ".join(f"{n} {w}" for _, w, n in reasons))
    if not parts:
        return f"{report['year']}年无事项调整" if zh else f"No changes in {report['year']}"
    return ("；" if zh else "; ").join(parts)
