"""Catalogue pages as a user sees them: the master catalogue and its search, a centre's catalogue,
the service guide with the centre's own limit, adoption by a centre administrator, the guide book."""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from catalog.choices import Category, EventKind, ItemType
from catalog.models import Adoption, Agency, Department
from catalog.services import (
    adoption_adopt_all,
    adoption_create,
    event_propagate,
    event_record,
    item_create,
    version_create_draft,
    version_publish,
)
from tenants.choices import Role

pytestmark = pytest.mark.django_db

PLANNING = "610100ZJ-XK-0001"
FILING = "610100ZJ-BA-0001"
WATER = "610100ZJ-GG-0001"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _public_schema():
    """A request to a centre leaves this thread's connection in that centre's schema."""
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


def make_item(department, code, name_zh, name_en, *, legal, promised, category=Category.LICENCE,
              item_type=ItemType.LICENCE, levels=("city", "district", "zone", "township"), **content):
    item = item_create(code=code, department=department, category=category, item_type=item_type, levels=levels,
                       acting_user=None)
    version = version_create_draft(
        item=item, acting_user=None, effective_from=timezone.localdate(),
        content={"name_zh": name_zh, "name_en": name_en, "legal_limit_days": legal,
                 "promised_limit_days": promised, "legal_basis": "《中华人民共和国城乡规划法》第四十条",
                 "steps": [{"name_zh": "受理", "name_en": "Acceptance"}, {"name_zh": "审查", "name_en": "Review"}],
                 "contact_phone": "029-86787000", **content},
        materials=[{"name_zh": "建设工程规划许可申请表", "name_en": "Application form", "originals": 1, "copies": 0},
                   {"name_zh": "营业执照", "name_en": "Business licence", "originals": 0, "copies": 1,
                    "delivery": "counter", "applicant_types": ["organisation"]}])
    version_publish(version=version, acting_user=None)
    item.refresh_from_db()
    return item


@pytest.fixture
def department(db):
    return Department.objects.create(code="ZJ", name_zh="市住房和城乡建设局", name_en="Housing and Construction Bureau",
                                     phone="029-88888888")


@pytest.fixture
def items(department):
    """Three published master items: two licences of the construction bureau and a public service."""
    return {
        PLANNING: make_item(department, PLANNING, "建设工程规划许可证核发", "Construction project planning permit",
                            legal=20, promised=10),
        FILING: make_item(department, FILING, "建设工程竣工验收备案", "Completion acceptance filing", legal=15,
                          promised=5, item_type=ItemType.FILING),
        WATER: make_item(department, WATER, "城市供水报装", "Water supply connection", legal=10, promised=3,
                         category=Category.PUBLIC_SERVICE, item_type=ItemType.PUBLIC_SERVICE),
    }


@pytest.fixture
def centre_admin(make_user, beilin):
    return make_user((beilin, Role.CENTRE_ADMIN), username="beilin-admin")


# --- the master catalogue (platform) --------------------------------------------------------------

def test_searching_the_master_catalogue_by_pinyin_initials_finds_the_item(centre_client, items):
    html = centre_client(None).get("/catalogue/", {"q": "jsgc"}, **ZH).content.decode()
    assert "建设工程规划许可证核发" in html
    assert "建设工程竣工验收备案" in html
    assert "城市供水报装" not in html


def test_the_master_catalogue_filters_by_category_and_finds_by_code(centre_client, items):
    client = centre_client(None)
    html = client.get("/catalogue/", {"category": "public_service"}).content.decode()
    assert "Water supply connection" in html and "Construction project planning permit" not in html
    html = client.get("/catalogue/", {"q": FILING.lower()}).content.decode()
    assert "Completion acceptance filing" in html and "Water supply connection" not in html


def test_the_item_page_shows_the_current_version_in_full(centre_client, items, department):
    agency = Agency.objects.create(name_zh="西安规划设计院", address="西安市雁塔路1号", contact="029-1")
    agency.items.add(items[PLANNING])
    html = centre_client(None).get(f"/catalogue/items/{PLANNING}/").content.decode()
    for text in ("Construction project planning permit", "建设工程规划许可证核发", "20 working days",
                 "10 working days", "Application form", "Business licence", "Hand in at the counter",
                 "Organisation", "Acceptance", "Review", "城乡规划法", "029-86787000", "v1", "Published",
                 "西安规划设计院", "Housing and Construction Bureau"):
        assert text in html, text


def test_the_agencies_directory_lists_agencies_and_their_items(centre_client, items):
    agency = Agency.objects.create(name_zh="西安规划设计院", address="西安市雁塔路1号", contact="029-1", fees="按合同")
    agency.items.add(items[PLANNING])
    html = centre_client(None).get("/catalogue/agencies/").content.decode()
    assert "西安规划设计院" in html and "Construction project planning permit" in html


