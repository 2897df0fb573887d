"""Pages as a user sees them: the platform's centre list, a centre's page, onboarding (one centre,
a CSV/XLSX file, the batch's progress), the language switch and the centre switcher."""
from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from django.http import HttpRequest
from django.test import Client

from tenants import services
from tenants.choices import CentreStatus, Role
from tenants.models import Centre, OnboardingBatch
from tests.conftest import host_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_schema")]

HEADER = "level,code,slug,name_zh,name_en,parent_code\n"


@pytest.fixture
def admin_client(centre_client, platform_admin):
    return centre_client(None, platform_admin)


def _row(html: str, code: str) -> str:
    match = re.search(rf'<tr data-code="{code}".*?</tr>', html, re.S)
    assert match, f"no row for {code}"
    return match.group(0)


def _upload(client: Client, name: str, content: bytes):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post("/onboard/file/", {"file": upload})


# --- the platform's centre list -----------------------------------------------------------------

def test_the_platform_page_lists_every_centre_with_its_level_parent_and_status(centre_client):
    html = centre_client(None).get("/").content.decode()
    beilin = _row(html, "610103")
    assert "Beilin District" in beilin
    assert "District/county centre" in beilin
    assert "Xi&#x27;an Municipal Government Service Centre" in beilin  # the parent
    assert "Ready" in beilin
    assert 'href="http://beilin.localhost/"' in beilin
    township = _row(html, "610103001")
    assert "Township/street convenience centre" in township and "Beilin District" in township
    assert "—" in _row(html, "610100")  # the city has no parent


def test_the_platform_page_filters_by_level_and_text(centre_client):
    html = centre_client(None).get("/", {"level": "township"}).content.decode()
    assert 'data-code="610103001"' in html and 'data-code="610103"' not in html
    html = centre_client(None).get("/", {"q": "yanta"}).content.decode()
    assert 'data-code="610113"' in html and 'data-code="610100"' not in html


def test_only_a_platform_admin_sees_the_suspend_links_and_can_suspend(centre_client, admin_client, beilin):
    assert "/centres/610103/status/" not in _row(centre_client(None).get("/").content.decode(), "610103")
    assert "/centres/610103/status/" in _row(admin_client.get("/").content.decode(), "610103")
    page = admin_client.post("/centres/610103/status/", {"from": "ready", "status": "suspended", "reason": "move"},
                             follow=True)
    beilin.refresh_from_db()
    assert beilin.status == CentreStatus.SUSPENDED
    assert "Centre 610103 suspended." in page.content.decode()
    assert "Suspended" in _row(page.content.decode(), "610103")


def test_a_status_change_that_someone_else_made_first_is_reported_not_applied(admin_client, beilin):
    page = admin_client.post("/centres/610103/status/", {"from": "suspended", "status": "ready"}, follow=True)
    assert "someone changed it first" in page.content.decode()
    beilin.refresh_from_db()
    assert beilin.status == CentreStatus.READY
    page = admin_client.post("/centres/610103/status/", {"from": "ready", "status": "bogus"}, follow=True)
    assert "Unknown status." in page.content.decode()


# --- a centre's page ----------------------------------------------------------------------------

def test_a_township_page_shows_its_ancestors_as_links(centre_client, nanyuanmen):
    html = centre_client(nanyuanmen).get("/").content.decode()
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert crumbs.index("http://xian.localhost/") < crumbs.index("http://beilin.localhost/")
    assert "Nanyuanmen Subdistrict" in crumbs


def test_a_district_page_shows_its_parent_and_its_children_as_links(centre_client, beilin):
    html = centre_client(beilin).get("/").content.decode()
    assert '<a href="http://xian.localhost/">' in html
    children = re.search(r'<ul class="children">.*?</ul>', html, re.S).group(0)
    assert '<a href="http://beilin-nanyuanmen.localhost/">Nanyuanmen Subdistrict</a>' in children


