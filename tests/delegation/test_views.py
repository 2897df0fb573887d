"""The agent's workbench and pages, the township clerk's inbox, green channels, the city's reports."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from cases.models import Case
from delegation.choices import HandoverStepKind as Step
from delegation.models import Consent, HandoverStep, ProjectApproval, ProjectProblem, ProxyFiling
from delegation.services import agency_assign, project_problem_resolve
from notifications.models import OutboxMessage
from projects.services import key_project_register
from tenants.choices import Role
from tenants.models import User
from tests.delegation.conftest import VALID_ID, file_for_resident, png_upload

pytestmark = pytest.mark.django_db


def now_minus(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_an_agent_sees_only_their_own_filings(centre_client, nanyuanmen, agent, other_agent, station,
                                              other_station, items):
    mine = file_for_resident(agent, station, items["township"], now=now_minus(1))
    theirs = file_for_resident(other_agent, other_station, items["district"], now=now_minus(1))
    client = centre_client(nanyuanmen, agent)
    page = client.get("/delegation/")
    assert page.status_code == 200
    body = page.content.decode()
    assert mine.case_number in body and theirs.case_number not in body
    assert client.get(f"/delegation/filings/{theirs.pk}/").status_code == 404
    assert client.get(f"/delegation/filings/{mine.pk}/").status_code == 200
    assert client.post(f"/delegation/filings/{theirs.pk}/handover/",
                       {"step": Step.HANDED_TO_CENTRE}).status_code == 404
    assert not HandoverStep.objects.filter(filing=theirs, step=Step.HANDED_TO_CENTRE).exists()
    api = client.get(f"/api/v1/delegation/filings/{theirs.pk}/")
    assert api.status_code == 404
    listed = client.get("/api/v1/delegation/filings/").json()
    assert [f["case_number"] for f in listed["results"]] == [mine.case_number]


def test_only_agents_of_the_township_have_a_workbench(centre_client, beilin, nanyuanmen, agent, make_user):
    assert centre_client(beilin, agent).get("/delegation/").status_code == 404
    stranger = make_user((beilin, Role.WINDOW_CLERK))
    assert centre_client(nanyuanmen, stranger).get("/delegation/").status_code == 404
    clerk = make_user((nanyuanmen, Role.WINDOW_CLERK))
    assert centre_client(nanyuanmen, clerk).get("/delegation/").url == "/delegation/green/"


def _workbench_cost(client, url="/delegation/"):
    with override_settings(ROUTING_CHECK_SECONDS=3600):
        client.get(url)  # warm the routing cache
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
    return response, len(queries)


@pytest.mark.parametrize("view", ["all", "carry", "due", "deliver"])
def test_the_workbench_costs_at_most_5_queries_and_50_kb_whatever_the_number_of_filings(
        centre_client, nanyuanmen, agent, station, items, view):
    client = centre_client(nanyuanmen, agent)
    costs = []
    for total in (2, 45):
        while ProxyFiling.objects.filter(agent=agent).count() < total:
            file_for_resident(agent, station, items["township"], now=now_minus(1))
        response, queries = _workbench_cost(client, f"/delegation/?view={view}")
        assert response.status_code == 200
        costs.append((queries, len(response.content)))
    assert all(q <= 5 for q, _ in costs), costs
    assert costs[0][0] == costs[1][0]
    assert all(size <= 50_000 for _, size in costs), costs
    if view in ("all", "carry"):
        assert response.content.decode().count("<li data-number=") == 20  # one page of 20


def test_a_page_number_past_the_end_shows_the_last_page(centre_client, nanyuanmen, agent, station, items):
    filing = file_for_resident(agent, station, items["township"], now=now_minus(1))
    client = centre_client(nanyuanmen, agent)
    for page in ("3", str(10 ** 22)):
        response = client.get(f"/delegation/?page={page}")
        assert response.status_code == 200
        assert filing.case_number in response.content.decode()


def test_the_workbench_is_a_small_page_without_scripts(centre_client, nanyuanmen, agent, station, items):
    file_for_resident(agent, station, items["township"], now=now_minus(1))
    body = centre_client(nanyuanmen, agent).get("/delegation/").content.decode()
    assert "<script" not in body and "site.css" not in body
    assert 'name="viewport"' in body and 'method="post"' in body


def test_one_tap_logs_the_handover_and_queues_the_sms(centre_client, nanyuanmen, agent, station, items):
    filing = file_for_resident(agent, station, items["township"], now=now_minus(1))
    client = centre_client(nanyuanmen, agent)
    response = client.post(f"/delegation/filings/{filing.pk}/handover/",
                           {"step": Step.HANDED_TO_CENTRE, "next": "/delegation/?view=carry"})
    assert response.status_code == 302 and response.url == "/delegation/?view=carry"
    assert HandoverStep.objects.filter(filing=filing, step=Step.HANDED_TO_CENTRE).exists()
    assert OutboxMessage.objects.filter(dedupe_key=f"proxy:{filing.pk}:{Step.HANDED_TO_CENTRE}").exists()
    again = client.post(f"/delegation/filings/{filing.pk}/handover/",
                        {"step": Step.HANDED_TO_CENTRE, "next": "/delegation/"}, follow=True)
    assert "already logged" in again.content.decode() or "已" in again.content.decode()
    assert HandoverStep.objects.filter(filing=filing).count() == 2


def test_an_agent_files_through_the_form(centre_client, nanyuanmen, beilin, agent, station, items):
    client = centre_client(nanyuanmen, agent)
    pick = client.get("/delegation/new/")
    assert items["township"].code in pick.content.decode()
    search = client.get("/delegation/new/?q=最低生活保障")
    assert items["district"].code in search.content.decode()
    form = client.get(f"/delegation/new/?item_code={items['district'].code}")
    assert form.status_code == 200 and beilin.name in form.content.decode()
    data = {"item_code": items["district"].code, "token": "t-1", "resident_name": "赵六",
            "resident_id_number": VALID_ID, "phone": "13912345678", "consent_method": "fingerprint",
            "consent_given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "consent_evidence": ""}
    missing = client.post("/delegation/new/", {**data, "consent_method": ""})
    assert missing.status_code == 400 and not ProxyFiling.objects.exists()
    data["consent_scan"] = png_upload()
    done = client.post("/delegation/new/", data)
    filing = ProxyFiling.objects.get()
    assert done.status_code == 302 and done.url == f"/delegation/filings/{filing.pk}/"
    assert filing.target_centre == beilin
    # a retry of the same form (same token) does not file twice
    assert client.post("/delegation/new/", {**data, "consent_scan": png_upload()}).status_code == 302
    assert ProxyFiling.objects.count() == 1 and Consent.objects.count() == 1
    assert [m.to for m in OutboxMessage.objects.filter(template_key="proxy_received")] == ["+8613912345678"]


def test_the_township_clerk_sees_the_filing_marked_as_proxy(centre_client, nanyuanmen, agent, station, items,
                                                            township_clerk):
    filing = file_for_resident(agent, station, items["township"], now=now_minus(0))
    body = centre_client(nanyuanmen, township_clerk).get("/cases/?status=all").content.decode()
    row = body[body.index(f'data-number="{filing.case_number}"'):]
    row = row[:row.index("</tr>")]
    assert 'class="badge proxy"' in row and "李四" in row


# --- green channels ---------------------------------------------------------------------------------------

@pytest.fixture
def boilers(beilin, items):
    from delegation.models import GreenChannel, GreenChannelItem

    channel = GreenChannel.objects.create(code="coal-boilers", name_zh="燃煤锅炉改造", name_en="Coal boiler "
                                          "replacement", target_count=119, target_unit_zh="台",
                                          target_unit_en="boilers", starts_on=dt.date(2020, 1, 1))
    GreenChannelItem.objects.create(channel=channel, item=items["district"], promised_cap_days=3, usual_days=10,
                                    waived_materials=["身份证复印件"])
    return channel


def test_a_clerk_files_a_case_on_a_green_channel(centre_client, beilin, boilers, items, clerk, chief):
    from cases.choices import Action
    from cases.services import case_transition

    client = centre_client(beilin, clerk)
    listing = client.get("/delegation/green/").content.decode()
    assert "Coal boiler replacement" in listing and items["district"].code in listing
    code = items["district"].code
    form = client.get(f"/delegation/green/coal-boilers/new/?item_code={code}").content.decode()
    assert "Not asked for on this channel: ID copy" in form
    response = client.post("/delegation/green/coal-boilers/new/", {
        "item_code": code, "applicant_kind": "person", "applicant_name": "锅炉厂", "applicant_id_number": VALID_ID,
        "phone": "13812345678"})
    assert response.status_code == 302
    with tenant_context(beilin):
        connection.set_tenant(beilin)
        case = Case.objects.get()
        assert (case.green_channel, case.promised_cap_days) == ("coal-boilers", 3)
        states = dict(case.materials.values_list("name_zh", "state"))
        assert states["身份证复印件"] == "not_needed" and states["申请表"] == "missing"
        case = case_transition(centre=connection.tenant,
                               case=case, action=Action.ACCEPT, acting_user=clerk, now=now_minus(3))
        assert case.promised_limit_days == 3
        case = case_transition(centre=connection.tenant,
                               case=case, action=Action.START_REVIEW, acting_user=clerk, now=now_minus(2))
        case_transition(centre=connection.tenant, case=case, action=Action.APPROVE, acting_user=chief)


def test_the_same_green_channel_form_sent_twice_files_one_case(centre_client, beilin, boilers, items, clerk):
    import re

    client = centre_client(beilin, clerk)
    code = items["district"].code
    form = client.get(f"/delegation/green/coal-boilers/new/?item_code={code}").content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', form).group(1)
    data = {"item_code": code, "applicant_kind": "person", "applicant_name": "锅炉厂", "applicant_id_number": VALID_ID,
            "phone": "13812345678", "token": token}
    first, again = client.post("/delegation/green/coal-boilers/new/", data), \
        client.post("/delegation/green/coal-boilers/new/", data, follow=True)
    assert first.status_code == 302 and "was already filed from this form" in again.content.decode()
    with tenant_context(beilin):
        assert Case.objects.count() == 1


def test_the_green_channel_report_counts_filed_finished_and_days_used(centre_client, beilin, city, boilers, items,
                                                                      clerk, chief, make_user):
    from cases.choices import Action
    from cases.services import case_transition
    from delegation.selectors import green_channel_report
    from delegation.services import green_channel_case_submit

    with tenant_context(beilin):
        connection.set_tenant(beilin)
        for n in range(3):
            case = green_channel_case_submit(centre=beilin, code="coal-boilers", item_code=items["district"].code,
                                             applicant_kind="person", applicant_name=f"厂{n}",
                                             applicant_id_number=VALID_ID, phone="13812345678", acting_user=clerk,
                                             now=now_minus(30)).case
            if n < 2:
                case = case_transition(centre=connection.tenant,
                                       case=case, action=Action.ACCEPT, acting_user=clerk, now=now_minus(30))
                case = case_transition(centre=connection.tenant,
                                       case=case, action=Action.START_REVIEW, acting_user=clerk, now=now_minus(29))
                case_transition(centre=connection.tenant, case=case, action=Action.APPROVE, acting_user=chief)
    report = green_channel_report(channel=boilers)
    assert (report.filed, report.finished, report.channel.target_count) == (3, 2, 119)
    from workcalendar.clock import WorkCalendar

    expected, _ = WorkCalendar.for_centre(beilin.pk).workdays_between(timezone.localtime(now_minus(30)).date(),
                                                                      timezone.localdate())
    assert report.average_days == expected
    reader = make_user((city, Role.SUPERVISOR))
    page = centre_client(None, reader).get("/delegation/green/coal-boilers/")
    assert page.status_code == 200 and "119" in page.content.decode()
    csv_body = centre_client(None, reader).get("/delegation/green/coal-boilers/?format=csv").content.decode()
    assert items["district"].code in csv_body
    assert centre_client(None, clerk).get("/delegation/green/coal-boilers/").status_code == 404


# --- key projects and coverage --------------------------------------------------------------------------------

def test_the_key_project_report_counts_the_years_work(centre_client, city, beilin, make_user):
    agent = make_user(username="kp-agent")
    project = key_project_register(year=2014, name_zh="地铁四号线", company_name="西安地铁有限公司",
                                   credit_code="91110000600037341L", centre=beilin)
    agency_assign(project=project, agent=agent, level="full", today=dt.date(2014, 3, 1))
    problem = ProjectProblem.objects.create(project=project, problem="用地手续", departments="市国土局",
                                            raised_on=dt.date(2014, 3, 2))
    ProjectProblem.objects.create(project=project, problem="管线迁改", departments="市政",
                                  raised_on=dt.date(2014, 4, 1))
    project_problem_resolve(problem=problem, resolution="协调会解决", today=dt.date(2014, 3, 9))
    ProjectApproval.objects.create(project=project, item_name="建设工程规划许可", finished_on=dt.date(2014, 5, 1))
    reader = make_user((city, Role.SUPERVISOR))
    page = centre_client(None, reader).get("/delegation/key-projects/?year=2014")
    assert page.status_code == 200
    assert page.context["totals"] == {"projects": 1, "problems_solved": 1, "problems_raised": 2,
                                      "approvals_finished": 1}
    csv_body = centre_client(None, reader).get("/delegation/key-projects/report.csv?year=2014").content.decode()
    assert "地铁四号线" in csv_body and "kp-agent" in csv_body
    assert centre_client(None, agent).get("/delegation/key-projects/?year=2014").status_code == 404
    # the project's page: its problem log, for the city's staff and the project's own agent
    detail = centre_client(None, agent).get(f"/delegation/key-projects/{project.pk}/")
    assert detail.status_code == 200 and "协调会解决" in detail.content.decode()
    assert centre_client(None, make_user()).get(f"/delegation/key-projects/{project.pk}/").status_code == 404


def test_the_agency_report_and_page_show_only_the_projects_under_the_agency_service(centre_client, city, beilin,
                                                                                    make_user):
    """The register holds the city's other key projects too (e.g. linked ones): the agency's report counts
    and shows the projects it has a record of, and its project page is theirs."""
    agent = make_user(username="kp-agent-2")
    served = key_project_register(year=2014, name_zh="地铁五号线", company_name="西安地铁有限公司",
                                  credit_code="91110000600037341L", centre=beilin)
    other = key_project_register(year=2014, name_zh="碑林文化街区", company_name="西安地铁有限公司",
                                 credit_code="91110000600037341L", centre=beilin)
    agency_assign(project=served, agent=agent, level="guide", today=dt.date(2014, 3, 1))
    reader = centre_client(None, make_user((city, Role.SUPERVISOR)))
    page = reader.get("/delegation/key-projects/?year=2014")
    assert [p.pk for p in page.context["projects"]] == [served.pk] and page.context["totals"]["projects"] == 1
    detail = reader.get(f"/delegation/key-projects/{served.pk}/").content.decode()
    assert f'data-key-project="{served.pk}"' in detail and "西安地铁有限公司" in detail
    assert reader.get(f"/delegation/key-projects/{other.pk}/").status_code == 404


def test_coverage_is_stations_over_villages_per_township_and_district(centre_client, beilin, nanyuanmen, station,
                                                                      other_station):
    from delegation.models import TownshipDivisions
    from delegation.selectors import coverage_by_district, coverage_by_township

    TownshipDivisions.objects.create(township=nanyuanmen, villages=2, communities=4)
    [row] = [r for r in coverage_by_district() if r.code == beilin.division_code]
    assert (row.village_stations, row.villages, row.community_stations, row.communities) == (1, 2, 1, 4)
    assert (row.village_coverage, row.community_coverage, row.coverage) == (50.0, 25.0, 33.3)
    [township] = coverage_by_township(district=beilin)
    assert township.code == nanyuanmen.division_code and township.coverage == 33.3
    page = centre_client(None).get(f"/delegation/stations/?district={beilin.division_code}")
    assert page.status_code == 200 and "33.3%" in page.content.decode()


def test_the_workbench_speaks_chinese(centre_client, nanyuanmen, agent, station, items, settings):
    file_for_resident(agent, station, items["township"], now=now_minus(1))
    client = centre_client(nanyuanmen, agent)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = client.get("/delegation/").content.decode()
    assert "我的代办" in body and "待交材料" in body and "材料已交中心" in body


def test_the_admin_lists_delegation_records(centre_client, agent, station, items, beilin, db):
    file_for_resident(agent, station, items["township"], now=now_minus(1))
    admin = User.objects.create_superuser(username="deleg-admin", password="pw-12345-xyz")
    client = centre_client(None, admin)
    for model in ("station", "greenchannel", "proxyfiling", "consent", "stationagent"):
        assert client.get(f"/admin/delegation/{model}/").status_code == 200, model
    # a key project's agents, problems and approvals are on the register's page
    project = key_project_register(year=2014, name_zh="地铁六号线", company_name="西安地铁有限公司",
                                   credit_code="91110000600037341L", centre=beilin)
    agency_assign(project=project, agent=agent, level="full", today=dt.date(2014, 3, 1))
    page = client.get(f"/admin/projects/keyproject/{project.pk}/change/")
    assert page.status_code == 200
    assert {"assignments", "problems", "approvals"} <= {f.formset.prefix for f in page.context["inline_admin_formsets"]}
    filing = ProxyFiling.objects.get()
    assert client.get(f"/admin/delegation/proxyfiling/{filing.pk}/change/").status_code == 200


def test_the_green_channel_list_names_the_waived_materials_in_english(centre_client, beilin, boilers, clerk):
    client = centre_client(beilin, clerk)
    english = client.get("/delegation/green/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "ID copy" in english and "身份证复印件" not in english
    chinese = client.get("/delegation/green/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "身份证复印件" in chinese


def test_waived_materials_are_listed_in_the_readers_language(centre_client, beilin, boilers, items, clerk):
    """Two waived materials read "Application form, ID copy" in English (they were joined with 、), and
    "申请表、身份证复印件" in Chinese, on the channels' list and on the case form."""
    from delegation.models import GreenChannelItem

    GreenChannelItem.objects.filter(channel=boilers).update(waived_materials=["申请表", "身份证复印件"])
    client = centre_client(beilin, clerk)
    form = f"/delegation/green/coal-boilers/new/?item_code={items['district'].code}"
    for url in ("/delegation/green/", form):
        english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Application form, ID copy" in english and "、" not in english
        assert "申请表、身份证复印件" in client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