def test_the_compression_report_of_a_centre_counts_its_own_promises(centre_client, items, beilin):
    pytest.importorskip("catalog.reports")
    adoption_create(centre=beilin, item=items[PLANNING], acting_user=None, promised_limit_days=8)
    adoption_create(centre=beilin, item=items[FILING], acting_user=None)
    html = centre_client(beilin).get("/catalogue/report/").content.decode()
    licence = re.search(r'<tr data-category="licence".*?</tr>', html, re.S).group(0)
    assert ">35<" in licence and ">13<" in licence and "62.86%" in licence  # 1 - 13/35
    overall = re.search(r'<tr data-category="all".*?</tr>', html, re.S).group(0)
    assert "62.86%" in overall
    assert centre_client(None).get("/catalogue/report/").status_code == 200


def test_the_change_report_tells_what_left_the_catalogue_in_a_year(centre_client, items):
    pytest.importorskip("catalog.reports")
    today = timezone.localdate()
    event = event_record(kind=EventKind.CANCELLED_STATE, item=items[WATER], reason="国家取消", effective_on=today,
                         acting_user=None)
    event_propagate(event_id=event.pk)
    html = centre_client(None).get("/catalogue/changes/", {"year": str(today.year)}).content.decode()
    sentence = re.search(r'id="change-sentence">(.*?)</p>', html, re.S).group(1)
    assert "1 department removed 1: 1 cancelled by the state" in sentence
    assert centre_client(None).get("/catalogue/changes/", {"year": "nonsense"}).status_code == 200


# --- a centre's catalogue and service guides --------------------------------------------------------

def test_the_guide_page_shows_the_centres_own_promised_limit_and_the_legal_limit(centre_client, items, beilin):
    adoption_create(centre=beilin, item=items[PLANNING], acting_user=None, promised_limit_days=7, window="A12",
                    department_name="碑林区住建局")
    html = centre_client(beilin).get(f"/catalogue/{PLANNING}/").content.decode()
    assert re.search(r'class="promised-limit">\s*7 working days', html)
    assert re.search(r'class="legal-limit">\s*20 working days', html)
    assert "Beilin District" in html and "A12" in html and "碑林区住建局" in html
    assert "Application form" in html and "城乡规划法" in html and "029-86787000" in html


def test_an_item_the_centre_has_not_adopted_has_no_guide_page_there(centre_client, items, beilin, yanta):
    adoption_create(centre=yanta, item=items[PLANNING], acting_user=None)
    assert centre_client(beilin).get(f"/catalogue/{PLANNING}/").status_code == 404
    assert centre_client(yanta).get(f"/catalogue/{PLANNING}/").status_code == 200


def test_the_centre_catalogue_lists_its_items_with_its_notices(centre_client, items, beilin):
    adoption_create(centre=beilin, item=items[PLANNING], acting_user=None, promised_limit_days=6)
    adoption_create(centre=beilin, item=items[WATER], acting_user=None)
    event = event_record(kind=EventKind.CANCELLED_STATE, item=items[WATER], reason="国家取消",
                         effective_on=timezone.localdate() + timezone.timedelta(days=30), acting_user=None)
    event_propagate(event_id=event.pk)
    html = centre_client(beilin).get("/catalogue/").content.decode()
    assert "Construction project planning permit" in html and "6 working days" in html
    assert "Water supply connection" in html  # still handled until the cancellation takes effect
    assert "Completion acceptance filing" not in html
    assert f"Item {WATER} Water supply connection is cancelled" in html
    html = centre_client(beilin).get("/catalogue/", {"q": "gs"}, **ZH).content.decode()  # 供水
    assert "城市供水报装" in html and "建设工程规划许可证核发" not in html


def test_the_centre_catalogue_runs_a_bounded_number_of_queries_whatever_the_item_count(
        centre_client, department, items, beilin, centre_admin, django_assert_max_num_queries):
    client = centre_client(beilin, centre_admin)
    adoption_adopt_all(centre=beilin, acting_user=None)
    client.get("/catalogue/")  # warm the routing cache and the session
    with CaptureQueriesContext(connection) as few:
        assert client.get("/catalogue/").status_code == 200
    for n in range(2, 14):
        make_item(department, f"610100ZJ-XK-{n:04d}", f"测试事项{n}", f"Test item {n}", legal=10, promised=5)
    assert adoption_adopt_all(centre=beilin, acting_user=None) == 12
    with django_assert_max_num_queries(len(few)):
        html = client.get("/catalogue/").content.decode()
    assert html.count("<tr data-code=") == 15


# --- adoption by the centre's administrator ---------------------------------------------------------

