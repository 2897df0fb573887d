"""Issue 14, the village agent's own journey: the agent lands on the workbench after signing in, sees
every item they may file for grouped by level; delivering the result to the resident is the collection
(by proxy, the agent named); an agent whose post ended can no longer act, and their open filings pass
on (the station's next agent, else the township's clerks, then a newly posted agent), each hand-over in
the audit log."""
from __future__ import annotations

import re

import pytest
from django.test import Client

from cases import door
from cases.choices import Action, CaseStatus
from cases.models import Case, CaseEvent
from common.errors import ApplicationError, ConflictError
from delegation.choices import HandoverStepKind as Step
from delegation.error_codes import DelegationErrorCode
from delegation.models import HandoverStep, ProxyFiling, StationAgent
from delegation.services import handover_log, station_agent_assign, station_agent_end
from registry.models import RegistryEntry
from tenants.choices import AuditKind, Role
from tenants.models import AuditEvent
from tests.conftest import host_of
from tests.delegation.conftest import PHONE, at, file_for_resident

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345-xyz"  # make_user's


def sign_in(centre, username: str):
    client = Client(HTTP_HOST=host_of(centre))
    return client, client.post("/accounts/login/", {"username": username, "password": PASSWORD})


# --- item 3: the agent's home and the items grouped by level --------------------------------------------

def test_an_agent_who_signs_in_lands_on_the_workbench(nanyuanmen, agent):
    client, response = sign_in(nanyuanmen, agent.username)
    assert response.status_code == 302 and response["Location"] == "/delegation/"
    assert "My filings" in client.get(response["Location"]).content.decode()


def test_a_clerk_still_lands_on_the_centre_home(nanyuanmen, township_clerk, make_user, station):
    _client, response = sign_in(nanyuanmen, township_clerk.username)
    assert response.status_code == 302 and response["Location"] == "/"
    # an agent who is also staff of the township keeps the desktop home
    both = make_user((nanyuanmen, Role.WINDOW_CLERK), username="agent-and-clerk")
    station_agent_assign(user=both, station=station, acting_user=None)
    assert sign_in(nanyuanmen, both.username)[1]["Location"] == "/"
    # a page that asked for the sign-in still wins
    client = Client(HTTP_HOST=host_of(nanyuanmen))
    asked = client.post("/accounts/login/?next=/delegation/new/", {"username": "agent-and-clerk",
                                                                   "password": PASSWORD})
    assert asked["Location"] == "/delegation/new/"


def _groups(body: str) -> dict[str, str]:
    return {level: section for level, section in
            re.findall(r'<section class="level" data-level="(\w+)">(.*?)</section>', body, re.S)}


def test_the_new_filing_page_lists_every_item_grouped_by_level(centre_client, nanyuanmen, agent, items):
    client = centre_client(nanyuanmen, agent)
    groups = _groups(client.get("/delegation/new/").content.decode())
    assert list(groups) == ["township", "district", "city"]
    assert items["township"].code in groups["township"]
    # each item once, under the level that handles it (where the filing goes)
    assert items["district"].code in groups["district"] and items["district"].code not in groups["city"]
    assert items["city"].code in groups["city"]
    assert items["township"].code not in groups["district"] + groups["city"]
    # the search still narrows, within the same groups
    found = _groups(client.get("/delegation/new/", {"q": "出入境"}).content.decode())
    assert list(found) == ["city"] and items["city"].code in found["city"]
    assert "No item matches." in client.get("/delegation/new/", {"q": "没有这样的事项"}).content.decode()


# --- item 6: delivered is collected ---------------------------------------------------------------------

def _result_ready(filing, clerk, chief, when):
    centre = filing.target_centre
    for action, user in [(Action.ACCEPT, clerk), (Action.START_REVIEW, clerk), (Action.APPROVE, chief),
                         (Action.RESULT_READY, clerk)]:
        door.case_step(centre=centre, case_id=filing.case_id, action=action, acting_user=user, now=when)


