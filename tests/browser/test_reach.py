"""Keep it checked (issue 19): every page each role can reach, on a 360×740 phone (the hall's kiosk and
rating pad on their 1024×768 touch screen, the hall's screen on a 720p television), in Chinese and in
English, passes axe-core's WCAG 2.1 A/AA rules, does not scroll sideways, has targets at least 24 px (44 px
tall on the pages made for phones: `body.phone`) and no text under 12 px. The test fails listing every
violation.

Which pages: the URL confs, not a list written here, so that a new page is checked without anyone adding it.
For each role and each of its hosts the crawl starts at the role's `starts` (pages no link leads to:
reach_world.py) and every GET route without arguments (`ENTRY_SKIPS` names the ones that are not pages and
why), and follows the links it finds on the same host; a route with arguments is checked once, at the first
link to it (one detail page per kind, on the real objects reach_world.py makes). A route is checked once per
host and language (by the first role that reaches it; `QUERY_VARIANTS` query shapes of a route count as
pages of their own: the agent's item list and filing form share a route). In the second language each role
opens again only the pages it checked in the first (their links do not change with the language). A route
with arguments that no role reached must be named in `DETAIL_SKIPS` with the reason, so that a new detail
page nobody links to fails here until it is checked or explained.

One browser, one context per role and language (left open until the browser closes: `_blank`), no sleeps;
its time is printed (`-s`) and in docs.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.browser.conftest import accessibility_violations, at, sign_in
from tests.browser.reach_world import decided_with_a_question, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

VIEWPORT = {"width": 360, "height": 740}
LANGUAGES = {"zh-hans": "zh-CN", "en": "en-US"}
#: Distinct query shapes of one route checked as pages of their own (the agent's item list and its filing form;
#: the kiosk's three modes).
QUERY_VARIANTS = 3

#: Routes without arguments that are not pages to check, and why.
ENTRY_SKIPS = {
    "set_language": "POST only (the language button)",
    "logout": "POST only (the sign-out button)",
    "portal:sign-out": "POST only (the sign-out button)",
    "portal:large-text": "POST only (the large-text button)",
    "health": "a health check (JSON)",
    "favicon": "an icon",
    "progress-api": "JSON API",
    "handoff-begin": "redirects only: the first half of switching centre",
    "handoff": "redirects only: the second half of switching centre (a signed, one-time link)",
    "switch-centre-pick": "redirects only: the switcher's form posts here",
    "catalog-guidebook": "a PDF",
    "audit-export": "a CSV download",
    "delegation-key-projects-csv": "a CSV download",
    "staff-template": "an .xlsx download",
    "portal:account-export": "a JSON download of the applicant's data",
    "news-feed": "an Atom feed",
    "hall:stream": "the hall's event stream (server-sent events)",
    "hall:screen": "the hall's screen: a television, checked at 1280×720 as the role \"hall screen\" (a start)",
    "schema": "the OpenAPI schema (YAML)",
    "api-docs": "Swagger UI: a third party's page",
    "api-redoc": "Redoc: a third party's page",
}

#: Routes with arguments not checked here, and why (a route neither reached nor named here fails the test).
DETAIL_SKIPS = {
    "catalog-form": "a download (an item's form)",
    "supervision-dashboard-csv": "a CSV download",
    "delegation-handover": "POST only (the handover button)",
    "delegation-consent-scan": "an image download",
    "portal:case-document": "a download",
    "portal:case-archive": "a ZIP download",
    "portal:project-archive": "a ZIP download",
    "portal:appointment-cancel": "POST only",
    "cases-reveal": "POST only (reveals the applicant's ID number)",
    "cases-document": "a download",
    "cases-archive": "a ZIP download",
    "supervision-warning-ack": "POST only",
    "supervision-rectification-callback": "POST only (a form on the reviews page, made here: a bad review)",
    "supervision-rectification-report": "POST only (a form on the reviews page, made here: a bad review)",
    "supervision-complaint-answer": "POST only (a form on the complaints page, made here: a complaint)",
    "supervision-sample-case": "POST only (a form on the sample's page, made here: the month's sample)",
    "news-publish": "POST only",
    "news-unpublish": "POST only",
    "switch-centre": "redirects only (switching centre)",
    "hall:pad_state": "the rating pad's state (JSON)",
}

SIGN_IN_PATHS = ("/accounts/login/", "/online/sign-in/", "/accounts/two-step/")


@dataclass
class Role:
    name: str
    #: (slug or "" for the platform's site) of each host the role works on
    hosts: tuple[str, ...]
    #: route names the crawl keeps to (a prefix), or "" for any
    only: str = ""
    username: str = ""
    portal_mobile: str = ""
    #: whether the crawl starts at the host's routes without arguments (else only at the world's `starts`)
    entries: bool = True
    viewport: dict = field(default_factory=lambda: VIEWPORT)


@dataclass
class Sweep:
    live_url: str
    #: (host, route, query shape, language) already checked, by any role
    seen: set = field(default_factory=set)
    #: (role, host, route, query shape, language) already opened (for its links)
    visited: set = field(default_factory=set)
    reached: set = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    pages: int = 0


# --- what each page is checked for (one script, run in the page) -----------------------------------------

PAGE_CHECKS = r"""() => {
  const out = {width: document.documentElement.scrollWidth, phone: document.body.classList.contains('phone'),
               targets: [], texts: []};
  const shown = el => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
    return s.visibility !== 'hidden' && r.width > 1 && r.height > 1 && r.right > 0 && r.bottom > 0
           && !el.closest('.visually-hidden, [aria-hidden=true]'); };
  const named = el => ((el.getAttribute('aria-label') || el.innerText || el.value || el.title || el.name || el.id
                       || el.tagName) + '').trim().replace(/\s+/g, ' ').slice(0, 40);
  const letters = /[\p{L}\p{N}]/u;
  // WCAG 2.5.8's inline exception: a link in a sentence (words right before or after it in the same line of text)
  const inSentence = el => el.tagName === 'A' && getComputedStyle(el).display === 'inline'
    && [el.previousSibling, el.nextSibling].some(n => n && n.nodeType === 3 && letters.test(n.nodeValue));
  const boxOf = el => {
    let r = el.getBoundingClientRect();
    if (el.matches('input[type=checkbox], input[type=radio]')) {  // its label is part of the target
      const label = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (label) { const l = label.getBoundingClientRect();
        r = {left: Math.min(r.left, l.left), top: Math.min(r.top, l.top), right: Math.max(r.right, l.right),
             bottom: Math.max(r.bottom, l.bottom)}; }
    }
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, w: r.right - r.left, h: r.bottom - r.top};
  };
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  const targets = [...document.querySelectorAll(selector)].filter(shown).filter(el => !inSentence(el))
    .map(el => ({el, box: boxOf(el)}));
  const small = targets.filter(t => t.box.w < 24 || t.box.h < 24);
  const centre = b => [(b.left + b.right) / 2, (b.top + b.bottom) / 2];
  const spaced = t => {  // WCAG 2.5.8's spacing exception: a 24 px circle around it touches no other target
    const [x, y] = centre(t.box);
    return targets.every(o => {
      if (o === t || o.el.contains(t.el) || t.el.contains(o.el)) return true;
      if (small.includes(o)) { const [ox, oy] = centre(o.box); return Math.hypot(ox - x, oy - y) >= 24; }
      const dx = Math.max(o.box.left - x, 0, x - o.box.right), dy = Math.max(o.box.top - y, 0, y - o.box.bottom);
      return Math.hypot(dx, dy) >= 12;
    });
  };
  for (const t of targets) {
    const {w, h} = t.box;
    const bad = out.phone ? (h < 43.5 || w < 24) : ((w < 24 || h < 24) && !spaced(t));
    if (bad) out.targets.push(`${t.el.tagName.toLowerCase()} "${named(t.el)}" ${w.toFixed(0)}×${h.toFixed(0)} px`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT,
    {acceptNode: n => n.nodeValue.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT});
  const range = document.createRange();
  const small_text = new Map();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('script, style, noscript, option, title, desc, .visually-hidden, [aria-hidden=true]')) {
      continue;
    }
    range.selectNodeContents(n);
    const r = range.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || getComputedStyle(el).visibility === 'hidden') continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement && el.getScreenCTM()) size *= el.getScreenCTM().a;  // a scaled SVG's text
    if (size < 11.95) {
      const names = typeof el.className === 'string' ? el.className.trim() : '';
      const classes = names ? '.' + names.split(/\s+/).join('.') : '';
      const key = `${el.tagName.toLowerCase()}${classes} ${size.toFixed(1)} px`;
      if (!small_text.has(key)) small_text.set(key, n.nodeValue.trim().slice(0, 30));
    }
  }
  out.texts = [...small_text].map(([k, v]) => `${k} ("${v}")`);
  out.links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  return out;
}"""


def _urlconf(host: str) -> str:
    return "config.urls_tenant" if host else "config.urls_public"


def _routes(urlconf: str) -> Iterator[tuple[str, str, bool]]:
    """(route, name, has arguments) of every named route of `urlconf`, the API's and the admin's left out."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix: str, namespace: str) -> Iterator[tuple[str, str, bool]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}:{p.namespace}".strip(":") if p.namespace else namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                yield prefix + str(p.pattern), f"{namespace}:{p.name}".strip(":"), bool(p.pattern.regex.groups)

    from django.conf import settings

    for route, name, has_args in walk(get_resolver(urlconf).url_patterns, "/", ""):
        if not route.startswith(("/api/", f"/{settings.DJANGO_ADMIN_PATH}")):
            yield route, name, has_args


