"""Fixtures for notifications: an SMS file in a temporary folder, a real local HTTP gateway, and
messages written through the outbox service."""
from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest

PHONE = "13812345678"
MASKED = "138****5678"

_keys = itertools.count(1)


def unique_key(prefix: str = "t") -> str:
    return f"test-notifications:{prefix}:{time.monotonic_ns()}:{next(_keys)}"


def wait_until(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


class Gateway:
    """A real HTTP server on 127.0.0.1 (a free port) that records each POST and answers from a queue
    of (status, JSON body); by default 200 with a fresh provider id."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.responses: list[tuple[int, dict]] = []
        self.delay = 0.0
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"null")
                with gateway._lock:
                    gateway.requests.append({"path": self.path, "headers": dict(self.headers), "json": body})
                    number = len(gateway.requests)
                    status, reply = gateway.responses.pop(0) if gateway.responses else (200, {"id": f"gw-{number}"})
                if gateway.delay:
                    time.sleep(gateway.delay)
                data = json.dumps(reply).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout test)
                    pass

            def log_message(self, format, *args):  # noqa: A002
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def sent_to(self) -> list[str]:
        return [r["json"]["to"] for r in self.requests]


@pytest.fixture
def gateway(settings):
    gw = Gateway()
    gw.thread.start()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = gw.url
    settings.SMS_HTTP_TOKEN = "test-token-123"
    settings.SMS_HTTP_TIMEOUT = 3.0
    yield gw
    gw.server.shutdown()
    gw.server.server_close()


@pytest.fixture
def sms_file(settings, tmp_path):
    """SMS_BACKEND=file writing to a not-yet-existing folder; returns a reader of its JSON lines."""
    path = tmp_path / "sms" / "nested" / "outbox.jsonl"
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = path

    class File:
        def __init__(self):
            self.path = path

        def lines(self) -> list[dict]:
            if not path.exists():
                return []
            return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    return File()


@pytest.fixture
def retries(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_RETRY_BASE_SECONDS = 10.0
    return settings


def enqueue(*, to: str = PHONE, key: str | None = None, centre_id=None, language="zh-hans", context=None):
    """A message through the service, with the after-commit task not sent to any broker."""
    from notifications.services import outbox_enqueue
    from notifications.tasks import dispatch_message

    with mock.patch.object(dispatch_message, "delay"):
        return outbox_enqueue(dedupe_key=key or unique_key(), to=to, template_key="case_result_ready",
                              centre_id=centre_id, language=language,
                              context=context or {"number": "610103-20261009-00001", "centre_zh": "碑林区",
                                                  "centre_en": "Beilin District"})