def _case(centre, case_id):
    from django_tenants.utils import tenant_context

    with tenant_context(centre):
        case = Case.objects.get(pk=case_id)
        events = list(CaseEvent.objects.filter(case_id=case_id).order_by("at", "pk"))
    return case, events


@pytest.fixture
def chief(make_user, nanyuanmen):
    return make_user((nanyuanmen, Role.CHIEF_REPRESENTATIVE), username="chief-nym")


def test_delivering_the_result_is_its_collection_by_proxy_with_the_agent_named(
        agent, station, items, nanyuanmen, township_clerk, chief, centre_client):
    filing = file_for_resident(agent, station, items["township"])
    handover_log(filing=filing, step=Step.HANDED_TO_CENTRE, acting_user=agent, now=at(2026, 9, 29))
    _result_ready(filing, township_clerk, chief, at(2026, 9, 30))
    handover_log(filing=filing, step=Step.RESULT_RECEIVED, acting_user=agent, now=at(2026, 10, 8))
    handover_log(filing=filing, step=Step.DELIVERED_TO_RESIDENT, acting_user=agent, now=at(2026, 10, 9))

    case, events = _case(nanyuanmen, filing.case_id)
    assert case.status == CaseStatus.COLLECTED and case.closed_at == at(2026, 10, 9)
    collected = events[-1]
    assert (collected.action, collected.acting_user_id, collected.acting_name) == ("collect", agent.pk, "王代办")
    assert "代办员 王代办" in collected.note and "代为取件" in collected.note and station.name_zh in collected.note
    assert RegistryEntry.objects.get(case_id=filing.case_id).status == CaseStatus.COLLECTED

    # the public progress: collected, by the agent, not "awaiting collection"
    public = Client(HTTP_HOST=host_of(nanyuanmen), HTTP_ACCEPT_LANGUAGE="en")
    page = public.post("/progress/", {"number": filing.case_number, "factor": PHONE[-4:]}).content.decode()
    current = re.search(r'class="progress-status status-(\w+)">([^<]+)', page)
    assert current.groups() == ("collected", "Collected")
    assert "<b>Collected</b> · by proxy: agent 王代办 (Nanyuanmen Village 1 Station)" in page

    # the workbench shows it collected too
    row = centre_client(nanyuanmen, agent).get("/delegation/").content.decode()
    assert "Collected" in row and "Result ready to collect" not in row

    # a clerk clicking "collected" afterwards, from the page they had open, is told it is already done
    response = centre_client(nanyuanmen, township_clerk).post(
        f"/cases/{filing.case_id}/", {"action": "collect", "revision": case.revision - 1}, follow=True)
    body = response.content.decode()
    assert "already “Collected”" in body and "王代办" in body
    assert len([e for e in _case(nanyuanmen, filing.case_id)[1] if e.action == "collect"]) == 1


def test_a_result_the_centre_has_not_marked_ready_cannot_be_delivered_yet(
        agent, station, items, nanyuanmen, township_clerk, chief):
    filing = file_for_resident(agent, station, items["township"])
    handover_log(filing=filing, step=Step.HANDED_TO_CENTRE, acting_user=agent, now=at(2026, 9, 29))
    for action, user in [(Action.ACCEPT, township_clerk), (Action.START_REVIEW, township_clerk),
                         (Action.APPROVE, chief)]:
        door.case_step(centre=nanyuanmen, case_id=filing.case_id, action=action, acting_user=user,
                       now=at(2026, 9, 30))
    handover_log(filing=filing, step=Step.RESULT_RECEIVED, acting_user=agent, now=at(2026, 10, 8))
    with pytest.raises(ApplicationError) as refused:
        handover_log(filing=filing, step=Step.DELIVERED_TO_RESIDENT, acting_user=agent, now=at(2026, 10, 9))
    assert "not marked the result" in str(refused.value) and refused.value.http_status == 409
    assert _case(nanyuanmen, filing.case_id)[0].status == CaseStatus.APPROVED
    assert not HandoverStep.objects.filter(filing=filing, step=Step.DELIVERED_TO_RESIDENT).exists()


