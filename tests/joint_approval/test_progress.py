"""The applicant follows a joint case (联办件) by its own number: /progress/ (page and API) shows every leg
with its centre, department, status, due date and own number; the per-number guard counts wrong factors
of a joint number as of any other; one acceptance receipt lists every leg (for the staff from the joint
case's page, for the applicant from the progress result); one SMS tells the applicant when every leg
is decided, with an absolute link."""
from __future__ import annotations

import re
from html import escape

import pytest
from django.core.cache import cache
from django.test import override_settings

from common.identity import recipient_hmac
from joint_approval.choices import JointStatus
from registry.guard import number_is_guarded
from registry.models import NumberGuard
from tests.joint_approval.conftest import VALID_USCC, accept, leg_case, step

pytestmark = pytest.mark.django_db
COMPANY, PHONE = "西安测试科技有限公司", "13912345678"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def joint(bundle, beilin, clerk_beilin):
    """A joint case accepted at Beilin: company registration and seal filing there, tax registration at
    the city centre (the applicant is an organisation: the factor is its credit code's or phone's last four)."""
    return accept(bundle, clerk_beilin, beilin)


def _legs(joint):
    return list(joint.legs.select_related("centre").order_by("position"))


def _without_tokens(html: str, number: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return html.replace(number, "NUMBER")


# --- the lookup ----------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["platform", "beilin", "city"])
def test_the_joint_number_and_the_phones_last_four_show_every_leg(joint, host, beilin, city, centre_client):
    legs = _legs(joint)
    assert len(legs) == 3 and {leg.centre_id for leg in legs} == {beilin.pk, city.pk}
    client = centre_client({"platform": None, "beilin": beilin, "city": city}[host])
    response = client.post("/progress/", {"number": joint.number, "factor": PHONE[-4:]})
    assert response.status_code == 200, response.content.decode()[-2000:]
    html = response.content.decode()
    assert f'<code class="joint-number">{joint.number}</code>' in html
    assert 'class="progress-status joint-running">Running' in html
    rows = re.findall(r'<tr class="progress-leg" data-leg="\d">(.*?)</tr>', html, re.S)
    assert len(rows) == 3
    for leg, row in zip(legs, rows, strict=True):
        assert f"<code>{leg.case_number}</code>" in row  # each leg's own number
        assert escape(leg.centre.name_en) in row
        assert escape(leg.department_name_en) in row and escape(leg.item_name_en) in row
        assert "status-accepted" in row and "Accepted" in row
        assert leg.promised_due.strftime("%Y-%m-%d") in row
    assert joint.due.strftime("%Y-%m-%d") in html
    assert 'id="joint-receipt-link"' in html
    for personal in (COMPANY, VALID_USCC, PHONE):
        assert personal not in html


def test_an_organisation_uses_its_credit_codes_last_four_typed_as_it_comes(joint, centre_client):
    """The joint number typed lower case with spaces, the factor in lower case: found as stored."""
    typed = joint.number.lower().replace("-", " ").replace("j", "j ")
    response = centre_client().get("/progress/api/", {"number": typed, "factor": VALID_USCC[-4:].lower()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["joint"], body["number"], body["status"]) == (True, joint.number, JointStatus.RUNNING)
    legs = _legs(joint)
    assert [leg["number"] for leg in body["legs"]] == [leg.case_number for leg in legs]
    assert [(leg["centre"], leg["department"], leg["item"]) for leg in body["legs"]] == [
        (leg.centre.name_en, leg.department_name_en, leg.item_name_en) for leg in legs]
    assert [leg["expected_finish"] for leg in body["legs"]] == [leg.promised_due.isoformat() for leg in legs]
    assert body["expected_finish"] == joint.due.isoformat()
    assert body["receipt_url"].startswith("http://") and "/progress/receipt/" in body["receipt_url"]
    for personal in (COMPANY, VALID_USCC, PHONE):
        assert personal not in response.content.decode()


def test_a_wrong_factor_and_an_unknown_joint_number_get_the_same_answer(joint, centre_client):
    client = centre_client()
    unknown = re.sub(r"\d{4}$", "9999", joint.number)
    wrong = client.post("/progress/", {"number": joint.number, "factor": "1234"})
    none = client.post("/progress/", {"number": unknown, "factor": "1234"})
    assert wrong.status_code == none.status_code == 404
    assert _without_tokens(wrong.content.decode(), joint.number) == _without_tokens(none.content.decode(), unknown)
    assert "No case matches that number" in wrong.content.decode()
    api_wrong = client.get("/progress/api/", {"number": joint.number, "factor": "1234"})
    api_none = client.get("/progress/api/", {"number": unknown, "factor": "1234"})
    assert api_wrong.status_code == api_none.status_code == 404
    assert {**api_wrong.json(), "extra": {}} == {**api_none.json(), "extra": {}}


def test_wrong_factors_of_a_joint_number_are_counted_and_guard_it_known_or_unknown(joint, centre_client, settings):
    """Five wrong factors of the joint number from five addresses and the number answers "try later" to
    everyone, the right factor too; an unknown joint number is counted and guarded the same way."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1,
                               "DEFAULT_THROTTLE_RATES": {"progress": "100/minute"}}
    client = centre_client()
    unknown = re.sub(r"\d{4}$", "9999", joint.number)
    for number in (joint.number, unknown):
        answers = [client.get("/progress/api/", {"number": number, "factor": f"{n:04d}"},
                              HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(1, 6)]
        assert answers == [404] * 5
        assert number_is_guarded(number)
    assert NumberGuard.objects.filter(failures=5).count() == 4  # two numbers, two rules each
    right = client.get("/progress/api/", {"number": joint.number, "factor": PHONE[-4:]},
                       HTTP_X_FORWARDED_FOR="10.0.1.1")
    assert right.status_code == 429 and right.json()["code"] == "rate_limited"
    page = client.post("/progress/", {"number": joint.number, "factor": PHONE[-4:]}, HTTP_X_FORWARDED_FOR="10.0.1.2")
    assert page.status_code == 429 and "Too many lookups" in page.content.decode()


def test_the_reviews_room_shares_the_guard_for_joint_numbers(joint, beilin, centre_client):
    """The reviews room rates one case at a time: a joint number is not found there, and each try is
    counted on the number's guard, which then holds at /progress/ too."""
    client = centre_client(beilin)
    for n in range(5):
        response = client.post("/supervision/reviews/rate/", {"number": joint.number, "factor": f"{n:04d}",
                                                               "overall": "satisfied"},
                               REMOTE_ADDR=f"10.0.2.{n}")
        assert response.status_code == 404
    assert number_is_guarded(joint.number)
    guarded = client.get("/progress/api/", {"number": joint.number, "factor": PHONE[-4:]}, REMOTE_ADDR="10.0.3.1")
    assert guarded.status_code == 429


def test_the_right_factor_counts_nothing(joint, centre_client):
    for _ in range(6):
        assert centre_client().get("/progress/api/", {"number": joint.number,
                                                      "factor": PHONE[-4:]}).status_code == 200
    assert not NumberGuard.objects.exists()


def test_a_legs_own_number_still_shows_that_leg(joint, centre_client):
    leg = _legs(joint)[2]
    body = centre_client().get("/progress/api/", {"number": leg.case_number, "factor": PHONE[-4:]}).json()
    assert body["number"] == leg.case_number and "legs" not in body


# --- the receipt ---------------------------------------------------------------------------------

def _receipt_rows(html: str) -> list[str]:
    return re.findall(r'<tr class="receipt-leg" data-leg="\d">(.*?)</tr>', html, re.S)


def _assert_lists_every_leg(html: str, joint) -> None:
    rows = _receipt_rows(html)
    legs = _legs(joint)
    assert len(rows) == len(legs) == 3
    for leg, row in zip(legs, rows, strict=True):
        for text in (escape(leg.centre.name_en), escape(leg.department_name_en), escape(leg.item_name_en),
                     leg.promised_due.strftime("%Y-%m-%d"), f"<code>{leg.case_number}</code>"):
            assert text in row, (text, row)
    assert "Joint acceptance receipt" in html and joint.number in html
    assert joint.accepted_on.strftime("%Y-%m-%d") in html and joint.due.strftime("%Y-%m-%d") in html
    assert 'data-print' in html  # the print button (static/js/print.js)


def test_the_clerk_prints_one_receipt_listing_every_leg_from_the_joint_case_page(joint, beilin, clerk_beilin,
                                                                                  centre_client):
    client = centre_client(beilin, clerk_beilin)
    page = client.get(f"/joint/cases/{joint.pk}/").content.decode()
    receipt_url = f"/joint/cases/{joint.pk}/receipt/"
    assert f'href="{receipt_url}"' in page
    response = client.get(receipt_url)
    assert response.status_code == 200
    html = response.content.decode()
    _assert_lists_every_leg(html, joint)
    assert COMPANY in html  # the applicant, from a leg held here
    assert escape(beilin.name_en) in html


def test_the_city_prints_it_from_its_overview_without_the_applicants_name(joint, chief_city, centre_client):
    client = centre_client(None, chief_city)
    assert 'id="joint-receipt-link"' in client.get(f"/joint/cases/{joint.pk}/").content.decode()
    response = client.get(f"/joint/cases/{joint.pk}/receipt/")
    assert response.status_code == 200
    _assert_lists_every_leg(response.content.decode(), joint)
    assert COMPANY not in response.content.decode()  # no leg of it is held on the platform's host


def test_the_receipt_is_in_chinese_for_a_chinese_reader(joint, beilin, clerk_beilin, centre_client):
    client = centre_client(beilin, clerk_beilin)
    html = client.get(f"/joint/cases/{joint.pk}/receipt/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "联办受理回执" in html and "税务登记" in html and beilin.name_zh in html


def test_a_stranger_gets_no_receipt(joint, yanta, make_user, centre_client):
    from tenants.choices import Role

    outsider = make_user((yanta, Role.WINDOW_CLERK), username="j-yanta-clerk")
    assert centre_client(yanta, outsider).get(f"/joint/cases/{joint.pk}/receipt/").status_code == 404


def test_the_applicant_prints_the_receipt_from_the_progress_result(joint, centre_client):
    client = centre_client()
    html = client.post("/progress/", {"number": joint.number, "factor": PHONE[-4:]}).content.decode()
    link = re.search(r'<a href="([^"]+)" class="button" id="joint-receipt-link">', html).group(1)
    assert PHONE[-4:] not in link
    response = client.get(link)
    assert response.status_code == 200
    receipt = response.content.decode()
    _assert_lists_every_leg(receipt, joint)
    for personal in (COMPANY, VALID_USCC, PHONE):
        assert personal not in receipt
    tampered = client.get(link[:-3] + "xyz/")
    assert tampered.status_code == 404 and "Look the joint case up again" in tampered.content.decode()


# --- the SMS when every leg is decided -----------------------------------------------------------

def _decide(leg, chief, action="approve"):
    step(leg, "start_review", chief)
    step(leg, action, chief)


@override_settings(PLATFORM_SCHEME="https", PLATFORM_PORT="8443")
def test_one_sms_tells_the_applicant_when_every_leg_is_decided_with_an_absolute_link(
        joint, beilin, chief_beilin, chief_city, settings):
    from notifications.models import OutboxMessage

    legs = _legs(joint)
    chiefs = {beilin.pk: chief_beilin}
    for leg in legs[:-1]:
        _decide(leg, chiefs.get(leg.centre_id, chief_city))
    assert not OutboxMessage.objects.filter(template_key="joint_completed").exists()  # one leg still runs
    _decide(legs[-1], chiefs.get(legs[-1].centre_id, chief_city))
    step(legs[-1], "result_ready", chiefs.get(legs[-1].centre_id, chief_city))  # later steps send nothing more
    messages = list(OutboxMessage.objects.filter(template_key="joint_completed"))
    assert len(messages) == 1
    message = messages[0]
    assert message.to_hmac == recipient_hmac(leg_case(legs[0]).phone)
    link = f"https://{beilin.slug}.{settings.PLATFORM_DOMAIN}:8443/progress/?number={joint.number}"
    assert message.body == (f"【{beilin.name_zh}】您的联办件{joint.number}（开办企业）的3个事项已全部办结，"
                            f"各事项结果及领取方式请查询：{link}")


@override_settings(PLATFORM_SCHEME="https", PLATFORM_PORT="8443")
def test_one_sms_tells_the_applicant_at_acceptance_the_joint_number_the_date_and_the_link(
        bundle, beilin, clerk_beilin, settings):
    """Issue 14, item 5: a joint case's legs send no acceptance SMS of their own (their numbers are not what
    the applicant follows); the applicant gets one, with the joint number."""
    from notifications.models import OutboxMessage

    joint = accept(bundle, clerk_beilin, beilin)
    messages = list(OutboxMessage.objects.filter(to_hmac=recipient_hmac(PHONE)))
    assert [m.template_key for m in messages] == ["joint_accepted"]
    link = f"https://{beilin.slug}.{settings.PLATFORM_DOMAIN}:8443/progress/?number={joint.number}"
    assert messages[0].body == (
        f"【{beilin.name_zh}】您的联办件{joint.number}（开办企业）已受理，3个事项同时办理，"
        f"承诺{joint.due.isoformat()}前全部办结。查询进度：{link} （输入联办件号和证件号码或手机号后四位）")
    accept(bundle, clerk_beilin, beilin)  # another joint case: its own SMS, the first one unchanged
    assert OutboxMessage.objects.filter(template_key="joint_accepted").count() == 2


def test_the_sms_link_opens_the_lookup_with_the_joint_number_filled_in(joint, beilin, centre_client):
    html = centre_client(beilin).get("/progress/", {"number": joint.number}).content.decode()
    assert f'value="{joint.number}"' in html


def test_a_withdrawn_joint_case_sends_no_completion_sms(joint, beilin, clerk_beilin, chief_city):
    from notifications.models import OutboxMessage

    for leg in _legs(joint):
        step(leg, "withdraw", clerk_beilin if leg.centre_id == beilin.pk else chief_city)
    joint.refresh_from_db()
    assert joint.status == JointStatus.WITHDRAWN
    assert not OutboxMessage.objects.filter(template_key="joint_completed").exists()


def test_a_joint_cases_number_and_its_legs_numbers_share_one_count(joint, centre_client):
    """The applicant and the factor are one for the joint case and every leg: wrong factors spread over
    the joint number and the legs' numbers are counted together, so guessing runs out after five in all
    (it took 5 × (legs + 1) before: a tester's find)."""
    client = centre_client()
    legs = [leg.case_number for leg in _legs(joint)]
    tries = [joint.number, *legs, joint.number, legs[0]][:5]
    for n, number in enumerate(tries):
        answer = client.get("/progress/api/", {"number": number, "factor": f"{n:04d}"}, REMOTE_ADDR=f"10.0.4.{n}")
        assert answer.status_code == 404
    for number in (joint.number, *legs):
        assert number_is_guarded(number)
        right = client.get("/progress/api/", {"number": number, "factor": PHONE[-4:]}, REMOTE_ADDR="10.0.5.1")
        assert right.status_code == 429
