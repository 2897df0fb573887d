"""Write messages to the outbox in the caller's transaction; the dispatcher sends them after commit."""
from __future__ import annotations

import logging
from string import Formatter
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import crypto
from common.identity import mask_phone, recipient_hmac
from notifications.models import MessageTemplate, OutboxMessage
from notifications.tasks import dispatch_message

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

#: The default texts; a centre may override any of them (MessageTemplate with its centre). Each key has a
#: description and sample values below (TEMPLATE_DESCRIPTIONS, SAMPLE_CONTEXT) for the preview page.
DEFAULT_TEMPLATES: dict[str, tuple[str, str]] = {
    # the applicant (办件申请人) hears of each milestone; {lookup_url} is absolute (tenants.addresses)
    "case_accepted": (
        "【{centre_zh}】您的办件{number}（{item_zh}）已受理，承诺{due}前办结。查询进度：{lookup_url}"
        "（输入办件号和证件号码或手机号后四位）",
        "[{centre_en}] Your application {number} ({item_en}) is accepted and promised by {due}. Follow it at "
        "{lookup_url} with the case number and the last four digits of your ID number or mobile.",
    ),
    "case_notice": (
        "【{centre_zh}】您的办件{number}（{item_zh}）需补正以下材料：{missing_zh}。请一次补齐，补齐前办理时限暂停。"
        "查询：{lookup_url}",
        "[{centre_en}] Case {number} ({item_en}) needs these missing materials: {missing_en}. Please provide them "
        "all at once; the time limit is paused until you do. Progress: {lookup_url}",
    ),
    "case_result_ready": (
        "【{centre_zh}】您的办件{number}（{item_zh}）已办结，请携带身份证件到{place_zh}领取结果。查询：{lookup_url}",
        "[{centre_en}] Your case {number} ({item_en}) is decided. Please collect the result at {place_en} "
        "with your ID. Progress: {lookup_url}",
    ),
    "case_result_ready_online": (
        "【{centre_zh}】您网上申请的办件{number}（{item_zh}）已办结，办理结果可在线查询：{lookup_url}"
        "（输入办件号和证件号码或手机号后四位）；纸质结果请携带身份证件到{place_zh}领取。",
        "[{centre_en}] Your online application {number} ({item_en}) is decided. See the decision at {lookup_url} "
        "(case number and the last four digits of your ID number or mobile); collect the paper result at "
        "{place_en} with your ID.",
    ),
    "case_result_ready_proxy": (
        "【{centre_zh}】您委托代办的办件{number}（{item_zh}）已办结，代办员{agent_zh}将取回结果并送到您手中，"
        "无需本人前往。查询：{lookup_url}",
        "[{centre_en}] Your case {number} ({item_en}), filed for you by agent {agent_en}, is decided. "
        "{agent_en} will bring the result to you: no need to come in person. Progress: {lookup_url}",
    ),
    "deadline_warning": (
        "【电子监察】{level_zh}：办件{number}（{item_zh}）{what_zh}，期限{due}，请及时办理。",
        "[Supervision] {level_en}: case {number} ({item_en}) {what_en}, due {due}. Please act on it.",
    ),
    # supervision's follow-up sweep (督办): a bad review's late rectification step, a late answer
    "rectification_overdue": (
        "【电子监察】督办提醒：办件{number}（{item_zh}）的差评{step_zh}已超期（期限{due}），请督促整改。",
        "[Supervision] Follow-up: the {step_en} for the bad review of case {number} ({item_en}) is overdue "
        "(due {due}). Please see to it.",
    ),
    "inquiry_overdue": (
        "【电子监察】督办提醒：{kind_zh}“{subject}”（{number}）答复已超期（期限{due}），请督促答复。",
        "[Supervision] Follow-up: the answer to the {kind_en} “{subject}” ({number}) is overdue (due {due}). "
        "Please see that it is answered.",
    ),
    # the online service hall (网上办事大厅): the answer to a question asked from an account
    "inquiry_answered": (
        "【{centre_zh}】您的{kind_zh}“{subject}”已答复，请登录网上办事大厅“我的咨询”查看：{question_url}",
        "[{centre_en}] Your {kind_en} “{subject}” has been answered. Sign in to the online service hall to read "
        "it under “My questions”: {question_url}",
    ),
    # delegation (代办): the resident hears of each handover of a proxy filing
    "proxy_received": (
        "【{centre_zh}】代办员{agent_zh}已收到您委托代办的材料，办件{number}（{item_zh}）已提交{centre_zh}。",
        "[{centre_en}] Agent {agent_en} received your materials; case {number} ({item_en}) is filed with {centre_en}.",
    ),
    "proxy_handed_to_centre": (
        "【{centre_zh}】您委托代办的办件{number}（{item_zh}）的材料已由代办员{agent_zh}交到{centre_zh}。",
        "[{centre_en}] Agent {agent_en} handed the materials of your case {number} ({item_en}) to {centre_en}.",
    ),
    "proxy_result_received": (
        "【{centre_zh}】您委托代办的办件{number}（{item_zh}）已有办理结果，代办员{agent_zh}已取回，将送到您手中。",
        "[{centre_en}] Your case {number} ({item_en}) has its result (a decision or a refusal); agent {agent_en} has "
        "collected it and will bring it to you.",
    ),
    "proxy_delivered": (
        "【{centre_zh}】办件{number}（{item_zh}）的结果已由代办员{agent_zh}送达，代办完成。疑问请联系{station_zh}。",
        "[{centre_en}] Agent {agent_en} delivered the result of case {number} ({item_en}). Questions: {station_en}.",
    ),
    # joint approvals (联办): the joint case accepted (one SMS for all its legs), every leg decided
    "joint_accepted": (
        "【{centre_zh}】您的联办件{number}（{title_zh}）已受理，{legs}个事项同时办理，承诺{due}前全部办结。"
        "查询进度：{lookup_url} （输入联办件号和证件号码或手机号后四位）",
        "[{centre_en}] Your joint case {number} ({title_en}) is accepted: its {legs} items are handled at the same "
        "time, all promised by {due}. Follow it at {lookup_url} with the joint case number and the last four "
        "digits of your ID number or mobile.",
    ),
    "joint_completed": (
        "【{centre_zh}】您的联办件{number}（{title_zh}）的{legs}个事项已全部办结，各事项结果及领取方式请查询：{lookup_url}",
        "[{centre_en}] All {legs} items of your joint case {number} ({title_en}) are decided. Each item's result "
        "and where to collect it: {lookup_url}",
    ),
    # supervision's long-wait sweep (电子监察): people waiting in a centre's hall too long, once per sweep
    "hall_long_wait": (
        "【电子监察】大厅排队提醒：{centre_zh}有{count}位群众等候叫号已超过{minutes}分钟（最早为{ticket}号，"
        "已等{longest}分钟），请及时增开窗口或调配人员。",
        "[Supervision] Hall: {count} people at {centre_en} have waited over {minutes} minutes to be called "
        "(the first, ticket {ticket}, for {longest} minutes). Please open more windows or move staff.",
    ),
    "test_sms": ("【西安政务服务平台】测试短信，发送于{stamp}，无需回复。",
                 "[Xi'an Government Services] Test message sent at {stamp}; no reply needed."),
    # delegation (代办): the resident consents to a proxy filing by reading this code back to the agent
    "proxy_consent_code": (
        "【{station_zh}】验证码{code}：您同意代办员{agent_zh}为您代办事项，请将验证码告诉代办员。{minutes}分钟内有效；"
        "如非本人同意，请勿告知。",
        "[{station_en}] Code {code}: tell it to agent {agent_en} if you agree that they file for you. Valid "
        "{minutes} minutes; if you did not agree, do not share it.",
    ),
    # the online service hall (网上办事大厅): the sign-in code
    "portal_sign_in_code": (
        "【西安政务服务网】登录验证码{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信，切勿告诉他人。",
        "[Xi'an Government Services Online] Sign-in code {code}, valid {minutes} minutes. If you did not ask for "
        "it, ignore this message and never tell it to anyone.",
    ),
    # the hall (大厅): a ticket's holder near their turn, appointments (预约) and the SMS code of a phone
    "hall_near_turn": (
        "【{centre_zh}】您的{ticket}号前面还有{ahead}位，请回到大厅等候叫号。排队情况：{url}",
        "[{centre_en}] {ahead} people are ahead of ticket {ticket}. Please come back to the hall to be called. "
        "Your place: {url}",
    ),
    "hall_appointment_booked": (
        "【{centre_zh}】您已预约{slot}办理{item_zh}，预约码{code}。请按时到大厅取号机凭预约码或身份证取号。"
        "取消或改约：{url}",
        "[{centre_en}] You have an appointment on {slot} for {item_en}, code {code}. Check in at the hall's kiosk "
        "with the code or your ID. Cancel or move it: {url}",
    ),
    "hall_appointment_reminder": (
        "【{centre_zh}】提醒：您预约了{slot}办理{item_zh}，预约码{code}。请按时到大厅取号；不能前来请取消：{url}",
        "[{centre_en}] Reminder: your appointment on {slot} for {item_en}, code {code}. Please come on time, or "
        "cancel it: {url}",
    ),
    "hall_appointment_moved": (
        "【{centre_zh}】您的预约（预约码{code}，{item_zh}）已改到{slot}。{reason}如需再改或取消：{url}",
        "[{centre_en}] Your appointment (code {code}, {item_en}) is now on {slot}. {reason} To move or cancel "
        "it: {url}",
    ),
    "hall_appointment_cancelled": (
        "【{centre_zh}】您的预约（预约码{code}，{slot}，{item_zh}）已取消。{reason}重新预约：{url}",
        "[{centre_en}] Your appointment (code {code}, {slot}, {item_en}) is cancelled. {reason} Book again: {url}",
    ),
    "hall_phone_code": (
        "【{centre_zh}】验证码{code}，用于取号或预约，{minutes}分钟内有效。如非本人操作，请忽略。",
        "[{centre_en}] Code {code} to take a ticket or book an appointment; valid {minutes} minutes. If it was "
        "not you, ignore it.",
    ),
}