def test_a_result_a_clerk_already_marked_collected_is_delivered_without_a_second_collection(
        agent, station, items, nanyuanmen, township_clerk, chief):
    filing = file_for_resident(agent, station, items["township"])
    handover_log(filing=filing, step=Step.HANDED_TO_CENTRE, acting_user=agent, now=at(2026, 9, 29))
    _result_ready(filing, township_clerk, chief, at(2026, 9, 30))
    door.case_step(centre=nanyuanmen, case_id=filing.case_id, action=Action.COLLECT, acting_user=township_clerk,
                   now=at(2026, 10, 8))  # handed to the agent at the counter
    handover_log(filing=filing, step=Step.RESULT_RECEIVED, acting_user=agent, now=at(2026, 10, 8, 11))
    handover_log(filing=filing, step=Step.DELIVERED_TO_RESIDENT, acting_user=agent, now=at(2026, 10, 9))
    events = _case(nanyuanmen, filing.case_id)[1]
    assert [e.acting_user_id for e in events if e.action == "collect"] == [township_clerk.pk]


# --- item 8: agents come and go ---------------------------------------------------------------------------

def _audit(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind).order_by("at", "pk"))


def test_when_a_post_ends_the_agent_cannot_act_and_open_filings_pass_to_the_stations_next_agent(
        agent, station, items, nanyuanmen, make_user, centre_client, township_clerk, chief):
    colleague = make_user(username="agent-c")
    colleague.full_name = "赵接手"
    colleague.save(update_fields=["full_name"])
    station_agent_assign(user=colleague, station=station, acting_user=None)
    open_filing = file_for_resident(agent, station, items["township"])
    done = file_for_resident(agent, station, items["township"], id_number="110101199003071233")
    handover_log(filing=done, step=Step.HANDED_TO_CENTRE, acting_user=agent, now=at(2026, 9, 29))
    _result_ready(done, township_clerk, chief, at(2026, 9, 30))
    handover_log(filing=done, step=Step.RESULT_RECEIVED, acting_user=agent, now=at(2026, 10, 8))
    handover_log(filing=done, step=Step.DELIVERED_TO_RESIDENT, acting_user=agent, now=at(2026, 10, 9))

    admin = make_user((None, Role.PLATFORM_ADMIN), username="platform-admin")
    post = StationAgent.objects.get(user=agent, station=station)
    station_agent_end(post=post, acting_user=admin, now=at(2026, 10, 10))

    assert ProxyFiling.objects.get(pk=open_filing.pk).agent == colleague  # the open one passed on
    assert ProxyFiling.objects.get(pk=done.pk).agent == agent  # the delivered one stays in the agent's record
    [ended] = _audit(AuditKind.AGENT_POST_ENDED)
    assert (ended.actor, ended.target_label, ended.centre) == (admin, "王代办", nanyuanmen)
    [passed] = _audit(AuditKind.PROXY_FILING_PASSED)
    assert (passed.target_label, passed.before, passed.after) == (
        open_filing.case_number, {"holder": "王代办"}, {"holder": "赵接手"})

    # the old agent can act on nothing: handover, new filing, the workbench
    with pytest.raises(ApplicationError) as refused:
        handover_log(filing=open_filing, step=Step.HANDED_TO_CENTRE, acting_user=agent, now=at(2026, 10, 11))
    assert refused.value.code == DelegationErrorCode.POST_ENDED and "ended" in str(refused.value)
    client = centre_client(nanyuanmen, agent)
    tapped = client.post(f"/delegation/filings/{open_filing.pk}/handover/", {"step": Step.HANDED_TO_CENTRE},
                         follow=True)
    assert "Your post as the agent of" in tapped.content.decode() and "has ended" in tapped.content.decode()
    api = client.post(f"/api/v1/delegation/filings/{open_filing.pk}/handover/", {"step": Step.HANDED_TO_CENTRE},
                      content_type="application/json")
    assert api.status_code == 403 and api.json()["code"] == DelegationErrorCode.POST_ENDED
    bench = client.get("/delegation/")
    assert bench.status_code == 403 and "Your post has ended" in bench.content.decode()
    with pytest.raises(ApplicationError) as no_filing:
        file_for_resident(agent, station, items["township"], id_number="110101199003071233")
    assert no_filing.value.code == DelegationErrorCode.POST_ENDED
    assert not HandoverStep.objects.filter(filing=open_filing, step=Step.HANDED_TO_CENTRE).exists()

    # the colleague carries it on
    handover_log(filing=open_filing, step=Step.HANDED_TO_CENTRE, acting_user=colleague, now=at(2026, 10, 11))
    assert open_filing.case_number in centre_client(nanyuanmen, colleague).get("/delegation/").content.decode()
    with pytest.raises(ConflictError):
        station_agent_end(post=post, acting_user=admin)  # ended once


