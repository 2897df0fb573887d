"""What the hall announces: one `HallEvent` row per change and a PostgreSQL NOTIFY on `CHANNEL`, sent by
the database when the change commits (never for one rolled back), heard by every web process's stream
(hall.stream) and passed to the screens and pads of that centre.

The payload is JSON: `{"schema": <centre schema>, "event": <the event as a screen reads it>}`; a screen
that lost its connection reads the rows after the last id it saw (`HallEvent`), so nothing is lost when a
notification is."""
from __future__ import annotations

import datetime as dt
import json

from django.db import connection
from django.db.models import Count

from hall.choices import HallEventKind, TicketStatus
from hall.models import HallEvent, Ticket

#: The NOTIFY channel of every centre's hall (one LISTEN per web process).
CHANNEL = "hall_events"


def call_text_zh(code: str, window_number: str) -> str:
    """What the screen reads aloud: 请A023号到5号窗口."""
    return f"请{code}号到{window_number}号窗口"


def call_text_en(code: str, window_number: str) -> str:
    return f"Ticket {code}, please go to window {window_number}"


def waiting_counts(day: dt.date) -> dict[str, int]:
    """Waiting tickets per queue letter on `day` (one query)."""
    return dict(Ticket.objects.filter(day=day, status=TicketStatus.WAITING).values_list("queue__letter")
                .annotate(n=Count("id")).values_list("queue__letter", "n"))


def event_data(event: HallEvent) -> dict:
    """The event as the screen, the pads and the API read it."""
    return {"id": event.pk, "kind": event.kind, "at": event.at.isoformat(), **event.data}


def event_record(*, ticket: Ticket, kind: str, window_number: str = "", window_id: int | None = None,
                 actor_id: int | None, at: dt.datetime) -> HallEvent:
    """Write the event row and NOTIFY it (delivered on commit). Called events carry the text to read."""
    data: dict = {"ticket": ticket.code, "queue": ticket.queue.letter, "window": window_number,
                  "status": ticket.status, "day": ticket.day.isoformat()}
    if kind in (HallEventKind.CALLED, HallEventKind.RECALLED):
        data["say_zh"] = call_text_zh(ticket.code, window_number)
        data["say_en"] = call_text_en(ticket.code, window_number)
    if kind in (HallEventKind.TAKEN, HallEventKind.CALLED, HallEventKind.TRANSFERRED, HallEventKind.NO_SHOW,
                HallEventKind.CANCELLED):
        data["waiting"] = waiting_counts(ticket.day)
    event = HallEvent.objects.create(kind=kind, ticket=ticket, window_id=window_id, actor_id=actor_id, at=at,
                                     data=data)
    payload = json.dumps({"schema": connection.schema_name, "event": event_data(event)},  # type: ignore[attr-defined]
                         ensure_ascii=False, separators=(",", ":"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])
    return event
