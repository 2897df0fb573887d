"""Rating one of my decided cases in the online service hall (好差评): the reviews room's online levels
without a case number or lookup factor (the account owns the case), once — a second rating is a 409 with
its message —, an open case refused, another applicant's case 404, and the rating given shown."""
from __future__ import annotations

import pytest

from supervision.reviews.models import Rectification, Review
from tests.portal import ask_support

pytestmark = pytest.mark.django_db

#: The fixtures shared by these tests.
applicant_client = ask_support.applicant_client


def rate_url(case) -> str:
    return f"/online/cases/{case.case_id}/rate/"


def levels(level: str = "very_satisfied", **more) -> dict:
    return {"overall": level, "efficiency": level, "guide_accuracy": "", "convenience": level,
            "platform_usability": "", "comment": "", **more}


def test_a_decided_case_is_rated_once_and_the_rating_is_shown(applicant_client, beilin):
    client, account = applicant_client()
    case = ask_support.case_of(account, beilin)
    form = client.get(rate_url(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="overall"' in form and 'name="number"' not in form and 'name="factor"' not in form
    rated = client.post(rate_url(case), levels(comment="窗口很耐心"))
    assert rated.status_code == 302 and rated["Location"] == rate_url(case)
    review = Review.objects.get(entry=case)
    assert (review.channel, review.overall, review.comment, review.recorded_by) == (
        "online", "very_satisfied", "窗口很耐心", None)
    shown = client.get(rate_url(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your rating, given on" in shown and "Very satisfied" in shown and "窗口很耐心" in shown
    assert 'name="overall"' not in shown

    again = client.post(rate_url(case), levels("very_dissatisfied"), HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409
    html = again.content.decode()
    assert "This case has been rated already; each case is rated once." in html and "Very satisfied" in html
    assert Review.objects.get(entry=case).overall == "very_satisfied" and not Rectification.objects.exists()


def test_a_bad_rating_opens_a_rectification(applicant_client, beilin):
    client, account = applicant_client()
    case = ask_support.case_of(account, beilin, status="collected")
    assert client.post(rate_url(case), levels("very_dissatisfied")).status_code == 302
    assert Rectification.objects.get().review.entry == case


def test_an_open_case_is_refused(applicant_client, beilin):
    client, account = applicant_client()
    case = ask_support.case_of(account, beilin, status="under_review")
    page = client.get(rate_url(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A case can be rated once it has been decided." in page and 'name="overall"' not in page
    refused = client.post(rate_url(case), levels(), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "A case can be rated once it has been decided." in refused.content.decode()
    assert not Review.objects.exists()


def test_without_the_overall_level_nothing_is_written(applicant_client, beilin):
    client, account = applicant_client()
    case = ask_support.case_of(account, beilin)
    response = client.post(rate_url(case), levels(overall=""), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and 'id="id_overall_error"' in response.content.decode()
    assert not Review.objects.exists()


def test_someone_elses_case_is_404(applicant_client, beilin, centre_client):
    client, _account = applicant_client()
    _other_client, other = applicant_client(mobile="13900139000", name="李四",
                                            id_number=ask_support.resident_id(born="19800101", serial="123"))
    theirs = ask_support.case_of(other, beilin)
    assert client.get(rate_url(theirs)).status_code == 404
    assert client.post(rate_url(theirs), levels()).status_code == 404
    assert not Review.objects.exists()
    anonymous = centre_client(None).get(rate_url(theirs))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/online/sign-in/")