#: What each message is for, shown beside it on the preview page (a key without one shows its key).
TEMPLATE_DESCRIPTIONS: dict[str, StrOrPromise] = {
    "case_accepted": _("To the applicant when the case is accepted: its number, the promised date and how to "
                       "follow it online."),
    "case_notice": _("To the applicant with a one-time notice: every missing material, by name."),
    "case_result_ready": _("To the applicant when the result is ready, for a case filed at the window: where to "
                           "collect it."),
    "case_result_ready_online": _("To the applicant when the result is ready, for a case filed online: where to "
                                  "see the decision and collect the paper result."),
    "case_result_ready_proxy": _("To the resident when the result is ready, for a proxy filing: their agent "
                                 "brings it."),
    "deadline_warning": _("To the responsible clerk and the chief representatives when a case nears or passes "
                          "its deadline."),
    "rectification_overdue": _("To the centre's supervisors when a bad review's callback or rectification report "
                               "is late."),
    "inquiry_overdue": _("To the centre's supervisors when the answer to a complaint, a consultation or a "
                         "letter to the director is late."),
    "inquiry_answered": _("To the applicant who asked from their account in the online service hall when their "
                          "complaint, consultation or letter to the director is answered."),
    "proxy_received": _("To the resident when their agent has received the materials and filed the case."),
    "proxy_handed_to_centre": _("To the resident when their agent has handed the materials to the centre."),
    "proxy_result_received": _("To the resident when their agent has collected the result."),
    "proxy_delivered": _("To the resident when their agent has delivered the result."),
    "joint_accepted": _("To the applicant when a joint case (joint approval) is accepted: its number, the "
                        "promised date of all its items and how to follow it online."),
    "joint_completed": _("To the applicant when every item of a joint case (joint approval) is decided: "
                         "where to see each item's result."),
    "proxy_consent_code": _("To the resident when a village agent asks for consent to file for them: the code "
                            "the resident reads back to the agent."),
    "hall_long_wait": _("To the centre's chief representatives when people in the hall have waited over 30 "
                        "minutes to be called (at most one message a sweep for each centre)."),
    "hall_near_turn": _("To a ticket's holder who left a mobile, when three people are ahead of them."),
    "hall_appointment_booked": _("To the applicant when an appointment is booked: the slot, the item and the "
                                 "code to check in with."),
    "hall_appointment_reminder": _("To the applicant the working day before an appointment."),
    "hall_appointment_moved": _("To the applicant when an appointment is moved (by them, by a clerk, or "
                                "because the centre closes that day)."),
    "hall_appointment_cancelled": _("To the applicant when an appointment is cancelled."),
    "portal_sign_in_code": _("To a mobile signing in to the online service hall: the code (no password)."),
    "hall_phone_code": _("To a mobile asking to take a ticket on a phone or to book online: the code."),
    "test_sms": _("A test message an operator sends to check the SMS gateway."),
}

