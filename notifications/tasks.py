"""Celery tasks of the outbox. The outbox is a public table: a task sent from inside a centre runs in
that centre's schema and still finds it; the beat sweep runs in public. The dispatcher itself lives in
notifications.dispatch, which queues these tasks: a task imports it when it runs."""
from celery import shared_task


@shared_task(name="notifications.dispatch_message")
def dispatch_message(message_id: int) -> str:
    from notifications.dispatch import message_send

    return message_send(message_id=message_id)


@shared_task(name="notifications.dispatch_due")
def dispatch_due() -> int:
    from notifications.dispatch import outbox_dispatch_due

    return outbox_dispatch_due()
