"""A village agent on a 360 px phone screen files for a resident, whose SMS is queued; the township's
clerk sees the filing marked as proxy in the inbox."""
from __future__ import annotations

import pytest

from tests.browser.conftest import at, orm, phone, screenshot, sign_in, unique

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

VALID_ID = "11010519491231002X"
TOWNSHIP = "610103001"


#: Who adopts an item handled at each level (the levels above adopt it too), and the item's levels.
ADOPTERS = {"township": ["610100", "610103", TOWNSHIP], "district": ["610100", "610103"], "city": ["610100"]}
LEVELS = {"township": ["city", "district", "township"], "district": ["city", "district"], "city": ["city"]}

PENSION_MATERIALS = [{"name_zh": "参保登记表", "name_en": "Enrolment form"},
                     {"name_zh": "户口簿复印件", "name_en": "Copy of the household register"}]


def committed_item(level: str, name_zh: str, *, name_en: str = "", materials: list[dict] | None = None) -> str:
    """A published item handled at `level` for Nanyuanmen (adopted there and above): its code. Its English
    name is `name_en` (default: the level) and the code's last four digits."""

    def create() -> str:
        import secrets

        from django.utils import timezone

        from catalog.models import Adoption, Department, Item
        from catalog.services import item_create, version_create_draft, version_publish
        from tenants.models import Centre

        department, _ = Department.objects.get_or_create(
            code="DB", defaults={"name_zh": "代办测试局", "name_en": "Delegation Test Bureau"})
        code = f"610100DB-GG-{secrets.randbelow(9000) + 1000:04d}"
        while Item.objects.filter(code=code).exists():
            code = f"610100DB-GG-{secrets.randbelow(9000) + 1000:04d}"
        item = item_create(code=code, department=department, category="public_service", item_type="GG",
                           levels=LEVELS[level], acting_user=None)
        version = version_create_draft(
            item=item, acting_user=None, effective_from=timezone.localdate(),
            content={"name_zh": name_zh, "name_en": f"{name_en or f'{level} item'} {code[-4:]}",
                     "legal_limit_days": 10, "promised_limit_days": 5},
            materials=materials or [{"name_zh": "申请表", "name_en": "Application form"}])
        version_publish(version=version, acting_user=None)
        item.refresh_from_db()
        for centre in Centre.objects.filter(division_code__in=ADOPTERS[level]):
            Adoption.objects.create(centre=centre, item=item, starts_on=timezone.localdate())
        return code

    return orm(create)


def committed_township_item(name_zh: str) -> str:
    """A published pension item exercised at the township (adopted by the city, Beilin and Nanyuanmen)."""
    return committed_item("township", name_zh, name_en="Pension enrolment", materials=PENSION_MATERIALS)


def committed_agent(username: str) -> str:
    """A new village station under Nanyuanmen (committed) with `username` its agent: the station's code."""
    def create() -> str:
        import secrets

        from delegation.models import Station
        from delegation.services import station_agent_assign, station_create
        from tenants.models import Centre, User

        code = f"{TOWNSHIP}{secrets.randbelow(700) + 200:03d}"
        while Station.objects.filter(division_code=code).exists():
            code = f"{TOWNSHIP}{secrets.randbelow(700) + 200:03d}"
        station = station_create(township=Centre.objects.get(division_code=TOWNSHIP), kind="village",
                                 name_zh=f"测试村{code[-3:]}便民服务站", name_en=f"Test village {code[-3:]} station",
                                 division_code=code)
        station_agent_assign(user=User.objects.get(username=username), station=station, acting_user=None)
        return code

    return orm(create)


def committed_filing(username: str, item_code: str) -> str:
    """`username` made the agent of a new station (`committed_agent`) who files `item_code` for 王秀兰 with
    her recorded consent (committed): the station's code."""
    station_code = committed_agent(username)

    def create() -> None:
        import datetime as dt

        from django.utils import timezone

        from delegation.models import Station
        from delegation.services import ConsentGiven, proxy_filing_file
        from tenants.models import User

        proxy_filing_file(agent=User.objects.get(username=username),
                          station=Station.objects.get(division_code=station_code), item_code=item_code,
                          resident_name="王秀兰", resident_id_number=VALID_ID, phone="13812345679",
                          consent=ConsentGiven(method="recorded_call", given_at=timezone.now() - dt.timedelta(hours=1),
                                               evidence=f"REC-{station_code}"))

    orm(create)
    return station_code


def test_an_agent_files_for_a_resident_on_a_phone_and_the_clerk_sees_it_as_proxy(browser, live_url,
                                                                                  make_browser_user):
    name_zh = unique("城乡居民养老保险参保")
    code = committed_township_item(name_zh)
    agent = make_browser_user()
    committed_agent(agent)
    clerk = make_browser_user((TOWNSHIP, "window_clerk"))
    base = at(live_url, "beilin-nanyuanmen")

    page = phone(browser)
    sign_in(page, base, agent)
    page.goto(base + "/delegation/new/")
    page.fill("#q", name_zh)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state()
    page.click(f"a[href='?item_code={code}']")
    page.wait_for_load_state()
    resident = unique("王秀兰")
    page.fill("#id_resident_name", resident)
    page.fill("#id_resident_id_number", VALID_ID)
    page.fill("#id_phone", "13700001234")
    page.check("input[name=consent_method][value=fingerprint]")
    page.set_input_files("#id_consent_scan", files=[{"name": "form.png", "mimeType": "image/png",
                                                     "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 64}])
    page.check("#proxy-filing label:has-text('Enrolment form') input")
    page.click("#file-case")
    page.wait_for_load_state()
    number = page.locator("h1.num").inner_text()
    assert number.startswith(TOWNSHIP + "-")
    assert "The resident gets an SMS" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    screenshot(page, "delegation-filed-360")

    def sms() -> list[tuple[str, str]]:
        from notifications.models import OutboxMessage

        return list(OutboxMessage.objects.filter(body__contains=number).values_list("template_key", "to"))

    assert orm(sms) == [("proxy_received", "+8613700001234")]

    # one tap on the workbench: materials handed to the centre, and the resident hears of it
    page.goto(base + "/delegation/?view=carry")
    row = page.locator(f"li[data-number='{number}']")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "Materials handed to the centre" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(base + "/delegation/")
    assert "Waiting for the result" in page.locator(f"li[data-number='{number}']").inner_text()  # not decided yet
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "delegation-workbench-360")
    assert sorted(orm(sms)) == [("proxy_handed_to_centre", "+8613700001234"), ("proxy_received", "+8613700001234")]
    page.context.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    desk.set_default_timeout(15_000)
    clerk_page = desk.new_page()
    sign_in(clerk_page, base, clerk)
    clerk_page.goto(base + "/cases/?status=all&department=")
    row = clerk_page.locator(f"tr[data-number='{number}']")
    assert row.locator(".badge.proxy").inner_text() == "Proxy"
    assert resident in row.inner_text()
    screenshot(clerk_page, "delegation-clerk-inbox-1280")
    desk.close()
