"""Issue 14, a township posts its own village agents: the stations page (/delegation/stations/ on the
township's host) lists its stations with the agent in post; its administrators post one of the township's
people or a new one (temporary password shown once), who then lands on the workbench and files; ending a
post there passes the agent's open filings on. The village agent's role is not granted on /staff/."""
from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.utils import timezone

from delegation.models import ProxyFiling, Station, StationAgent
from delegation.services import station_agent_end, station_create
from tenants.choices import AuditKind, Role
from tenants.models import AuditEvent, Membership, User
from tests.conftest import host_of
from tests.delegation.conftest import VALID_ID, at, file_for_resident, png_upload

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Pail-Orchid-73"


@pytest.fixture
def township_admin(make_user, nanyuanmen):
    return make_user((nanyuanmen, Role.CENTRE_ADMIN), username="admin-nym")


@pytest.fixture
def admin_page(centre_client, nanyuanmen, township_admin):
    return centre_client(nanyuanmen, township_admin)


def _password(html: str, username: str) -> str:
    match = re.search(rf'data-username="{re.escape(username)}".*?<code class="password">([^<]+)</code>', html, re.S)
    assert match, f"no temporary password shown for {username}"
    return match.group(1)


def _files_a_case(client: Client, item) -> ProxyFiling:
    """The agent files for a resident through their form: the case goes in, they see the filing."""
    assert item.code in client.get("/delegation/new/").content.decode()
    done = client.post("/delegation/new/", {
        "item_code": item.code, "token": f"t-{item.code}", "resident_name": "赵六", "resident_id_number": VALID_ID,
        "phone": "13912345678", "consent_method": "fingerprint", "consent_scan": png_upload(),
        "consent_given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "consent_evidence": ""})
    filing = ProxyFiling.objects.latest("filed_at")
    assert done.status_code == 302 and done.url == f"/delegation/filings/{filing.pk}/"
    return filing


# --- posting --------------------------------------------------------------------------------------

def test_the_admin_posts_a_person_given_the_role_without_a_post_who_then_works_from_the_workbench(
        admin_page, make_user, nanyuanmen, station, items, township_admin):
    # the tester's agent-x: the village agent's role, but no station, so no workbench
    agent_x = make_user((nanyuanmen, Role.VILLAGE_AGENT), username="agent-x")
    their_phone = Client(HTTP_HOST=host_of(nanyuanmen))
    their_phone.force_login(agent_x)
    assert their_phone.get("/delegation/").status_code == 404

    listing = admin_page.get("/delegation/stations/").content.decode()
    row = re.search(rf'<tr data-code="{station.division_code}">(.*?)</tr>', listing, re.S).group(1)
    assert "No agent" in row and f"/delegation/stations/{station.pk}/post/" in row
    form = admin_page.get(f"/delegation/stations/{station.pk}/post/").content.decode()
    assert "agent-x" in form
    posted = admin_page.post(f"/delegation/stations/{station.pk}/post/", {"action": "pick", "user": agent_x.pk})
    assert posted.status_code == 302
    assert StationAgent.objects.get(station=station, active=True).user == agent_x
    row = re.search(rf'<tr data-code="{station.division_code}">(.*?)</tr>',
                    admin_page.get(posted.url).content.decode(), re.S).group(1)
    assert 'data-username="agent-x"' in row and "End the post" in row

    assert their_phone.get("/delegation/").status_code == 200
    _files_a_case(their_phone, items["township"])
    assert AuditEvent.objects.filter(kind=AuditKind.AGENT_POST_ENDED).count() == 0


def test_the_admin_posts_a_new_person_who_signs_in_changes_the_password_and_lands_on_the_workbench(
        admin_page, nanyuanmen, station, items):
    page = admin_page.post(f"/delegation/stations/{station.pk}/post/", {
        "action": "create", "username": "agent-new", "full_name": "𠮷村代办", "full_name_en": "Ji Cundai",
        "mobile": "138 1234 5678"})
    assert page.status_code == 200
    password = _password(page.content.decode(), "agent-new")
    user = User.objects.get(username="agent-new")
    assert user.must_change_password and user.check_password(password) and user.full_name == "𠮷村代办"
    assert Membership.objects.filter(user=user, centre=nanyuanmen, role=Role.VILLAGE_AGENT).exists()
    assert StationAgent.objects.get(user=user).station == station
    # shown once: the stations page does not show it again
    assert password not in admin_page.get("/delegation/stations/").content.decode()

    phone = Client(HTTP_HOST=host_of(nanyuanmen))
    assert phone.post("/accounts/login/", {"username": "agent-new", "password": password}).status_code == 302
    assert phone.get("/delegation/").url == "/accounts/password/"
    changed = phone.post("/accounts/password/", {"old_password": password, "new_password1": NEW_PASSWORD,
                                                 "new_password2": NEW_PASSWORD})
    assert changed.status_code == 302 and changed.url == "/delegation/"
    assert phone.get("/delegation/").status_code == 200
    _files_a_case(phone, items["district"])
    # signing in again: straight to the workbench
    again = Client(HTTP_HOST=host_of(nanyuanmen))
    assert again.post("/accounts/login/", {"username": "agent-new", "password": NEW_PASSWORD}).url == "/delegation/"


def test_a_new_person_with_problems_is_told_each_and_nothing_is_made(admin_page, make_user, station):
    make_user(username="taken-name")
    page = admin_page.post(f"/delegation/stations/{station.pk}/post/", {
        "action": "create", "username": "taken-name", "full_name": "王五", "mobile": "12345"})
    body = page.content.decode()
    assert page.status_code == 400
    assert "User name taken-name is taken." in body and "is not a mainland mobile number" in body
    assert not StationAgent.objects.exists()


def test_ending_a_post_from_the_page_asks_first_and_passes_the_filings_on(
        admin_page, centre_client, nanyuanmen, station, agent, items, make_user):
    open_filing = file_for_resident(agent, station, items["township"], now=at(2026, 9, 28))
    post = StationAgent.objects.get(user=agent, active=True)
    ask = admin_page.get(f"/delegation/stations/{station.pk}/posts/{post.pk}/end/")
    assert ask.status_code == 200
    assert "1 open filing passes to the township" in ask.content.decode()
    assert StationAgent.objects.get(pk=post.pk).active  # asking ends nothing

    ended = admin_page.post(f"/delegation/stations/{station.pk}/posts/{post.pk}/end/")
    assert ended.status_code == 302
    assert not StationAgent.objects.get(pk=post.pk).active
    open_filing.refresh_from_db()
    assert open_filing.agent is None
    assert centre_client(nanyuanmen, agent).get("/delegation/").status_code == 403  # "your post has ended"
    listing = admin_page.get("/delegation/stations/").content.decode()
    assert "1 proxy filing is waiting for an agent." in listing
    # a second administrator ending it at the same time is told, nothing breaks
    again = admin_page.post(f"/delegation/stations/{station.pk}/posts/{post.pk}/end/", follow=True)
    assert again.status_code == 200 and "This post has already ended." in again.content.decode()
    assert AuditEvent.objects.filter(kind=AuditKind.AGENT_POST_ENDED).count() == 1

    # the next agent, posted from the page, takes the waiting filing
    successor = make_user((nanyuanmen, Role.VILLAGE_AGENT), username="agent-next")
    admin_page.post(f"/delegation/stations/{station.pk}/post/", {"action": "pick", "user": successor.pk})
    open_filing.refresh_from_db()
    assert open_filing.agent == successor
    assert AuditEvent.objects.filter(kind=AuditKind.PROXY_FILING_PASSED).count() == 2


def test_ending_a_post_with_another_agent_in_post_says_who_takes_the_filings(
        admin_page, station, agent, items, make_user, nanyuanmen):
    file_for_resident(agent, station, items["township"], now=at(2026, 9, 28))
    second = make_user((nanyuanmen, Role.VILLAGE_AGENT), username="agent-second")
    second.full_name = "李代办"
    second.save(update_fields=["full_name"])
    admin_page.post(f"/delegation/stations/{station.pk}/post/", {"action": "pick", "user": second.pk})
    post = StationAgent.objects.get(user=agent, active=True)
    ask = admin_page.get(f"/delegation/stations/{station.pk}/posts/{post.pk}/end/").content.decode()
    assert "1 open filing passes to 李代办" in ask
    admin_page.post(f"/delegation/stations/{station.pk}/posts/{post.pk}/end/")
    assert ProxyFiling.objects.get().agent == second


# --- many stations ----------------------------------------------------------------------------------

def test_twenty_stations_a_page_and_a_search_by_name_code_or_agent(admin_page, nanyuanmen, agent, station):
    for n in range(2, 26):
        station_create(township=nanyuanmen, kind="village", name_zh=f"测试{n:02d}村便民服务站",
                       division_code=f"610103001{n + 200:03d}")
    first = admin_page.get("/delegation/stations/").content.decode()
    assert first.count("<tr data-code=") == 20 and "Page 1 of 2" in first
    second = admin_page.get("/delegation/stations/?page=2").content.decode()
    assert second.count("<tr data-code=") == 5
    assert admin_page.get("/delegation/stations/?q=测试07").content.decode().count("<tr data-code=") == 1
    by_agent = admin_page.get("/delegation/stations/?q=agent-a").content.decode()
    assert by_agent.count("<tr data-code=") == 1 and f'data-code="{station.division_code}"' in by_agent


# --- who may -----------------------------------------------------------------------------------------

def test_only_the_townships_administrators_post_agents(centre_client, nanyuanmen, beilin, station, agent,
                                                       make_user, township_clerk):
    post = StationAgent.objects.get(user=agent)
    urls = ["/delegation/stations/", f"/delegation/stations/{station.pk}/post/",
            f"/delegation/stations/{station.pk}/posts/{post.pk}/end/"]
    beilin_admin = make_user((beilin, Role.CENTRE_ADMIN), username="admin-beilin")
    stranger = make_user(username="stranger")
    for url in urls:
        assert centre_client(nanyuanmen, township_clerk).get(url).status_code == 403
        assert centre_client(nanyuanmen, township_clerk).post(url, {"action": "pick", "user": agent.pk}
                                                              ).status_code == 403
        assert centre_client(nanyuanmen, beilin_admin).get(url).status_code == 404
        assert centre_client(nanyuanmen, stranger).get(url).status_code == 404
        assert centre_client(nanyuanmen, agent).get(url).status_code == 404
        assert centre_client(nanyuanmen).get(url).status_code == 302  # sign in first
    assert StationAgent.objects.get(pk=post.pk).active
    # a district has no stations page
    assert centre_client(beilin, beilin_admin).get("/delegation/stations/").status_code == 404


def test_an_admin_posts_only_the_townships_own_people_at_its_own_stations(
        admin_page, make_user, nanyuanmen, beilin, station, township_admin):
    beilin_clerk = make_user((beilin, Role.WINDOW_CLERK), username="clerk-beilin")
    also_beilin = make_user((nanyuanmen, Role.WINDOW_CLERK), (beilin, Role.WINDOW_CLERK), username="clerk-both")
    form = admin_page.get(f"/delegation/stations/{station.pk}/post/").content.decode()
    assert "clerk-beilin" not in form and "clerk-both" not in form
    for person in (beilin_clerk, also_beilin):
        refused = admin_page.post(f"/delegation/stations/{station.pk}/post/", {"action": "pick", "user": person.pk})
        assert refused.status_code == 400
    assert not StationAgent.objects.exists()
    # another centre's station is not there for them (the test network has one township: a row under Beilin)
    elsewhere = Station.objects.create(township=beilin, kind="village", name_zh="别处村便民服务站",
                                       division_code="610103002201")
    assert admin_page.get(f"/delegation/stations/{elsewhere.pk}/post/").status_code == 404
    assert admin_page.post(f"/delegation/stations/{elsewhere.pk}/post/", {
        "action": "create", "username": "agent-far", "full_name": "远处"}).status_code == 404
    assert not User.objects.filter(username="agent-far").exists()


# --- /staff/ no longer grants the role without a post -----------------------------------------------

def test_the_staff_page_does_not_offer_the_village_agents_role_and_points_at_the_stations_page(
        admin_page, nanyuanmen):
    page = admin_page.get("/staff/").content.decode()
    assert 'value="village_agent"' not in page
    assert 'id="village-agents-note"' in page and "/delegation/stations/" in page
    refused = admin_page.post("/staff/", {"username": "agent-y", "full_name": "代办乙", "role": Role.VILLAGE_AGENT})
    assert refused.status_code == 400 and not User.objects.filter(username="agent-y").exists()
    sheet = io.BytesIO("username,full_name,role\nagent-z,代办丙,村级代办员\n".encode("gb18030"))
    sheet.name = "staff.csv"
    imported = admin_page.post("/staff/import/", {"file": sheet}).content.decode()
    assert "Stations page (/delegation/stations/)" in imported
    assert not User.objects.filter(username="agent-z").exists()


def test_the_township_admin_finds_the_stations_page(admin_page, centre_client, make_user, beilin):
    assert 'href="/delegation/stations/"' in admin_page.get("/").content.decode()
    assert 'href="/delegation/stations/"' in admin_page.get("/staff/").content.decode()
    beilin_admin = centre_client(beilin, make_user((beilin, Role.CENTRE_ADMIN), username="admin-b"))
    assert "/delegation/stations/" not in beilin_admin.get("/").content.decode()


def test_the_stations_pages_speak_chinese(admin_page, station, agent, settings):
    admin_page.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    post = StationAgent.objects.get(user=agent)
    listing = admin_page.get("/delegation/stations/").content.decode()
    assert "便民服务站及代办员" in listing and "派驻代办员" in listing and "结束派驻" in listing
    form = admin_page.get(f"/delegation/stations/{station.pk}/post/").content.decode()
    assert "本镇街人员" in form and "新增人员" in form
    ask = admin_page.get(f"/delegation/stations/{station.pk}/posts/{post.pk}/end/").content.decode()
    assert "其名下没有未办结的代办件。" in ask and "的派驻？" in ask
    assert "便民服务站页面" in admin_page.get("/staff/").content.decode()
    station_agent_end(post=post, acting_user=None)
