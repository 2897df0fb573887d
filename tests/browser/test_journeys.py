"""The three journeys of issue 14 as real people live them, end to end in a browser, each step taken through
the pages (set-up a person does not do, such as the catalogue's items or a village station, is committed
directly):

1. a centre's own people: a township onboarded, its administrator appointed, signing in, adopting an item,
   adding a clerk who signs in and is later deactivated; the township suspended with a reason;
2. an applicant following a joint case across Beilin and the city by its joint number, its receipt and
   its text messages, while each leg's people decide it;
3. a village agent's proxy filing on a phone without shortcuts, from the SMS consent code to the result
   delivered, which the resident's own lookup shows as collected by proxy.
"""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import at, busy_seen, desk, orm, phone, screenshot, sign_in, unique, watch_busy
from tests.browser.test_agent_journey import committed_item
from tests.browser.test_delegation import VALID_ID, committed_agent
from tests.browser.test_delegation_consent import MOBILE, fits, outbox_code
from tests.browser.test_joint import USCC, committed_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

NEW_PASSWORD = "Lantern-Quay-4821"
APPLICANT_PHONE = "13912340917"


def click(page, selector: str) -> None:
    """Click what leads to another page and wait for it."""
    with page.expect_navigation():
        page.click(selector)


def free_township_code() -> str:
    from tenants.models import Centre

    used = set(Centre.objects.values_list("division_code", flat=True))
    return next(code for code in (f"610103{n:03d}" for n in range(500, 1000)) if code not in used)


def choose_password(page, temporary: str) -> None:
    """The first sign-in with a temporary password: the person must choose their own before anything."""
    assert page.url.endswith("/accounts/password/")
    assert "temporary password" in page.locator("#password-required").inner_text()
    page.fill("#id_old_password", temporary)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    click(page, "#password-change button[type=submit]")
    assert "Your password is changed." in page.locator(".messages").inner_text()


def open_case(page, base: str, number: str) -> None:
    """A clerk finds the case in their inbox (every open case, every department) and opens it."""
    page.goto(base + "/cases/?status=open&department=")
    click(page, f"tr[data-number='{number}'] a")
    assert page.locator("code.case-number").inner_text() == number


def act(page, action: str, expected: str) -> None:
    """Press the case page's button of `action`; the case is then in the status `expected`."""
    click(page, f"form.case-action[data-action={action}] button")
    assert page.locator("#case-status").inner_text() == expected


def outbox_text(page, live_url: str, number: str, template: str) -> str:
    """The text of the message of `template` that names `number`, as the platform's outbox page shows it
    (the platform administrator is signed in on `page`) once the Celery worker has sent it; its recipient
    is masked. The page is reloaded as a person would, for at most 15 s."""
    row = page.locator(f"#outbox tr:has(code:text-is('{template}')):has-text('{number}')")
    for _ in range(60):
        page.goto(live_url + "/outbox/")
        assert row.count() == 1, (template, number)
        if row.get_attribute("data-status") == "sent":
            break
        page.wait_for_timeout(250)
    assert row.get_attribute("data-status") == "sent", row.inner_text()
    assert re.fullmatch(r"1\d\d\*{4}\d{4}", row.locator("td.recipient").inner_text().strip())
    return row.locator("td.prewrap").inner_text()


def look_up(page, number: str, factor: str) -> None:
    """The public lookup (the page is at /progress/): the number, if not filled in already, and a factor."""
    if page.input_value("#id_number") != number:
        page.fill("#id_number", number)
    page.fill("#id_factor", factor)
    click(page, "form.progress-form button[type=submit]")


# --- 1. a centre's own people ----------------------------------------------------------------------------

