"""Monthly archive sampling: 20 closed cases of the month and centre, reproducible from the stored
seed; archive dates that differ from the system's are flagged; other centres' staff get 404."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from common.errors import ApplicationError
from registry.models import RegistryEntry
from supervision.models_assessment import ArchiveSample
from supervision.sampling import (
    archive_dates_record,
    archive_sample_draw,
    archive_sample_redraw_matches,
    draw,
    samples_for,
)
from tenants.choices import Role

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=TZ)


def entry(centre, n: int, *, closed_at: dt.datetime | None, status: str = "collected") -> RegistryEntry:
    """A registry row: submitted and accepted 10 days before it closed (or still open when `closed_at` is None)."""
    closed = closed_at or at(2026, 11, 15)
    submitted = closed - dt.timedelta(days=10)
    history = [{"status": "submitted", "at": submitted.isoformat()},
               {"status": "accepted", "at": submitted.isoformat()},
               {"status": "approved", "at": (closed - dt.timedelta(days=2)).isoformat()},
               {"status": status, "at": closed.isoformat()}]
    return RegistryEntry.objects.create(
        centre=centre, case_id=uuid.uuid4(), number=f"{centre.division_code}-{n:05d}",
        item_code="610100SC-XK-0001", item_name_zh="食品经营许可", item_name_en="Food business licence",
        department_code="SC", channel="window", status=status if closed_at else "under_review",
        submitted_at=submitted, accepted_on=submitted.date(), is_open=closed_at is None,
        last_event_at=closed, applicant_hmac="x" * 64, history=history)


@pytest.fixture
def november(beilin, yanta):
    """Beilin: 30 cases closed in November, 3 closed in October, 4 still open; Yanta: 5 closed in November."""
    closed = [entry(beilin, i, closed_at=at(2026, 11, 1 + i % 28)) for i in range(30)]
    for i in range(3):
        entry(beilin, 100 + i, closed_at=at(2026, 10, 20))
    for i in range(4):
        entry(beilin, 200 + i, closed_at=None)
    yanta_closed = [entry(yanta, i, closed_at=at(2026, 11, 3)) for i in range(5)]
    return {"beilin": closed, "yanta": yanta_closed}


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
    # drawing the month again returns the stored draw; another seed is refused
    assert archive_sample_draw(centre=beilin, month="2026-11").pk == sample.pk
    with pytest.raises(ApplicationError):
        archive_sample_draw(centre=beilin, month="2026-11", seed=99)


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


def test_another_centres_supervisor_gets_404_and_city_supervisors_see_all(beilin, yanta, city, november, make_user,
                                                                          centre_client):
    sample = archive_sample_draw(centre=beilin, month="2026-11", seed=3)
    own = make_user((beilin, Role.SUPERVISOR))
    other = make_user((yanta, Role.SUPERVISOR))
    clerk = make_user((beilin, Role.WINDOW_CLERK))
    city_supervisor = make_user((city, Role.SUPERVISOR))
    assert list(samples_for(user=own, centre=beilin)) == [sample]
    assert list(samples_for(user=city_supervisor, centre=beilin)) == [sample]
    for user in (other, clerk):
        with pytest.raises(Http404):
            samples_for(user=user, centre=beilin)
    url = f"/supervision/samples/{sample.pk}/"
    assert centre_client(beilin, own).get(url).status_code == 200
    assert centre_client(yanta, other).get(url).status_code == 404
    assert centre_client(yanta, other).get(url + "?centre=610103").status_code == 404
    assert centre_client(beilin, clerk).get(url).status_code == 404
    assert centre_client(city, city_supervisor).get(url + "?centre=610103").status_code == 200


def test_a_supervisor_records_the_archive_dates_on_the_page(beilin, november, make_user, centre_client):
    supervisor = make_user((beilin, Role.SUPERVISOR))
    sample = archive_sample_draw(centre=beilin, month="2026-11", seed=3)
    case = sample.cases.order_by("position").first()
    client = centre_client(beilin, supervisor)
    response = client.post(f"/supervision/samples/cases/{case.pk}/", {
        "received_on": "2020-01-01", "accepted_on": case.system_accepted_on.isoformat(),
        "decided_on": case.system_decided_on.isoformat()})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.mismatches == ["received"]
    page = client.get(f"/supervision/samples/{sample.pk}/")
    assert b'class="flagged"' in page.content
    other = make_user((beilin.__class__.objects.get(division_code="610113"), Role.SUPERVISOR))
    assert centre_client(beilin, other).post(f"/supervision/samples/cases/{case.pk}/", {}).status_code == 404
