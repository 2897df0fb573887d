"""Joint approvals in a browser: a bundle accepted at a district window (optional item dropped,
materials handed in once), and a linked project accepted at the zone and followed from the city."""
from __future__ import annotations

import pytest

from joint_approval.services import linked_project_register
from tenants.models import Centre
from tests.browser.conftest import at, orm, screenshot, sign_in, unique

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

USCC = "91110000600037341L"


def _item(name_en: str, materials: list[str], adopt_at: list[str], dept: str = "BJ"):
    """A published master item (committed) adopted by the centres `adopt_at` (division codes)."""
    import datetime as dt
    import secrets

    from catalog.models import Department, Item
    from catalog.services import adoption_create, item_create, version_create_draft, version_publish
    from tenants.models import Centre

    department, _ = Department.objects.get_or_create(code=dept, defaults={
        "name_zh": f"浏览器联办局{dept}", "name_en": f"Joint Browser Bureau {dept}"})
    code = f"610100{dept}-XK-{secrets.randbelow(9000) + 1000:04d}"
    while Item.objects.filter(code=code).exists():
        code = f"610100{dept}-XK-{secrets.randbelow(9000) + 1000:04d}"
    item = item_create(code=code, department=department, category="licence", item_type="XK",
                       levels=["city", "district", "zone"], acting_user=None)
    since = dt.date(2020, 1, 1)
    version = version_create_draft(item=item, acting_user=None, effective_from=since, content={
        "name_zh": f"联办{name_en}", "name_en": name_en, "legal_limit_days": 20, "promised_limit_days": 5},
        materials=[{"name_zh": m, "name_en": m} for m in materials])
    version_publish(version=version, acting_user=None, today=since)
    item.refresh_from_db()
    for division_code in adopt_at:
        adoption_create(centre=Centre.objects.get(division_code=division_code), item=item, acting_user=None,
                        today=since)
    return item


def committed_bundle() -> dict:
    def create() -> dict:
        from joint_approval.models import Bundle, BundleItem

        registration = _item("Browser registration", ["Application form", "Articles"], ["610103", "610100"])
        seal = _item("Browser seal filing", ["Application form", "Licence copy"], ["610103", "610100"])
        tax = _item("Browser tax registration", ["Application form", "Licence copy", "Lease"], ["610100"], "BK")
        bundle = Bundle.objects.create(code=unique("browser"), name_zh="浏览器开办企业", name_en="Browser company",
                                       stage="establishment", promised_days=4)
        BundleItem.objects.create(bundle=bundle, item=registration, level="local", position=1,
                                  produces_zh="Licence", produces_en="Licence")
        BundleItem.objects.create(bundle=bundle, item=seal, level="local", position=2, required=False)
        BundleItem.objects.create(bundle=bundle, item=tax, level="city", position=3)
        return {"code": bundle.code, "registration": registration.code, "seal": seal.code, "tax": tax.code}

    return orm(create)


def test_a_district_clerk_accepts_a_bundle_and_sees_every_legs_holder(page, live_url, make_browser_user):
    bundle = committed_bundle()
    clerk = make_browser_user(("610103", "window_clerk"))
    base = at(live_url, "beilin")
    sign_in(page, base, clerk)

    page.goto(f"{base}/joint/bundles/{bundle['code']}/")
    assert page.locator(f"tr[data-item='{bundle['seal']}']").count() == 1
    page.uncheck("#optional-items input[type=checkbox]")  # drop the optional seal filing
    with page.expect_navigation():
        page.click("button[name=refresh]")
    assert page.locator(f"tr[data-item='{bundle['seal']}']").count() == 0
    checklist = page.locator("#merged-materials").inner_text()
    assert checklist.count("Application form") == 1  # asked once for both legs
    assert "Licence copy" not in checklist  # produced by the registration leg
    assert "produced by leg 1" in page.locator(".produced").inner_text()
    page.check("#merged-materials label:has-text('Application form') input")
    page.fill("#id_applicant_name", unique("浏览器科技有限公司"))
    page.select_option("#id_applicant_kind", "organisation")
    page.fill("#id_applicant_id_number", USCC)
    page.fill("#id_phone", "13912345678")
    with page.expect_navigation():
        page.click("button[name=accept]")

    assert page.locator("#joint-status").inner_text() == "Running"
    legs = page.locator("table.legs tbody tr")
    assert legs.count() == 2
    assert page.locator("tr[data-centre='610103'] a").count() == 1  # our own leg links to its case
    assert page.locator("tr[data-centre='610100'] a").count() == 0  # the city's does not
    assert "Xi" in page.locator("tr[data-centre='610100'] td.holder").inner_text()
    screenshot(page, "joint-bundle-accepted-1280")

    with page.expect_navigation():
        page.click("tr[data-centre='610103'] a")
    assert page.locator("#case-status").inner_text() == "Accepted"
    assert "Leg of joint case" in page.locator("p.joint-leg").inner_text()
    assert "Not needed" not in page.locator("table.materials").inner_text()  # registration asks for all its own


