"""The hall's live stream with real connections: what a screen hears when a clerk calls (committed, so the
process's listener — its own connection — hears PostgreSQL's NOTIFY), what it reads back after a lost
connection, and what it never hears (a call rolled back). The rows are committed and removed after."""
from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client, override_settings
from django_tenants.utils import tenant_context

from hall.choices import TicketSource
from tests.hall.committed import committed_hall
from tests.hall.conftest import NOW


@pytest.fixture(scope="module", autouse=True)
def _listener_stopped_after():
    yield
    from tests.conftest import _hall_listener_stop

    _hall_listener_stop()


@pytest.fixture
def live_hall(django_db_setup, django_db_blocker):
    """Yanta's hall, committed: queue ZS at windows S1 and S2."""
    from tenants.models import Centre

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        yanta = Centre.objects.get(division_code="610113")
        with committed_hall(yanta, letter="ZS", window_numbers=("S1", "S2")) as hall:
            yield hall


def take(hall):
    from hall.services import ticket_take

    with tenant_context(hall.centre):
        return ticket_take(centre=hall.centre, queue=hall.queue, source=TicketSource.KIOSK, now=NOW)


def call(hall, window=0):
    from hall.services import ticket_call_next

    with tenant_context(hall.centre):
        return ticket_call_next(centre=hall.centre, window=hall.windows[window], acting_user=hall.admin, now=NOW)


def finish(hall, ticket, window=0):
    from hall.choices import TicketAction
    from hall.services import ticket_act

    with tenant_context(hall.centre):
        for action in (TicketAction.START, TicketAction.FINISH):
            ticket = ticket_act(centre=hall.centre, ticket=ticket, action=action, window=hall.windows[window],
                                acting_user=hall.admin, now=NOW)


def wait_for(subscription, kind: str, timeout: float = 5.0) -> tuple[dict | None, list[dict], bool]:
    """Take from `subscription` until an event of `kind` comes: (it, everything taken, resync seen)."""
    taken: list[dict] = []
    resynced = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events, resync = subscription.take(0.2)
        resynced = resynced or resync
        taken += events
        for event in events:
            if event["kind"] == kind:
                return event, taken, resynced
    return None, taken, resynced


def read_stream(client: Client, path: str, **headers) -> list[dict]:
    """The stream's messages until it ends (HALL_STREAM_SECONDS), each {"id", "event", "data"}; comments
    and the retry hint left out."""
    response = client.get(path, **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    text = b"".join(response.streaming_content).decode()
    response.close()
    messages = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":"))
        if "event" in fields:
            messages.append({"id": int(fields["id"]), "event": fields["event"], "data": json.loads(fields["data"])})
    return messages


def host(centre) -> str:
    from django.conf import settings

    return f"{centre.slug}.{settings.PLATFORM_DOMAIN}"


def test_a_committed_call_reaches_a_subscriber_within_a_second(live_hall):
    from hall.stream import broadcaster

    subscription = broadcaster.subscribe(live_hall.centre.schema_name)
    other = broadcaster.subscribe("c610103")  # Beilin's screens hear nothing of Yanta's hall
    try:
        take(live_hall)
        started = time.monotonic()
        ticket = call(live_hall)
        event, _taken, _ = wait_for(subscription, "called")
        assert event is not None, "the screen never heard the call"
        assert time.monotonic() - started < 1.0
        assert event["ticket"] == ticket.code == "ZS001"
        assert event["window"] == "S1"
        assert event["say_zh"] == "请ZS001号到S1号窗口"
        assert other.take(0.3) == ([], False)
    finally:
        broadcaster.unsubscribe(subscription)
        broadcaster.unsubscribe(other)


