"""Writing to the outbox: once per dedupe key, only if the transaction commits, in the centre's
own words (its template overrides the default) and language."""
from __future__ import annotations

import pytest
from django.db import transaction

from notifications.dispatch import outbox_dispatch_due
from notifications.models import MessageTemplate, OutboxMessage
from notifications.services import outbox_enqueue
from tests.notifications.conftest import PHONE, unique_key

pytestmark = pytest.mark.django_db

CONTEXT = {"centre_zh": "碑林区", "centre_en": "Beilin District", "number": "610103-20261009-00001",
           "item_zh": "食品经营许可", "item_en": "Food business licence", "place_zh": "碑林区 5 号窗口",
           "place_en": "Beilin District, window 5", "lookup_url": "/progress/"}


def enqueue(key, *, centre_id=None, language="zh-hans", to=PHONE, context=CONTEXT):
    return outbox_enqueue(dedupe_key=key, to=to, template_key="case_result_ready", centre_id=centre_id,
                          language=language, context=context)


def test_the_same_dedupe_key_twice_gives_one_message_and_one_dispatch(django_capture_on_commit_callbacks):
    key = unique_key()
    with django_capture_on_commit_callbacks() as callbacks:
        first = enqueue(key)
        second = enqueue(key, to="13900001111", context={**CONTEXT, "number": "OTHER"})
    assert second.pk == first.pk
    assert OutboxMessage.objects.filter(dedupe_key=key).count() == 1
    assert OutboxMessage.objects.get(dedupe_key=key).to == PHONE
    assert "OTHER" not in OutboxMessage.objects.get(dedupe_key=key).body
    assert len(callbacks) == 1


def test_a_message_written_in_a_transaction_that_rolls_back_is_never_sent(sms_file,
                                                                          django_capture_on_commit_callbacks):
    key = unique_key()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue(key)
            assert OutboxMessage.objects.filter(dedupe_key=key).exists()
            raise RuntimeError("the case change failed")
    assert callbacks == []
    assert not OutboxMessage.objects.filter(dedupe_key=key).exists()
    assert outbox_dispatch_due() == 0
    assert sms_file.lines() == []


def test_a_committed_message_queues_its_dispatch(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        enqueue(unique_key())
    assert len(callbacks) == 1


def test_with_no_template_row_the_built_in_default_is_used_in_both_languages(beilin):
    zh = enqueue(unique_key(), centre_id=beilin.pk)
    en = enqueue(unique_key(), centre_id=beilin.pk, language="en")
    assert zh.body.startswith("【碑林区】您的办件610103-20261009-00001（食品经营许可）已办结")
    assert en.body.startswith("[Beilin District] Your case 610103-20261009-00001 (Food business licence) is decided")


def test_a_centres_template_overrides_the_default_in_chinese_and_english(beilin, yanta):
    MessageTemplate.objects.create(key="case_result_ready", centre=None, body_zh="默认：{number}已办结",
                                   body_en="Default: {number} is decided")
    MessageTemplate.objects.create(key="case_result_ready", centre=beilin, body_zh="碑林：{number}请到{place_zh}领取",
                                   body_en="Beilin: collect {number} at {place_en}")

    assert enqueue(unique_key(), centre_id=beilin.pk).body == "碑林：610103-20261009-00001请到碑林区 5 号窗口领取"
    assert enqueue(unique_key(), centre_id=beilin.pk, language="en").body == (
        "Beilin: collect 610103-20261009-00001 at Beilin District, window 5")
    # another centre, and a message of no centre, get the platform's default row
    assert enqueue(unique_key(), centre_id=yanta.pk).body == "默认：610103-20261009-00001已办结"
    assert enqueue(unique_key(), centre_id=yanta.pk, language="en").body == "Default: 610103-20261009-00001 is decided"
    assert enqueue(unique_key(), language="en").body == "Default: 610103-20261009-00001 is decided"


def test_a_placeholder_missing_from_the_context_renders_empty(beilin):
    MessageTemplate.objects.create(key="case_result_ready", centre=beilin, body_zh="{number}{unknown}", body_en="x")
    assert enqueue(unique_key(), centre_id=beilin.pk).body == "610103-20261009-00001"