def committed_project() -> int:
    def create() -> int:
        local = _item("Browser zone planning", ["Application form", "Site plan"], ["610171", "610100"])
        city = _item("Browser city land review", ["Application form", "Land title"], ["610100"], "BK")
        project = linked_project_register(name_zh=unique("浏览器重点项目"), name_en="Browser key project",
                                          centre=Centre.objects.get(division_code="610171"),
                                          company_name="西安浏览器科技有限公司", credit_code=USCC, year=2014,
                                          items=[(local, "local"), (city, "city")])
        return project.pk

    return orm(create)


def test_a_linked_project_accepted_at_the_zone_is_followed_from_the_city(page, live_url, make_browser_user):
    project_id = committed_project()
    zone_clerk = make_browser_user(("610171", "window_clerk"))
    zone = at(live_url, "gaoxin")
    sign_in(page, zone, zone_clerk)
    page.goto(f"{zone}/joint/projects/{project_id}/")
    page.fill("#id_phone", "13912345678")
    with page.expect_navigation():
        page.click("#project-accept button[type=submit]")
    assert page.locator("#joint-status").inner_text() == "Running"
    assert page.locator("tr[data-centre='610171']").count() == 1 and page.locator("tr[data-centre='610100']").count()
    joint_url = page.url.split("://", 1)[1].split("/", 1)[1]

    city_user = make_browser_user(("610100", "chief_representative"))
    city_page = page.context.browser.new_context(locale="en-US").new_page()
    city = at(live_url, "xian")
    sign_in(city_page, city, city_user)
    city_page.goto(f"{city}/{joint_url}")
    assert city_page.locator("tr[data-centre='610171'] .leg-status").inner_text() == "Accepted"
    assert city_page.locator("tr[data-centre='610100'] .leg-status").inner_text() == "Accepted"
    assert city_page.locator("tr[data-centre='610171'] a").count() == 0  # the zone's leg is acted on there
    screenshot(city_page, "joint-project-from-the-city-1280")
    with city_page.expect_navigation():
        city_page.click("tr[data-centre='610100'] a")
    assert city_page.locator("#case-status").inner_text() == "Accepted"
    with city_page.expect_navigation():
        city_page.click("form.case-action[data-action=start_review] button")
    assert city_page.locator("#case-status").inner_text() == "Under review"
    city_page.goto(f"{city}/{joint_url}")
    assert city_page.locator("tr[data-centre='610100'] .leg-status").inner_text() == "Under review"
    city_page.context.close()

    page.goto(f"{zone}/joint/projects/{project_id}/")
    progress = page.locator("ul.project-legs").inner_text()
    assert "Under review" in progress and "Accepted" in progress
    # accepted once: the project page no longer offers to start every leg again
    assert page.locator("#project-accept").count() == 0 and page.locator("#project-running").count() == 1

    # on a phone the joint case page's legs stack, labelled, without sideways scrolling
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{zone}/{joint_url}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator("tr[data-centre='610100'] td.holder").is_visible()
    screenshot(page, "joint-case-360")
