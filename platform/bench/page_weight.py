#!/usr/bin/env python3
"""Page weight of the applicant's pages (issue 19): bytes transferred and requests, as Chromium counts them.

    python3 platform/dev.py run                       # in another terminal: the README's run, demo data
    .venv/bin/python platform/bench/page_weight.py [--base http://localhost:8000] [--centre beilin] [--json]

Each page is opened in a fresh Chromium context (empty cache, a 360x740 phone, Chinese), through the
DevTools protocol's Network events: every request the page makes (`Network.requestWillBeSent`, data: URLs
excluded) and the bytes each took on the wire (`Network.loadingFinished.encodedDataLength`: headers and the
body as sent, compressed when it was); the bodies' decoded size beside it (the performance entries'
`decodedBodySize`; the icon has none).
Then the same address is opened again in the same context (a later visit): requests that still reach the
server (a static file whose cache has run out is asked again; one cached as immutable is not).
The page's height at 360 px is given for the long lists (the platform home, the master catalogue).

Pages: the progress lookup (a centre's `/progress/`, where the SMS link leads), the online hall's sign-in and
home, an item's service guide at the centre (the first of its catalogue) and the same item in the online
hall; then the platform home and the master catalogue. Target (issue 19): a one-form page under 30 KB and
3 requests. Chromium: Debian's (`/usr/bin/chromium`), driven by Playwright (the dev extras).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GOVSERVICE_CHROMIUM") or "/usr/bin/chromium"
TARGET_BYTES = 30 * 1024
TARGET_REQUESTS = 3


def at(base: str, slug: str | None) -> str:
    """`base` (the platform's address) on a centre's host, `<slug>.<host>`."""
    if not slug:
        return base
    parts = urlsplit(base)
    return f"{parts.scheme}://{slug}.{parts.netloc}"


def measure(context, url: str) -> dict:
    """Open `url` in a new page of `context` and return what crossed the network for it."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    requests: dict[str, dict] = {}

    def sent(event: dict) -> None:
        if not event["request"]["url"].startswith("data:"):
            requests.setdefault(event["requestId"], {"url": event["request"]["url"], "wire": 0, "decoded": 0,
                                                     "cached": False})

    def response(event: dict) -> None:
        if event["requestId"] in requests:
            answer = event["response"]
            requests[event["requestId"]].update(
                status=answer["status"], encoding=answer.get("headers", {}).get("content-encoding", ""),
                cached=bool(answer.get("fromDiskCache") or answer.get("fromMemoryCache")))

    def finished(event: dict) -> None:
        if event["requestId"] in requests:
            requests[event["requestId"]]["wire"] = int(event.get("encodedDataLength", 0))

    def from_cache(event: dict) -> None:
        if event["requestId"] in requests:
            requests[event["requestId"]]["cached"] = True

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.responseReceived", response)
    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.requestServedFromCache", from_cache)
    cdp.send("Network.enable")
    answer = page.goto(url, wait_until="networkidle")
    height = page.evaluate("document.documentElement.scrollHeight")
    decoded = page.evaluate("""() => Object.fromEntries([...performance.getEntriesByType('navigation'),
        ...performance.getEntriesByType('resource')].map(e => [e.name, e.decodedBodySize]))""")
    page.wait_for_timeout(300)  # the last loadingFinished events
    cdp.detach()
    page.close()
    for request in requests.values():  # the body's decoded size (performance entries; the icon has none)
        request["decoded"] = decoded.get(request["url"], 0)
    network = [r for r in requests.values() if not r["cached"]]
    return {
        "url": url, "status": answer.status if answer else None, "height": height,
        "requests": len(network), "from_cache": len(requests) - len(network),
        "bytes": sum(r["wire"] for r in network), "decoded": sum(r["decoded"] for r in requests.values()),
        "files": [{"url": r["url"], "wire": r["wire"], "decoded": r["decoded"], "encoding": r.get("encoding", ""),
                   "cached": r["cached"], "status": r.get("status")} for r in requests.values()],
    }


def first_link(context, url: str, pattern: str, within: str = "main") -> str | None:
    """The first link in `within` on `url` whose address matches `pattern` (absolute)."""
    page = context.new_page()
    page.goto(url)
    hrefs = page.eval_on_selector_all(f"{within} a[href]", "links => links.map(a => a.href)")
    page.close()
    return next((href for href in hrefs if re.search(pattern, href)), None)


def pages(context, base: str, centre: str) -> list[tuple[str, str]]:
    centre_base = at(base, centre)
    guide = first_link(context, centre_base + "/catalogue/", r"/catalogue/[^/]+/$", within="tr[data-code]")
    code = guide.rstrip("/").rsplit("/", 1)[1] if guide else None
    found = [("progress lookup (a centre's /progress/)", centre_base + "/progress/"),
             ("online hall: sign-in", base + "/online/sign-in/"),
             ("online hall: home", base + "/online/")]
    if guide:
        found.append((f"item guide at {centre} (/catalogue/{code}/)", guide))
    online_item = first_link(context, base + "/online/items/", r"/online/items/[^/]+/$")
    if online_item:
        found.append(("online hall: an item (/online/items/<code>/)", online_item))
    found += [("platform home (the list of centres)", base + "/"),
              ("master catalogue", base + "/catalogue/")]
    return found


def machine() -> dict:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    return {"commit": commit, "cpus": os.cpu_count(), "load": [round(x, 2) for x in os.getloadavg()]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://localhost:8000", help="the platform's address (default %(default)s)")
    parser.add_argument("--centre", default="beilin", help="the centre whose progress page and guide are measured")
    parser.add_argument("--locale", default="zh-CN")
    parser.add_argument("--json", action="store_true", help="print every request as JSON too")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        phone = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
                 "locale": args.locale}
        finder = browser.new_context(**phone)
        found = pages(finder, args.base, args.centre)
        finder.close()
        for name, url in found:
            context = browser.new_context(**phone)
            first = measure(context, url)
            again = measure(context, url)
            context.close()
            results.append({"page": name, "first": first, "again": again})
        version = browser.version
        browser.close()

    info = {**machine(), "chromium": version}
    print(f"commit {info['commit']}, {info['cpus']} CPUs, load {info['load']}, Chromium {version}, "
          f"{args.locale}, 360x740, {args.base}\n")
    print("| page | transferred | requests | decoded | a later visit: requests (bytes) | height at 360 px |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in results:
        first, again = row["first"], row["again"]
        print(f"| {row['page']} | {first['bytes'] / 1024:.1f} KB | {first['requests']} | "
              f"{first['decoded'] / 1024:.1f} KB | {again['requests']} ({again['bytes'] / 1024:.1f} KB) | "
              f"{first['height']:,} px |")
    over = [row["page"] for row in results[:3]
            if row["first"]["bytes"] >= TARGET_BYTES or row["first"]["requests"] > TARGET_REQUESTS]
    print(f"\none-form pages over the target ({TARGET_BYTES // 1024} KB, {TARGET_REQUESTS} requests): "
          f"{', '.join(over) or 'none'}")
    if args.json:
        print(json.dumps({"machine": info, "pages": results}, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
