"""No character vanishes from the printed guide book: the CJK extensions print in a fallback face,
and what no face has is refused when saved, naming the character and the field."""
from __future__ import annotations

import datetime as dt
import os

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.utils import translation

from catalog.error_codes import CatalogErrorCode
from catalog.importers import catalogue_import
from catalog.models import Adoption, Department, ItemVersion
from catalog.services import adoption_create, adoption_update, version_create_draft, version_publish
from common.errors import ApplicationError
from common.glyphs import missing_fallback_faces, unprintable_characters
from tenants.validation import validate_centre_names
from tests.catalog.test_import_export import GOOD, as_csv
from tests.catalog.test_views import _pdf_text

pytestmark = pytest.mark.django_db

#: U+21243, CJK Extension B, in village names: Noto Sans CJK SC lacks it, HanaMin B has it.
VILLAGE = "\U00021243"
VILLAGE_ITEM = f"{VILLAGE}村道路占用审批"
#: U+2EBF0, the first of CJK Extension I: no face here has it.
NO_FACE = "\U0002EBF0"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _public_schema():
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def fallback_faces():
    """The Debian fonts (README: `apt-get install fonts-hanazono fonts-babelstone-han`)."""
    missing = missing_fallback_faces()
    if missing and os.environ.get("GOVSERVICE_REQUIRE_FONTS") != "1":
        pytest.skip(f"fallback fonts not installed: {', '.join(missing)}")
    assert not missing, f"fallback fonts not installed: {', '.join(missing)}"


def rename(item, name_zh: str) -> None:
    version = version_create_draft(item=item, content={"name_zh": name_zh}, effective_from=dt.date(2020, 1, 2),
                                   acting_user=None)
    version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 2))


def test_the_characters_used_here_are_what_they_claim(fallback_faces):
    assert unprintable_characters(VILLAGE_ITEM) == []
    assert unprintable_characters(f"a{NO_FACE}b{NO_FACE}") == ["U+2EBF0 \U0002EBF0"]


# --- printing ---------------------------------------------------------------------------------------

def test_an_item_named_with_an_extension_b_character_prints_it(fallback_faces, centre_client, item, beilin):
    rename(item, VILLAGE_ITEM)
    response = centre_client(beilin).get("/catalogue/guidebook.pdf", **ZH)
    assert response.status_code == 200
    data = response.content
    assert b"HanaMin" in data  # the fallback face is embedded (subset)
    text = _pdf_text(data).replace(" ", "")
    assert VILLAGE_ITEM in text  # the contents table and the guide's title, the first character kept


def test_a_book_without_such_characters_does_not_embed_the_fallback_faces(centre_client, item, beilin):
    data = centre_client(beilin).get("/catalogue/guidebook.pdf", **ZH).content
    assert b"NotoSansCJK" in data and b"HanaMin" not in data and b"BabelStone" not in data


def test_text_saved_before_the_check_prints_its_code_point_instead_of_vanishing(centre_client, item, beilin):
    Adoption.objects.filter(centre=beilin, item=item).update(window=f"A{NO_FACE}7")  # written past the services
    text = _pdf_text(centre_client(beilin).get("/catalogue/guidebook.pdf", **ZH).content).replace(" ", "")
    assert "A[U+2EBF0]7" in text


# --- refused when saved ---------------------------------------------------------------------------

def test_a_version_whose_name_no_face_can_print_is_refused_naming_the_character_and_the_field(item):
    with pytest.raises(ApplicationError) as error:
        version_create_draft(item=item, content={"name_zh": f"{NO_FACE}村道路占用审批",
                                                 "steps": [{"name_zh": f"受理{NO_FACE}"}]},
                             effective_from=dt.date(2020, 1, 2), acting_user=None)
    assert error.value.code == CatalogErrorCode.INVALID_VERSION
    assert "U+2EBF0" in str(error.value) and "name (Chinese)" in str(error.value)
    assert set(error.value.extra["fields"]) == {"name_zh", "steps"}
    assert "process steps" in error.value.extra["fields"]["steps"][0]
    assert ItemVersion.objects.filter(item=item).count() == 1


