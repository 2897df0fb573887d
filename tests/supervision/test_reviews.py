"""Good/bad reviews: one per case, a bad review opens a rectification on the centre's working days, one
follow-up rating, the late-step SMS once, the rates, and another centre's staff see nothing."""
from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest

from common.errors import ApplicationError
from notifications.models import OutboxMessage
from registry.hashing import lookup_hmac
from registry.models import RegistryEntry
from supervision.models_reviews import Rectification, Review
from supervision.review_selectors import (
    rate_city,
    rate_of_item,
    rates_by_centre,
    rates_by_department,
    rates_by_item,
    reviewable_entry,
)
from supervision.review_services import (
    rectification_report,
    rectification_sweep,
    review_follow_up,
    review_submit,
)
from tenants.choices import Role

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date


def noon(year, month, day) -> dt.datetime:
    return dt.datetime(year, month, day, 12, tzinfo=SHANGHAI)


_counter = {"n": 0}


def entry(centre, *, status="approved", item_code="610100SC-XK-0001", department="SC", factor="1234"):
    _counter["n"] += 1
    number = f"T{centre.division_code}{_counter['n']:06d}"
    return RegistryEntry.objects.create(
        centre=centre, case_id=uuid.uuid4(), number=number, item_code=item_code, item_name_zh="食品经营许可",
        item_name_en="Food business licence", department_code=department, channel="window", status=status,
        submitted_at=noon(2026, 9, 1), last_event_at=noon(2026, 9, 1), applicant_hmac="x" * 64,
        lookup_hmacs=[lookup_hmac(number, factor)], is_open=status not in ("collected",))


def online(level, **more):
    return {"overall": level, "efficiency": level, **more}


def test_a_case_is_rated_once_and_the_second_rating_is_refused_with_a_clear_message(beilin):
    case = entry(beilin)
    review_submit(entry=case, channel="online", levels=online("satisfied"), acting_user=None, now=noon(2026, 10, 9))
    with pytest.raises(ApplicationError) as refused:
        review_submit(entry=case, channel="counter", levels={"overall": "very_satisfied"}, acting_user=None,
                      now=noon(2026, 10, 9))
    assert refused.value.code == "review_already_given"
    assert "rated already" in str(refused.value)
    assert Review.objects.filter(entry=case).count() == 1


def test_an_undecided_case_cannot_be_rated(beilin):
    with pytest.raises(ApplicationError) as refused:
        review_submit(entry=entry(beilin, status="under_review"), channel="online", levels=online("satisfied"),
                      acting_user=None, now=noon(2026, 10, 9))
    assert refused.value.code == "review_case_not_decided"


def test_the_online_form_finds_the_case_by_number_and_factor_at_its_own_centre_only(beilin, yanta):
    case = entry(beilin, factor="5678")
    assert reviewable_entry(centre=beilin, number=case.number.lower(), factor="5678") == case
    assert reviewable_entry(centre=beilin, number=case.number, factor="0000") is None
    assert reviewable_entry(centre=yanta, number=case.number, factor="5678") is None


def test_a_bad_review_opens_a_rectification_due_in_working_days_across_national_day(beilin):
    review = review_submit(entry=entry(beilin), channel="online", levels=online("very_dissatisfied"),
                           acting_user=None, now=noon(2026, 9, 30))
    rectification = review.rectification
    # 1-7 Oct are holidays, Sat 10 Oct a working day (调休), 8-9 Oct working days
    assert rectification.callback_due == D(2026, 10, 8)
    # 15 working days from 30 Sep: 8, 9, 10, 12-16, 19-23, 26, 27 Oct
    assert rectification.fix_due == D(2026, 10, 27)


def test_a_good_review_opens_no_rectification(beilin):
    review_submit(entry=entry(beilin), channel="counter", levels={"overall": "basically"}, acting_user=None,
                  now=noon(2026, 10, 9))
    assert not Rectification.objects.exists()


def test_the_applicant_may_add_one_follow_up_rating_after_the_report(beilin, clerk):
    case = entry(beilin)
    review = review_submit(entry=case, channel="online", levels=online("dissatisfied"), acting_user=None,
                           now=noon(2026, 10, 9))
    with pytest.raises(ApplicationError):
        review_follow_up(entry=case, level="satisfied", now=noon(2026, 10, 10))  # not reported yet
    rectification_report(rectification=review.rectification, report="窗口人员已培训", acting_user=clerk,
                         now=noon(2026, 10, 12))
    done = review_follow_up(entry=case, level="satisfied", now=noon(2026, 10, 13))
    assert done.follow_up_level == "satisfied"
    with pytest.raises(ApplicationError) as again:
        review_follow_up(entry=case, level="very_satisfied", now=noon(2026, 10, 14))
    assert again.value.code == "review_follow_up_given"
    done.refresh_from_db()
    assert done.follow_up_level == "satisfied"


