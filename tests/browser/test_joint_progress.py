"""The applicant follows a joint case in a browser, on a 360 px phone: types the joint number from the
receipt (as it comes: lower case, spaces) and the phone's last four digits at /progress/, sees every leg
with its centre, department, status, due date and own number, prints the acceptance receipt that lists
them all; when every leg is decided, the SMS's link opens the lookup with the number filled in."""
from __future__ import annotations

import re

import pytest
from django.test import override_settings

from tests.browser.conftest import orm, screenshot
from tests.browser.test_joint import USCC, at, committed_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE = "13912345678"


def _accepted(bundle_code: str, clerk: str) -> dict:
    """A joint case accepted at Beilin (committed): its number, and each leg's number, centre and item."""

    def accept() -> dict:
        from joint_approval.models import Bundle
        from joint_approval.services import joint_case_accept
        from tenants.models import Centre, User

        joint = joint_case_accept(
            accepting_centre=Centre.objects.get(division_code="610103"), acting_user=User.objects.get(username=clerk),
            bundle=Bundle.objects.get(code=bundle_code), applicant_kind="organisation",
            applicant_name="西安浏览器联办科技有限公司", applicant_id_number=USCC, phone=PHONE).joint_case
        legs = [{"number": leg.case_number, "centre": leg.centre.name_en, "centre_id": leg.centre_id,
                 "case_id": leg.case_id, "department": leg.department_name_en, "item": leg.item_name_en,
                 "due": leg.promised_due.isoformat()}
                for leg in joint.legs.select_related("centre").order_by("position")]
        return {"number": joint.number, "id": joint.pk, "legs": legs}

    return orm(accept)


def _decide_every_leg(joint: dict, chiefs: dict[str, str], port: str) -> str:
    """Every leg reviewed and approved by its centre's chief; the completion SMS's text."""

    def decide() -> str:
        from django_tenants.utils import tenant_context

        from cases.services import case_transition
        from notifications.models import OutboxMessage
        from tenants.models import Centre, User

        with override_settings(PLATFORM_PORT=port):
            for leg in joint["legs"]:
                centre = Centre.objects.get(pk=leg["centre_id"])
                chief = User.objects.get(username=chiefs[centre.division_code])
                with tenant_context(centre):
                    from cases.models import Case

                    for action in ("start_review", "approve"):
                        case_transition(centre=centre, case=Case.objects.get(pk=leg["case_id"]), action=action,
                                        acting_user=chief)
        messages = OutboxMessage.objects.filter(dedupe_key=f"joint:{joint['id']}:completed")
        bodies = list(messages.values_list("body", flat=True))
        # committed: a later test's Celery worker would send them (the acceptance's SMS too)
        OutboxMessage.objects.filter(dedupe_key__startswith=f"joint:{joint['id']}:").delete()
        assert len(bodies) == 1
        return bodies[0]

    return orm(decide)


def test_an_applicant_follows_a_joint_case_by_its_number_on_a_phone(browser, live_url, make_browser_user):
    bundle = committed_bundle()
    clerk = make_browser_user(("610103", "window_clerk"))
    joint = _accepted(bundle["code"], clerk)
    assert len(joint["legs"]) == 3 and len({leg["centre"] for leg in joint["legs"]}) == 2

    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-US", is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    beilin = at(live_url, "beilin")
    page.goto(f"{beilin}/progress/")
    typed = joint["number"].lower().replace("-", " ")  # as read off the receipt into a phone
    page.fill("#id_number", typed)
    page.fill("#id_factor", PHONE[-4:])
    with page.expect_navigation():
        page.click("form.progress-form button[type=submit]")

    result = page.locator("section.joint-progress")
    assert result.locator(".joint-number").inner_text() == joint["number"]
    assert result.locator(".progress-status").inner_text() == "Running"
    rows = result.locator("tr.progress-leg")
    assert rows.count() == 3
    for i, leg in enumerate(joint["legs"]):
        row = rows.nth(i)
        assert row.locator(".leg-number").inner_text() == leg["number"]
        assert row.locator(".leg-centre").inner_text() == leg["centre"]
        assert row.locator(".leg-department").inner_text() == leg["department"]
        assert row.locator(".leg-item").inner_text() == leg["item"]
        assert row.locator(".leg-status").inner_text() == "Accepted"
        assert row.locator(".leg-due").inner_text() == leg["due"]
        assert row.locator(".leg-centre").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # the legs stack, no sideways scrolling
    assert PHONE not in page.content() and USCC not in page.content()
    screenshot(page, "joint-progress-360")

    with page.expect_navigation():
        page.click("#joint-receipt-link")
    sheet = page.locator("article.print-sheet")
    assert "Joint acceptance receipt" in sheet.locator("h1").inner_text()
    assert sheet.locator(".joint-number").inner_text() == joint["number"]
    receipt_rows = sheet.locator("tr.receipt-leg")
    assert receipt_rows.count() == 3
    for i, leg in enumerate(joint["legs"]):
        assert receipt_rows.nth(i).locator(".leg-number").inner_text() == leg["number"]
        assert receipt_rows.nth(i).locator(".leg-due").inner_text() == leg["due"]
    assert page.locator("button[data-print]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "joint-receipt-360")

    # every leg decided: the SMS's link (absolute, at Beilin's own address) opens the lookup, number filled in
    chiefs = {"610103": make_browser_user(("610103", "chief_representative")),
              "610100": make_browser_user(("610100", "chief_representative"))}
    port = live_url.rsplit(":", 1)[1]
    sms = _decide_every_leg(joint, chiefs, port)
    link = re.search(r"(https?://\S+)$", sms).group(1)
    assert link == f"{beilin}/progress/?number={joint['number']}"
    page.goto(link)
    assert page.input_value("#id_number") == joint["number"]
    page.fill("#id_factor", PHONE[-4:])
    with page.expect_navigation():
        page.click("form.progress-form button[type=submit]")
    assert page.locator("section.joint-progress .progress-status").inner_text() == "Completed"
    assert [page.locator("tr.progress-leg .leg-status").nth(i).inner_text() for i in range(3)] == ["Approved"] * 3
    context.close()


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_joint_cases_legs_fit_a_desktop_window_without_sideways_scrolling(browser, live_url, make_browser_user,
                                                                           locale):
    joint = _accepted(committed_bundle()["code"], make_browser_user(("610103", "window_clerk")))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    page = context.new_page()
    page.goto(f"{at(live_url, 'beilin')}/progress/?number={joint['number']}")
    page.fill("#id_factor", PHONE[-4:])
    with page.expect_navigation():
        page.click("form.progress-form button[type=submit]")
    table = page.locator("table.progress-legs")
    number = table.locator(".leg-number").first
    assert number.inner_text() == joint["legs"][0]["number"]
    right = page.evaluate("document.querySelector('section.joint-progress').getBoundingClientRect().right")
    assert table.bounding_box()["x"] + table.bounding_box()["width"] <= right  # the table stays in its card
    assert number.bounding_box()["x"] + number.bounding_box()["width"] <= right  # the case number is in view
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, f"joint-progress-1280-{locale}")
    context.close()
