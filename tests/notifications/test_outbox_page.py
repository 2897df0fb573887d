"""The platform's outbox page: every text message newest first, numbers masked, platform administrators only."""
from __future__ import annotations

import pytest

from notifications.models import OutboxMessage, OutboxStatus
from tenants.choices import Role
from tests.notifications.conftest import MASKED, PHONE, enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_client(centre_client, make_user):
    return centre_client(None, make_user((None, Role.PLATFORM_ADMIN), username="outbox-admin"))


def test_the_outbox_lists_a_queued_sms_masked_with_its_centre_and_text(platform_client, beilin):
    message = enqueue(centre_id=beilin.pk)

    response = platform_client.get("/outbox/")

    assert response.status_code == 200
    html = response.content.decode()
    assert MASKED in html and PHONE not in html
    assert "case_result_ready" in html and beilin.name_en in html
    assert message.body[:20] in html
    assert 'data-status="pending"' in html


def test_the_text_is_masked_too_should_a_number_be_in_it(platform_client):
    message = enqueue(to="13900001111", context={"number": f"回电 {PHONE}", "centre_zh": "碑林区",
                                                 "centre_en": "Beilin"})
    assert PHONE in message.body
    html = platform_client.get("/outbox/").content.decode()
    assert "139****1111" in html and "13900001111" not in html and PHONE not in html


def test_newest_first_and_filtered_by_status(platform_client):
    older, newer = enqueue(key="outbox-older"), enqueue(key="outbox-newer")
    OutboxMessage.objects.filter(pk=older.pk).update(status=OutboxStatus.SENT)
    older_text = "older-body-marker"
    OutboxMessage.objects.filter(pk=older.pk).update(body=older_text)
    OutboxMessage.objects.filter(pk=newer.pk).update(body="newer-body-marker")

    html = platform_client.get("/outbox/").content.decode()
    assert html.index("newer-body-marker") < html.index(older_text)

    sent = platform_client.get("/outbox/", {"status": "sent"}).content.decode()
    assert older_text in sent and "newer-body-marker" not in sent


def test_only_platform_admins_see_the_outbox(centre_client, clerk, beilin, platform_client):
    enqueue()
    assert centre_client(None).get("/outbox/")["Location"].startswith("/accounts/login/")
    assert centre_client(None, clerk).get("/outbox/").status_code == 404
    assert "/outbox/" not in centre_client(None, clerk).get("/").content.decode()
    assert 'href="/outbox/"' in platform_client.get("/").content.decode()


def test_a_centre_host_has_no_outbox(centre_client, beilin, make_user):
    admin = make_user((None, Role.PLATFORM_ADMIN), username="outbox-admin-2")
    assert centre_client(beilin, admin).get("/outbox/").status_code == 404


def test_the_outbox_page_speaks_chinese(platform_client):
    enqueue()
    html = platform_client.get("/outbox/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "短信发件箱" in html and "1 条短信" in html and "全部状态" in html
