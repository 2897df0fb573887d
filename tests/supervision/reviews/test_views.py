"""Pages of the reviews room: another centre's staff get 404, the applicant rates online, the service
guide shows the item's satisfaction, and a step done already answers the page with 409 and its message
(nothing written)."""
from __future__ import annotations

import pytest

from supervision.reviews.models import Rectification, Review
from supervision.reviews.services import rectification_report, review_submit
from tenants.choices import Role
from tests.supervision.reviews.conftest import entry, noon, online

pytestmark = pytest.mark.django_db


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
    assert again.status_code == 409
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


def test_a_second_counter_rating_callback_or_report_on_the_page_is_a_409_with_its_message(beilin, clerk,
                                                                                          centre_client):
    case = entry(beilin)
    client = centre_client(beilin, clerk)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    assert client.post("/supervision/reviews/counter/", {"number": case.number, "overall": "dissatisfied"},
                       **english).status_code == 302
    again = client.post("/supervision/reviews/counter/", {"number": case.number, "overall": "satisfied"}, **english)
    assert again.status_code == 409 and "rated already" in again.content.decode()
    assert Review.objects.get(entry=case).overall == "dissatisfied"

    rectification = Rectification.objects.get(review__entry=case)
    callback = f"/supervision/reviews/rectifications/{rectification.pk}/callback/"
    assert client.post(callback, **english).status_code == 302
    again = client.post(callback, **english)
    assert again.status_code == 409 and "called back already" in again.content.decode()

    report = f"/supervision/reviews/rectifications/{rectification.pk}/report/"
    assert client.post(report, {"report": "窗口人员已培训"}, **english).status_code == 302
    again = client.post(report, {"report": "又一次"}, **english)
    assert again.status_code == 409 and "reported already" in again.content.decode()
    rectification.refresh_from_db()
    assert (rectification.report, rectification.reported_by, rectification.called_back_by) == (
        "窗口人员已培训", clerk, clerk)
    page = client.get("/supervision/reviews/").content.decode()
    assert str(clerk) in page  # who recorded the rating, called back and reported, on the list


def test_the_follow_up_rating_given_twice_on_the_page_is_a_409_with_its_message(beilin, clerk, centre_client):
    case = entry(beilin, factor="2468")
    review = review_submit(entry=case, channel="online", levels=online("very_dissatisfied"), acting_user=None,
                           now=noon(2026, 10, 9))
    rectification_report(rectification=review.rectification, report="已整改", acting_user=clerk,
                         now=noon(2026, 10, 12))
    client = centre_client(beilin)
    form = {"number": case.number, "factor": "2468", "level": "satisfied"}
    assert client.post("/supervision/reviews/follow-up/", form, HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    again = client.post("/supervision/reviews/follow-up/", {**form, "level": "very_dissatisfied"},
                        HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409 and "given already" in again.content.decode()
    assert Rectification.objects.get(pk=review.rectification.pk).follow_up_level == "satisfied"


def test_the_reviews_page_names_the_item_in_english(beilin, centre_client, clerk):
    review_submit(entry=entry(beilin), channel="counter", levels={"overall": "dissatisfied"}, acting_user=None,
                  now=noon(2026, 10, 9))
    english = centre_client(beilin, clerk).get("/supervision/reviews/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Food business licence" in english and "食品经营许可" not in english
