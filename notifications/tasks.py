"""Celery tasks of the outbox. The outbox is a public table: a task sent from inside a centre runs in
that centre's schema and still finds it; the beat sweep runs in public. The dispatcher itself lives in
notifications.dispatch."""
from celery import shared_task

from notifications.dispatch import message_send, outbox_dispatch_due


@shared_task(name="notifications.dispatch_message")
def dispatch_message(message_id: int) -> str:
    return message_send(message_id=message_id)


@shared_task(name="notifications.dispatch_due")
def dispatch_due() -> int:
    return outbox_dispatch_due()