def test_the_city_page_lists_its_districts_and_zones(centre_client, city):
    children = re.search(r'<ul class="children">.*?</ul>', centre_client(city).get("/").content.decode(),
                         re.S).group(0)
    for slug in ("beilin", "yanta", "gaoxin"):
        assert f"http://{slug}.localhost/" in children
    assert "beilin-nanyuanmen" not in children


def test_a_suspended_centre_shows_its_suspended_page(centre_client, beilin):
    services.centre_set_status(centre=beilin, status=CentreStatus.SUSPENDED, reason="audit", acting_user=None)
    page = centre_client(beilin).get("/")
    assert page.status_code == 503
    html = page.content.decode()
    assert "This centre is suspended" in html and "Beilin District" in html
    assert "http://localhost/" in html  # a way back to every centre


def test_a_signed_in_user_sees_their_roles_by_name(centre_client, make_user, beilin):
    clerk = make_user((beilin, Role.WINDOW_CLERK))
    html = centre_client(beilin, clerk).get("/").content.decode()
    assert "Window clerk" in html and "window_clerk" not in html


# --- sign-in and language ------------------------------------------------------------------------

def test_signing_in_on_a_centre_lands_on_its_page(beilin, make_user):
    make_user((beilin, Role.WINDOW_CLERK), username="clerk-a")
    client = Client(HTTP_HOST=host_of(beilin))
    assert client.get("/accounts/login/").status_code == 200
    page = client.post("/accounts/login/", {"username": "clerk-a", "password": "pw-12345-xyz"}, follow=True)
    assert page.status_code == 200
    assert "clerk-a" in page.content.decode() and "Window clerk" in page.content.decode()
    bad = Client(HTTP_HOST=host_of(beilin)).post("/accounts/login/", {"username": "clerk-a", "password": "x"})
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()


def test_the_language_switch_shows_chinese(centre_client, beilin):
    client = centre_client(beilin)
    assert "Service windows" in client.get("/").content.decode()
    page = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, follow=True)
    html = page.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "服务窗口" in html and "碑林区" in html and "Service windows" not in html
    page = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert "Service windows" in page.content.decode()