def _route_of(path: str, host: str) -> str | None:
    from django.urls import Resolver404, resolve

    try:
        match = resolve(path, urlconf=_urlconf(host))
    except Resolver404:
        return None
    return match.view_name


def _entries(host: str) -> list[str]:
    """The paths of the host's routes without arguments (their names not in ENTRY_SKIPS)."""
    return [re.sub(r"\^|\$", "", route) for route, name, has_args in _routes(_urlconf(host))
            if not has_args and name not in ENTRY_SKIPS]


#: Query parameters whose value makes another page, not another list (the kiosk's start, priority and
#: appointment modes): their values are part of a query's shape.
SHAPE_VALUES = {"mode"}


def _shape(query: str) -> frozenset[str]:
    """A query's parameter names (a page number and a return address left out; `SHAPE_VALUES` with their
    value): its shape."""
    return frozenset(f"{k}={v}" if k in SHAPE_VALUES else k for k, v in parse_qsl(query)
                     if k not in ("page", "next"))


def _base(live_url: str, host: str) -> str:
    return at(live_url, host) if host else live_url


def _open(page, url: str):
    """`page.goto(url)`'s response; False for a download or an empty answer (a 405 to a GET), after which
    Chromium shows its own error page (waited for, so that it does not interrupt the next navigation)."""
    for _attempt in range(2):
        try:
            return page.goto(url)
        except Exception as exc:
            if "Download is starting" in str(exc):
                return False
            if "ERR_HTTP_RESPONSE_CODE_FAILURE" in str(exc):
                page.wait_for_load_state()
                return False
            if "interrupted by another navigation" not in str(exc):
                raise
            page.wait_for_load_state()
    return False  # interrupted twice: left out rather than checked half-loaded


