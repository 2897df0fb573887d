"""The online service hall's whole journey in Chromium (issue 16, "done means"): an applicant signs in with
an SMS code, binds a real name, applies at Beilin for an item with two uploads, gets a one-time notice at the
pre-check, uploads the missing material, the clerk accepts and the chief representative approves, and the
applicant downloads the decision and the electronic archive and rates the case online."""
from __future__ import annotations

import io
import secrets
import zipfile

import pytest

from tests.browser.conftest import at, orm, phone, sign_in
from tests.browser.test_portal_a11y import _forget, portal_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _item() -> str:
    """A committed master item (two materials, online depth 3) adopted by Beilin, not by its townships."""
    from tests.portal.test_apply import make_item

    code = f"610100PT-XK-{secrets.randbelow(9000) + 1000}"
    return orm(lambda: make_item(code=code).code)


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format="PNG")
    return out.getvalue()


def test_an_applicant_applies_online_answers_a_notice_and_downloads_the_decision_and_the_archive(
        browser, live_url, make_browser_user):
    from tenants.choices import Role

    code = _item()
    mobile = f"1391{secrets.randbelow(10_000_000):07d}"
    _forget(mobile)
    clerk = make_browser_user(("610103", Role.CHIEF_REPRESENTATIVE))  # accepts and decides

    applicant = phone(browser, locale="zh-CN")
    portal_sign_in(applicant, live_url, mobile)
    assert applicant.url.endswith("/online/cases/")
    applicant.goto(f"{live_url}/online/items/{code}/")
    applicant.click(f"a[href$='/online/items/{code}/apply/']")
    applicant.fill("#tq", "南院门")
    applicant.click("form.filters button[type=submit]")
    applicant.click("ul.townships a")
    files = applicant.locator("form.application input[type=file]")
    assert files.count() == 2
    files.nth(0).set_input_files(files=[{"name": "申请表.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    files.nth(1).set_input_files(files=[{"name": "身份证.png", "mimeType": "image/png", "buffer": _png()}])
    applicant.click("form.application button[type=submit]")
    assert "/online/cases/" in applicant.url
    case_url = applicant.url
    case_id = case_url.rstrip("/").split("/")[-1]
    assert "申请表.pdf" in applicant.content()

    # the clerk's pre-check at Beilin: the ID card copy is unreadable, a one-time notice
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
    beilin = at(live_url, "beilin")
    sign_in(desk, beilin, clerk)
    desk.goto(f"{beilin}/cases/{case_id}/")
    assert "申请表.pdf" in desk.content()
    notice = desk.locator("form[data-action=issue_notice]")
    notice.locator("input[type=checkbox]").nth(1).check()
    notice.locator("textarea").fill("身份证复印件不清晰，请重新上传。")
    notice.locator("button[type=submit]").click()
    desk.wait_for_load_state()
    assert desk.locator("section.notice-open").count() == 1

    # the applicant sees the notice and uploads the missing material
    applicant.goto(case_url)
    assert "身份证复印件" in applicant.content()
    applicant.locator("form.supplement input[type=file]").first.set_input_files(
        files=[{"name": "身份证-清晰.png", "mimeType": "image/png", "buffer": _png()}])
    applicant.click("form.supplement button[type=submit]")
    applicant.wait_for_load_state()
    assert applicant.locator("form.supplement").count() == 0

    # the clerk accepts, starts the review and approves
    for action in ("accept", "start_review", "approve"):
        desk.goto(f"{beilin}/cases/{case_id}/")
        desk.locator(f"form[data-action={action}] button[type=submit]").click()
        desk.wait_for_load_state()
    desk.context.close()

    # the applicant downloads the decision and the archive, then rates the case
    applicant.goto(case_url)
    with applicant.expect_download() as decision:
        applicant.click("li.document-decision a")
    assert decision.value.suggested_filename.endswith(".pdf")
    assert open(decision.value.path(), "rb").read().startswith(b"%PDF-")
    archive_link = applicant.locator(f"a[href$='/online/cases/{case_id}/archive/']")
    with applicant.expect_download() as archive:
        archive_link.click()
    with zipfile.ZipFile(archive.value.path()) as bundle:
        names = bundle.namelist()
    assert any(name.endswith("manifest.json") for name in names)
    assert len([n for n in names if n.endswith(".pdf")]) >= 4  # three materials, the receipt, notice, decision
    applicant.click(f"a[href$='/online/cases/{case_id}/rate/']")
    applicant.select_option("select[name=overall]", index=0)
    applicant.click("form.review-form button[type=submit]")
    applicant.wait_for_load_state()
    assert applicant.locator("section.rating-given").count() == 1
    applicant.context.close()