def test_the_platform_page_in_chinese(centre_client):
    html = centre_client(None).get("/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "政务服务中心" in html and "区县政务服务中心" in html


# --- the centre switcher -------------------------------------------------------------------------

def switch_link(here: Client, there: Client, slug: str) -> str:
    """Follow the switch from `here` to the centre `slug` in one browser (a client per host, as a browser
    keeps cookies per host) up to the hand-off link it is given; returns that link's path and query."""
    begin = urlsplit(here.get("/switch/", {"slug": slug})["Location"])
    assert begin.path == "/accounts/handoff/begin/"
    back = urlsplit(there.get(f"{begin.path}?{begin.query}")["Location"])
    link = urlsplit(here.get(f"{back.path}?{back.query}")["Location"])
    assert link.hostname == there.defaults["HTTP_HOST"] and link.path == "/accounts/handoff/"
    return f"{link.path}?{link.query}"


def test_the_switcher_lands_the_user_in_the_other_centre_signed_in(beilin, yanta, make_user):
    user = make_user((beilin, Role.WINDOW_CLERK), (yanta, Role.SUPERVISOR), username="two-centres")
    here = Client(HTTP_HOST=host_of(beilin))
    here.force_login(user)
    html = here.get("/").content.decode()
    assert '<option value="yanta"' in html  # the switcher offers the other centre
    there = Client(HTTP_HOST=host_of(yanta))  # its own cookie jar, as a browser keeps per host
    assert "two-centres" not in there.get("/").content.decode()
    landed = there.get(switch_link(here, there, "yanta"), follow=True)
    html = landed.content.decode()
    assert landed.redirect_chain[-1][0] == "/"
    assert "Yanta District" in html and "two-centres" in html and "Supervisor" in html


def test_the_switcher_refuses_a_centre_where_the_user_has_no_role(beilin, make_user):
    user = make_user((beilin, Role.WINDOW_CLERK))
    client = Client(HTTP_HOST=host_of(beilin))
    client.force_login(user)
    assert client.get("/switch/yanta/").status_code == 404


def test_a_hand_off_token_is_good_only_for_its_own_centre_and_unaltered(beilin, yanta, make_user):
    user = make_user((beilin, Role.WINDOW_CLERK), (yanta, Role.WINDOW_CLERK))
    client = Client(HTTP_HOST=host_of(beilin))
    client.force_login(user)
    link = switch_link(client, Client(HTTP_HOST=host_of(yanta)), "yanta")
    elsewhere = Client(HTTP_HOST=host_of(beilin))
    assert elsewhere.get(link).status_code == 404
    tampered = Client(HTTP_HOST=host_of(yanta)).get(f"{link}x")
    assert tampered.status_code == 302 and tampered["Location"].startswith("/accounts/login/")


def test_a_hand_off_is_void_once_the_password_changed(beilin, yanta, make_user):
    user = make_user((beilin, Role.WINDOW_CLERK), (yanta, Role.WINDOW_CLERK))
    client = Client(HTTP_HOST=host_of(beilin))
    client.force_login(user)
    there = Client(HTTP_HOST=host_of(yanta))
    link = switch_link(client, there, "yanta")
    user.set_password("another-pw-987")
    user.save()
    assert there.get(link).status_code == 404


# --- onboarding ----------------------------------------------------------------------------------

def test_onboarding_is_hidden_from_everyone_but_platform_admins(centre_client, make_user, beilin):
    assert centre_client(None).get("/onboard/")["Location"].startswith("/accounts/login/")
    centre_admin = make_user((beilin, Role.CENTRE_ADMIN))
    client = centre_client(None, centre_admin)
    assert client.get("/onboard/").status_code == 404
    assert _upload(client, "c.csv", HEADER.encode()).status_code == 404
    assert client.get("/onboard/batches/1/").status_code == 404
    assert client.get("/centres/610103/status/").status_code == 404
    suspend = {"from": "ready", "status": "suspended", "reason": "x"}
    assert client.post("/centres/610103/status/", suspend).status_code == 404


def test_onboarding_one_centre_by_the_form_makes_a_ready_centre_at_its_host(admin_client, centre_client):
    page = admin_client.post("/onboard/", {
        "level": "district", "code": "610104", "slug": "lianhu", "name_zh": "莲湖区",
        "name_en": "Lianhu District", "parent_code": "610100",
        "admin_username": "lianhu-admin", "admin_password": "Lianhu-pw-2024"}, follow=True)
    assert page.status_code == 200
    assert "Centre 610104 莲湖区 onboarded at http://lianhu.localhost." in page.content.decode()
    centre = Centre.objects.get(division_code="610104")
    assert centre.status == CentreStatus.READY
    assert "Lianhu District" in centre_client(centre).get("/").content.decode()
    signed_in = Client(HTTP_HOST="lianhu.localhost")
    assert signed_in.login(request=HttpRequest(), username="lianhu-admin", password="Lianhu-pw-2024")
    assert "Centre administrator" in signed_in.get("/").content.decode()


def test_an_onboarded_administrator_has_an_english_name_given_or_after_the_centre(admin_client):
    """English pages name staff by their English name (User.full_name_en): the form takes the new
    administrator's names; left empty, they follow the centre's names, also for a file's rows."""
    from django.utils import translation

    from tenants.models import User
    from tenants.validation import CentreInput

    admin_client.post("/onboard/", {
        "level": "district", "code": "610104", "slug": "lianhu", "name_zh": "莲湖区", "name_en": "Lianhu District",
        "parent_code": "610100", "admin_username": "lianhu-admin", "admin_password": "Lianhu-pw-2024",
        "admin_full_name": "王𠀾", "admin_full_name_en": "Wang Jia"})
    given = User.objects.get(username="lianhu-admin")
    assert (given.full_name, given.full_name_en) == ("王𠀾", "Wang Jia")
    with translation.override("en"):
        assert given.display_name == "Wang Jia"

    admin_client.post("/onboard/", {
        "level": "district", "code": "610112", "slug": "weiyang", "name_zh": "未央区", "name_en": "Weiyang District",
        "parent_code": "610100", "admin_username": "weiyang-admin", "admin_password": "Weiyang-pw-2024"})
    services.centre_bulk_onboard(rows=[CentreInput("district", "610111", "baqiao", "灞桥区", "Baqiao District",
                                                   "610100")], acting_user=None,
                                 admin_username=lambda row: f"admin-{row.slug}")
    for username, zh, en in (("weiyang-admin", "未央区管理员", "Weiyang District administrator"),
                             ("admin-baqiao", "灞桥区管理员", "Baqiao District administrator")):
        user = User.objects.get(username=username)
        assert (user.full_name, user.full_name_en) == (zh, en)
        with translation.override("en"):
            assert user.display_name == en


def test_the_onboarding_message_gives_the_centres_address_with_the_port_the_request_came_in_on(admin_client):
    page = admin_client.post("/onboard/", {
        "level": "district", "code": "610104", "slug": "lianhu", "name_zh": "莲湖区",
        "name_en": "Lianhu District", "parent_code": "610100"},
        follow=True, HTTP_HOST="localhost:8000", SERVER_PORT="8000")
    assert "Centre 610104 莲湖区 onboarded at http://lianhu.localhost:8000." in page.content.decode()


def test_the_onboarding_form_says_it_is_working_while_it_runs(admin_client):
    """The button turns into "Provisioning…" on submit (static/js/busy.js: no inline script, CSP)."""
    page = admin_client.get("/onboard/").content.decode()
    form = page.split('id="onboard-one"', 1)[1].split("</form>", 1)[0]
    assert 'data-busy="Provisioning… this takes a few seconds"' in form
    assert re.search(r'<script src="/static/js/busy\.[0-9a-f]{12}\.js" defer>', page)  # fingerprinted


def test_onboarding_form_shows_every_problem_by_field(admin_client):
    page = admin_client.post("/onboard/", {
        "level": "township", "code": "61010", "slug": "Bad_Slug", "name_zh": "某街道",
        "name_en": "Somewhere", "parent_code": "999999"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Malformed division code" in html and "Malformed slug" in html
    assert "Unknown parent centre" in html
    assert not Centre.objects.filter(name_zh="某街道").exists()


def test_onboarding_the_same_centre_twice_says_it_exists(admin_client):
    page = admin_client.post("/onboard/", {
        "level": "district", "code": "610103", "slug": "beilin", "name_zh": "碑林区",
        "name_en": "Beilin District", "parent_code": "610100"}, follow=True)
    assert "already exists; nothing was changed" in page.content.decode()


def test_a_csv_with_two_bad_rows_lists_both_and_imports_nothing(admin_client):
    before = Centre.objects.count()
    content = (HEADER
               + "district,610104,lianhu,莲湖区,Lianhu District,610100\n"
               + "township,61010400,lianhu-x,某街道,Some Street,610104\n"
               + "district,610105,beilin,新区,New District,610100\n").encode()
    page = _upload(admin_client, "centres.csv", content)
    assert page.status_code == 400
    html = page.content.decode()
    assert "2 of 3 rows are not valid; nothing was imported." in html
    assert 'data-row="3"' in html and 'data-row="4"' in html and 'data-row="2"' not in html
    assert "Malformed division code" in html  # row 3
    assert "Duplicate domain" in html  # row 4
    assert Centre.objects.count() == before
    assert not OnboardingBatch.objects.exists()


def test_an_xlsx_with_bad_rows_lists_every_one_and_imports_nothing(admin_client):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["level", "code", "slug", "name_zh", "name_en", "parent_code"])
    sheet.append(["district", 610104, "lianhu", "莲湖区", "Lianhu District", 610100])
    sheet.append(["county", 610105, "x", "某县", "Some County", 610100])
    sheet.append(["township", 610104001, "lianhu-a", "", "A Street", 610104])
    sheet.append(["zone", 610172, "zone-b", "某开发区", "Zone B", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    before = Centre.objects.count()
    page = _upload(admin_client, "centres.xlsx", buffer.getvalue())
    html = page.content.decode()
    assert "3 of 4 rows are not valid; nothing was imported." in html
    for row in (3, 4, 5):
        assert f'data-row="{row}"' in html
    assert "Unknown level" in html and "Name (Chinese) is required." in html and "needs a parent centre" in html
    assert Centre.objects.count() == before


def test_a_file_of_another_type_is_refused(admin_client):
    page = _upload(admin_client, "centres.txt", b"hello")
    assert page.status_code == 400
    assert "Unsupported file type" in page.content.decode()


def test_a_good_csv_becomes_a_batch_whose_page_shows_its_progress(admin_client, centre_client,
                                                                   django_capture_on_commit_callbacks):
    content = (HEADER
               + "district,610104,lianhu,莲湖区,Lianhu District,610100\n"
               + "township,610104001,lianhu-beiyuanmen,北院门街道,Beiyuanmen Subdistrict,610104\n"
               ).encode("utf-8")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page = _upload(admin_client, "lianhu.csv", content)
    assert page.status_code == 302
    assert len(callbacks) == 1  # the worker is asked once the batch is committed
    batch = OnboardingBatch.objects.get()
    assert page["Location"] == f"/onboard/batches/{batch.pk}/"

    waiting = admin_client.get(page["Location"]).content.decode()
    assert "0 / 2" in waiting and 'hx-trigger="every 1s"' in waiting and "<progress" in waiting

    services.onboarding_batch_run(batch_id=batch.pk)  # what the Celery task does

    fragment = admin_client.get(page["Location"], HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "<html" not in html and "2 / 2" in html and "hx-get" not in html  # polling stops
    assert "2 new centres of 2 rows" in html
    assert fragment["Vary"] and "HX-Request" in fragment["Vary"]
    street = Centre.objects.get(division_code="610104001")
    assert street.status == CentreStatus.READY
    assert "Lianhu District" in centre_client(street).get("/").content.decode()


def test_the_platform_page_filters_by_district_and_pages_long_lists(centre_client, monkeypatch):
    """A district (or zone) shows its own centre and the townships under it; a long list is paged, and the
    pager's links keep the filters (issue 19: 200 centres were one 33,677 px page)."""
    client = centre_client(None)
    html = client.get("/", {"district": "610103"}).content.decode()
    assert 'data-code="610103"' in html and 'data-code="610103001"' in html  # Beilin and Nanyuanmen
    assert 'data-code="610113"' not in html and 'data-code="610100"' not in html
    assert '<option value="610103" selected>Beilin District</option>' in html
    html = client.get("/", {"district": "610103", "level": "township"}).content.decode()
    assert 'data-code="610103001"' in html and 'data-code="610103"' not in html

    monkeypatch.setattr("tenants.views.CENTRES_PAGE_SIZE", 1)
    first = client.get("/", {"district": "610103"}).content.decode()
    assert first.count("<tr data-code=") == 1 and 'data-code="610103"' in first
    assert "2 centres" in first and "Page 1 of 2" in first
    assert 'href="?district=610103&amp;page=2" rel="next">Next page</a>' in first
    second = client.get("/", {"district": "610103", "page": "2"}).content.decode()
    assert second.count("<tr data-code=") == 1 and 'data-code="610103001"' in second
    assert 'href="?district=610103&amp;page=1" rel="prev">Previous page</a>' in second
