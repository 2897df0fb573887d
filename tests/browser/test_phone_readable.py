"""Issue 19's faults as a person on a phone meets them: charts whose labels can be read at 360 px, targets a
thumb can hit on the pages made for phones, a provisional badge with enough contrast, forms that do not scroll
sideways, item codes of readable size, a progress lookup whose answer (or refusal) a screen reader is taken to,
and messages that keep the list rules."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.browser.conftest import PASSWORD, accessibility_violations, at, orm, phone, sign_in, unique

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

VALID_ID = "11010519491231002X"


def _contrast(fg: str, bg: str) -> float:
    """WCAG's contrast ratio of two CSS `rgb(...)` colours."""
    def luminance(colour: str) -> float:
        r, g, b = (int(float(v)) / 255 for v in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3])
        channel = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * channel[0] + 0.7152 * channel[1] + 0.0722 * channel[2]

    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def committed_case(clerk: str, *, provisional: bool = False) -> dict:
    """An accepted Beilin case of a new adopted item, filed by `clerk` (committed): its number and id; its
    promised due date marked provisional (a year without a holiday schedule) if asked."""
    from tests.browser.test_cases import committed_adopted_item

    code = committed_adopted_item("Readable permit")

    def create() -> dict:
        from django.db import connection
        from django_tenants.utils import tenant_context

        from cases.models import Case
        from cases.services import case_submit, case_transition
        from registry.models import RegistryEntry
        from tenants.models import Centre, User

        beilin = Centre.objects.get(division_code="610103")
        user = User.objects.get(username=clerk)
        with tenant_context(beilin):
            connection.set_tenant(beilin)
            case = case_submit(centre=beilin, item_code=code, applicant_kind="person", applicant_name="可读测试",
                               applicant_id_number=VALID_ID, phone="13812345678", channel="window",
                               acting_user=user).case
            case = case_transition(centre=beilin, case=case, action="accept", acting_user=user)
            if provisional:
                Case.objects.filter(pk=case.pk).update(promised_due_provisional=True)
        connection.set_schema_to_public()
        if provisional:
            RegistryEntry.objects.filter(case_id=case.pk).update(promised_due_provisional=True)
        return {"number": case.number, "id": str(case.pk), "item": code}

    return orm(create)


# --- 1. charts ------------------------------------------------------------------------------------------

#: Each chart label's rendered size: its CSS font size times the scale its SVG is drawn at.
CHART_TEXT_SIZES = """() => [...document.querySelectorAll('svg.chart text')]
  .filter(t => t.getBoundingClientRect().width > 0)
  .map(t => ({text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a}))"""


def test_every_chart_label_is_at_least_12_px_on_a_phone_and_on_a_desktop(browser, live_url, make_browser_user):
    """Cases in Beilin over the last weeks (open, overdue, decided on time; window and online), committed and
    removed after; the city coordinator reads the dashboard at 360 px and at 1280 px."""
    ids = [uuid.uuid4() for _ in range(4)]

    def create() -> None:
        from django.utils import timezone

        from registry.models import RegistryEntry
        from tenants.models import Centre

        beilin = Centre.objects.get(division_code="610103")
        today, now = timezone.localdate(), timezone.now()
        for n, case_id in enumerate(ids):
            decided = n % 2 == 1
            RegistryEntry.objects.create(
                centre=beilin, case_id=case_id, number=unique("610103-CHART").upper(), item_code="610100BT-XK-9998",
                item_name_zh="看板可读事项", item_name_en="Readable chart permit", department_code="BT",
                department_name_zh="浏览器测试局", department_name_en="Browser Test Bureau",
                channel="online" if n < 2 else "window", status="approved" if decided else "under_review",
                is_open=not decided, submitted_at=now - dt.timedelta(days=7 * n + 3),
                accepted_on=today - dt.timedelta(days=7 * n + 3), promised_limit_days=10, legal_limit_days=20,
                promised_due=today - dt.timedelta(days=2) if not decided else today + dt.timedelta(days=5),
                legal_due=today + dt.timedelta(days=9), last_event_at=now - dt.timedelta(days=1),
                applicant_hmac="0" * 64)

    orm(create)
    try:
        coordinator = make_browser_user(("610100", "supervisor"))
        page = phone(browser)
        sign_in(page, live_url, coordinator)
        page.goto(live_url + "/supervision/dashboard/")
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            labels = page.evaluate(CHART_TEXT_SIZES)
            assert len(labels) >= 20, labels
            small = [f"{label['text']!r} {label['px']:.1f} px" for label in labels if label["px"] < 12]
            assert small == [], f"at {width} px, chart labels under 12 px: {small}"
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        # still described for screen readers (title and description), and the figures still download as CSV
        for chart in page.locator("svg.chart[role=img]").all():
            title, desc = (page.locator(f"[id='{i}']").text_content() for i in
                           chart.get_attribute("aria-labelledby").split())
            assert title and desc
        csv = page.request.get(live_url + page.locator("#chart-channel a.csv").get_attribute("href"))
        assert csv.ok and csv.headers["content-type"].startswith("text/csv")
        page.context.close()
    finally:
        from registry.models import RegistryEntry

        orm(lambda: RegistryEntry.objects.filter(case_id__in=ids).delete())


