"""The online service hall as an older applicant on a cheap phone sees it: every portal page passes
axe-core's WCAG 2.1 AA checks (in Chinese and in English, in standard and large text), fits a 360 px
screen without scrolling sideways, and signing in and binding a real name work with scripts turned off."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import accessibility_violations, orm

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ID_NUMBER = "610103195203150019"
#: The portal's pages an applicant with a bound account reaches (each must pass).
PAGES = ["/online/", "/online/sign-in/", "/online/cases/", "/online/account/", "/online/account/erase/",
         "/online/ask/", "/online/questions/", "/online/appointments/",
         "/progress/"]


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _online_item() -> str:
    """A committed item Beilin takes online (two materials), its code random."""
    import secrets

    from tests.portal.test_apply import make_item

    code = f"610100PT-XK-{secrets.randbelow(9000) + 1000}"
    return orm(lambda: make_item(code=code).code)


def _code(mobile: str) -> str:
    def read() -> str:
        from common.identity import recipient_hmac
        from notifications.models import OutboxMessage

        message = OutboxMessage.objects.filter(template_key="portal_sign_in_code",
                                               to_hmac=recipient_hmac(mobile)).order_by("-id").first()
        return re.search(r"(\d{6})", message.body).group(1)

    return orm(read)


def _forget(mobile: str) -> None:
    def forget() -> None:
        from common.identity import identity_hmac, recipient_hmac
        from portal.models import Applicant, SignInCode

        SignInCode.objects.filter(mobile_hmac=recipient_hmac(mobile)).delete()
        Applicant.objects.filter(mobile_hmac=recipient_hmac(mobile)).delete()
        Applicant.objects.filter(id_hmac=identity_hmac(ID_NUMBER)).delete()

    orm(forget)


def portal_sign_in(page, live_url: str, mobile: str, *, bind: bool = True) -> None:
    """Sign in to the online service hall with the SMS code read from the outbox (no script needed), and
    bind the real name ID_NUMBER on the first sign-in."""
    page.goto(f"{live_url}/online/sign-in/")
    page.fill("#id_mobile", mobile)
    page.click("button[name=send]")
    page.fill("#id_code", _code(mobile))
    page.click("button[name=sign_in]")
    if bind and page.url.split("?")[0].endswith("/online/identity/"):
        page.fill("#id_name", "张桂兰")
        page.fill("#id_id_number", ID_NUMBER)
        page.click("form.card button[type=submit]")


def applied_online(page, live_url: str, mobile: str) -> str:
    """A new account for `mobile` (the real name bound) that applies online once for a new item Beilin takes
    online (every material uploaded, township Nanyuanmen), the page left on the new case's page: the item's
    code."""
    _forget(mobile)
    portal_sign_in(page, live_url, mobile)
    code = _online_item()
    page.goto(f"{live_url}/online/items/{code}/apply/?township=610103001")
    for field in page.locator("form.application input[type=file]").all():
        field.set_input_files(files=[{"name": "申请表.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("form.application button[type=submit]")
    return code


def _phone(browser, *, scripts: bool, locale: str = "zh-CN"):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=locale, is_mobile=True,
                                  has_touch=True, java_script_enabled=scripts)
    context.set_default_timeout(15_000)
    return context.new_page()


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth") if page.context else 0


def test_signing_in_and_binding_a_real_name_work_without_scripts_on_a_360_px_phone(browser, live_url):
    mobile = "13911112222"
    _forget(mobile)
    page = _phone(browser, scripts=False)
    page.goto(f"{live_url}/online/sign-in/")
    page.fill("#id_mobile", "１３９ １１１１ ２２２２")  # full-width digits from an IME
    page.click("button[name=send]")
    assert "139****2222" in page.content()
    page.fill("#id_code", _code(mobile))
    page.click("button[name=sign_in]")
    assert page.url.endswith("/online/identity/")
    page.fill("#id_name", "张桂兰")
    page.fill("#id_id_number", ID_NUMBER)
    page.click("form.card button[type=submit]")
    assert page.url.endswith("/online/cases/")
    assert "我的办件" in page.content()
    page.context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_every_portal_page_passes_wcag_2_1_aa_and_fits_a_phone_in_both_text_sizes(browser, live_url, locale):
    mobile = "13911113333" if locale == "zh-CN" else "13911114444"
    page = _phone(browser, scripts=True, locale=locale)
    code = applied_online(page, live_url, mobile)
    assert "/online/cases/" in page.url, page.content()[:2000]
    case_path = page.url.split("://", 1)[1].split("/", 1)[1]
    pages = [*PAGES, "/online/items/", f"/online/items/{code}/", f"/online/items/{code}/apply/",
             f"/online/items/{code}/apply/?township=610103001", f"/{case_path}", f"/{case_path}rate/",
             f"/online/items/{code}/book/", f"/online/ask/?item={code}", "/news/"]
    problems: list[str] = []
    for large in (False, True):
        if large:
            page.goto(f"{live_url}/online/")
            page.click("button[name=on][value='1']")
            assert "large-text" in (page.get_attribute("body", "class") or "")
        for path in pages:
            page.goto(f"{live_url}{path}")
            problems += accessibility_violations(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                problems.append(f"{path} is {width} px wide on a 360 px phone (large text: {large})")
    page.context.close()
    assert problems == [], "\n".join(problems)
