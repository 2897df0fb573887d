"""`send_test_sms`: one message enqueued and sent through the chosen backend."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notifications.models import OutboxMessage
from tests.notifications.conftest import MASKED, PHONE

pytestmark = pytest.mark.django_db


def test_send_test_sms_through_the_file_backend(settings, sms_file):
    settings.SMS_BACKEND = "console"  # --backend wins over the setting
    out = StringIO()
    call_command("send_test_sms", "--to", PHONE, "--backend", "file", stdout=out)
    [line] = sms_file.lines()
    assert line["to"] == PHONE and "测试短信" in line["text"]
    message = OutboxMessage.objects.get(pk=int(line["id"]))
    assert message.status == "sent" and message.dedupe_key.startswith("test:")
    assert MASKED in out.getvalue() and PHONE not in out.getvalue()


def test_send_test_sms_reports_a_gateway_failure(gateway):
    gateway.responses.append((500, {}))
    with pytest.raises(CommandError, match="HTTP 500"):
        call_command("send_test_sms", "--to", PHONE, "--language", "en", stdout=StringIO())
    assert gateway.requests[0]["json"]["text"].startswith("[Xi'an Government Services] Test message")


def test_send_test_sms_refuses_a_malformed_number():
    with pytest.raises(CommandError, match="mobile number"):
        call_command("send_test_sms", "--to", "12345")