# --- 2. targets on the pages made for phones ---------------------------------------------------------------

HEIGHTS = "els => els.map(e => [e.innerText.trim() || e.value, e.getBoundingClientRect().height])"


def _short(page, selector: str, need: float = 44) -> list:
    found = page.locator(selector).evaluate_all(HEIGHTS)
    assert found, f"nothing matches {selector} on {page.url}"
    return [f"{page.url} {selector} {text!r} {height:.1f} px" for text, height in found if height < need - 0.5]


def test_the_agents_the_portals_and_the_lookups_targets_are_44_px_tall(browser, live_url, make_browser_user):
    from tests.browser.test_delegation import committed_filing, committed_township_item

    name = unique("拇指养老保险")
    code = committed_township_item(name)
    agent = make_browser_user()

    committed_filing(agent, code)
    page = phone(browser)
    base = at(live_url, "beilin-nanyuanmen")
    sign_in(page, base, agent, PASSWORD)
    short = []
    page.goto(base + "/delegation/")
    short += _short(page, "header a") + _short(page, "header button") + _short(page, "ul.rows a.num")
    page.goto(base + "/delegation/new/?q=" + name)
    short += _short(page, "ul.rows li a")
    page.context.close()

    page = phone(browser)
    for path in ("/online/", "/progress/"):
        page.goto(live_url + path)
        short += _short(page, "header.top nav a") + _short(page, "header.top nav button")
    short += _short(page, "main button")  # the lookup's
    page.context.close()
    assert short == []


# --- 3. contrast ------------------------------------------------------------------------------------------

def test_the_provisional_badge_in_the_clerks_inbox_has_4_5_to_1_contrast(browser, live_url, make_browser_user):
    clerk = make_browser_user(("610103", "window_clerk"))
    case = committed_case(clerk, provisional=True)
    page = phone(browser, locale="zh-CN")
    base = at(live_url, "beilin")
    sign_in(page, base, clerk)
    page.goto(base + "/cases/")
    badge = page.locator(f"tr[data-number='{case['number']}'] .badge.provisional")
    assert badge.inner_text() == "暂定"
    fg, bg = badge.evaluate("b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]")
    assert _contrast(fg, bg) >= 4.5, (fg, bg)
    page.goto(base + f"/cases/{case['id']}/")
    for other in page.locator(".badge.provisional").all():
        fg, bg = other.evaluate("b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]")
        assert _contrast(fg, bg) >= 4.5, (fg, bg)
    page.context.close()


# --- 4. sideways scroll -----------------------------------------------------------------------------------

#: A plain form (no page's own class) with wide fields, a textarea of 100 columns, an input of 80 characters
#: and a long select, added to the page: the root rules, not a page's, keep them inside the screen.
WIDE_FIELDS = """() => { const form = document.createElement('form'); form.className = 'card';
  const area = document.createElement('textarea'); area.cols = 100; form.append(area);
  const input = document.createElement('input'); input.size = 80; form.append(input);
  const select = document.createElement('select'); select.append(new Option('很长的选项'.repeat(20)));
  form.append(select);
  document.querySelector('main').append(form); }"""