def test_a_township_is_onboarded_staffed_and_suspended_by_its_people(browser, live_url, make_browser_user):
    code, slug = orm(free_township_code), unique("jz")
    item = committed_item("township", unique("居民医保参保登记"))  # the catalogue: Beilin adopted it for its townships
    platform_admin = make_browser_user((None, "platform_admin"))
    township = at(live_url, slug)

    # a platform administrator onboards the township from the web form: "Provisioning…", then its address
    admin_page = desk(browser)
    sign_in(admin_page, live_url, platform_admin)
    click(admin_page, "a:has-text('Onboard centres')")
    form = admin_page.locator("#onboard-one")
    form.locator("#id_level").select_option("township")
    form.locator("#id_code").fill(code)
    form.locator("#id_slug").fill(slug)
    form.locator("#id_name_zh").fill("旅程测试街道")
    form.locator("#id_name_en").fill("Journey Street")
    form.locator("#id_parent_code").fill("610103")
    watch_busy(admin_page, "#onboard-one button[type=submit]")
    click(admin_page, "#onboard-one button[type=submit]")
    assert busy_seen(admin_page) == "true|Provisioning… this takes a few seconds"
    assert admin_page.locator(".messages li.success").inner_text() == (
        f"Centre {code} 旅程测试街道 onboarded at {township}.")

    # ... and appoints its administrator from the platform's list of centres
    admin_page.goto(live_url + "/")
    admin_page.fill("#q", code)
    click(admin_page, "form.filters button")
    click(admin_page, f"tr[data-code='{code}'] td.admins a")
    assert admin_page.locator("#no-admin").is_visible()
    township_admin = unique("jzadmin")
    admin_page.fill("#id_username", township_admin)
    admin_page.fill("#id_full_name", "赵静")
    admin_page.fill("#id_full_name_en", "Zhao Jing")
    click(admin_page, "#appoint-admin button[type=submit]")
    admin_temporary = admin_page.locator(f"tr[data-username='{township_admin}'] code.password").inner_text()
    assert f"{township}/accounts/login/" in admin_page.locator("main").inner_text()

    # the administrator signs in at the township's own address and must choose a password first
    manager = desk(browser)
    sign_in(manager, township, township_admin, admin_temporary)
    choose_password(manager, admin_temporary)
    assert manager.url.rstrip("/") == township

    # adopts an item of the federated catalogue (what its district adopted for it)
    click(manager, "nav a:has-text('Catalogue')")
    click(manager, "nav.subnav a:has-text('Adopt items')")
    manager.fill("#q", item)
    click(manager, "form[role=search] button[type=submit]")
    click(manager, f"tr[data-code='{item}'] form.adopt-one button[type=submit]")
    assert manager.locator(".messages li.success").inner_text().startswith(f"Adopted {item} ")

    # adds a window clerk (department set) on the staff page and reads the temporary password
    click(manager, "nav a:has-text('Staff')")
    clerk = unique("jzclerk")
    manager.fill("#id_username", clerk)
    manager.fill("#id_full_name", "孙倩")
    manager.fill("#id_full_name_en", "Sun Qian")
    manager.select_option("#id_role", "window_clerk")
    manager.select_option("#id_department_code", "DB")
    click(manager, "#staff-create button[type=submit]")
    clerk_temporary = manager.locator(f"tr[data-username='{clerk}'] code.password").inner_text()
    screenshot(manager, "journey-staff-password-1280")

    # the clerk signs in, chooses a password and lands at work
    clerk_page = desk(browser)
    sign_in(clerk_page, township, clerk, clerk_temporary)
    choose_password(clerk_page, clerk_temporary)
    click(clerk_page, "nav a:has-text('Cases')")
    assert clerk_page.url.endswith("/cases/") and clerk_page.locator("h1").inner_text() == "Case inbox"
    assert clerk_page.locator("nav a:has-text('Staff')").count() == 0

    # the administrator deactivates the clerk: the clerk's session ends and signing in again fails
    click(manager, "nav a:has-text('Staff')")
    row = manager.locator(f"tr[data-username='{clerk}']")
    assert "Window clerk" in row.inner_text() and "Delegation Test Bureau" in row.inner_text()
    click(manager, f"tr[data-username='{clerk}'] a")
    click(manager, "#staff-deactivate button")
    assert manager.locator(".messages li.success").inner_text() == "User deactivated."
    clerk_page.goto(township + "/cases/")
    assert "/accounts/login/" in clerk_page.url
    sign_in(clerk_page, township, clerk, NEW_PASSWORD)
    assert clerk_page.locator("[role=alert]").is_visible()
    assert "/accounts/login/" in clerk_page.url

    # the platform administrator suspends the township through the confirmation page, with a reason
    admin_page.goto(live_url + f"/?q={code}")
    click(admin_page, f"tr[data-code='{code}'] a:has-text('Suspend')")
    assert "answer “suspended”" in admin_page.locator("#impact").inner_text()
    admin_page.fill("#id_reason", "The township merges into its neighbour.")
    click(admin_page, "#centre-status button[type=submit]")
    assert admin_page.locator(".messages li.success").inner_text() == f"Centre {code} suspended."
    manager.goto(township + "/")
    assert manager.locator("h1").inner_text() == "This centre is suspended"


