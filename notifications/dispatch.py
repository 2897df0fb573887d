"""The outbox dispatcher (发件箱投递): sends what `outbox_enqueue` wrote, once, with retries and backoff.

`message_send` is what the `notifications.dispatch_message` task (queued after commit) and the
"outbox-dispatch-due" beat entry (every 30 s, retries and anything whose task was lost) call.

Delivery is **exactly-once** as long as the process that took a message lives to record the
result: the row is locked (`select_for_update(skip_locked=True)`), marked `sending` and committed
*before* the backend is called, so no second worker can take it. If a worker dies between the
backend's call and the commit of its result, the message stays `sending`; after
`OUTBOX_SENDING_STALE_SECONDS` (300) `outbox_dispatch_due` puts it back to `pending` and it is sent
again: **at-least-once** in that crash window only, at most one message per worker process (the one it
was sending; a gateway can de-duplicate on the `id` it is given, the message's id). Shown with a real
worker killed mid-send: tests/faults/test_worker_killed.py.

Log lines never show a full phone number (`mask_phone`).
"""
from __future__ import annotations

import datetime as dt
import logging
import re

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from common.identity import mask_phone
from notifications.backends import SendError, SmsBackend, get_backend
from notifications.models import OutboxMessage, OutboxStatus
from notifications.tasks import dispatch_message

logger = logging.getLogger(__name__)


def sending_stale_after() -> dt.timedelta:
    """A message `sending` for longer than this (settings.OUTBOX_SENDING_STALE_SECONDS) was taken by a worker
    that died mid-send. Longer than the slowest gateway call (SMS_HTTP_TIMEOUT), or a slow send is sent twice."""
    return dt.timedelta(seconds=float(settings.OUTBOX_SENDING_STALE_SECONDS))

_PHONE_LIKE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1\d{2}[- ]?\d{4}[- ]?\d{4}(?!\d)")


def retry_delay(*, attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: base × 2^(attempts−1)."""
    return dt.timedelta(seconds=float(settings.OUTBOX_RETRY_BASE_SECONDS) * 2 ** max(attempts - 1, 0))


def _masked_error(error: str, to: str) -> str:
    """An error text fit for the database and the log: numbers masked, short."""
    if to:
        error = error.replace(to, mask_phone(to))
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), error)[:500]


def _due(now: dt.datetime) -> Q:
    return Q(status=OutboxStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def message_send(*, message_id: int, now: dt.datetime | None = None, backend: SmsBackend | None = None) -> str:
    """Send one outbox message if it is pending and due; return its status afterwards.

    Exactly-once (see the module's docstring: at-least-once only if the worker dies mid-send): the
    row is taken under `select_for_update(skip_locked=True)` and committed as `sending` before the
    backend is called, outside any transaction. Success → `sent` (sent_at, provider_id); failure →
    `pending` again with attempts + 1 and next_attempt_at = now + base × 2^(attempts−1), or `failed`
    once OUTBOX_MAX_ATTEMPTS attempts have failed; last_error keeps the (masked) reason.

    Call it outside a transaction: inside one, "committed before sending" cannot hold.
    A message that is not pending, not yet due, or locked by another worker is left alone.
    """
    return _send(message_id=message_id, now=now or timezone.now(), backend=backend)[0]


def _send(*, message_id: int, now: dt.datetime, backend: SmsBackend | None) -> tuple[str, bool]:
    """message_send's work; also says whether *this* call sent the message (for counting)."""
    with transaction.atomic():
        message = (OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(_due(now), pk=message_id).first())
        if message is None:
            status = OutboxMessage.objects.filter(pk=message_id).values_list("status", flat=True).first()
            logger.debug("outbox %s not taken (status %s)", message_id, status)
            return status or "", False
        message.status = OutboxStatus.SENDING
        message.save(update_fields=["status", "updated_at"])

    backend = backend or get_backend()
    attempts = message.attempts + 1
    try:
        provider_id = backend.send(to=message.to, text=message.body, message_id=str(message.pk))
    except Exception as exc:  # a failing backend must not leave the message `sending`
        reason = str(exc) if isinstance(exc, SendError) else f"{exc.__class__.__name__}: {exc}"
        error = _masked_error(reason, message.to)
        if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            status, next_attempt_at = OutboxStatus.FAILED, None
        else:
            status, next_attempt_at = OutboxStatus.PENDING, now + retry_delay(attempts=attempts)
        OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
            status=status, attempts=F("attempts") + 1, next_attempt_at=next_attempt_at, last_error=error,
            updated_at=timezone.now())
        log = logger.error if status == OutboxStatus.FAILED else logger.warning
        log("outbox %s to %s via %s: attempt %s failed (%s); %s", message.dedupe_key, mask_phone(message.to),
            backend.name, attempts, error,
            "giving up" if status == OutboxStatus.FAILED else f"next attempt at {next_attempt_at:%Y-%m-%d %H:%M:%S}")
        return status, False

    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.SENT, attempts=F("attempts") + 1, sent_at=timezone.now(),
        provider_id=(provider_id or "")[:100], last_error="", next_attempt_at=None, updated_at=timezone.now())
    logger.info("outbox %s to %s sent via %s (attempt %s)", message.dedupe_key, mask_phone(message.to),
                backend.name, attempts)
    return OutboxStatus.SENT, True


def outbox_requeue_stale(*, now: dt.datetime | None = None) -> int:
    """Messages `sending` for longer than `sending_stale_after()` (their worker died) back to `pending`."""
    now = now or timezone.now()
    stale = now - sending_stale_after()
    count = OutboxMessage.objects.filter(status=OutboxStatus.SENDING, updated_at__lt=stale).update(
        status=OutboxStatus.PENDING, next_attempt_at=now, updated_at=now,
        last_error="requeued: the worker sending it stopped")
    if count:
        logger.warning("outbox: %s message(s) stuck in sending put back to pending", count)
    return count


def outbox_dispatch_due(*, limit: int = 500, now: dt.datetime | None = None) -> int:
    """Send every pending message that is due (oldest first, at most `limit`), after putting stale
    `sending` messages back; return how many were sent. The beat entry "outbox-dispatch-due" runs it."""
    now = now or timezone.now()
    outbox_requeue_stale(now=now)
    ids = list(OutboxMessage.objects.filter(_due(now)).order_by(F("next_attempt_at").asc(nulls_first=True), "pk")
               .values_list("pk", flat=True)[:limit])
    backend = get_backend() if ids else None
    sent = sum(_send(message_id=pk, now=now, backend=backend)[1] for pk in ids)
    if ids:
        logger.info("outbox: %s of %s due message(s) sent", sent, len(ids))
    return sent


def outbox_retry_now(*, message_ids: list[int], now: dt.datetime | None = None) -> int:
    """Make pending or failed messages due now (the admin's "retry now") and queue their dispatch after
    commit; a failed message gets one more attempt. Returns how many were made due."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(OutboxMessage.objects.select_for_update()
                   .filter(pk__in=message_ids, status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED])
                   .values_list("pk", flat=True))
        OutboxMessage.objects.filter(pk__in=ids).update(status=OutboxStatus.PENDING, next_attempt_at=now,
                                                        updated_at=now)

        def queue() -> None:
            for pk in ids:
                dispatch_message.delay(pk)

        # If the broker is down the beat entry still picks them up within a minute.
        transaction.on_commit(queue, robust=True)
    return len(ids)