def test_a_material_no_face_can_print_is_refused(item):
    with pytest.raises(ApplicationError) as error:
        version_create_draft(item=item, content={}, materials=[{"name_zh": f"村{NO_FACE}证明", "name_en": "x"}],
                             effective_from=dt.date(2020, 1, 2), acting_user=None)
    assert "U+2EBF0" in error.value.extra["fields"]["materials"][0]
    assert "materials" in error.value.extra["fields"]["materials"][0]


def test_the_message_is_in_the_users_language(item):
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as error:
        version_create_draft(item=item, content={"name_zh": NO_FACE}, effective_from=dt.date(2020, 1, 2),
                             acting_user=None)
    assert "U+2EBF0" in str(error.value) and "无法打印" in str(error.value)


def test_an_extension_b_name_is_accepted(fallback_faces, item):
    rename(item, VILLAGE_ITEM)
    item.refresh_from_db()
    assert item.current_version.name_zh == VILLAGE_ITEM


def test_a_centres_window_and_department_are_checked_on_adoption_and_on_change(item, beilin, yanta):
    adoption = Adoption.objects.get(centre=beilin, item=item)
    with pytest.raises(ApplicationError) as error:
        adoption_update(adoption=adoption, acting_user=None, window=f"A{NO_FACE}")
    assert error.value.code == CatalogErrorCode.UNPRINTABLE_TEXT
    assert "U+2EBF0" in str(error.value) and "window" in str(error.value)
    with pytest.raises(ApplicationError) as error:
        adoption_create(centre=yanta, item=item, acting_user=None, department_name=f"{NO_FACE}街道办")
    assert set(error.value.extra["fields"]) == {"department_name"}
    assert not Adoption.objects.filter(centre=yanta).exists()


def test_the_api_refuses_it_with_the_code_and_the_message(centre_client, make_user, item, city):
    from tenants.choices import Role

    client = centre_client(None, make_user((city, Role.CATALOGUE_ADMIN)))
    response = client.post(f"/api/v1/catalogue/items/{item.code}/versions/",
                           {"name_zh": f"{NO_FACE}审批", "steps": ["受理", f"审查{NO_FACE}"]},
                           content_type="application/json", **ZH)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == CatalogErrorCode.INVALID_VERSION
    assert "U+2EBF0" in body["message"] and set(body["extra"]["fields"]) == {"name_zh", "steps"}


def test_the_importer_reports_the_row_and_the_column(departments_for_import):
    rows = [{**GOOD, "name_zh": f"{NO_FACE}食品经营许可",
             "materials": f"申请书{NO_FACE} | Application | 1 | 0 | upload | 1"}]
    with pytest.raises(ApplicationError) as error:
        catalogue_import(stream=as_csv(rows), file_name="items.csv", acting_user=None)
    problems = {(p["row"], p["column"]) for p in error.value.extra["rows"]}
    assert problems == {(2, "name_zh"), (2, "materials")}
    assert "U+2EBF0" in str(error.value)


@pytest.fixture
def departments_for_import(db):
    Department.objects.create(code="SC", name_zh="市市场监督管理局", name_en="Market Regulation Bureau")


def test_the_admin_refuses_it_on_the_field(make_user):
    from tenants.models import User

    user = User.objects.create_superuser("root-print", password="pw-12345-xyz")
    request = RequestFactory().get("/")
    request.user = user
    form_class = admin.site._registry[Department].get_form(request)
    form = form_class(data={"code": "ZZ", "name_zh": f"{NO_FACE}局", "name_en": "Bureau", "phone": "", "address": ""})
    assert not form.is_valid()
    assert "U+2EBF0" in form.errors["name_zh"][0]


