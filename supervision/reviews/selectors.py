"""Reads of the reviews room (a centre's staff see only their centre's; another centre's get 404), and
the published rates: one GROUP BY over reviews joined to the registry per scope."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.text import capfirst

from common.identity import normalise_case_number
from registry.hooks import CounterRatingsAsked
from registry.models import RegistryEntry
from registry.selectors import progress_lookup
from supervision.access import require_staff
from supervision.reviews.choices import BAD_LEVELS, DIMENSIONS, SATISFIED_LEVELS, ReviewChannel, ReviewLevel
from supervision.reviews.models import Inquiry, Rectification, Review
from tenants.models import AnyUser, Centre
from tenants.selectors import user_department_in


def reviewable_entry(*, centre: Centre, number: str, factor: str) -> RegistryEntry | None:
    """The applicant's case at this centre, found by its number and lookup factor (None otherwise: a
    joint case's number too, whose legs are rated each by its own number at its own centre)."""
    entry = progress_lookup(number=number, factor=factor)
    return entry if isinstance(entry, RegistryEntry) and entry.centre_id == centre.pk else None


def entry_for_staff(*, user: AnyUser, centre: Centre, number: str) -> RegistryEntry:
    require_staff(user=user, centre=centre)
    entry = RegistryEntry.objects.filter(centre=centre, number=normalise_case_number(number)).first()
    if entry is None:
        raise Http404
    return entry


def reviews_for(*, user: AnyUser, centre: Centre) -> QuerySet[Review]:
    """The centre's ratings, newest first, with who recorded each and how its rectification went."""
    require_staff(user=user, centre=centre)
    return Review.objects.filter(centre=centre).select_related(
        "entry", "recorded_by", "clerk", "rectification__called_back_by", "rectification__reported_by",
    ).order_by("-created_at")


def rectifications_open_for(*, user: AnyUser, centre: Centre) -> QuerySet[Rectification]:
    """The centre's rectifications not yet reported, soonest due first."""
    require_staff(user=user, centre=centre)
    return (Rectification.objects.filter(centre=centre, reported_at__isnull=True)
            .select_related("review__entry", "review__clerk", "called_back_by").order_by("fix_due"))


def rectification_get_for(*, user: AnyUser, centre: Centre, pk: int) -> Rectification:
    """One of the centre's rectifications, reported or not (a step done twice is the service's to answer)."""
    require_staff(user=user, centre=centre)
    rectification = Rectification.objects.filter(centre=centre, pk=pk).first()
    if rectification is None:
        raise Http404
    return rectification


def inquiries_open_for(*, user: AnyUser, centre: Centre, today: dt.date) -> list[Inquiry]:
    """Unanswered items, soonest due first, each with `is_overdue`. A department's staff see their
    department's and the unrouted ones."""
    require_staff(user=user, centre=centre)
    qs = Inquiry.objects.filter(centre=centre, answered_at__isnull=True).select_related("recorded_by", "routed_by")
    department = user_department_in(user=user, centre=centre)
    if department:
        qs = qs.filter(Q(department_code=department) | Q(department_code=""))
    rows = list(qs.order_by("due_date", "pk")[:500])
    for row in rows:
        row.is_overdue = row.due_date < today
    return rows


def inquiry_get_for(*, user: AnyUser, centre: Centre, pk: int) -> Inquiry:
    require_staff(user=user, centre=centre)
    inquiry = Inquiry.objects.filter(centre=centre, pk=pk).first()
    if inquiry is None:
        raise Http404
    return inquiry


def inquiries_of_applicant(*, applicant_id: int) -> QuerySet[Inquiry]:
    """What an account of the online service hall asked (its `applicant_id`), newest first, with the centre."""
    return Inquiry.objects.filter(applicant_id=applicant_id).select_related("centre").order_by("-created_at", "-pk")


def inquiry_of_applicant(*, applicant_id: int, pk: int) -> Inquiry:
    """One of the account's questions; another account's (or none) is 404."""
    inquiry = inquiries_of_applicant(applicant_id=applicant_id).filter(pk=pk).first()
    if inquiry is None:
        raise Http404
    return inquiry


def review_of_entry(*, entry: RegistryEntry) -> Review | None:
    """The case's one rating, if given."""
    return Review.objects.filter(entry=entry).first()