def crawl(sweep: Sweep, page, role: Role, host: str, language: str, starts: list[str],
          replay: list[str] | None = None) -> list[str]:
    """Check every page of `host` the role reaches from `starts` and (`role.entries`) the entry routes,
    following links on the same host; or (`replay`, the addresses this returned for the role's first
    language) only those pages, in another language: the links are the same, so the pages opened only for
    their links are not opened again. Returns the addresses of the pages checked."""
    base = _base(sweep.live_url, host)
    origin = urlsplit(base).netloc
    first = [base + path for path in starts]
    queue = list(replay) if replay is not None else [*first, *(
        base + path for path in _entries(host) if role.entries)]
    checked: list[str] = []
    queued = set(queue)
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        name = _route_of(parts.path, host)
        if name is None or not name.startswith(role.only) or (
                name in ENTRY_SKIPS or name in DETAIL_SKIPS) and url not in first:
            continue  # not a page to check, unless a start names it
        shape = _shape(parts.query)
        key = (host, name, shape, language)
        variants = sum(1 for s in sweep.seen if s[:2] == (host, name) and s[3] == language)
        if (role.name, *key) in sweep.visited or (
                variants >= QUERY_VARIANTS and key not in sweep.seen and url not in first):
            continue
        sweep.visited.add((role.name, *key))
        response = _open(page, url)
        if response is False:  # a download (a receipt's PDF): reached, nothing to check
            sweep.reached.add(name)
            continue
        if response is not None and response.status >= 500:
            sweep.problems.append(f"[{role.name}, {language}] {url}: answered {response.status}")
        if response is None or response.status != 200:
            continue
        if "text/html" not in response.headers.get("content-type", ""):  # a PDF shown inline: reached
            sweep.reached.add(name)
            continue
        final = urlsplit(page.url)
        if final.path.startswith(SIGN_IN_PATHS) and not parts.path.startswith(SIGN_IN_PATHS):
            continue  # not this role's page
        final_name = _route_of(final.path, host) or name
        final_key = (host, final_name, _shape(final.query), language)
        if final_key in sweep.seen or key in sweep.seen:  # checked for another role: its links only
            if replay is None:
                _follow(page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)"), origin, queue,
                        queued)
            continue
        sweep.seen.update({key, final_key})
        sweep.reached.add(final_name)
        sweep.pages += 1
        where = f"[{role.name}, {language}] {final.path}{'?' + final.query if final.query else ''}"
        found = page.evaluate(PAGE_CHECKS)
        sweep.problems += [f"{where}: {line}" for line in accessibility_violations(page)]
        if found["width"] > role.viewport["width"]:
            sweep.problems.append(f"{where}: {found['width']} px wide on a {role.viewport['width']} px screen")
        need = "44 px tall" if found["phone"] else "24 px"
        sweep.problems += [f"{where}: target under {need}: {t}" for t in found["targets"]]
        sweep.problems += [f"{where}: text under 12 px: {t}" for t in found["texts"]]
        checked.append(url)
        if replay is None:
            _follow(found["links"], origin, queue, queued)
    return checked


