"""What a person does in a browser: sign in, browse the centres, switch centre, onboard centres."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import at, busy_seen, orm, screenshot, sign_in, unique, watch_busy

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def free_district_code() -> str:
    from tenants.models import Centre

    used = set(Centre.objects.values_list("division_code", flat=True))
    return next(code for code in (f"6101{n:02d}" for n in range(40, 100)) if code not in used)


def test_signing_in_at_a_centre(page, live_url, make_browser_user):
    username = make_browser_user(("610103", "window_clerk"))
    sign_in(page, at(live_url, "beilin"), username)
    assert page.url == at(live_url, "beilin") + "/"
    assert page.locator("header .who").inner_text() == username
    assert "Window clerk" in page.locator("dl.facts").inner_text()

    page.click("header form.inline button:has-text('Sign out')")
    page.wait_for_load_state()
    assert page.locator("header a:has-text('Sign in')").is_visible()


def test_a_wrong_password_is_told(page, live_url, make_browser_user):
    username = make_browser_user(("610103", "window_clerk"))
    sign_in(page, live_url, username, password="not-the-password")
    assert page.locator("[role=alert]").is_visible()


def test_the_centre_list_and_a_centre_page(page, live_url):
    page.goto(live_url + "/")
    beilin = page.locator('tr[data-code="610103"]')
    assert "Beilin District" in beilin.inner_text()
    assert "District/county centre" in beilin.inner_text()
    assert "Xi'an Municipal Government Service Centre" in beilin.locator("td.parent").inner_text()
    assert "Ready" in beilin.inner_text()
    screenshot(page, "platform-1280")

    page.select_option("#level", "township")
    page.click("form.filters button")
    page.wait_for_load_state()
    assert page.locator("tbody tr").count() >= 1
    assert page.locator('tr[data-code="610103"]').count() == 0

    page.goto(live_url + "/")
    beilin.locator("a").click()
    page.wait_for_load_state()
    assert page.url == at(live_url, "beilin") + "/"
    assert page.locator("h1").inner_text() == "Beilin District"
    assert page.locator(".breadcrumbs a").all_inner_texts() == ["Xi'an Municipal Government Service Centre"]
    page.click("ul.children a:has-text('Nanyuanmen Subdistrict')")
    page.wait_for_load_state()
    assert page.url == at(live_url, "beilin-nanyuanmen") + "/"
    assert page.locator(".breadcrumbs a").all_inner_texts() == [
        "Xi'an Municipal Government Service Centre", "Beilin District"]
    screenshot(page, "centre-1280")


def test_the_language_switch(page, live_url):
    page.goto(at(live_url, "beilin") + "/")
    page.click("button:has-text('中文')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "碑林区"
    assert "服务窗口" in page.content()
    page.click("button:has-text('English')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Beilin District"


@pytest.mark.parametrize("language", ["en-US", "zh-CN"])
def test_pages_fit_a_360_pixel_screen(browser, live_url, language):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=language,
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        tab = context.new_page()
        for name, url in (("platform", live_url + "/"), ("centre", at(live_url, "beilin") + "/"),
                          ("township", at(live_url, "beilin-nanyuanmen") + "/")):
            tab.goto(url)
            overflow = tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name} page is {overflow}px wider than a 360px screen"
            screenshot(tab, f"{name}-360-{language}")
    finally:
        context.close()


def test_the_centre_switcher_lands_the_user_signed_in_at_the_other_centre(page, live_url, make_browser_user):
    username = make_browser_user(("610103", "window_clerk"), ("610113", "supervisor"))
    sign_in(page, at(live_url, "beilin"), username)
    assert page.locator("h1").inner_text() == "Beilin District"
    page.select_option("#switch-centre", "yanta")
    page.click("form.switcher button")
    page.wait_for_url(at(live_url, "yanta") + "/")
    assert page.locator("h1").inner_text() == "Yanta District"
    assert page.locator("header .who").inner_text() == username
    assert "Supervisor" in page.locator("dl.facts").inner_text()
    # and back again
    page.select_option("#switch-centre", "beilin")
    page.click("form.switcher button")
    page.wait_for_url(at(live_url, "beilin") + "/")
    assert page.locator("header .who").inner_text() == username


def test_onboarding_one_centre_from_the_page(page, live_url, make_browser_user):
    admin = make_browser_user((None, "platform_admin"))
    code, slug = orm(free_district_code), unique("qu")
    sign_in(page, live_url, admin)
    page.click("a:has-text('Onboard centres')")
    page.wait_for_load_state()
    form = page.locator("#onboard-one")
    form.locator("#id_level").select_option("district")
    form.locator("#id_code").fill(code)
    form.locator("#id_slug").fill(slug)
    form.locator("#id_name_zh").fill("浏览器测试区")
    form.locator("#id_name_en").fill("Browser Test District")
    form.locator("#id_parent_code").fill("610100")
    # While the request runs the button says so and cannot be pressed again
    watch_busy(page, "#onboard-one button[type=submit]")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert busy_seen(page) == "true|Provisioning… this takes a few seconds"
    message = page.locator(".messages li.success").inner_text()
    assert f"Centre {code} 浏览器测试区 onboarded at {at(live_url, slug).rstrip('/')}." == message
    screenshot(page, "onboard-1280")

    page.goto(at(live_url, slug) + "/")
    assert page.locator("h1").inner_text() == "Browser Test District"
    assert page.locator(".breadcrumbs a").all_inner_texts() == ["Xi'an Municipal Government Service Centre"]


def test_a_bad_file_lists_every_bad_row(page, live_url, make_browser_user, tmp_path):
    admin = make_browser_user((None, "platform_admin"))
    bad = tmp_path / "bad.csv"
    bad.write_text("level,code,slug,name_zh,name_en,parent_code\n"
                   "district,6101,x1,某区,Some District,610100\n"
                   "township,610103777,beilin,某街道,Some Street,610103\n"
                   "zone,610198,ok-zone,某园区,Some Zone,610100\n", encoding="utf-8")
    sign_in(page, live_url, admin)
    page.goto(live_url + "/onboard/")
    page.set_input_files("#id_file", str(bad))
    page.click("#onboard-file button[type=submit]")
    page.wait_for_load_state()
    assert "2 of 3 rows are not valid; nothing was imported." in page.locator("#onboard-file").inner_text()
    assert page.locator("#bad-rows tbody tr").evaluate_all("rows => rows.map(r => r.dataset.row)") == ["2", "3"]
    screenshot(page, "onboard-bad-file-1280")


def test_a_good_file_shows_its_progress_while_a_worker_runs_it(page, live_url, make_browser_user, tmp_path,
                                                               monkeypatch):
    """The worker is stood in for by a thread that starts a moment after the batch is queued; the
    page's progress bar follows it by htmx polling."""
    import threading

    from tenants import services
    from tenants.tasks import onboarding_batch_run

    def delay(batch_id):
        def work():
            from django.db import connections

            try:
                services.onboarding_batch_run(batch_id=batch_id)
            finally:
                connections.close_all()

        threading.Timer(1.5, work).start()

    monkeypatch.setattr(onboarding_batch_run, "delay", delay)
    admin = make_browser_user((None, "platform_admin"))
    district = orm(free_district_code)
    slug = unique("pl")
    good = tmp_path / "good.csv"
    good.write_text("level,code,slug,name_zh,name_en,parent_code\n"
                    f"district,{district},{slug},批量区,Batch District,610100\n"
                    f"township,{district}001,{slug}-a,批量街道,Batch Street,{district}\n", encoding="utf-8")
    sign_in(page, live_url, admin)
    page.goto(live_url + "/onboard/")
    page.set_input_files("#id_file", str(good))
    page.click("#onboard-file button[type=submit]")
    page.wait_for_url(re.compile(r"/onboard/batches/\d+/$"))
    assert page.locator("#batch-progress").get_attribute("hx-trigger") == "every 1s"
    page.wait_for_selector('#batch-progress[data-status="done"]', timeout=30_000)
    assert page.locator("#batch-progress progress").get_attribute("value") == "2"
    assert "2 / 2" in page.locator("#batch-progress").inner_text()
    screenshot(page, "batch-done-1280")
    page.goto(at(live_url, f"{slug}-a") + "/")
    assert page.locator("h1").inner_text() == "Batch Street"