# --- 2. the applicant follows every leg of a joint case ----------------------------------------------------

def test_an_applicant_follows_a_joint_case_across_beilin_and_the_city(browser, live_url, make_browser_user,
                                                                     settings, celery_worker):
    settings.PLATFORM_PORT = live_url.rsplit(":", 1)[1]  # the SMS's links: the live server's own port
    bundle = committed_bundle()
    clerk = make_browser_user(("610103", "window_clerk"))
    chiefs = {"610103": make_browser_user(("610103", "chief_representative")),
              "610100": make_browser_user(("610100", "chief_representative"))}
    platform_admin = make_browser_user((None, "platform_admin"))
    beilin, city = at(live_url, "beilin"), at(live_url, "xian")

    # a Beilin window clerk accepts the joint case: every item of the bundle, materials handed in once
    window = desk(browser)
    sign_in(window, beilin, clerk)
    click(window, "nav a:has-text('Joint approvals')")
    click(window, f"tr[data-code='{bundle['code']}'] a")
    window.check("#merged-materials label:has-text('Application form') input")
    window.fill("#id_applicant_name", unique("旅程科技有限公司"))
    window.select_option("#id_applicant_kind", "organisation")
    window.fill("#id_applicant_id_number", USCC)
    window.fill("#id_phone", APPLICANT_PHONE)
    click(window, "button[name=accept]")
    assert window.locator("#joint-status").inner_text() == "Running"
    number = window.locator("h1 code.joint-number").inner_text()
    assert re.fullmatch(r"J610103-\d{8}-\d{4}", number)
    legs = [{"number": row.locator("td code").inner_text(), "centre": row.get_attribute("data-centre")}
            for row in window.locator("table.legs tbody tr").all()]
    assert [leg["centre"] for leg in legs] == ["610103", "610103", "610100"]

    # the acceptance SMS: the joint number, the promised date, the lookup's absolute address
    outbox = desk(browser)
    sign_in(outbox, live_url, platform_admin)
    accepted = outbox_text(outbox, live_url, number, "joint_accepted")
    due = orm(_joint_due, number)
    assert f"您的联办件{number}（浏览器开办企业）已受理，3个事项同时办理，承诺{due}前全部办结" in accepted
    assert f"查询进度：{beilin}/progress/?number={number} " in accepted

    # the applicant, on a 360 px phone, types the joint number and the phone's last four digits
    applicant = phone(browser)
    applicant.goto(f"{beilin}/progress/")
    look_up(applicant, number, APPLICANT_PHONE[-4:])
    result = applicant.locator("section.joint-progress")
    assert result.locator(".joint-number").inner_text() == number
    assert result.locator(".progress-status").inner_text() == "Running"
    rows = result.locator("tr.progress-leg")
    assert rows.count() == 3
    for i, leg in enumerate(legs):
        row = rows.nth(i)
        assert row.locator(".leg-number").inner_text() == leg["number"]
        assert row.locator(".leg-centre").inner_text() == ("Beilin District" if leg["centre"] == "610103"
                                                           else "Xi'an Municipal Government Service Centre")
        assert row.locator(".leg-department").inner_text().startswith("Joint Browser Bureau")
        assert row.locator(".leg-status").inner_text() == "Accepted"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", row.locator(".leg-due").inner_text())
    assert fits(applicant)
    screenshot(applicant, "journey-joint-progress-360")

    # ... and opens the printable receipt listing every leg
    click(applicant, "#joint-receipt-link")
    sheet = applicant.locator("article.print-sheet")
    assert sheet.locator(".joint-number").inner_text() == number
    assert [sheet.locator("tr.receipt-leg .leg-number").nth(i).inner_text() for i in range(3)] == [
        leg["number"] for leg in legs]
    assert fits(applicant)

    # each leg is handled by its own centre's people on its case page: a window clerk starts the review,
    # the chief representative approves
    clerks = {"610103": clerk, "610100": make_browser_user(("610100", "window_clerk"))}
    for division_code, base in (("610103", beilin), ("610100", city)):
        own = [leg["number"] for leg in legs if leg["centre"] == division_code]
        for username, action, status in ((clerks[division_code], "start_review", "Under review"),
                                         (chiefs[division_code], "approve", "Approved")):
            person = desk(browser)
            sign_in(person, base, username)
            for leg_number in own:
                open_case(person, base, leg_number)
                assert number in person.locator("p.joint-leg").inner_text()
                act(person, action, status)
            person.context.close()

    # the completion SMS: its link (absolute, Beilin's own address) opens the lookup with the number filled in
    completed = outbox_text(outbox, live_url, number, "joint_completed")
    assert f"您的联办件{number}（浏览器开办企业）的3个事项已全部办结" in completed
    link = re.search(r"请查询：(\S+)$", completed).group(1)
    assert link == f"{beilin}/progress/?number={number}"
    applicant.goto(link)
    look_up(applicant, number, APPLICANT_PHONE[-4:])
    assert applicant.locator("section.joint-progress .progress-status").inner_text() == "Completed"
    assert applicant.locator("tr.progress-leg .leg-status").all_inner_texts() == ["Approved"] * 3
    screenshot(applicant, "journey-joint-completed-360")