@override_settings(HALL_STREAM_SECONDS=1)
def test_after_a_lost_connection_the_stream_sends_exactly_the_missed_events(live_hall):
    from hall.models import HallEvent

    first = take(live_hall)
    take(live_hall)
    call(live_hall)  # ZS001 to S1
    finish(live_hall, first)
    with tenant_context(live_hall.centre):
        ids = list(HallEvent.objects.filter(ticket__queue=live_hall.queue).order_by("id").values_list("id", flat=True))
    assert len(ids) == 5  # taken, taken, called, started, finished
    client = Client(HTTP_HOST=host(live_hall.centre))
    seen_before = ids[1]  # the screen had seen both tickets taken

    missed = read_stream(client, "/hall/stream/", HTTP_LAST_EVENT_ID=str(seen_before))
    assert [m["id"] for m in missed] == ids[2:]
    assert [m["event"] for m in missed] == ["called", "started", "finished"]
    assert missed[0]["data"]["say_zh"] == "请ZS001号到S1号窗口"
    assert [m["id"] for m in read_stream(client, f"/hall/stream/?after={seen_before}")] == ids[2:]
    assert read_stream(client, f"/hall/stream/?after={ids[-1]}") == []

    only_s2 = read_stream(client, f"/hall/stream/?after={ids[0] - 1}&window=S2")
    assert only_s2 == [], "window S2 had nothing"
    only_s1 = read_stream(client, f"/hall/stream/?after={ids[0] - 1}&window=S1")
    assert [m["event"] for m in only_s1] == ["called", "started", "finished"]

    fresh = read_stream(client, "/hall/stream/")  # a screen switched on: the picture first
    assert fresh[0]["event"] == "picture"
    assert fresh[0]["id"] >= ids[-1]
    assert "waiting" in fresh[0]["data"]  # today's (the tickets are NOW's, another day)
    assert {"letter": "ZS", "name_zh": "测试队列", "name_en": "Test queue"} in fresh[0]["data"]["queues"]


def test_a_rolled_back_call_is_never_announced(live_hall):
    from hall.models import HallEvent
    from hall.stream import broadcaster

    take(live_hall)
    take(live_hall)
    subscription = broadcaster.subscribe(live_hall.centre.schema_name)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            call(live_hall)  # ZS001 called ... then the request fails
            raise RuntimeError("the request failed after the call")
        marker = call(live_hall, window=1)  # then a call that commits
        event, taken, _ = wait_for(subscription, "called")
        assert event is not None and event["ticket"] == marker.code == "ZS001"
        assert event["window"] == "S2"
        assert [e for e in taken if e["kind"] == "called"] == [event], "only the committed call was heard"
        with tenant_context(live_hall.centre):
            assert not HallEvent.objects.filter(window=live_hall.windows[0]).exists()
    finally:
        broadcaster.unsubscribe(subscription)


def test_the_listener_reconnects_by_itself_and_streams_catch_up(live_hall):
    from hall.stream import broadcaster

    subscription = broadcaster.subscribe(live_hall.centre.schema_name)
    try:
        assert broadcaster.listening.is_set()
        before = broadcaster.connections_made
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [broadcaster.backend_pid])
        deadline = time.monotonic() + 10
        while broadcaster.connections_made == before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert broadcaster.connections_made == before + 1, "the listener did not reconnect"
        _events, resync = subscription.take(0.5)
        assert resync, "the stream is told to read what it may have missed"
        take(live_hall)
        event, _taken, _ = wait_for(subscription, "taken")
        assert event is not None and event["ticket"] == "ZS001"
    finally:
        broadcaster.unsubscribe(subscription)


@override_settings(HALL_STREAM_SECONDS=3, HALL_STREAM_HEARTBEAT_SECONDS=1)
def test_waiting_streams_hold_no_database_connection(live_hall):
    """Eight screens open: PostgreSQL sees no more connections than before (plus the one listening)."""
    from hall.stream import broadcaster

    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return cursor.fetchone()[0]

    broadcaster.unsubscribe(broadcaster.subscribe("warm-up"))  # the listener connected before counting
    before = count()
    pictures = threading.Barrier(9, timeout=20)
    heard: list[list[str]] = []

    def screen() -> None:
        try:
            response = Client(HTTP_HOST=host(live_hall.centre)).get("/hall/stream/")
            kinds: list[str] = []
            for chunk in response.streaming_content:
                text = chunk.decode()
                if text.startswith("id:"):
                    kinds.append(text.split("event: ")[1].split("\n")[0])
                    if kinds == ["picture"]:
                        pictures.wait()
            heard.append(kinds)
            response.close()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=screen) for _ in range(8)]
    for thread in threads:
        thread.start()
    pictures.wait()
    time.sleep(0.5)  # each is now waiting for the next event
    during = count()
    take(live_hall)
    for thread in threads:
        thread.join(20)
    assert during <= before, f"{during - before} more connections while 8 streams wait"
    assert sorted(heard) == [["picture", "taken"]] * 8


@pytest.mark.django_db
def test_the_screen_page_is_public_chinese_first_and_has_no_inline_script(beilin, centre_client):
    page = centre_client(beilin).get("/hall/screen/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("正在叫号") < html.index("Now calling")
    assert 'data-stream="/hall/stream/"' in html
    assert "<script>" not in html and " style=" not in html
    assert centre_client(beilin).get("/hall/screen/?window=5").context["stream_url"] == "/hall/stream/?window=5"
    assert centre_client().get("/hall/stream/").status_code == 404, "not on the platform's own site"
