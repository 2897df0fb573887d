"""The admin: templates editable, the outbox read-only with masked numbers and "retry now"."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from notifications.models import MessageTemplate, OutboxMessage, OutboxStatus
from tests.notifications.conftest import MASKED, PHONE, enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_public(centre_client):
    user = get_user_model().objects.create_superuser(username="notif-admin", password="pw-12345-xyz",
                                                     email="a@example.org")
    return centre_client(None, user)


def test_the_outbox_list_masks_numbers_and_filters_by_status(admin_client_public):
    message = enqueue()
    response = admin_client_public.get("/admin/notifications/outboxmessage/", {"status__exact": "pending"})
    assert response.status_code == 200
    html = response.content.decode()
    assert message.dedupe_key in html and MASKED in html and PHONE not in html
    response = admin_client_public.get("/admin/notifications/outboxmessage/", {"status__exact": "sent"})
    assert message.dedupe_key not in response.content.decode()


def test_an_outbox_message_is_read_only_and_its_page_masks_the_number(admin_client_public):
    message = enqueue()
    response = admin_client_public.get(f"/admin/notifications/outboxmessage/{message.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert MASKED in html and PHONE not in html
    assert 'name="_save"' not in html
    assert admin_client_public.get("/admin/notifications/outboxmessage/add/").status_code == 403
    admin_client_public.post(f"/admin/notifications/outboxmessage/{message.pk}/change/", {"status": "sent"})
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.PENDING


def test_retry_now_makes_a_failed_message_pending_and_due(admin_client_public):
    message = enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.FAILED, next_attempt_at=None, attempts=6)
    response = admin_client_public.post("/admin/notifications/outboxmessage/",
                                        {"action": "retry_now", "_selected_action": [message.pk]}, follow=True)
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.next_attempt_at is not None
    assert "1 message will be sent" in response.content.decode()


def test_a_centre_template_is_edited_in_the_admin(admin_client_public, beilin):
    response = admin_client_public.post("/admin/notifications/messagetemplate/add/", {
        "key": "case_result_ready", "centre": beilin.pk, "body_zh": "碑林 {number}", "body_en": "Beilin {number}"})
    assert response.status_code == 302, response.content.decode()[:2000]
    template = MessageTemplate.objects.get(key="case_result_ready", centre=beilin)
    assert template.body_en == "Beilin {number}"
    html = admin_client_public.get("/admin/notifications/messagetemplate/").content.decode()
    assert "case_result_ready" in html and beilin.name_zh in html
