"""Ratings on a window's rating pad (评价器): a review of the hall visit naming its window and clerk, once
per visit; a bad one opens a rectification; the month's satisfied window (群众满意窗口) weighs them."""
from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import tenant_context

from common.errors import ApplicationError, ConflictError
from hall.choices import DeviceKind, TicketAction, TicketSource
from tests.hall import conftest as hall_setup
from tests.hall.conftest import NOW

#: The hall's set-up (windows 1–3, queues A and B, a clerk at every window), as the hall's tests have it.
hall = hall_setup.hall
clerk = hall_setup.clerk

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    from django.utils import timezone

    at = {"now": NOW}
    monkeypatch.setattr(timezone, "now", lambda: at["now"])
    return at


def served(hall, clerk, window=0, minutes=0):
    """A ticket taken, called, served and finished at window `window` (index), `minutes` after NOW."""
    from hall.services import ticket_act, ticket_call_next, ticket_take

    at = NOW + dt.timedelta(minutes=minutes)
    w = hall["windows"][window]
    letter = "B" if w.number == "3" else "A"
    with tenant_context(hall["centre"]):
        ticket = ticket_take(centre=hall["centre"], queue=hall[letter], source=TicketSource.KIOSK, now=at)
        ticket = ticket_call_next(centre=hall["centre"], window=w, acting_user=clerk, now=at)
        for action in (TicketAction.START, TicketAction.FINISH):
            ticket = ticket_act(centre=hall["centre"], ticket=ticket, action=action, window=w, acting_user=clerk,
                                now=at)
    return ticket


def rate(hall, ticket, overall, **more):
    from supervision.reviews.services import review_submit_at_counter

    return review_submit_at_counter(centre=hall["centre"], ticket_id=ticket.pk, levels={"overall": overall, **more},
                                    comment=more.pop("comment", ""), now=NOW + dt.timedelta(minutes=30))


def test_the_pad_asks_and_records_the_window_and_the_clerk_once(hall, clerk, clock, centre_client):
    from hall.services import device_register
    from supervision.reviews.models import Review

    with tenant_context(hall["centre"]):
        _device, key = device_register(kind=DeviceKind.PAD, name="1号窗口评价器", window=hall["windows"][0],
                                       acting_user=None)
    pad = centre_client(hall["centre"])  # a tablet: no sign-in
    assert pad.get(f"/hall/pad/{key}/state/").json() == {"ask": False, "ticket": None, "code": ""}
    assert "请对本次服务进行评价" not in pad.get(f"/hall/pad/{key}/").content.decode()

    ticket = served(hall, clerk)
    state = pad.get(f"/hall/pad/{key}/state/").json()
    assert state == {"ask": True, "ticket": str(ticket.pk), "code": "A001"}
    page = pad.get(f"/hall/pad/{key}/").content.decode()
    assert "请对本次服务进行评价" in page and "非常满意" in page and "非常不满意" in page

    answer = pad.post(f"/hall/pad/{key}/", {"ticket": str(ticket.pk), "overall": "very_satisfied",
                                            "efficiency": "satisfied", "service_level": "", "comment": " 很好 "})
    assert answer.status_code == 302 and answer["Location"].endswith("?thanks=1")
    assert "谢谢" in pad.get(answer["Location"]).content.decode()
    review = Review.objects.get(ticket_id=ticket.pk)
    assert (review.window_number, review.clerk, review.entry, review.channel) == ("1", clerk, None, "counter")
    assert (review.overall, review.efficiency, review.service_level, review.comment) == (
        "very_satisfied", "satisfied", "", "很好")
    assert pad.get(f"/hall/pad/{key}/state/").json()["ask"] is False

    again = pad.post(f"/hall/pad/{key}/", {"ticket": str(ticket.pk), "overall": "very_dissatisfied"})
    assert again.status_code == 409 and "rated already" in again.content.decode()
    assert Review.objects.filter(ticket_id=ticket.pk).count() == 1
    with pytest.raises(ConflictError):
        rate(hall, ticket, "satisfied")

    # another key, or a pad of another window, cannot rate it
    assert pad.get("/hall/pad/not-a-key/").status_code == 404
    with tenant_context(hall["centre"]):
        _other, key2 = device_register(kind=DeviceKind.PAD, name="2号", window=hall["windows"][1], acting_user=None)
    refused = pad.post(f"/hall/pad/{key2}/", {"ticket": str(ticket.pk), "overall": "satisfied"})
    assert refused.status_code == 400 and Review.objects.count() == 1


