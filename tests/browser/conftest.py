"""Browser tests: a live server over the test database, driven by Debian's Chromium via Playwright.

- The server is started once (`LiveServerThread`, port 0, static files served) and never
  flushes anything: pytest-django's `live_server` flushes after each test, which would delete the
  session's centres. Test data is committed (unique user names, slugs and codes) instead.
- Each test is marked `django_db` (so that pytest-django creates the test database even when only
  browser tests run), but the live server cannot see that test's transaction: data the server must
  see is written through `orm(fn)`, which runs `fn` in a thread of its own, on its own connection,
  committed. (Playwright's sync API also keeps an asyncio loop running in the test thread, where
  Django refuses ORM calls.)
- With no Chromium the tests skip with one clear line, unless GOVSERVICE_REQUIRE_BROWSER=1.
"""
from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
PASSWORD = "browser-pw-12345"


def _chromium() -> str | None:
    for candidate in (os.environ.get("GOVSERVICE_CHROMIUM"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("GOVSERVICE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (GOVSERVICE_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _chromium()
    if path is None:
        _unavailable("no Chromium at /usr/bin/chromium (apt-get install -y chromium, or set GOVSERVICE_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed")
    return path


@pytest.fixture
def browser(chromium_path, live_url):
    """Chromium for one test. Playwright is started per test: while it runs, its asyncio loop sits
    in this thread and Django refuses ORM calls here, so it must be gone before pytest-django
    rolls the test's transaction back."""
    from playwright.sync_api import sync_playwright

    violations: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        open_context = chromium.new_context

        def new_context(**options):
            """Every context of every browser test reports Content-Security-Policy violations (an inline
            style or script the policy blocks leaves a page unstyled or a button dead, silently)."""
            context = open_context(**options)
            context.on("console", lambda message: violations.append(f"{message.location.get('url')}: {message.text}")
                       if "Content Security Policy" in message.text else None)
            return context

        chromium.new_context = new_context  # type: ignore[method-assign]
        yield chromium
        chromium.close()
    assert violations == [], "the Content-Security-Policy blocked something:\n" + "\n".join(violations)


def orm(fn: Callable[..., T], *args, **kwargs) -> T:
    """Run `fn` in a fresh thread (its own connection, public schema, autocommit) and return its result."""

    def run() -> T:
        from django.db import connections

        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


@pytest.fixture
def make_browser_user():
    """`make_browser_user((centre_code_or_None, role), ...)` → a committed user's name (password PASSWORD)."""

    def make(*roles) -> str:
        def create() -> str:
            from tenants.models import Centre
            from tenants.services import membership_grant, user_get_or_create

            username = unique("br")
            user = user_get_or_create(username=username, password=PASSWORD)
            for code, role in roles:
                centre = Centre.objects.get(division_code=code) if code else None
                membership_grant(user=user, centre=centre, role=role, acting_user=None)
            return username

        return orm(create)

    return make


@pytest.fixture
def page(browser, live_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.card button[type=submit]")
    page.wait_for_load_state()


def at(live_url: str, slug: str) -> str:
    """A centre's base URL on the live server: `http://<slug>.localhost:<port>`."""
    return live_url.replace("://", f"://{slug}.", 1)


def watch_busy(page, button: str) -> None:
    """Record what the button `button` (a selector) shows while its form's request runs: the page is gone
    once the answer comes, so it is kept in sessionStorage; `busy_seen(page)` reads it afterwards."""
    page.evaluate("""(selector) => {
      const button = document.querySelector(selector);
      new MutationObserver(() => sessionStorage.setItem('busy', button.disabled + '|' + button.textContent))
        .observe(button, {attributes: true, childList: true, characterData: true, subtree: true});
    }""", button)


def busy_seen(page) -> str:
    """`"<disabled>|<text>"` of the button `watch_busy` watched, as it was while the request ran."""
    return page.evaluate("sessionStorage.getItem('busy')")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(autouse=True)
def _no_lockouts_carried_over(django_db_setup):
    """Failed sign-ins are committed here (the live server's own connection): forget them before each test,
    so that one test's wrong passwords (all from 127.0.0.1) never lock the next test out."""

    def forget() -> None:
        from axes.models import AccessAttempt

        AccessAttempt.objects.all().delete()

    orm(forget)


def desk(browser):
    """A page in a new 1280 px desktop browser context (English), 15 s timeouts."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    return context.new_page()


def phone(browser, locale: str = "en-US"):
    """A page in a new 360 px touch phone context (English unless `locale`, e.g. "zh-CN"), 15 s timeouts;
    `page.context.close()` ends it."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=locale, is_mobile=True,
                                  has_touch=True)
    context.set_default_timeout(15_000)
    return context.new_page()


@pytest.fixture(scope="session", autouse=True)
def _hall_stream_listener_stopped(django_db_setup):
    """The hall screen's stream starts one listening thread with a connection of its own for the process's
    life (hall.stream): stop it before the test database is dropped, which it would otherwise hold open."""
    yield
    from hall.stream import broadcaster

    broadcaster.stop()


#: The axe-core rules run on every portal page: WCAG 2.0 and 2.1, levels A and AA.
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def accessibility_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 AA violations of the page as it is now (axe-playwright-python injects axe-core
    through the DevTools protocol, so the page's Content-Security-Policy is not loosened): one line per rule
    with the first few offending elements; empty when the page passes."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA_TAGS},
                                       "resultTypes": ["violations"]})
    lines = []
    for violation in results.response["violations"]:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        lines.append(f"{page.url} {violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return lines