def _blank(page) -> None:
    """Leave the page for `about:blank`: a navigation the last page began (a redirect after load) ends before
    the next sign-in's, and nothing keeps running in it (a screen's event stream, a poll). Closing the tab or
    its context instead hung Playwright's `close()` now and then in CI (a 15-minute timeout, after a
    township administrator's pages); the browser's own close at the end of the test never hangs."""
    try:
        _open(page, "about:blank")
    except Exception:  # noqa: S110 - checked pages are done; the next navigation reports a real failure
        pass


def _follow(links: list[str], origin: str, queue: list[str], queued: set[str]) -> None:
    for link in links:
        link = link.split("#")[0]
        if urlsplit(link).netloc == origin and link not in queued:
            queued.add(link)
            queue.append(link)


#: A kiosk's and a rating pad's touch screen (their pages are opened by the device's key).
TABLET = {"width": 1024, "height": 768}
#: The hall's big screen: a 720p television, the smallest a hall hangs (the screen's type follows its height).
TELEVISION = {"width": 1280, "height": 720}

ROLES = [
    Role("anonymous applicant", hosts=("", "beilin")),
    Role("signed-in applicant", hosts=("",), only="portal:", portal_mobile="13911115555"),
    Role("window clerk", hosts=("beilin",)),
    Role("chief representative", hosts=("beilin",)),
    Role("centre administrator", hosts=("beilin",)),
    Role("village agent", hosts=("beilin-nanyuanmen",)),
    Role("township administrator", hosts=("beilin-nanyuanmen",)),
    Role("city coordinator", hosts=("", "xian", "beilin")),
    Role("platform admin", hosts=("",)),
    Role("hall devices", hosts=("beilin",), only="hall:", entries=False, viewport=TABLET),
    Role("hall screen", hosts=("beilin",), only="hall:screen", entries=False, viewport=TELEVISION),
]


def _applicant_with_a_case(page, live_url: str, mobile: str, users: dict[str, str]) -> None:
    """Sign in to the online hall (binding a real name) and apply online once; Beilin decides the case (its
    rating form opens) and the applicant asks Beilin a question, so that the account's pages exist."""
    from tests.browser.test_portal_a11y import applied_online

    applied_online(page, live_url, mobile)
    found = re.search(r"/online/cases/([0-9a-f-]{36})/", page.url)
    assert found, page.url
    decided_with_a_question(mobile, found.group(1), users)


def test_every_page_each_role_reaches_passes_the_phone_checks_in_both_languages(browser, live_url,
                                                                                make_browser_user, monkeypatch):
    started = time.perf_counter()
    made = world(make_browser_user, monkeypatch)
    sweep = Sweep(live_url=live_url)
    checked: dict[tuple[str, str], list[str]] = {}  # (role, host) → the pages checked in the first language
    try:
        for role in ROLES:
            role.username = made.users.get(role.name, "")
            for language, locale in LANGUAGES.items():
                context = browser.new_context(viewport=role.viewport, locale=locale, has_touch=True,
                                              is_mobile=role.viewport is VIEWPORT)
                context.set_default_timeout(15_000)
                # a page that prints as it loads (the kiosk's receipt, `?auto=1`) would open Chromium's print
                # preview, which stops the page's scripts and so every check waiting on them
                context.add_init_script("window.print = () => {};")
                page = context.new_page()
                for host in role.hosts:
                    _blank(page)
                    if role.portal_mobile:
                        if language == "zh-hans":
                            _applicant_with_a_case(page, live_url, role.portal_mobile, made.users)
                        else:
                            from tests.browser.test_portal_a11y import portal_sign_in

                            portal_sign_in(page, live_url, role.portal_mobile)
                    elif role.username:
                        sign_in(page, _base(live_url, host), role.username)
                    starts = [path for where, path in made.starts.get(role.name, []) if where == host]
                    first = checked.get((role.name, host))
                    done = crawl(sweep, page, role, host, language, starts, replay=first)
                    checked.setdefault((role.name, host), done)
                _blank(page)  # the context stays open until the browser closes (see _blank)
    finally:
        made.cleanup()
    seconds = time.perf_counter() - started
    print(f"\nreach: {sweep.pages} pages checked in {seconds:.0f} s")

    detail_routes = {name for conf in ("", "x") for _r, name, has_args in _routes(_urlconf(conf)) if has_args}
    unexplained = sorted(detail_routes - sweep.reached - set(DETAIL_SKIPS))
    if unexplained:
        sweep.problems.append("detail pages no role reached and DETAIL_SKIPS does not explain (link to one from a "
                              f"page, make its object above, or name the reason): {unexplained}")
    assert sweep.problems == [], f"{len(sweep.problems)} problems on {sweep.pages} pages:\n" + "\n".join(
        sweep.problems)
