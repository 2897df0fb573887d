"""Monthly archive sampling (档案抽查): each month 20 closed cases per centre are drawn at random and
the dates in their paper archives are compared with the system's.

The draw is reproducible: the candidates are the centre's cases closed in the month (by their last
event), sorted by case number, and `random.Random(seed)` picks from that list. The seed is stored,
so anyone can draw again and get the same cases in the same order.
"""
from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import CaseStatus
from common.errors import ApplicationError, ErrorCode
from registry.models import RegistryEntry
from supervision.assessment import require_overseer
from supervision.models_assessment import ArchiveSample, ArchiveSampleCase
from tenants.models import Centre, User

SAMPLE_SIZE = 20
#: The history steps that count as the case's decision (办结, or the refusal or withdrawal that closed it).
DECISION_STATUSES = frozenset({CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN})
#: The dates compared, as (name, system field, archive field).
COMPARED = (("received", "system_received_on", "archive_received_on"),
            ("accepted", "system_accepted_on", "archive_accepted_on"),
            ("decided", "system_decided_on", "archive_decided_on"))


def month_start(value: str | dt.date) -> dt.date:
    """`2026-11` (or any date in it) → 2026-11-01."""
    if isinstance(value, str):
        try:
            year, month = (int(part) for part in value.split("-")[:2])
            return dt.date(year, month, 1)
        except ValueError as exc:
            raise ApplicationError(_("A month is written YYYY-MM."), ErrorCode.VALIDATION) from exc
    return value.replace(day=1)


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    nxt = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=tz)
    return start, nxt


def closed_candidates(*, centre: Centre, month: dt.date) -> QuerySet[RegistryEntry]:
    """The centre's cases closed in the month (no longer open, last event in it), by case number."""
    start, end = _month_bounds(month_start(month))
    return RegistryEntry.objects.filter(centre=centre, is_open=False, last_event_at__gte=start,
                                        last_event_at__lt=end).order_by("number")


def draw(*, case_ids: Sequence, seed: int, size: int = SAMPLE_SIZE) -> list:
    """Pick `size` of `case_ids` (all of them if fewer) with `random.Random(seed)`: a pure function of
    its arguments, so the caller must pass the ids in a stable order (by case number)."""
    return random.Random(seed).sample(list(case_ids), min(size, len(case_ids)))  # noqa: S311 (a sample, not a secret)


def decided_at(entry: RegistryEntry) -> dt.datetime | None:
    """When the case was last decided, refused or withdrawn, from its public history."""
    times = [step.get("at") for step in entry.history or [] if step.get("status") in DECISION_STATUSES]
    times = [t for t in times if t]
    return dt.datetime.fromisoformat(max(times, key=dt.datetime.fromisoformat)) if times else None


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(value).date() if value is not None else None


@transaction.atomic
def archive_sample_draw(*, centre: Centre, month: str | dt.date, seed: int | None = None, size: int = SAMPLE_SIZE,
                        acting_user: User | None = None, now: dt.datetime | None = None) -> ArchiveSample:
    """Draw the month's sample for the centre and copy the system's dates of each drawn case.

    Drawing a month already drawn returns that sample (with its seed, or with the same seed given);
    a different seed for a month already drawn is refused: the draw may not be shopped for."""
    month = month_start(month)
    existing = ArchiveSample.objects.select_for_update().filter(centre=centre, month=month).first()
    if existing is not None:
        if seed is None or seed == existing.seed:
            return existing
        raise ApplicationError(_("This month's archives have already been sampled with another seed."),
                               ErrorCode.CONFLICT, {"seed": existing.seed})
    seed = secrets.randbelow(2**62) if seed is None else seed
    entries = {e.case_id: e for e in closed_candidates(centre=centre, month=month)}
    picked = draw(case_ids=list(entries), seed=seed, size=size)
    sample = ArchiveSample.objects.create(centre=centre, month=month, seed=seed, size=size,
                                          case_ids=[str(c) for c in picked], drawn_at=now or timezone.now(),
                                          drawn_by=acting_user)
    ArchiveSampleCase.objects.bulk_create([
        ArchiveSampleCase(sample=sample, position=i, case_id=case_id, case_number=entries[case_id].number,
                          system_received_on=_local_date(entries[case_id].submitted_at),
                          system_accepted_on=entries[case_id].accepted_on,
                          system_decided_on=_local_date(decided_at(entries[case_id])))
        for i, case_id in enumerate(picked, start=1)])
    return sample


def archive_sample_redraw_matches(*, sample: ArchiveSample) -> bool:
    """Draw again with the stored seed: True when it gives the same cases in the same order."""
    ids = list(closed_candidates(centre=sample.centre, month=sample.month).values_list("case_id", flat=True))
    return [str(c) for c in draw(case_ids=ids, seed=sample.seed, size=sample.size)] == sample.case_ids


def compare(sample_case: ArchiveSampleCase) -> list[str]:
    """The dates whose archive value differs from the system's (a blank archive date differs too)."""
    return [name for name, system, archive in COMPARED
            if getattr(sample_case, archive) != getattr(sample_case, system)]


@transaction.atomic
def archive_dates_record(*, sample_case: ArchiveSampleCase, received_on: dt.date | None,
                         accepted_on: dt.date | None, decided_on: dt.date | None, acting_user: User,
                         now: dt.datetime | None = None) -> ArchiveSampleCase:
    """Record the dates read from the paper archive and flag those that differ from the system's."""
    sample_case = ArchiveSampleCase.objects.select_for_update().get(pk=sample_case.pk)
    sample_case.archive_received_on = received_on
    sample_case.archive_accepted_on = accepted_on
    sample_case.archive_decided_on = decided_on
    sample_case.mismatches = compare(sample_case)
    sample_case.recorded_at = now or timezone.now()
    sample_case.recorded_by = acting_user
    sample_case.save(update_fields=["archive_received_on", "archive_accepted_on", "archive_decided_on",
                                    "mismatches", "recorded_at", "recorded_by"])
    return sample_case


# --- reads --------------------------------------------------------------------------------------

def samples_for(*, user: User, centre: Centre) -> QuerySet[ArchiveSample]:
    """The centre's samples, for its supervisors and administrators (and the city's)."""
    require_overseer(user=user, centre=centre)
    return ArchiveSample.objects.filter(centre=centre).order_by("-month")


def sample_get_for(*, user: User, centre: Centre, pk: int) -> ArchiveSample:
    sample = samples_for(user=user, centre=centre).filter(pk=pk).first()
    if sample is None:
        raise Http404
    return sample


def sample_case_get_for(*, user: User, centre: Centre, pk: int) -> ArchiveSampleCase:
    require_overseer(user=user, centre=centre)
    sample_case = ArchiveSampleCase.objects.filter(pk=pk, sample__centre=centre).first()
    if sample_case is None:
        raise Http404
    return sample_case
