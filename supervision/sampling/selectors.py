"""Reads of the sampling room: the candidates of a draw, and a centre's samples for those who oversee
it (its supervisors and administrators, and the city's; anyone else gets 404)."""
from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import Http404

from registry.models import RegistryEntry
from supervision.access import require_overseer
from supervision.periods import month_bounds, month_start
from supervision.sampling.models import ArchiveSample, ArchiveSampleCase
from tenants.models import AnyUser, Centre


def closed_candidates(*, centre: Centre, month: dt.date) -> QuerySet[RegistryEntry]:
    """The centre's cases closed in the month (no longer open, last event in it), by case number."""
    start, end = month_bounds(month_start(month))
    return RegistryEntry.objects.filter(centre=centre, is_open=False, last_event_at__gte=start,
                                        last_event_at__lt=end).order_by("number")


def samples_for(*, user: AnyUser, centre: Centre) -> QuerySet[ArchiveSample]:
    """The centre's samples, newest first."""
    require_overseer(user=user, centre=centre)
    return ArchiveSample.objects.filter(centre=centre).select_related("drawn_by").order_by("-month")


def sample_get_for(*, user: AnyUser, centre: Centre, pk: int) -> ArchiveSample:
    sample = samples_for(user=user, centre=centre).filter(pk=pk).first()
    if sample is None:
        raise Http404
    return sample


def sample_cases(*, sample: ArchiveSample) -> QuerySet[ArchiveSampleCase]:
    """A sample's cases in the order drawn (the sample itself was found through `sample_get_for`)."""
    return sample.cases.select_related("recorded_by").order_by("position")


def sample_case_get_for(*, user: AnyUser, centre: Centre, pk: int) -> ArchiveSampleCase:
    require_overseer(user=user, centre=centre)
    sample_case = ArchiveSampleCase.objects.filter(pk=pk, sample__centre=centre).first()
    if sample_case is None:
        raise Http404
    return sample_case