def test_no_level_no_review_and_a_visit_not_served_is_not_rated(hall, clerk):
    from hall.services import ticket_call_next, ticket_take
    from supervision.reviews.models import Review

    ticket = served(hall, clerk)
    with pytest.raises(ApplicationError) as missing:
        rate(hall, ticket, "")
    assert missing.value.code == "review_level_missing"
    with tenant_context(hall["centre"]):
        ticket_take(centre=hall["centre"], queue=hall["A"], source=TicketSource.KIOSK, now=NOW)
        called = ticket_call_next(centre=hall["centre"], window=hall["windows"][1], acting_user=clerk, now=NOW)
    with pytest.raises(ApplicationError) as early:
        rate(hall, called, "satisfied")
    assert early.value.code == "review_visit_not_done"
    assert not Review.objects.exists()


def test_a_bad_rating_opens_a_rectification_that_the_staff_see(hall, clerk, centre_client, make_user):
    from supervision.reviews.models import Rectification
    from supervision.reviews.services import supervision_followup_sweep
    from tenants.choices import Role

    review = rate(hall, served(hall, clerk), "dissatisfied", attitude="very_dissatisfied", comment="态度差")
    rectification = Rectification.objects.get(review=review)
    assert rectification.callback_due > NOW.date() and review.entry is None
    staff = centre_client(hall["centre"], make_user((hall["centre"], Role.SUPERVISOR)))
    page = staff.get("/supervision/reviews/")
    assert page.status_code == 200 and "window 1" in page.content.decode() and "态度差" in page.content.decode()
    late = supervision_followup_sweep(rectification.fix_due + dt.timedelta(days=1))
    assert late.overdue["callback"] == 1 and late.overdue["fix"] == 1


def test_a_visit_that_opened_a_case_rates_that_case(hall, clerk, item):
    from hall.services import ticket_act, ticket_call_next, ticket_case_open, ticket_take
    from registry.models import RegistryEntry
    from supervision.reviews.services import review_submit

    w = hall["windows"][0]
    with tenant_context(hall["centre"]):
        ticket_take(centre=hall["centre"], queue=hall["A"], source=TicketSource.KIOSK, now=NOW)
        ticket = ticket_call_next(centre=hall["centre"], window=w, acting_user=clerk, now=NOW)
        case = ticket_case_open(centre=hall["centre"], ticket=ticket, window=w, acting_user=clerk, now=NOW,
                                item_code=item.code, applicant_kind="person", applicant_name="王秀兰",
                                applicant_id_number="610103195503150029", phone="13800138000")
        ticket_act(centre=hall["centre"], ticket=ticket, action=TicketAction.FINISH, window=w, acting_user=clerk,
                   now=NOW)
    review = rate(hall, ticket, "satisfied")
    entry = RegistryEntry.objects.get(case_id=case.pk)
    assert review.entry == entry and review.window_number == "1"
    RegistryEntry.objects.filter(pk=entry.pk).update(status="approved")  # decided later
    with pytest.raises(ConflictError):  # the case's one rating is given
        review_submit(entry=entry, channel="online", levels={"overall": "satisfied"}, acting_user=None,
                      now=NOW + dt.timedelta(days=30))


def test_the_satisfied_window_weighs_the_counter_ratings(hall, clerk, centre_client, make_user,
                                                          django_assert_num_queries):
    from supervision.assessment.selectors import monthly_awards
    from supervision.reviews.selectors import satisfaction_by_window
    from tenants.choices import Role

    month = NOW.date().replace(day=1)
    assert monthly_awards(centre=hall["centre"], month=month).satisfied_window.number == "1"  # by number
    rate(hall, served(hall, clerk, window=0), "dissatisfied")
    rate(hall, served(hall, clerk, window=0, minutes=1), "satisfied")
    rate(hall, served(hall, clerk, window=1, minutes=2), "very_satisfied")
    start, end = dt.datetime(2026, 12, 1, tzinfo=NOW.tzinfo), dt.datetime(2027, 1, 1, tzinfo=NOW.tzinfo)
    with django_assert_num_queries(1):
        assert satisfaction_by_window(centre=hall["centre"], start=start, end=end) == {"1": 0.5, "2": 1.0}
    awards = monthly_awards(centre=hall["centre"], month=month)
    assert [(w.number, w.satisfaction) for w in awards.windows] == [("2", 1.0), ("1", 0.5), ("3", None)]
    assert awards.satisfied_window.number == "2"

    overseer = centre_client(hall["centre"], make_user((hall["centre"], Role.SUPERVISOR)))
    page = overseer.get("/supervision/awards/?month=2026-12").content.decode()
    assert '<tr data-window="2"><td>2 ' in page and "100%" in page and "50%" in page
