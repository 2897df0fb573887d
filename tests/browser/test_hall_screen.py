"""The hall's big screen in a real browser over the live server: a clerk's call (committed from the test)
appears within a second or two without a reload and its Chinese text is read out; a call again is read
again; calls made while the screen is between two streams are caught up (the stream ends every 2 s here,
so the browser reconnects with Last-Event-ID again and again).

Django's LiveServerThread streams: its wsgiref handler writes and flushes each chunk of a streaming
response as it comes, and each request has a thread of its own, so the screen's stream and the page's
other requests run side by side."""
from __future__ import annotations

import time

import pytest
from django.test import override_settings

from tests.browser.conftest import at, orm, screenshot
from tests.hall.committed import committed_hall
from tests.hall.conftest import NOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def screen_hall():
    """Beilin's hall, committed on connections of their own: queue ZB at window B9."""
    from tenants.models import Centre

    centre = orm(lambda: Centre.objects.get(division_code="610103"))
    manager = committed_hall(centre, letter="ZB", window_numbers=("B9",))
    hall = orm(manager.__enter__)
    yield hall
    orm(manager.__exit__, None, None, None)


def take_and_call(hall, count: int = 1) -> list[str]:
    def run() -> list[str]:
        from django_tenants.utils import tenant_context

        from hall.choices import TicketAction, TicketSource
        from hall.services import ticket_act, ticket_call_next, ticket_take

        codes = []
        with tenant_context(hall.centre):
            for _ in range(count):
                ticket_take(centre=hall.centre, queue=hall.queue, source=TicketSource.KIOSK, now=NOW)
                ticket = ticket_call_next(centre=hall.centre, window=hall.windows[0], acting_user=hall.admin, now=NOW)
                codes.append(ticket.code)
                for action in (TicketAction.START, TicketAction.FINISH):
                    ticket = ticket_act(centre=hall.centre, ticket=ticket, action=action, window=hall.windows[0],
                                        acting_user=hall.admin, now=NOW)
        return codes

    return orm(run)


def recall_last(hall) -> None:
    def run() -> None:
        from django_tenants.utils import tenant_context

        from hall.choices import TicketAction, TicketSource
        from hall.services import ticket_act, ticket_call_next, ticket_take

        with tenant_context(hall.centre):
            ticket_take(centre=hall.centre, queue=hall.queue, source=TicketSource.KIOSK, now=NOW)
            ticket = ticket_call_next(centre=hall.centre, window=hall.windows[0], acting_user=hall.admin, now=NOW)
            ticket_act(centre=hall.centre, ticket=ticket, action=TicketAction.RECALL, window=hall.windows[0],
                       acting_user=hall.admin, now=NOW)

    orm(run)


def said(page) -> tuple[str, int]:
    root = page.locator("#hall-screen")
    return root.get_attribute("data-last-said") or "", int(root.get_attribute("data-said-count") or 0)


def test_a_call_appears_on_the_screen_within_two_seconds_and_is_read_aloud(screen_hall, browser, live_url):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(at(live_url, "beilin") + "/hall/screen/")
    page.wait_for_selector("#hall-screen[data-state=live]")
    assert "正在叫号" in page.inner_text(".hs-now") and "Now calling" in page.inner_text(".hs-now")
    assert page.locator("#hs-queues [data-queue=ZB]").count() == 1, "the picture lists the queues"
    assert said(page) == ("", 0)
    url = page.url

    started = time.monotonic()
    [code] = take_and_call(screen_hall)
    page.wait_for_function("code => document.getElementById('hs-newest-ticket').textContent === code", arg=code,
                           timeout=2_000)
    assert time.monotonic() - started < 2.0
    assert page.url == url, "no reload"
    assert page.inner_text("#hs-newest-window") == "B9号窗口"
    assert page.inner_text("#hs-newest-en") == f"Ticket {code} → Window B9"
    page.wait_for_function("() => document.getElementById('hall-screen').dataset.saidCount === '1'", timeout=2_000)
    assert said(page) == (f"请{code}号到B9号窗口", 1)
    if page.locator("#hs-sound").is_visible():  # the autoplay policy blocked speech: one tap enables it
        page.click("#hs-sound")
        assert not page.locator("#hs-sound").is_visible()
    screenshot(page, "hall-screen-1920")

    recall_last(screen_hall)  # called, then called again: read twice
    page.wait_for_function("() => document.getElementById('hall-screen').dataset.saidCount === '3'", timeout=3_000)
    assert said(page)[0] == f"请{code[:2]}{int(code[2:]) + 1:03d}号到B9号窗口"
    context.close()


