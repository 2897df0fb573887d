"""Check an SMS gateway: `manage.py send_test_sms --to 13812345678 [--backend file|console|http]`.

Enqueues one message through the outbox (`outbox_enqueue`, as the services do) and dispatches it
at once (`message_send`), then prints its status. The message's task is also queued after commit;
the dispatcher's exactly-once guarantee means it is sent once whichever process takes it first.
"""
from __future__ import annotations

import re
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from common.identity import mask_phone
from notifications.backends import BACKENDS, get_backend
from notifications.dispatch import message_send
from notifications.models import MessageTemplate, OutboxStatus
from notifications.services import DEFAULT_TEMPLATES, outbox_enqueue

TEMPLATE_KEY = "test_sms"
TEMPLATE_TEXTS = ("【西安政务服务平台】测试短信，发送于{stamp}，无需回复。",
                  "[Xi'an Government Services] Test message sent at {stamp}; no reply needed.")


class Command(BaseCommand):
    help = "Enqueue and send one test SMS to check the gateway / 发送一条测试短信以检查短信通道"

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help="mobile number, e.g. 13812345678")
        parser.add_argument("--backend", choices=sorted(BACKENDS), default=None,
                            help="backend for this message (default: settings.SMS_BACKEND)")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args, **options):
        to = re.sub(r"[\s-]", "", options["to"])
        if not re.fullmatch(r"(\+?86)?1\d{10}", to):
            raise CommandError("--to: expected a mainland mobile number (11 digits starting with 1)")
        backend = get_backend(options["backend"])
        if TEMPLATE_KEY not in DEFAULT_TEMPLATES:
            # Until notifications.services.DEFAULT_TEMPLATES has it: an editable default in the admin.
            MessageTemplate.objects.get_or_create(key=TEMPLATE_KEY, centre=None, defaults={
                "body_zh": TEMPLATE_TEXTS[0], "body_en": TEMPLATE_TEXTS[1]})
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
        message = None
        try:
            with transaction.atomic():
                message = outbox_enqueue(dedupe_key=f"test:{uuid.uuid4().hex}", to=to, template_key=TEMPLATE_KEY,
                                         context={"stamp": stamp}, language=options["language"])
        except Exception as exc:  # the row is committed; only queuing its task (the broker) failed
            if message is None:
                raise
            self.stderr.write(f"Task not queued ({exc.__class__.__name__}); sending from here.")
        status = message_send(message_id=message.pk, backend=backend)
        message.refresh_from_db()
        line = f"{message.dedupe_key} → {mask_phone(to)} via {backend.name}: {message.get_status_display()}"
        if message.status == OutboxStatus.SENT:
            self.stdout.write(self.style.SUCCESS(f"{line} (provider id: {message.provider_id or '-'})"))
        elif status == OutboxStatus.SENDING:
            self.stdout.write(f"{line}: a worker took it first; see the outbox in the admin.")
        else:
            raise CommandError(f"{line}: {message.last_error}")
