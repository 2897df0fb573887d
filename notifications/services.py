"""Write messages to the outbox in the caller's transaction; the dispatcher sends them after commit."""
from __future__ import annotations

import logging
from string import Formatter

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from common import crypto
from common.identity import mask_phone, recipient_hmac
from notifications.models import MessageTemplate, OutboxMessage
from notifications.tasks import dispatch_message

logger = logging.getLogger(__name__)

#: The default texts; a centre may override any of them (MessageTemplate with its centre).
DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    "case_result_ready": (
        "【{centre_zh}】您的办件{number}（{item_zh}）已办结，请携带身份证件到{place_zh}领取结果。查询：{lookup_url}",
        "[{centre_en}] Your case {number} ({item_en}) is decided. Please collect the result at {place_en} "
        "with your ID. Progress: {lookup_url}",
    ),
    "deadline_warning": (
        "【电子监察】{level_zh}：办件{number}（{item_zh}）{what_zh}，期限{due}，请及时办理。",
        "[Supervision] {level_zh}: case {number} ({item_zh}) {what_zh}, due {due}. Please act on it.",
    ),
    # delegation (代办): the resident hears of each handover of a proxy filing
    "proxy_received": (
        "【{centre_zh}】代办员{agent}已收到您委托代办的材料，办件{number}（{item_zh}）已提交{centre_zh}。",
        "[{centre_en}] Agent {agent} received your materials; case {number} ({item_en}) is filed with {centre_en}.",
    ),
    "proxy_handed_to_centre": (
        "【{centre_zh}】您委托代办的办件{number}（{item_zh}）的材料已由代办员{agent}交到{centre_zh}。",
        "[{centre_en}] Agent {agent} handed the materials of your case {number} ({item_en}) to {centre_en}.",
    ),
    "proxy_result_received": (
        "【{centre_zh}】您委托代办的办件{number}（{item_zh}）已有办理结果，代办员{agent}已取回，将送到您手中。",
        "[{centre_en}] Your case {number} ({item_en}) has its result (a decision or a refusal); agent {agent} has "
        "collected it and will bring it to you.",
    ),
    "proxy_delivered": (
        "【{centre_zh}】办件{number}（{item_zh}）的结果已由代办员{agent}送达，代办完成。疑问请联系{station_zh}。",
        "[{centre_en}] Agent {agent} delivered the result of case {number} ({item_en}). Questions: {station_en}.",
    ),
    "test_sms": ("【西安政务服务平台】测试短信，发送于{stamp}，无需回复。",
                 "[Xi'an Government Services] Test message sent at {stamp}; no reply needed."),
    # delegation (代办): the resident consents to a proxy filing by reading this code back to the agent
    "proxy_consent_code": (
        "【{station_zh}】验证码{code}：您同意代办员{agent}为您代办事项，请将验证码告诉代办员。{minutes}分钟内有效；"
        "如非本人同意，请勿告知。",
        "[{station_en}] Code {code}: tell it to agent {agent} if you agree that they file for you. Valid "
        "{minutes} minutes; if you did not agree, do not share it.",
    ),
}


def render(*, key: str, centre_id: int | None, language: str, context: dict) -> str:
    """The message `key` in `language` with `context`: the centre's own template, else the platform's,
    else the default text (one query)."""
    template = (MessageTemplate.objects.filter(Q(centre_id=centre_id) | Q(centre__isnull=True), key=key)
                .order_by(F("centre_id").asc(nulls_last=True)).first())
    if template is not None:
        body_zh, body_en = template.body_zh, template.body_en
    else:
        body_zh, body_en = DEFAULT_TEMPLATES[key]
    body = body_en if language.startswith("en") else body_zh
    names = {name for _, name, _, _ in Formatter().parse(body) if name}
    return body.format(**{name: context.get(name, "") for name in names})


def outbox_seal_inserted(*, template_key: str) -> int:
    """Encrypt the recipients of messages a set-based INSERT wrote (the deadline sweep writes its SMS in
    one SQL statement, with the recipient in clear and an empty `to_hmac`): their `to` is rewritten
    encrypted and `to_hmac` filled, in one UPDATE. Each distinct recipient is encrypted once (a token
    opens to the same number whichever message holds it), so 10,000 warnings to 300 staff cost 300
    encryptions. Call it in the inserting transaction, before the dispatcher can read the rows.
    Returns how many messages were sealed."""
    pending = OutboxMessage.objects.filter(template_key=template_key, to_hmac="")
    recipients = sorted(set(pending.values_list("to", flat=True)))  # still clear: read back as they are
    if not recipients:
        return 0
    params: list[str] = []
    for to in recipients:
        params += [to, crypto.encrypt(to), recipient_hmac(to)]
    rows = ", ".join(["(%s, %s, %s)"] * len(recipients))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE notifications_outboxmessage m SET "to" = v.sealed, to_hmac = v.hmac
                  FROM (VALUES {rows}) AS v (clear, sealed, hmac)
                 WHERE m.template_key = %s AND m.to_hmac = '' AND m."to" = v.clear""",  # noqa: S608 - placeholders only
            [*params, template_key])
        return cursor.rowcount


def outbox_enqueue(*, dedupe_key: str, to: str, template_key: str, context: dict, centre_id: int | None = None,
                   language: str = "zh-hans") -> OutboxMessage:
    """Write the message now (in the caller's transaction); dispatch after commit. The same dedupe key
    twice gives the one message written first."""
    message, created = OutboxMessage.objects.get_or_create(dedupe_key=dedupe_key, defaults={
        "centre_id": centre_id, "to": to, "to_hmac": recipient_hmac(to), "language": language,
        "template_key": template_key,
        "body": render(key=template_key, centre_id=centre_id, language=language, context=context),
        "next_attempt_at": timezone.now()})
    if created:
        # robust: a broker outage must not fail a request whose data is committed; beat retries it
        transaction.on_commit(lambda: dispatch_message.delay(message.pk), robust=True)
        logger.info("outbox %s → %s queued", dedupe_key, mask_phone(to))
    return message
