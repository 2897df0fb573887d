"""What the applicant is told by SMS: at acceptance, at a one-time notice, and when the result is ready (in
the words of the channel the case came in by), each with the absolute address of the centre's progress
lookup."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from cases import hooks
from cases.choices import Action
from cases.models import CaseMaterial
from cases.services import case_submit, case_transition
from notifications.models import OutboxMessage
from tenants.choices import Role
from tests.cases.conftest import VALID_ID

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 9, 28, 10, tzinfo=SH)


@pytest.fixture
def progress_url(settings):
    """The configured address of the platform (as in production: https, a port of its own)."""
    settings.PLATFORM_SCHEME, settings.PLATFORM_PORT = "https", "8443"
    return f"https://beilin.{settings.PLATFORM_DOMAIN}:8443/progress/"


def submit(user, channel="window"):
    return case_submit(centre=connection.tenant, item_code="610100SC-XK-0001", applicant_kind="person",
                       applicant_name="张三", applicant_id_number=VALID_ID, phone="13812345678", channel=channel,
                       acting_user=user, now=NOW).case


def run(case, *steps):
    for action, user in steps:
        case = case_transition(centre=connection.tenant, case=case, action=action, acting_user=user, now=NOW)
    return case


def to_result(case, clerk, chief):
    return run(case, (Action.ACCEPT, clerk), (Action.START_REVIEW, clerk), (Action.APPROVE, chief),
               (Action.RESULT_READY, clerk))


def sms(case, template_key: str) -> OutboxMessage:
    return OutboxMessage.objects.get(dedupe_key__startswith=f"case:{case.id}:", template_key=template_key)


def test_acceptance_tells_the_number_the_promised_date_and_how_to_follow_it(in_beilin, item, clerk, progress_url):
    case = run(submit(clerk), (Action.ACCEPT, clerk))

    message = sms(case, "case_accepted")
    assert message.to == "+8613812345678"
    # promised 8 working days from Mon 28 Sep 2026 across National Day → 14 Oct (tests/cases/test_lifecycle.py)
    assert case.number in message.body and "2026-10-14" in message.body
    assert progress_url in message.body and "后四位" in message.body  # the absolute link and the lookup rule
    assert f"{progress_url}?number={case.number}" in message.body  # the lookup opens with the number filled in


def test_a_one_time_notice_names_every_missing_material(in_beilin, item, clerk, progress_url):
    case = run(submit(clerk), (Action.ACCEPT, clerk))
    missing = list(CaseMaterial.objects.filter(case=case).exclude(state=CaseMaterial.State.NOT_NEEDED))
    assert len(missing) == 2
    case_transition(centre=connection.tenant, case=case, action=Action.ISSUE_NOTICE, acting_user=clerk, now=NOW,
                    missing_material_ids=[m.material_id for m in missing])

    body = sms(case, "case_notice").body
    assert "申请书" in body and "场所平面图" in body and "营业执照" not in body  # not needed for a person
    assert case.number in body and progress_url in body


def test_a_window_case_is_collected_at_its_window_with_an_absolute_link(in_beilin, item, clerk, chief,
                                                                         progress_url):
    case = to_result(submit(clerk), clerk, chief)

    body = sms(case, "case_result_ready").body
    assert "5 号窗口" in body and "身份证件" in body
    assert f"查询：{progress_url}" in body and "：/progress/" not in body


def test_an_online_case_is_seen_online_and_its_paper_collected(in_beilin, item, clerk, chief, progress_url):
    case = to_result(submit(None, channel="online"), clerk, chief)

    body = sms(case, "case_result_ready_online").body
    assert "网上申请" in body and progress_url in body and "5 号窗口" in body
    assert not OutboxMessage.objects.filter(template_key="case_result_ready").exists()


def test_a_proxy_resident_hears_their_agent_brings_it_not_to_come_in_person(in_beilin, item, clerk, chief,
                                                                            nanyuanmen, make_user, progress_url):
    agent = make_user((nanyuanmen, Role.VILLAGE_AGENT), username="agent-sms")
    agent.full_name = "王建国"
    agent.save(update_fields=["full_name"])
    case = to_result(submit(agent, channel="proxy"), clerk, chief)

    body = sms(case, "case_result_ready_proxy").body
    assert "代办员王建国" in body and "送到您手中" in body and progress_url in body
    assert "携带身份证件" not in body and "窗口" not in body  # nobody is sent to the window


def test_a_listener_names_the_agent_who_carries_the_result_now(in_beilin, item, clerk, chief, nanyuanmen,
                                                               make_user):
    """A filing handed on to the station's next agent: delegation names them through the hook."""
    agent = make_user((nanyuanmen, Role.VILLAGE_AGENT), username="agent-sms-2")

    def next_agent(carrier: hooks.ProxyCarrier) -> None:
        carrier.name_zh, carrier.name_en = "李接班", "Li Jieban"

    hooks.proxy_carrier.connect(next_agent)
    try:
        case = to_result(submit(agent, channel="proxy"), clerk, chief)
    finally:
        hooks.proxy_carrier.disconnect(next_agent)
    assert "代办员李接班" in sms(case, "case_result_ready_proxy").body


def test_the_link_leaves_out_a_default_port_and_follows_the_configured_domain(in_beilin, item, clerk, settings):
    settings.PLATFORM_SCHEME, settings.PLATFORM_PORT, settings.PLATFORM_DOMAIN = "https", "443", "zwfw.xa.gov.cn"
    case = run(submit(clerk), (Action.ACCEPT, clerk))
    assert "https://beilin.zwfw.xa.gov.cn/progress/" in sms(case, "case_accepted").body