def test_an_overdue_rectification_step_sends_one_sms_to_the_supervisor_and_a_rerun_sends_none(
        beilin, yanta, make_user):
    supervisor = make_user((beilin, Role.SUPERVISOR))
    supervisor.mobile = "+8613800000009"
    supervisor.save(update_fields=["mobile"])
    make_user((beilin, Role.SUPERVISOR))  # no mobile: no SMS
    other = make_user((yanta, Role.SUPERVISOR))
    other.mobile = "+8613800000010"
    other.save(update_fields=["mobile"])
    review = review_submit(entry=entry(beilin), channel="online", levels=online("very_dissatisfied"),
                           acting_user=None, now=noon(2026, 9, 30))

    assert rectification_sweep(D(2026, 10, 8)).messages == 0  # due today, not late
    first = rectification_sweep(D(2026, 10, 9))
    assert first.overdue["callback"] == 1 and first.messages == 1
    assert rectification_sweep(D(2026, 10, 9)).messages == 0
    assert rectification_sweep(D(2026, 10, 12)).messages == 0
    sms = OutboxMessage.objects.filter(dedupe_key__startswith=f"rectification:{review.rectification.pk}:")
    assert [m.to for m in sms] == ["+8613800000009"]
    assert review.rectification.__class__.objects.get(pk=review.rectification.pk).callback_overdue_at is not None


def test_satisfaction_and_bad_review_rates_on_a_small_known_set(beilin, yanta):
    levels = {beilin: [("SC", "very_satisfied"), ("SC", "satisfied"), ("SC", "dissatisfied"),
                       ("GA", "basically"), ("GA", "very_dissatisfied")],
              yanta: [("SC", "very_satisfied"), ("SC", "very_satisfied"), ("SC", "satisfied")]}
    for centre, rows in levels.items():
        for department, level in rows:
            code = "610100SC-XK-0001" if department == "SC" else "610100GA-XK-0002"
            review_submit(entry=entry(centre, item_code=code, department=department), channel="counter",
                          levels={"overall": level}, acting_user=None, now=noon(2026, 10, 9))

    city = rate_city()
    assert (city.reviews, city.satisfied, city.bad) == (8, 6, 2)
    assert city.satisfaction_rate == 0.75 and city.bad_rate == 0.25
    by_centre = {r.key: (r.reviews, r.satisfied, r.bad) for r in rates_by_centre()}
    assert by_centre == {"610103": (5, 3, 2), "610113": (3, 3, 0)}
    by_department = {r.key: (r.satisfaction_rate, r.bad_rate) for r in rates_by_department(centre=beilin)}
    assert by_department == {"GA": (0.5, 0.5), "SC": (2 / 3, 1 / 3)}
    by_item = {r.key: r.reviews for r in rates_by_item()}
    assert by_item == {"610100GA-XK-0002": 2, "610100SC-XK-0001": 6}
    assert rate_of_item(item_code="610100SC-XK-0001", centre=yanta).satisfaction_rate == 1.0


def test_another_centres_staff_get_404_on_the_reviews_page(beilin, yanta, make_user, centre_client, clerk):
    review_submit(entry=entry(beilin), channel="counter", levels={"overall": "dissatisfied"}, acting_user=None,
                  now=noon(2026, 10, 9))
    stranger = make_user((yanta, Role.SUPERVISOR))
    assert centre_client(beilin, stranger).get("/supervision/reviews/").status_code == 404
    rectification = Rectification.objects.get()
    assert centre_client(beilin, stranger).post(f"/supervision/reviews/rectifications/{rectification.pk}/report/",
                                                {"report": "x"}).status_code == 404
    assert centre_client(beilin, clerk).get("/supervision/reviews/").status_code == 200


def test_the_online_review_form_rates_a_case_by_number_and_factor(beilin, centre_client):
    case = entry(beilin, factor="4321")
    client = centre_client(beilin)
    response = client.post("/supervision/reviews/rate/", {
        "number": case.number, "factor": "4321", "overall": "satisfied", "efficiency": "satisfied"})
    assert response.status_code == 200
    assert Review.objects.filter(entry=case, channel="online").exists()
    again = client.post("/supervision/reviews/rate/", {"number": case.number, "factor": "4321",
                                                       "overall": "satisfied"})
    assert "rated already" in again.content.decode()
    assert Review.objects.filter(entry=case).count() == 1


def test_the_service_guide_shows_the_items_satisfaction(beilin, item, centre_client):
    for level in ("very_satisfied", "dissatisfied"):
        review_submit(entry=entry(beilin), channel="counter", levels={"overall": level}, acting_user=None,
                      now=noon(2026, 10, 9))
    page = centre_client(beilin).get(f"/catalogue/{item.code}/")
    assert page.status_code == 200
    assert 'class="card item-satisfaction"' in page.content.decode()
    assert "50%" in page.content.decode()
