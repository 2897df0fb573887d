"""SMS backends (短信通道): who actually delivers an outbox message, chosen by settings.SMS_BACKEND.

- `console`: writes the message to the log with every phone number and ID number in it masked — the
  recipient's in any form (`+8613812345678`, `13812345678`) and any other mobile or resident ID number a
  template put in the text (development);
- `file`: appends one JSON line per message to settings.SMS_FILE_PATH (the delivery record, so the
  full number is in the file; never in a log line);
- `http`: a generic gateway: POST {to, text, id} as JSON with a bearer token; 2xx is sent (the
  provider's id from the reply's `id`), anything else is a SendError.

A backend's `send()` returns the provider's message id ("" when there is none) or raises SendError
with a short message that names neither the number nor the token.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from common.identity import mask_numbers_in, mask_phone

logger = logging.getLogger(__name__)


class SendError(Exception):
    """A message could not be delivered (this time); the dispatcher retries it with backoff."""


class SmsBackend(Protocol):
    name: str

    def send(self, *, to: str, text: str, message_id: str) -> str: ...


class ConsoleBackend:
    """Logs the message (number masked): for development and demos."""

    name = "console"

    def send(self, *, to: str, text: str, message_id: str) -> str:
        logger.info("SMS %s to %s: %s", message_id, mask_phone(to), mask_numbers_in(text, to=to))
        return ""


class FileBackend:
    """Appends `{"id", "to", "text", "at"}` as one JSON line to settings.SMS_FILE_PATH."""

    name = "file"
    _lock = threading.Lock()

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, *, to: str, text: str, message_id: str) -> str:
        line = json.dumps({"id": message_id, "to": to, "text": text,
                           "at": dt.datetime.now(dt.UTC).isoformat()}, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self.path.open("a", encoding="utf-8") as out:
                out.write(line)
        except OSError as exc:
            raise SendError(f"cannot write the SMS file: {exc.strerror or exc.__class__.__name__}") from exc
        logger.info("SMS %s to %s written to %s", message_id, mask_phone(to), self.path)
        return ""


class HttpBackend:
    """A generic HTTP gateway: `POST url` with `{"to", "text", "id"}` and `Authorization: Bearer <token>`."""

    name = "http"

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float | None = None) -> None:
        self.url = settings.SMS_HTTP_URL if url is None else url
        self.token = settings.SMS_HTTP_TOKEN if token is None else token
        self.timeout = float(settings.SMS_HTTP_TIMEOUT if timeout is None else timeout)

    def send(self, *, to: str, text: str, message_id: str) -> str:
        if not self.url.lower().startswith(("http://", "https://")):
            raise SendError("SMS_HTTP_URL is not an http(s) URL")
        body = json.dumps({"to": to, "text": text, "id": message_id}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (scheme checked)
                status, reply = response.status, response.read(65536)
        except urllib.error.HTTPError as exc:
            raise SendError(f"gateway answered HTTP {exc.code}") from exc
        except urllib.error.URLError as exc:
            reason = exc.reason if isinstance(exc.reason, str) else exc.reason.__class__.__name__
            raise SendError(f"gateway unreachable: {reason}") from exc
        except TimeoutError as exc:
            raise SendError(f"gateway timed out after {self.timeout:g}s") from exc
        except OSError as exc:
            raise SendError(f"gateway connection failed: {exc.__class__.__name__}") from exc
        if not 200 <= status < 300:
            raise SendError(f"gateway answered HTTP {status}")
        provider_id = ""
        try:
            data = json.loads(reply or b"null")
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("id") not in (None, ""):
            provider_id = str(data["id"])[:100]
        logger.info("SMS %s to %s accepted by the gateway (%s)", message_id, mask_phone(to), provider_id or "no id")
        return provider_id


BACKENDS: dict[str, type[ConsoleBackend] | type[FileBackend] | type[HttpBackend]] = {
    "console": ConsoleBackend, "file": FileBackend, "http": HttpBackend}


def get_backend(name: str | None = None) -> SmsBackend:
    """The backend called `name`, by default settings.SMS_BACKEND."""
    name = (name or settings.SMS_BACKEND or "console").strip().lower()
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ImproperlyConfigured(
            f"SMS_BACKEND={name!r}: expected one of {', '.join(sorted(BACKENDS))}") from None
