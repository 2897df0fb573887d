"""The hall's live stream inside one web process: ONE background thread holds its own psycopg connection
(not Django's: it stays open for the process's life and never carries a request's queries), LISTENs on
`hall.events.CHANNEL` and hands each event to the subscribers of its centre's schema — the open
server-sent-event streams of the screens (大厅显示屏) and pads of that centre (hall.views_screen).

- Started lazily by the first `subscribe()`; a daemon thread, so a process ends without waiting for it.
- A notification is sent by PostgreSQL when the event's transaction commits, never for one rolled back.
- If the connection drops (a restart of PostgreSQL, a terminated backend) the thread reconnects by itself
  (0.5 s, 1 s, … up to 10 s apart) and marks every subscriber `resync`: what was committed while nobody
  listened is read from the `HallEvent` rows after the last id a stream sent. A subscriber whose queue
  overflows (`MAX_QUEUED` events not taken) is marked `resync` the same way.
- A subscriber waits on its own condition; stream threads hold no database connection while waiting.

Payload (hall.events): `{"schema": <centre schema>, "event": {"id", "kind", "at", ...}}`.
"""
from __future__ import annotations

import json
import logging
import threading
from collections import deque
from typing import Any

import psycopg
from django.db import connections

from hall.events import CHANNEL

logger = logging.getLogger(__name__)

#: Events kept for a subscriber that does not take them; past this it is told to resync from the rows.
MAX_QUEUED = 500
#: How long the listener waits for a notification before checking its connection is alive (seconds).
POLL_SECONDS = 5.0
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 10.0


def connect_params() -> dict[str, Any]:
    """psycopg connection keywords for settings.DATABASES["default"] (its name, user, host, port and
    options, the embedded server's socket found as Django finds it), computed on a wrapper of our own:
    Django's connection of this thread is never used or opened. Through a transaction pooler, PostgreSQL
    itself (the entry's `DIRECT`, from DATABASE_DIRECT_URL): a LISTEN needs a server connection of its own."""
    wrapper = connections.create_connection("default")
    params = wrapper.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    params.update(wrapper.settings_dict.get("DIRECT") or {})
    params.setdefault("connect_timeout", 10)
    params["application_name"] = "govservice hall stream"
    return params


class Subscription:
    """One stream's mailbox: the events of its centre, in the order their transactions committed.
    `take(timeout)` returns (events, resync): `resync` True when some may have been missed (the listener
    reconnected, or this mailbox overflowed) and the caller must read the rows after its last id."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._events: deque[dict] = deque()
        self._resync = False
        self._ready = threading.Condition()

    def put(self, event: dict) -> None:
        with self._ready:
            if len(self._events) >= MAX_QUEUED:
                self._events.clear()
                self._resync = True
            else:
                self._events.append(event)
            self._ready.notify_all()

    def mark_resync(self) -> None:
        with self._ready:
            self._resync = True
            self._ready.notify_all()

    def take(self, timeout: float) -> tuple[list[dict], bool]:
        """Wait at most `timeout` seconds for something; return what came and whether to resync."""
        with self._ready:
            if not self._events and not self._resync:
                self._ready.wait(timeout)
            events, resync = list(self._events), self._resync
            self._events.clear()
            self._resync = False
            return events, resync


class Broadcaster:
    """The process's listener (one instance: `broadcaster`). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscription]] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.listening = threading.Event()  # set while LISTEN is in effect
        self.connections_made = 0  # how many times the listener (re)connected
        self.backend_pid: int | None = None  # the listener's PostgreSQL backend (tests terminate it)

    # --- subscribers ---------------------------------------------------------------------------
    def subscribe(self, schema: str, *, wait: float = 5.0) -> Subscription:
        """A mailbox for `schema`'s events, the listener started if it is not running; waits up to `wait`
        seconds for the LISTEN to be in effect (a stream reads the rows after subscribing, so an event
        committed in between is in one or the other). Not listening by then: the mailbox is marked
        `resync` and is caught up when the listener connects."""
        subscription = Subscription(schema)
        with self._lock:
            self._subscribers.setdefault(schema, set()).add(subscription)
            self._ensure_running()
        if not self.listening.wait(wait):
            subscription.mark_resync()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            group = self._subscribers.get(subscription.schema)
            if group is not None:
                group.discard(subscription)
                if not group:
                    del self._subscribers[subscription.schema]

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(group) for group in self._subscribers.values())

    def _all(self) -> list[Subscription]:
        with self._lock:
            return [s for group in self._subscribers.values() for s in group]

    def dispatch(self, payload: str) -> None:
        """Hand one notification's event to the subscribers of its schema (a bad payload is logged)."""
        try:
            message = json.loads(payload)
            schema, event = message["schema"], message["event"]
        except (ValueError, KeyError, TypeError):
            logger.warning("hall stream: a notification that is not an event: %.200s", payload)
            return
        with self._lock:
            targets = list(self._subscribers.get(schema, ()))
        for subscription in targets:
            subscription.put(event)

    # --- the listener thread -------------------------------------------------------------------
    def _ensure_running(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="hall-stream-listener", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the listener (tests; a process simply exits)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        backoff = BACKOFF_FIRST
        while not self._stop.is_set():
            try:
                with psycopg.connect(**connect_params(), autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.backend_pid = conn.info.backend_pid
                    self.connections_made += 1
                    if self.connections_made > 1:
                        logger.info("hall stream: listening again; streams catch up from the rows")
                        for subscription in self._all():
                            subscription.mark_resync()
                    self.listening.set()
                    backoff = BACKOFF_FIRST
                    while not self._stop.is_set():
                        for notify in conn.notifies(timeout=POLL_SECONDS):
                            self.dispatch(notify.payload)
                            if self._stop.is_set():
                                break
                        conn.execute("SELECT 1")  # a dead connection raises here at the latest
            except (psycopg.Error, OSError) as error:
                self.listening.clear()
                for subscription in self._all():
                    subscription.mark_resync()
                if self._stop.is_set():
                    break
                logger.warning("hall stream: the listening connection failed (%s); again in %.1f s",
                               str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
                               backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
            except Exception:  # a bug must not silence every screen of the process for good
                self.listening.clear()
                logger.exception("hall stream: the listener failed; restarting it")
                for subscription in self._all():
                    subscription.mark_resync()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
        self.listening.clear()


#: This process's broadcaster.
broadcaster = Broadcaster()