# --- rates ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rate:
    key: str
    reviews: int
    satisfied: int
    bad: int

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.reviews if self.reviews else None

    @property
    def bad_rate(self) -> float | None:
        return self.bad / self.reviews if self.reviews else None


_COUNTS = {"reviews": Count("pk"), "satisfied": Count("pk", filter=Q(overall__in=SATISFIED_LEVELS)),
           "bad": Count("pk", filter=Q(overall__in=BAD_LEVELS))}


def _rates(group: str, centre: Centre | None = None, item_code: str | None = None) -> list[Rate]:
    qs = Review.objects.all()
    if centre is not None:
        qs = qs.filter(centre=centre)
    if item_code is not None:
        qs = qs.filter(entry__item_code=item_code)
    if group.startswith("entry__"):  # a rating pad's review of a visit that opened no case rates no item
        qs = qs.filter(entry__isnull=False)
    rows = qs.values(group).annotate(**_COUNTS).order_by(group)
    return [Rate(key=str(row[group] or ""), reviews=row["reviews"], satisfied=row["satisfied"], bad=row["bad"])
            for row in rows]


def rates_by_item(*, centre: Centre | None = None) -> list[Rate]:
    """Per item (code), city-wide or at one centre."""
    return _rates("entry__item_code", centre)


def rates_by_department(*, centre: Centre | None = None) -> list[Rate]:
    return _rates("entry__department_code", centre)


def rates_by_centre() -> list[Rate]:
    return _rates("centre__division_code")


def rate_city() -> Rate:
    row = Review.objects.aggregate(**_COUNTS)
    return Rate(key="city", reviews=row["reviews"], satisfied=row["satisfied"], bad=row["bad"])


def rate_of_item(*, item_code: str, centre: Centre | None = None) -> Rate:
    """One item's figures (the service guide's line)."""
    found = _rates("entry__item_code", centre, item_code)
    return found[0] if found else Rate(key=item_code, reviews=0, satisfied=0, bad=0)


def satisfaction_by_handler(*, centre: Centre, start: dt.datetime, end: dt.datetime) -> dict[int, float]:
    """Satisfaction rate (share of ratings at the three top levels) by responsible clerk (the registry's
    `handler_id`) of the ratings given at the centre in [start, end): what the monthly awards weigh."""
    rows = Review.objects.filter(centre=centre, created_at__gte=start, created_at__lt=end,
                                 entry__handler_id__isnull=False).values("entry__handler_id").annotate(
        n=Count("id"), good=Count("id", filter=Q(overall__in=SATISFIED_LEVELS)))
    return {row["entry__handler_id"]: row["good"] / row["n"] for row in rows if row["entry__handler_id"] is not None}


def satisfaction_by_window(*, centre: Centre, start: dt.datetime, end: dt.datetime) -> dict[str, float]:
    """Satisfaction rate (share of ratings at the three top levels) by window number of the counter ratings
    given at the centre in [start, end) (the rating pads' reviews, which name their window): what the
    monthly satisfied window (群众满意窗口) weighs. One query; windows without ratings are absent."""
    rows = (Review.objects.filter(centre=centre, channel=ReviewChannel.COUNTER, created_at__gte=start,
                                  created_at__lt=end, window_number__gt="")
            .values("window_number").annotate(n=Count("id"), good=Count("id", filter=Q(overall__in=SATISFIED_LEVELS)))
            .order_by())
    return {row["window_number"]: row["good"] / row["n"] for row in rows}


def on_counter_ratings_asked(asked: CounterRatingsAsked) -> None:
    """The listener of `registry.hooks.counter_ratings_asked`: the counter's levels and dimensions, and which
    of the visits are rated (one query)."""
    asked.levels = list(ReviewLevel.choices)
    labels = {field.name: field.verbose_name for field in Review._meta.fields}
    asked.dimensions = [(name, capfirst(labels[name]), name == "overall") for name in DIMENSIONS[ReviewChannel.COUNTER]]
    if asked.ticket_ids:
        asked.rated.update(pk for pk in Review.objects.filter(centre=asked.centre, ticket_id__in=list(asked.ticket_ids))
                           .values_list("ticket_id", flat=True) if pk is not None)