@override_settings(HALL_STREAM_SECONDS=2, HALL_STREAM_RETRY_MS=300)
def test_calls_between_two_streams_are_caught_up(screen_hall, browser, live_url):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(at(live_url, "beilin") + "/hall/screen/")
    page.wait_for_selector("#hall-screen[data-state=live]")
    codes: list[str] = []
    for _ in range(6):  # over about 4 s: some land while the browser is reconnecting
        codes += take_and_call(screen_hall)
        time.sleep(0.6)
    last = codes[-1]
    page.wait_for_function("code => document.getElementById('hs-newest-ticket').textContent === code", arg=last,
                           timeout=5_000)
    page.wait_for_function("() => Number(document.getElementById('hall-screen').dataset.saidCount) === 6",
                           timeout=5_000)
    assert said(page) == (f"请{last}号到B9号窗口", 6), "every call read once, none twice"
    context.close()


#: Chromium's autoplay policy, as a TV's browser applies it (headless Chromium has no voice at all): speech
#: before anyone touched the page fails with `not-allowed`; after a tap it is spoken (kept in __spoken).
#: (Touched: a click seen; navigator.userActivation cannot tell, as Playwright's own calls count as gestures.)
AUTOPLAY_POLICY = """(() => {
  window.__spoken = [];
  let touched = false;
  document.addEventListener("click", () => { touched = true; }, true);
  const engine = {
    speak(utterance) {
      setTimeout(() => {
        if (!touched) { utterance.onerror({error: "not-allowed"}); return; }
        window.__spoken.push(utterance.lang + " " + utterance.text);
        utterance.onend({});
      }, 10);
    },
    cancel() {},
    getVoices() { return []; },
  };
  Object.defineProperty(window, "speechSynthesis", {value: engine, configurable: true});
})();"""


def test_when_the_browser_blocks_speech_one_tap_turns_the_voice_on(screen_hall, browser, live_url):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.set_default_timeout(15_000)
    context.add_init_script(AUTOPLAY_POLICY)
    page = context.new_page()
    page.goto(at(live_url, "beilin") + "/hall/screen/")
    page.wait_for_selector("#hall-screen[data-state=live]")
    assert not page.locator("#hs-sound").is_visible()

    [first] = take_and_call(screen_hall)
    page.wait_for_selector("#hs-sound", state="visible", timeout=3_000)
    assert "开启语音" in page.inner_text("#hs-sound") and "Turn on the voice" in page.inner_text("#hs-sound")
    assert page.evaluate("window.__spoken") == []
    screenshot(page, "hall-screen-voice-blocked")
    page.click("#hs-sound")
    page.wait_for_function("() => window.__spoken.length === 1", timeout=3_000)
    assert page.evaluate("window.__spoken") == [f"zh-CN 请{first}号到B9号窗口"], "the blocked call, after the tap"
    assert not page.locator("#hs-sound").is_visible()

    [second] = take_and_call(screen_hall)
    page.wait_for_function("() => window.__spoken.length === 2", timeout=3_000)
    assert page.evaluate("window.__spoken")[1] == f"zh-CN 请{second}号到B9号窗口"
    context.close()