def test_the_rating_and_complaint_forms_fit_a_360_px_phone_with_any_field_in_them(browser, live_url):
    page = phone(browser, locale="zh-CN")
    base = at(live_url, "beilin")
    widths = {}
    for path in ("/supervision/reviews/rate/", "/supervision/complaints/new/"):
        page.goto(base + path)
        assert page.locator("form textarea").count() >= 1
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
        page.evaluate(WIDE_FIELDS)
        widths[f"{path} with wide fields"] = page.evaluate("document.documentElement.scrollWidth")
    page.context.close()
    assert widths == {path: 360 for path in widths}


# --- 7. small text and the lookup's answer ----------------------------------------------------------------

def test_item_codes_on_the_bundle_and_case_pages_are_at_least_12_px(browser, live_url, make_browser_user):
    from tests.browser.test_joint import committed_bundle

    clerk = make_browser_user(("610103", "window_clerk"))
    bundle = committed_bundle()
    case = committed_case(clerk)
    page = phone(browser)
    base = at(live_url, "beilin")
    sign_in(page, base, clerk)
    sizes = {}
    page.goto(f"{base}/joint/bundles/{bundle['code']}/")
    sizes["bundle"] = page.locator(f"tr[data-item='{bundle['registration']}'] code").evaluate(
        "c => parseFloat(getComputedStyle(c).fontSize)")
    page.goto(f"{base}/cases/{case['id']}/")
    sizes["case"] = page.get_by_text(case["item"], exact=True).evaluate("c => parseFloat(getComputedStyle(c).fontSize)")
    page.context.close()
    assert all(size >= 12 for size in sizes.values()), sizes


def test_the_progress_lookups_answer_takes_the_focus_without_scripts(browser, live_url, make_browser_user):
    clerk = make_browser_user(("610103", "window_clerk"))
    case = committed_case(clerk)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-US", is_mobile=True,
                                  has_touch=True, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_url + "/progress/")
    page.fill("#id_number", case["number"])
    page.fill("#id_factor", "5678")
    page.click("form.progress-form button[type=submit]")
    page.wait_for_load_state()
    focused = page.evaluate("""() => { const a = document.activeElement;
      return [a.tagName, a.className, a.getAttribute('aria-labelledby'), a.innerText]; }""")
    assert focused[1].split()[:2] == ["card", "progress-result"], focused
    assert case["number"] in focused[3]

    # a wrong last four: the refusal takes the focus, and each field says it is wrong and points at it
    page.fill("#id_factor", "0000")
    page.click("form.progress-form button[type=submit]")
    page.wait_for_load_state()
    focused = page.evaluate("() => [document.activeElement.id, document.activeElement.innerText]")
    fields = page.eval_on_selector_all(
        "form.progress-form input:not([type=hidden])",
        "inputs => inputs.map(i => [i.getAttribute('aria-invalid'), i.getAttribute('aria-describedby')])")
    context.close()
    assert focused[0] == "progress-error" and focused[1], focused
    assert fields == [["true", "progress-error"]] * 2


def test_a_page_showing_a_message_passes_axe(browser, live_url):
    """A message after a form (here: the sign-in code sent) is a status inside a list the list rules allow."""
    page = phone(browser, "zh-CN")
    page.goto(live_url + "/online/sign-in/")
    page.fill("#id_mobile", "13911116666")
    page.click("button[name=send]")
    page.wait_for_load_state()
    shown = page.locator("ul.messages li").count()
    problems = accessibility_violations(page)
    page.context.close()
    assert shown >= 1
    assert problems == []


def test_a_form_sent_back_with_errors_takes_the_keyboard_to_its_summary(browser, live_url, make_browser_user):
    """The summary ("Please correct the errors below. Nothing was saved.") takes the focus, so a screen reader
    reads it and the next Tab reaches the first field in error, not the header."""
    from tests.browser.test_cases import committed_adopted_item

    code = committed_adopted_item("Summary permit")
    clerk = make_browser_user(("610103", "window_clerk"))
    page = phone(browser)
    base = at(live_url, "beilin")
    sign_in(page, base, clerk, PASSWORD)
    page.goto(f"{base}/cases/new/?item_code={code}")
    page.click("#new-case button[type=submit]")
    page.wait_for_load_state()
    focused = page.evaluate("() => [document.activeElement.className, document.activeElement.innerText]")
    page.context.close()
    assert focused[0] == "form-errors" and "Nothing was saved" in focused[1], focused