#: Sample values of every placeholder, in both languages (the preview page renders each template with them).
SAMPLE_CONTEXT: dict[str, str] = {
    "centre_zh": "碑林区政务服务中心", "centre_en": "Beilin District Government Service Centre",
    "number": "610103-20261009-00001", "item_zh": "食品经营许可", "item_en": "Food business licence",
    "place_zh": "碑林区政务服务中心 5 号窗口", "place_en": "Beilin District Government Service Centre, window 5",
    "due": "2026-10-21", "missing_zh": "营业执照复印件、法定代表人身份证明",
    "missing_en": "Copy of the business licence; proof of the legal representative's identity",
    "agent_zh": "王建国", "agent_en": "Wang Jianguo", "agent": "王建国",
    "station_zh": "南院门社区便民服务站", "station_en": "Nanyuanmen Community Service Station",
    "level_zh": "黄色预警", "what_zh": "临近承诺办结期限", "level_en": "Yellow warning",
    "what_en": "nears its promised deadline",
    "step_zh": "回访", "step_en": "callback", "kind_zh": "投诉", "kind_en": "complaint", "subject": "窗口排队时间过长",
    "stamp": "2026-10-09 10:00", "at": "2026-10-09 10:00",
    "title_zh": "新建商品住宅项目联合审批", "title_en": "Joint approval of a new housing project", "legs": "5",
    "code": "382915", "minutes": "10",
    "ticket": "A023", "ahead": "3", "url": "http://beilin.localhost:8000/hall/t/kX2…/",
    "question_url": "http://localhost:8000/online/questions/12/",
    "slot": "2026-10-12 09:30–10:00", "queue": "A", "reason": "", "count": "4", "longest": "42",
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
