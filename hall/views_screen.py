"""The hall's big screen (大厅显示屏) and its live stream, on the centre's host; public (they show ticket codes,
window numbers and waiting counts, nothing personal).

`GET /hall/stream/` answers server-sent events (`text/event-stream`):
- `retry: <ms>` first; then, with a `Last-Event-ID` header (or `?after=<id>`), the events after that id read
  from the rows (`hall.selectors.events_after`; more than a page of them: a `picture` instead), or with no
  id a `picture` (`hall.selectors.screen_picture`, read in one snapshot); then the live events as they commit
  (hall.stream), each `id: <HallEvent id>`, `event: <kind>`, `data: <JSON>`; a `: keep-alive` comment every
  `HALL_STREAM_HEARTBEAT_SECONDS`; the stream ends after `HALL_STREAM_SECONDS` and the browser reconnects
  with the last id.
- `?window=<number>`: only that window's events (a rating pad), the picture's calls only that window's.
- While it waits the thread holds no database connection (Django's is closed after each read and opened
  again only when a read is needed); the one connection listening is the process's (hall.stream).
- Events whose transactions commit out of id order (two windows calling in the same milliseconds) are all
  sent live; `id:` never goes down (it is the highest id sent), so a browser that reconnects exactly then
  may miss the lower one — it still sees the next picture.

`GET /hall/screen/` is the page for a hall TV (1920×1080): static/hall/screen.js follows the stream.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from hall.models import HallEvent
from hall.selectors import events_after, screen_picture
from hall.stream import broadcaster
from tenants.request import centre_of

#: A catch-up of this many events or more is sent as a picture instead (a screen off for hours).
CATCH_UP_LIMIT = 200
#: Ids this far below the picture's last one count as seen by it (transactions commit within milliseconds).
SNAPSHOT_MARGIN = 200


def _message(kind: str, data: dict, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"{head}event: {kind}\ndata: {body}\n\n".encode()


def _release_connection() -> None:
    """Close Django's connection of this thread so a waiting stream holds none (not inside a transaction:
    a test's)."""
    if not connection.in_atomic_block:
        connection.close()


def _wanted(event: dict, window: str) -> bool:
    return not window or event.get("window") == window


def _picture(window: str) -> tuple[dict, set[int]]:
    """The screen's picture and the ids of the events it reflects (near its last id), read in one
    REPEATABLE READ snapshot so that an event is either in the picture or comes after it."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        picture = screen_picture(day=timezone.localdate())
        seen = set(HallEvent.objects.filter(pk__gt=picture.last_event_id - SNAPSHOT_MARGIN,
                                            pk__lte=picture.last_event_id).values_list("pk", flat=True))
    calls = [call for call in picture.calls if _wanted(call, window)]
    data = {"calls": calls, "waiting": picture.waiting, "queues": picture.queues,
            "last_event_id": picture.last_event_id, "day": timezone.localdate().isoformat()}
    return data, seen


def _requested_after(request: HttpRequest) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or ""
    try:
        value = int(raw.strip())
    except ValueError:
        return None
    return value if value >= 0 else None


def event_stream(*, schema: str, after: int | None, window: str, seconds: float | None = None) -> Iterator[bytes]:
    """The stream's messages (bytes) for the centre whose schema is `schema` (Django's connection already
    set to it), ending after `seconds` (default `HALL_STREAM_SECONDS`)."""
    seconds = settings.HALL_STREAM_SECONDS if seconds is None else seconds
    heartbeat = settings.HALL_STREAM_HEARTBEAT_SECONDS
    subscription = broadcaster.subscribe(schema)
    try:
        yield f"retry: {settings.HALL_STREAM_RETRY_MS}\n\n".encode()
        sent: set[int] = set()
        floor = 0  # queued events at or below this id were seen by the picture or an earlier connection
        last = 0  # the highest id sent (the `id:` field)

        def picture() -> bytes:
            nonlocal floor, last, sent
            data, seen = _picture(window)
            floor, last = max(data["last_event_id"] - SNAPSHOT_MARGIN, 0), data["last_event_id"]
            sent = set(seen)
            return _message("picture", data, last)

        def rows_after(event_id: int) -> Iterator[bytes]:
            nonlocal last
            events = events_after(event_id=event_id, limit=CATCH_UP_LIMIT)
            if len(events) >= CATCH_UP_LIMIT:
                yield picture()
                return
            for event in events:
                if event["id"] in sent:
                    continue
                sent.add(event["id"])
                last = max(last, event["id"])
                if _wanted(event, window):
                    yield _message(event["kind"], event, last)

        if after is None:
            yield picture()
        else:
            last = floor = after
            yield from rows_after(after)
        _release_connection()
        started = time.monotonic()
        beat = started + heartbeat
        while True:
            now = time.monotonic()
            if now >= started + seconds:
                break
            events, resync = subscription.take(max(min(beat, started + seconds) - now, 0.01))
            if resync:
                yield from rows_after(last)
                _release_connection()
            for event in events:
                event_id = event.get("id")
                if not isinstance(event_id, int) or event_id in sent or event_id <= floor:
                    continue
                sent.add(event_id)
                last = max(last, event_id)
                if _wanted(event, window):
                    yield _message(str(event.get("kind", "message")), event, last)
            if time.monotonic() >= beat:
                yield b": keep-alive\n\n"
                beat = time.monotonic() + heartbeat
    finally:
        broadcaster.unsubscribe(subscription)


@require_GET
def stream(request: HttpRequest) -> StreamingHttpResponse:
    """The hall's events as server-sent events (see the module)."""
    centre_of(request)
    window = (request.GET.get("window") or "").strip()[:16]
    response = StreamingHttpResponse(
        event_stream(schema=connection.schema_name, after=_requested_after(request), window=window),  # type: ignore[attr-defined]
        content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each message on at once
    return response


@require_GET
def screen(request: HttpRequest) -> HttpResponse:
    """The hall's big screen: the latest call per window, the waiting per queue, the time; read aloud."""
    centre = centre_of(request)
    window = (request.GET.get("window") or "").strip()[:16]
    stream_url = reverse("hall:stream") + (f"?{urlencode({'window': window})}" if window else "")
    return render(request, "hall/screen_page.html", {"centre": centre, "stream_url": stream_url,
                                                       "time_zone": settings.TIME_ZONE})