def test_with_no_other_agent_the_township_clerks_carry_the_filings_until_a_new_agent_is_posted(
        agent, station, items, nanyuanmen, make_user, centre_client, township_clerk):
    filing = file_for_resident(agent, station, items["district"])
    station_agent_end(post=StationAgent.objects.get(user=agent), acting_user=None, now=at(2026, 10, 1))
    assert ProxyFiling.objects.get(pk=filing.pk).agent is None

    # the township clerk's queue shows it, and the clerk may carry it a step
    clerk = centre_client(nanyuanmen, township_clerk)
    assert clerk.get("/delegation/").url == "/delegation/held/"
    queue = clerk.get("/delegation/held/").content.decode()
    assert f'data-number="{filing.case_number}"' in queue and "Materials handed to the centre" in queue
    clerk.post(f"/delegation/filings/{filing.pk}/handover/", {"step": Step.HANDED_TO_CENTRE,
                                                               "next": "/delegation/held/"})
    assert HandoverStep.objects.get(filing=filing, step=Step.HANDED_TO_CENTRE).by == township_clerk
    # a clerk of another centre does not see it
    stranger = make_user((filing.target_centre, Role.WINDOW_CLERK), username="clerk-beilin")
    assert centre_client(nanyuanmen, stranger).get("/delegation/held/").status_code == 404

    # a new agent is posted: the filing passes to them
    newcomer = make_user(username="agent-new")
    station_agent_assign(user=newcomer, station=station, acting_user=None, now=at(2026, 10, 5))
    assert ProxyFiling.objects.get(pk=filing.pk).agent == newcomer
    assert f'data-number="{filing.case_number}"' not in clerk.get("/delegation/held/").content.decode()
    assert [(e.before, e.after) for e in _audit(AuditKind.PROXY_FILING_PASSED)] == [
        ({"holder": "王代办"}, {"holder": f"the clerks of {nanyuanmen.name_en}"}),
        ({"holder": f"the clerks of {nanyuanmen.name_en}"}, {"holder": "agent-new"})]
    assert filing.case_number in centre_client(nanyuanmen, newcomer).get("/delegation/").content.decode()


def test_ending_a_post_from_the_admin_passes_the_filings_on(agent, station, items, centre_client):
    from django.contrib.auth import get_user_model

    filing = file_for_resident(agent, station, items["township"])
    superuser = get_user_model().objects.create_superuser(username="deleg-admin", password=PASSWORD,
                                                          email="a@example.org")
    admin = centre_client(None, superuser)
    post = StationAgent.objects.get(user=agent)
    response = admin.post(f"/admin/delegation/stationagent/{post.pk}/change/",
                          {"user": agent.pk, "station": station.pk})  # "active" unticked
    assert response.status_code == 302
    post.refresh_from_db()
    assert not post.active and post.ended_at is not None
    assert ProxyFiling.objects.get(pk=filing.pk).agent is None
    assert len(_audit(AuditKind.PROXY_FILING_PASSED)) == 1

    # the list's action does the same for a second agent's post
    station_agent_assign(user=agent, station=station, acting_user=None)
    assert ProxyFiling.objects.get(pk=filing.pk).agent == agent
    listed = admin.post("/admin/delegation/stationagent/", {"action": "end_posts", "_selected_action": [post.pk]},
                        follow=True)
    assert "1 post ended." in listed.content.decode()
    assert ProxyFiling.objects.get(pk=filing.pk).agent is None