def test_the_adopt_page_is_not_found_for_a_clerk_or_a_visitor(centre_client, make_user, items, beilin):
    clerk = make_user((beilin, Role.WINDOW_CLERK))
    for user in (clerk, None):
        client = centre_client(beilin, user)
        assert client.get("/catalogue/adopt/").status_code == 404
        assert client.post("/catalogue/adopt/", {"item": PLANNING}).status_code == 404
        assert client.post("/catalogue/adopt/all/").status_code == 404
    assert not Adoption.objects.filter(centre=beilin).exists()


def test_adopting_with_a_local_limit_above_the_legal_limit_names_the_legal_limit_and_adopts_nothing(
        centre_client, items, beilin, centre_admin):
    response = centre_client(beilin, centre_admin).post(
        "/catalogue/adopt/", {"item": PLANNING, "promised_limit_days": "25", "window": "B3"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "legal limit is 20 working days" in html
    assert "At most 20 working days (the legal limit)." in html
    assert 'value="25"' in html  # what the admin typed is kept
    assert not Adoption.objects.filter(centre=beilin).exists()


def test_adopting_puts_the_item_in_the_centres_catalogue_with_its_local_terms(centre_client, items, beilin,
                                                                              centre_admin):
    client = centre_client(beilin, centre_admin)
    page = client.get("/catalogue/adopt/").content.decode()
    assert f'data-code="{PLANNING}"' in page
    response = client.post("/catalogue/adopt/", {"item": PLANNING, "promised_limit_days": "8", "window": "B3"})
    assert response.status_code == 302
    adoption = Adoption.objects.get(centre=beilin, item=items[PLANNING])
    assert (adoption.promised_limit_days, adoption.window) == (8, "B3")
    html = client.get("/catalogue/").content.decode()
    row = re.search(rf'<tr data-code="{PLANNING}".*?</tr>', html, re.S).group(0)
    assert "8 working days" in row and "20 working days" in row and "B3" in row
    assert f'data-code="{PLANNING}"' not in client.get("/catalogue/adopt/").content.decode()


def test_adopt_all_adopts_every_item_of_the_level(centre_client, items, beilin, centre_admin):
    response = centre_client(beilin, centre_admin).post("/catalogue/adopt/all/", follow=True)
    assert "Adopted 3 items" in response.content.decode()
    assert Adoption.objects.filter(centre=beilin).count() == 3


def test_a_township_may_adopt_only_what_its_district_adopted(centre_client, make_user, items, beilin, nanyuanmen):
    admin = make_user((nanyuanmen, Role.CENTRE_ADMIN))
    adoption_create(centre=beilin, item=items[WATER], acting_user=None)
    html = centre_client(nanyuanmen, admin).get("/catalogue/adopt/").content.decode()
    assert f'data-code="{WATER}"' in html and f'data-code="{PLANNING}"' not in html


def test_editing_a_local_limit_is_checked_against_the_legal_limit(centre_client, items, beilin, centre_admin):
    adoption_create(centre=beilin, item=items[PLANNING], acting_user=None)
    client = centre_client(beilin, centre_admin)
    response = client.post(f"/catalogue/{PLANNING}/edit/", {"promised_limit_days": "21"})
    assert response.status_code == 400 and "legal limit is 20 working days" in response.content.decode()
    response = client.post(f"/catalogue/{PLANNING}/edit/", {"promised_limit_days": "4", "window": "C1"})
    assert response.status_code == 302
    assert Adoption.objects.get(centre=beilin, item=items[PLANNING]).promised_limit_days == 4
    assert centre_client(beilin).get(f"/catalogue/{PLANNING}/edit/").status_code == 404


# --- the printable guide book -----------------------------------------------------------------------

def _pdf_text(data: bytes) -> str:
    """The PDF's text, by pdftotext (poppler) or else pypdf."""
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    pypdf = pytest.importorskip("pypdf", reason="neither pdftotext nor pypdf to read the PDF's text")
    # pypdf reads fpdf2's two-byte CID text with a NUL before each character
    return "".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages).replace("\x00", "")


def test_the_guide_book_is_a_pdf_with_the_items_in_chinese(centre_client, items, beilin):
    adoption_create(centre=beilin, item=items[PLANNING], acting_user=None, promised_limit_days=7, window="A12")
    adoption_create(centre=beilin, item=items[WATER], acting_user=None)
    response = centre_client(beilin).get("/catalogue/guidebook.pdf", **ZH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF") and b"NotoSansCJK" in data  # the CJK font is embedded
    text = re.sub(r"\s+", "", _pdf_text(data))
    assert "建设工程规划许可证核发" in text and "城市供水报装" in text and "碑林区" in text
    assert "建设工程竣工验收备案" not in text


def test_who_must_bring_a_material_is_listed_in_the_books_language(centre_client, department, beilin):
    """A material both persons and organisations bring reads "Person, Organisation" in the English book
    (it was joined with 、) and "个人、单位" (or the Chinese labels) in the Chinese one."""
    from catalog.choices import ApplicantType

    item = make_item(department, "610100ZJ-XK-0078", "建设工程规划许可证核发", "Construction project planning permit",
                     legal=20, promised=10)
    version = version_create_draft(item=item, acting_user=None, effective_from=timezone.localdate(), content={},
                                   materials=[{"name_zh": "身份证明", "name_en": "Proof of identity",
                                               "applicant_types": ["person", "organisation"]}])
    version_publish(version=version, acting_user=None)
    adoption_create(centre=beilin, item=item, acting_user=None)

    english = _pdf_text(centre_client(beilin).get("/catalogue/guidebook.pdf", HTTP_ACCEPT_LANGUAGE="en").content)
    assert "Person, Organisation" in english and "、" not in english
    chinese = re.sub(r"\s+", "", _pdf_text(centre_client(beilin).get("/catalogue/guidebook.pdf", **ZH).content))
    with translation.override("zh-hans"):
        labels = [str(ApplicantType.PERSON.label), str(ApplicantType.ORGANISATION.label)]
    assert "、".join(labels) in chinese


def test_a_devolution_changes_the_adopt_pages_on_its_effective_date_not_when_it_is_carried(
        centre_client, make_user, department, city, beilin, centre_admin):
    import datetime as dt

    from catalog.selectors import adoptable_items
    from catalog.services import catalogue_refresh_current

    # Given a city item the city has not adopted, devolved to the districts from 20 days on
    item = make_item(department, "610100ZJ-XK-0077", "城市道路挖掘许可", "Road excavation permit", legal=20,
                     promised=10, levels=["city"])
    later = timezone.localdate() + dt.timedelta(days=20)
    event = event_record(kind=EventKind.DEVOLVED, item=item, reason="下放区县实施", effective_on=later,
                         acting_user=None)
    # When it is carried to the centres today
    event_propagate(event_id=event.pk)
    # Then until that date the city may still adopt it and Beilin not yet
    city_admin = make_user((city, Role.CENTRE_ADMIN), username="city-admin")
    assert 'data-code="610100ZJ-XK-0077"' in centre_client(city, city_admin).get("/catalogue/adopt/").content.decode()
    assert 'data-code="610100ZJ-XK-0077"' not in centre_client(beilin, centre_admin).get(
        "/catalogue/adopt/").content.decode()
    adoption_create(centre=city, item=item, acting_user=None)
    # And on the date the daily refresh moves the levels and ends the city's adoption
    catalogue_refresh_current(today=later)
    item.refresh_from_db()
    assert "city" not in item.levels and "district" in item.levels
    assert Adoption.objects.get(centre=city, item=item).ends_on == later
    assert not adoptable_items(centre=city, on=later).filter(pk=item.pk).exists()
    assert Adoption.objects.filter(centre=beilin, item=item, starts_on=later).exists()


def test_the_master_catalogue_is_paged_and_its_pager_keeps_the_filters(centre_client, items, monkeypatch):
    """Issue 19: the master catalogue was one 39,445 px page; it is paged, the count is of every match."""
    monkeypatch.setattr("catalog.views.ITEMS_PAGE_SIZE", 2)
    client = centre_client(None)
    first = client.get("/catalogue/").content.decode()
    assert re.findall(r'<tr data-code="([^"]+)"', first) == [FILING, WATER]
    assert "3 items" in first and "Page 1 of 2" in first
    assert 'href="?page=2" rel="next">Next page</a>' in first
    second = client.get("/catalogue/", {"page": "2"}).content.decode()
    assert re.findall(r'<tr data-code="([^"]+)"', second) == [PLANNING]
    monkeypatch.setattr("catalog.views.ITEMS_PAGE_SIZE", 1)
    licences = client.get("/catalogue/", {"category": Category.LICENCE}).content.decode()
    assert 'href="?category=licence&amp;page=2" rel="next">' in licences and "2 items" in licences


def test_a_centres_catalogue_is_paged(centre_client, items, beilin, monkeypatch):
    adoption_adopt_all(centre=beilin, acting_user=None)
    monkeypatch.setattr("catalog.views.ITEMS_PAGE_SIZE", 2)
    client = centre_client(beilin)
    first = client.get("/catalogue/").content.decode()
    assert first.count("<tr data-code=") == 2 and "3 items handled here" in first and "Page 1 of 2" in first
    assert client.get("/catalogue/", {"page": "2"}).content.decode().count("<tr data-code=") == 1