def test_a_centre_name_no_face_can_print_is_refused():
    errors = validate_centre_names(name_zh=f"{NO_FACE}街道", name_en="Street")
    assert "U+2EBF0" in errors.fields["name_zh"][0]
    assert not validate_centre_names(name_zh="南院门街道", name_en="Nanyuanmen")


# --- what has no visible form, accents, private use and emoji --------------------------------------

#: As typed: an ideographic variation selector (U+E0100) after 葛, VS16 after ❤, a zero-width joiner.
INVISIBLE = {"测葛\U000E0100试IVS": "测葛试IVS", "测❤\uFE0F试VS16": "测❤试VS16", "测\u200D试ZWJ": "测试ZWJ"}


def test_invisible_characters_are_left_out_of_the_page_not_printed_as_boxes(fallback_faces, centre_client, item,
                                                                            beilin):
    typed = list(INVISIBLE)
    version = version_create_draft(item=item, content={"name_zh": typed[0], "steps": [{"name_zh": typed[1]},
                                                                                      {"name_zh": typed[2]}]},
                                   effective_from=dt.date(2020, 1, 2), acting_user=None)
    version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 2))
    item.refresh_from_db()
    assert item.current_version.name_zh == typed[0]  # stored as typed
    text = _pdf_text(centre_client(beilin).get("/catalogue/guidebook.pdf", **ZH).content).replace(" ", "")
    for printed in INVISIBLE.values():
        assert printed in text  # no box ("VS17", "VS16", "ZWJ") between the characters
    assert not {"\U000E0100", "\uFE0F", "\u200D"} & set(text)


def test_an_accent_typed_after_its_letter_prints_on_it(centre_client, item, beilin):
    rename(item, "测e\u0301试")
    data = centre_client(beilin).get("/catalogue/guidebook.pdf", **ZH).content
    text = _pdf_text(data).replace(" ", "")
    assert "测\u00e9试" in text  # the precomposed é, not e then an accent set over 试
    assert "\u0301" not in text


def test_an_accent_with_no_precomposed_letter_is_refused(item):
    with pytest.raises(ApplicationError) as error:
        version_create_draft(item=item, content={"name_zh": "测q\u0301试"}, effective_from=dt.date(2020, 1, 2),
                             acting_user=None)
    message = error.value.extra["fields"]["name_zh"][0]
    assert "U+0301" in message and "name (Chinese)" in message and "accent" in message


@pytest.mark.parametrize(("char", "words"), [("\uE000", "private-use"), ("\U000F0001", "private-use"),
                                             ("\U0001F600", "emoji")])
def test_private_use_characters_and_emoji_are_refused_naming_the_field_and_the_character(item, char, words):
    with pytest.raises(ApplicationError) as error:
        version_create_draft(item=item, content={"name_zh": f"测{char}试", "steps": [{"name_zh": "受理"}]},
                             effective_from=dt.date(2020, 1, 2), acting_user=None)
    assert set(error.value.extra["fields"]) == {"name_zh"}
    message = error.value.extra["fields"]["name_zh"][0]
    assert f"U+{ord(char):04X}" in message and "name (Chinese)" in message and words in message
    assert ItemVersion.objects.filter(item=item).count() == 1


def test_private_use_and_emoji_saved_before_the_check_print_as_code_points_not_a_fonts_guess(
        fallback_faces, centre_client, item, beilin):
    Adoption.objects.filter(centre=beilin, item=item).update(window="A\uE000B\U0001F6007")
    data = centre_client(beilin).get("/catalogue/guidebook.pdf", **ZH).content
    assert "A[U+E000]B[U+1F600]7" in _pdf_text(data).replace(" ", "")
    assert b"BabelStone" not in data


def test_centre_names_refuse_emoji_too():
    errors = validate_centre_names(name_zh="南院门街道\U0001F600", name_en="Nanyuanmen")
    assert "U+1F600" in errors.fields["name_zh"][0]