@pytest.mark.parametrize("action", ["deactivate", "revoke"])
def test_an_agent_deactivated_or_losing_the_role_on_the_staff_page_leaves_the_post(
        action, agent, station, items, nanyuanmen, make_user, centre_client, township_clerk):
    filing = file_for_resident(agent, station, items["township"])
    admin = make_user((nanyuanmen, Role.CENTRE_ADMIN), username="admin-nym")
    if action == "revoke":  # the agent's only role is not revoked (they would be out of reach): a second one
        from tenants.services import membership_grant

        membership_grant(user=agent, centre=nanyuanmen, role=Role.WINDOW_CLERK, acting_user=None)
    form = {"action": action} if action == "deactivate" else {"action": "revoke", "role": Role.VILLAGE_AGENT}
    response = centre_client(nanyuanmen, admin).post(f"/staff/{agent.pk}/", form)
    assert response.status_code == 302

    post = StationAgent.objects.get(user=agent, station=station)
    assert not post.active and post.ended_at is not None
    assert ProxyFiling.objects.get(pk=filing.pk).agent is None  # the township's clerks carry it now
    [ended] = _audit(AuditKind.AGENT_POST_ENDED)
    assert ended.actor == admin
    assert len(_audit(AuditKind.PROXY_FILING_PASSED)) == 1
    queue = centre_client(nanyuanmen, township_clerk).get("/delegation/held/").content.decode()
    assert f'data-number="{filing.case_number}"' in queue


def test_the_result_sms_names_the_agent_who_holds_the_filing_now(
        agent, station, items, nanyuanmen, make_user, township_clerk, chief):
    from notifications.models import OutboxMessage

    colleague = make_user(username="agent-sms-next")
    colleague.full_name = "赵接手"
    colleague.save(update_fields=["full_name"])
    station_agent_assign(user=colleague, station=station, acting_user=None)
    filing = file_for_resident(agent, station, items["township"])
    station_agent_end(post=StationAgent.objects.get(user=agent, station=station), acting_user=None,
                      now=at(2026, 9, 29))
    handover_log(filing=filing, step=Step.HANDED_TO_CENTRE, acting_user=colleague, now=at(2026, 9, 29))
    _result_ready(filing, township_clerk, chief, at(2026, 9, 30))

    [sms] = OutboxMessage.objects.filter(template_key="case_result_ready_proxy",
                                         dedupe_key__contains=str(filing.case_id))
    assert "代办员赵接手" in sms.body and "王代办" not in sms.body


def test_an_agent_working_in_english_is_named_in_chinese_in_the_residents_sms_and_the_cases_history(
        agent, station, items, nanyuanmen):
    """Texts kept or sent froze the language of whoever acted: a Chinese SMS to the resident read
    "代办员Nanyuanmen village agent" (a tester's find). They carry the name as written."""
    from django.utils import translation

    from notifications.models import OutboxMessage

    agent.full_name_en = "Wang Daiban"
    agent.save(update_fields=["full_name_en"])
    with translation.override("en"):
        filing = file_for_resident(agent, station, items["township"])
    [sms] = OutboxMessage.objects.filter(template_key="proxy_received", dedupe_key__contains=str(filing.pk))
    assert "代办员王代办" in sms.body and "Wang Daiban" not in sms.body
    events = _case(nanyuanmen, filing.case_id)[1]
    assert {e.acting_name for e in events if e.acting_user_id == agent.pk} == {"王代办"}
