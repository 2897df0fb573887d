"""Writes of the sampling room: the monthly archive sampling (档案抽查). Each month 20 closed cases per
centre are drawn at random and the dates in their paper archives are compared with the system's.

The draw is reproducible: the candidates are the centre's cases closed in the month (by their last
event), sorted by case number, and `random.Random(seed)` picks from that list. The seed is stored,
so anyone can draw again and get the same cases in the same order. A month is drawn once: drawing it
again returns the stored draw, and another seed is a conflict (the draw may not be shopped for).
"""
from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import CaseStatus
from common.errors import ConflictError
from registry.models import RegistryEntry
from supervision.periods import month_start
from supervision.sampling.error_codes import SamplingErrorCode
from supervision.sampling.models import ArchiveSample, ArchiveSampleCase
from supervision.sampling.selectors import closed_candidates
from tenants.models import Centre, User

SAMPLE_SIZE = 20
#: The history steps that count as the case's decision (办结, or the refusal or withdrawal that closed it).
DECISION_STATUSES = frozenset({CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN})
#: The dates compared, as (name, system field, archive field).
COMPARED = (("received", "system_received_on", "archive_received_on"),
            ("accepted", "system_accepted_on", "archive_accepted_on"),
            ("decided", "system_decided_on", "archive_decided_on"))


def draw(*, case_ids: Sequence[Any], seed: int, size: int = SAMPLE_SIZE) -> list[Any]:
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


def _drawn_already(*, existing: ArchiveSample, seed: int | None) -> ArchiveSample:
    """The month's stored draw, when asked again without a seed or with its own; another seed: 409."""
    if seed is None or seed == existing.seed:
        return existing
    raise ConflictError(_("This month's archives have already been sampled with another seed."),
                        SamplingErrorCode.ALREADY_DRAWN, {"seed": existing.seed})


@transaction.atomic
def archive_sample_draw(*, centre: Centre, month: str | dt.date, seed: int | None = None, size: int = SAMPLE_SIZE,
                        acting_user: User | None = None, now: dt.datetime | None = None) -> ArchiveSample:
    """Draw the month's sample for the centre and copy the system's dates of each drawn case; the one
    who drew it is kept as `drawn_by` (None: the monthly command).

    Drawing a month already drawn returns that sample (with its seed, or with the same seed given);
    a different seed for a month already drawn is refused with a conflict and nothing is written."""
    month = month_start(month)
    existing = ArchiveSample.objects.select_for_update().filter(centre=centre, month=month).first()
    if existing is not None:
        return _drawn_already(existing=existing, seed=seed)
    chosen = secrets.randbelow(2**62) if seed is None else seed
    entries = {e.case_id: e for e in closed_candidates(centre=centre, month=month)}
    picked = draw(case_ids=list(entries), seed=chosen, size=size)
    try:
        with transaction.atomic():
            sample = ArchiveSample.objects.create(centre=centre, month=month, seed=chosen, size=size,
                                                  case_ids=[str(c) for c in picked], drawn_at=now or timezone.now(),
                                                  drawn_by=acting_user)
    except IntegrityError:  # a draw of the same month committed first
        return _drawn_already(existing=ArchiveSample.objects.get(centre=centre, month=month), seed=seed)
    ArchiveSampleCase.objects.bulk_create([_sample_case(sample, position, entries[case_id])
                                           for position, case_id in enumerate(picked, start=1)])
    return sample


def _sample_case(sample: ArchiveSample, position: int, entry: RegistryEntry) -> ArchiveSampleCase:
    """A drawn case with the system's dates: received (submitted), accepted, decided."""
    return ArchiveSampleCase(sample=sample, position=position, case_id=entry.case_id, case_number=entry.number,
                             system_received_on=timezone.localtime(entry.submitted_at).date(),
                             system_accepted_on=entry.accepted_on, system_decided_on=_local_date(decided_at(entry)))


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
    """Record the dates read from the paper archive (by `acting_user`, kept as `recorded_by`) and flag those
    that differ from the system's. Recording again corrects the dates (the last reading counts)."""
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