# --- 3. a proxy filing without shortcuts ---------------------------------------------------------------

def test_a_village_agent_files_for_a_resident_and_delivers_the_result(browser, live_url, make_browser_user,
                                                                      settings, celery_worker):
    settings.PLATFORM_PORT = live_url.rsplit(":", 1)[1]
    item = committed_item("district", unique("残疾人证办理"))  # handled by Beilin, filed from the villages
    agent = make_browser_user()
    committed_agent(agent)
    agent_name = orm(_agent_name, agent)
    clerk = make_browser_user(("610103", "window_clerk"))
    chief = make_browser_user(("610103", "chief_representative"))
    platform_admin = make_browser_user((None, "platform_admin"))
    township, beilin = at(live_url, "beilin-nanyuanmen"), at(live_url, "beilin")

    # the agent signs in on a 360 px phone and lands on the workbench
    page = phone(browser)
    sign_in(page, township, agent)
    assert page.url == township + "/delegation/"
    click(page, "header a:has-text('New filing')")
    levels = page.locator("section.level").evaluate_all("els => els.map(e => e.dataset.level)")
    assert "district" in levels and levels == sorted(levels, key=["township", "district", "city"].index)
    click(page, f"section.level[data-level=district] a[href='?item_code={item}']")

    # nothing is preselected; the resident's consent by an SMS code, read back to the agent
    assert page.locator("input[name=consent_method]:checked").count() == 0
    assert page.locator("input[name=materials]:checked").count() == 0
    resident = unique("李桂英")
    page.fill("#id_resident_name", resident)
    page.fill("#id_resident_id_number", VALID_ID)
    page.fill("#id_phone", MOBILE)
    page.check("input[name=consent_method][value=sms_code]")
    click(page, "button[name=send_code]")
    assert "A code was sent to 137****5678" in page.content()
    page.fill("#id_sms_code", outbox_code())  # the resident reads the code off their phone
    page.check("#proxy-filing label:has-text('Application form') input")
    click(page, "#file-case")
    number = page.locator("h1.num").inner_text()
    assert number.startswith("610103-")  # a district item: filed with Beilin
    assert "SMS code confirmed at" in page.content() and fits(page)
    screenshot(page, "journey-proxy-filed-360")

    # the agent carries the materials to the centre: one tap on the workbench
    page.goto(township + "/delegation/?view=carry")
    click(page, f"li[data-number='{number}'] button[type=submit]")

    # the clerk of Beilin opens the case: the consent record and the handover log
    window = desk(browser)
    sign_in(window, beilin, clerk)
    open_case(window, beilin, number)
    proxy = window.locator("#proxy-filing").inner_text()
    assert "Code sent by SMS and read back" in proxy and "SMS code confirmed at" in proxy and "137****5678" in proxy
    assert "Materials received from the resident" in proxy and "Materials handed to the centre" in proxy
    assert agent_name in proxy
    screenshot(window, "journey-proxy-clerk-1280")
    # the clerk accepts it and starts the review, the chief representative approves, the clerk marks the
    # result ready
    assert window.locator("#case-status").inner_text() == "Submitted"
    act(window, "accept", "Accepted")
    act(window, "start_review", "Under review")
    assert window.locator("form.case-action[data-action=approve]").count() == 0  # not the clerk's to decide
    decider = desk(browser)
    sign_in(decider, beilin, chief)
    open_case(decider, beilin, number)
    act(decider, "approve", "Approved")
    decider.context.close()
    window.reload()
    act(window, "result_ready", "Result ready to collect")

    # the resident's SMS: the agent will bring the result, with an absolute link
    outbox = desk(browser)
    sign_in(outbox, live_url, platform_admin)
    sms = outbox_text(outbox, live_url, number, "case_result_ready_proxy")
    assert f"代办员{agent}将取回结果并送到您手中，无需本人前往" in sms and "领取结果" not in sms
    link = re.search(r"查询：(\S+)$", sms).group(1)
    assert link == f"{beilin}/progress/?number={number}"

    # the agent logs the result received and delivered to the resident
    page.goto(township + "/delegation/")
    click(page, f"li[data-number='{number}'] button[type=submit]")
    assert "Result delivered to the resident" in page.locator(f"li[data-number='{number}'] button").inner_text()
    click(page, f"li[data-number='{number}'] button[type=submit]")
    assert "Collected" in page.locator(f"li[data-number='{number}']").inner_text()
    page.context.close()

    # the resident's own browser: collected, by proxy, the agent named
    resident_page = phone(browser)
    resident_page.goto(link)
    assert resident_page.input_value("#id_number") == number  # the link fills it in
    look_up(resident_page, number, MOBILE[-4:])
    assert resident_page.locator(".progress-status").inner_text() == "Collected"
    assert f"by proxy: agent {agent_name}" in resident_page.locator("ol.progress-history").inner_text()
    assert fits(resident_page)
    screenshot(resident_page, "journey-proxy-collected-360")


def _joint_due(number: str) -> str:
    from joint_approval.models import JointCase

    return JointCase.objects.get(number=number).due.isoformat()


def _agent_name(username: str) -> str:
    from tenants.models import User

    user = User.objects.get(username=username)
    return user.full_name_en or user.full_name or username
