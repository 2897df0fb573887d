"""Writes of the sampling room: 20 closed cases of the month and centre, reproducible from the stored
seed, drawn once (another seed: 409, nothing written); archive dates that differ from the system's are
flagged; who drew and who recorded are kept."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from common.errors import ConflictError
from registry.models import RegistryEntry
from supervision.sampling.models import ArchiveSample, ArchiveSampleCase
from supervision.sampling.services import (
    archive_dates_record,
    archive_sample_draw,
    archive_sample_redraw_matches,
    draw,
)
from tenants.choices import Role
from tests.supervision.sampling.conftest import TZ

pytestmark = pytest.mark.django_db


def test_the_draw_picks_20_closed_cases_of_that_month_and_centre(beilin, november):
    sample = archive_sample_draw(centre=beilin, month="2026-11", seed=42)
    november_ids = {str(e.case_id) for e in november["beilin"]}
    assert len(sample.case_ids) == 20
    assert len(set(sample.case_ids)) == 20
    assert set(sample.case_ids) <= november_ids
    assert [c.position for c in sample.cases.order_by("position")] == list(range(1, 21))


def test_all_closed_cases_are_drawn_when_fewer_than_20(yanta, november):
    sample = archive_sample_draw(centre=yanta, month="2026-11", seed=7)
    assert sorted(sample.case_ids) == sorted(str(e.case_id) for e in november["yanta"])


def test_the_same_seed_reproduces_the_same_draw(beilin, november):
    sample = archive_sample_draw(centre=beilin, month=dt.date(2026, 11, 1), seed=20261101)
    assert archive_sample_redraw_matches(sample=sample)
    by_number = [e.case_id for e in sorted(november["beilin"], key=lambda e: e.number)]
    assert draw(case_ids=by_number, seed=20261101) == draw(case_ids=by_number, seed=20261101)
    assert draw(case_ids=by_number, seed=1) != draw(case_ids=by_number, seed=2)
    assert [str(c) for c in draw(case_ids=by_number, seed=20261101)] == sample.case_ids
    # drawing the month again returns the stored draw; another seed is a conflict and writes nothing
    assert archive_sample_draw(centre=beilin, month="2026-11").pk == sample.pk
    with pytest.raises(ConflictError) as again:
        archive_sample_draw(centre=beilin, month="2026-11", seed=99)
    assert again.value.code == "sampling_already_drawn" and again.value.http_status == 409
    assert again.value.extra == {"seed": 20261101}
    assert ArchiveSample.objects.filter(centre=beilin).count() == 1
    assert ArchiveSampleCase.objects.filter(sample__centre=beilin).count() == 20


def test_the_command_draws_and_stores_the_seed(beilin, november, capsys):
    call_command("draw_archive_sample", "--month", "2026-11", "--centre", "610103", "--seed", "5")
    sample = ArchiveSample.objects.get(centre=beilin, month=dt.date(2026, 11, 1))
    assert sample.seed == 5
    assert len(sample.case_ids) == 20
    assert "seed=5 drawn=20" in capsys.readouterr().out


def test_an_archive_date_that_differs_is_flagged_and_equal_dates_are_not(beilin, november, make_user):
    supervisor = make_user((beilin, Role.SUPERVISOR))
    sample = archive_sample_draw(centre=beilin, month="2026-11", seed=3)
    first, second = sample.cases.order_by("position")[:2]
    assert first.system_decided_on is not None
    same = archive_dates_record(sample_case=first, received_on=first.system_received_on,
                                accepted_on=first.system_accepted_on, decided_on=first.system_decided_on,
                                acting_user=supervisor)
    assert same.mismatches == [] and not same.is_flagged
    differs = archive_dates_record(sample_case=second, received_on=second.system_received_on,
                                   accepted_on=second.system_accepted_on + dt.timedelta(days=1),
                                   decided_on=second.system_decided_on, acting_user=supervisor)
    assert differs.mismatches == ["accepted"] and differs.is_flagged


def test_the_system_decision_date_is_the_last_decision_in_the_history(beilin, november):
    sample = archive_sample_draw(centre=beilin, month="2026-11", seed=3)
    case = sample.cases.order_by("position").first()
    registry = RegistryEntry.objects.get(case_id=case.case_id)
    assert case.system_decided_on == registry.last_event_at.astimezone(TZ).date() - dt.timedelta(days=2)
    assert case.system_received_on == registry.submitted_at.astimezone(TZ).date()


def test_the_command_reports_a_month_drawn_with_another_seed_and_writes_nothing(beilin, november, make_user, capsys):
    supervisor = make_user((beilin, Role.SUPERVISOR))
    sample = archive_sample_draw(centre=beilin, month="2026-11", seed=5, acting_user=supervisor)
    assert sample.drawn_by == supervisor
    call_command("draw_archive_sample", "--month", "2026-11", "--centre", "610103", "--seed", "6")
    assert "already been sampled with another seed" in capsys.readouterr().err
    stored = ArchiveSample.objects.get(centre=beilin, month=dt.date(2026, 11, 1))
    assert (stored.pk, stored.seed, stored.drawn_by) == (sample.pk, 5, supervisor)


def test_recording_the_archive_dates_keeps_who_read_them_and_the_last_reading_counts(beilin, november, make_user):
    first_reader, second_reader = make_user((beilin, Role.SUPERVISOR)), make_user((beilin, Role.SUPERVISOR))
    case = archive_sample_draw(centre=beilin, month="2026-11", seed=3).cases.order_by("position").first()
    archive_dates_record(sample_case=case, received_on=None, accepted_on=None, decided_on=None,
                         acting_user=first_reader)
    corrected = archive_dates_record(sample_case=case, received_on=case.system_received_on,
                                     accepted_on=case.system_accepted_on, decided_on=case.system_decided_on,
                                     acting_user=second_reader)
    assert (corrected.recorded_by, corrected.mismatches) == (second_reader, [])
