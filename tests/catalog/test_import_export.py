"""Import and export of master items as CSV and Excel: every bad row and column reported and
nothing imported; an export imports back into an empty catalogue as the same items."""
from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import Workbook

from catalog.exporters import catalogue_export
from catalog.importers import COLUMNS, catalogue_import
from catalog.models import Department, Item, ItemVersion
from common.errors import ApplicationError
from tenants.choices import Role

pytestmark = pytest.mark.django_db

GOOD = {
    "code": "610100SC-XK-0101", "department_code": "SC", "category": "licence", "item_type": "XK", "kind": "main",
    "parent_code": "", "levels": "city;district", "name_zh": "食品经营许可", "name_en": "Food business licence",
    "legal_limit_days": "20", "promised_limit_days": "10", "is_immediate": "0", "visits_required": "1",
    "fee_yuan": "0", "legal_basis": "《食品安全法》第三十五条", "keywords": "餐饮,食品",
    "materials": "经营许可申请书 | Application | 1 | 0 | upload | 1\n营业执照 | Business licence | 0 | 1 | counter",
}
SUB = {**GOOD, "code": "610100SC-XK-0101-001", "kind": "sub", "parent_code": "610100SC-XK-0101",
       "name_zh": "食品经营许可（新办）", "name_en": "Food business licence (new)", "materials": ""}
HANDLING = {**SUB, "code": "610100SC-XK-0101-001-001", "kind": "handling", "parent_code": "610100SC-XK-0101-001",
            "name_zh": "食品经营许可（新办）网上办理", "name_en": "Online", "is_immediate": "是",
            "promised_limit_days": "0"}


@pytest.fixture
def departments(db):
    Department.objects.create(code="SC", name_zh="市市场监督管理局", name_en="Market Regulation Bureau")
    Department.objects.create(code="ZR", name_zh="市自然资源和规划局", name_en="Natural Resources Bureau")


def as_csv(rows: list[dict]) -> io.BytesIO:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), restval="")
    writer.writeheader()
    writer.writerows(rows)
    return io.BytesIO(buffer.getvalue().encode("utf-8-sig"))


def as_xlsx(rows: list[dict]) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row.get(column, "") for column in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


BAD_ROWS = [
    # handling item listed before its parents: fine, parents are created first
    HANDLING,
    {**GOOD, "code": "610100SC-XK-0102", "department_code": "QQ", "category": "licensing"},            # row 3
    GOOD,                                                                                             # row 4
    {**GOOD, "code": "610100SC-XK-0103", "legal_limit_days": "ten", "promised_limit_days": "5"},       # row 5
    {**GOOD, "code": "610100SC-XK-0104", "legal_limit_days": "5", "promised_limit_days": "8"},         # row 6
    {**SUB, "code": "610100SC-XK-0105-001", "parent_code": "610100SC-XK-0999"},                        # row 7
    {**SUB, "code": "610100SC-XK-0106-001", "parent_code": "610100SC-XK-0101-001"},                    # row 8
    SUB,                                                                                              # row 9
    {**GOOD, "code": "bad code", "levels": "city,galaxy"},                                             # row 10
]
EXPECTED_PROBLEMS = {
    (3, "department_code"), (3, "category"), (5, "legal_limit_days"), (6, "promised_limit_days"),
    (7, "parent_code"), (8, "parent_code"), (10, "code"), (10, "levels"),
}


@pytest.mark.parametrize(("name", "encode"), [("items.csv", as_csv), ("items.xlsx", as_xlsx)])
def test_every_bad_row_and_column_is_reported_and_nothing_imported(departments, name, encode):
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        catalogue_import(stream=encode(BAD_ROWS), file_name=name, acting_user=None)
    error = caught.value
    assert error.code == "catalog_invalid_file"
    assert {(p["row"], p["column"]) for p in error.extra["rows"]} == EXPECTED_PROBLEMS
    assert error.extra["bad_rows"] == [3, 5, 6, 7, 8, 10]
    assert "Row 6, column promised_limit_days" in str(error)
    assert "legal limit of 5 working days" in str(error)
    assert not Item.objects.exists()


def test_an_upload_with_bad_rows_answers_400_in_the_users_language(centre_client, make_user, departments, city):
    admin = make_user((city, Role.CATALOGUE_ADMIN))
    client = centre_client(None, admin)
    english = client.post("/api/v1/catalogue/import/", {"file": _named(as_csv(BAD_ROWS), "items.csv")},
                          HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.post("/api/v1/catalogue/import/", {"file": _named(as_csv(BAD_ROWS), "items.csv")},
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert english.status_code == chinese.status_code == 400
    assert english.json()["code"] == "catalog_invalid_file"
    assert len(english.json()["extra"]["rows"]) == len(EXPECTED_PROBLEMS)
    assert len(chinese.json()["extra"]["rows"]) == len(EXPECTED_PROBLEMS)
    assert not Item.objects.exists()
    # Messages follow the request's language (this one is in the zh_Hans catalogue already).
    wrong_type = [client.post("/api/v1/catalogue/import/", {"file": _named(io.BytesIO(b"x"), "items.pdf")},
                              HTTP_ACCEPT_LANGUAGE=language).json() for language in ("en", "zh-hans")]
    assert wrong_type[0]["code"] == wrong_type[1]["code"] == "catalog_invalid_file"
    assert wrong_type[0]["message"].startswith("Unsupported file type")
    assert wrong_type[1]["message"] != wrong_type[0]["message"]

    clerk = make_user((city, Role.WINDOW_CLERK))
    refused = centre_client(None, clerk).post("/api/v1/catalogue/import/",
                                              {"file": _named(as_csv([GOOD]), "items.csv")})
    assert refused.status_code == 403
    assert not Item.objects.exists()

    created = client.post("/api/v1/catalogue/import/", {"file": _named(as_xlsx([HANDLING, GOOD, SUB]), "x.xlsx")})
    assert created.status_code == 201, created.json()
    assert created.json()["created"] == 3


def _named(stream: io.BytesIO, name: str) -> io.BytesIO:
    stream.name = name
    return stream


def test_a_good_file_creates_items_with_a_published_version_parents_first(departments):
    items = catalogue_import(stream=as_csv([HANDLING, SUB, GOOD]), file_name="ok.csv", acting_user=None)
    assert [i.code for i in items] == [HANDLING["code"], SUB["code"], GOOD["code"]]
    main = Item.objects.select_related("current_version").get(code=GOOD["code"])
    assert main.levels == ["city", "district"]
    assert main.current_version.status == "published"
    assert main.current_version.promised_limit_days == 10
    assert [(m.name_zh, m.originals, m.copies, m.delivery) for m in main.current_version.materials.all()] == [
        ("经营许可申请书", 1, 0, "upload"), ("营业执照", 0, 1, "counter")]
    handling = Item.objects.get(code=HANDLING["code"])
    assert handling.parent.code == SUB["code"]
    assert handling.current_version.is_immediate


def test_a_missing_column_or_wrong_type_is_a_clear_error(departments):
    with pytest.raises(ApplicationError) as caught:
        catalogue_import(stream=io.BytesIO(b"code,name_zh\n1,2\n"), file_name="x.csv", acting_user=None)
    assert "legal_limit_days" in caught.value.extra["missing_columns"]
    with pytest.raises(ApplicationError):
        catalogue_import(stream=io.BytesIO(b"x"), file_name="x.pdf", acting_user=None)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_catalogue_reproduces_the_items(departments, file_format):
    catalogue_import(stream=as_csv([GOOD, SUB, HANDLING, {**GOOD, "code": "610100ZR-QR-0001",
                                                          "department_code": "ZR", "item_type": "QR",
                                                          "fee_yuan": "12.50", "materials": ""}]),
                     file_name="seed.csv", acting_user=None)
    before = snapshot()
    exported = catalogue_export(file_format=file_format)

    # Published materials are frozen (a trigger refuses DELETE): empty the catalogue by TRUNCATE.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE catalog_material, catalog_itemversion, catalog_item CASCADE")
    assert not Item.objects.exists()

    catalogue_import(stream=io.BytesIO(exported), file_name=f"export.{file_format}", acting_user=None)
    assert snapshot() == before
    assert catalogue_export(file_format=file_format) == exported or file_format == "xlsx"


def snapshot() -> dict:
    out = {}
    for item in Item.objects.select_related("current_version", "parent", "department"):
        version: ItemVersion = item.current_version
        out[item.code] = (
            item.department.code, item.category, item.item_type, item.kind, item.parent.code if item.parent else "",
            tuple(item.levels), item.keywords,
            tuple(getattr(version, f) for f in ("name_zh", "name_en", "legal_limit_days", "promised_limit_days",
                                                "is_immediate", "visits_required", "fee_yuan", "legal_basis")),
            tuple((m.name_zh, m.name_en, m.originals, m.copies, m.delivery, m.required)
                  for m in version.materials.all()))
    return out


def test_the_commands_and_the_download(tmp_path, departments, centre_client):
    source = tmp_path / "in.csv"
    source.write_bytes(as_csv([GOOD, SUB]).getvalue())
    call_command("import_catalogue", str(source), stdout=io.StringIO())
    assert Item.objects.count() == 2
    target = tmp_path / "out.xlsx"
    call_command("export_catalogue", str(target), stdout=io.StringIO())
    assert target.read_bytes()[:2] == b"PK"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(as_csv([{**GOOD, "code": "610100SC-XK-0201", "category": "?"}]).getvalue())
    with pytest.raises(CommandError, match="row 2, category"):
        call_command("import_catalogue", str(bad), "--language", "en")

    download = centre_client(None).get("/api/v1/catalogue/export.csv")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="catalogue.csv"'
    assert download.content.decode("utf-8-sig").splitlines()[0].startswith("code,department_code")
    assert centre_client(None).get("/api/v1/catalogue/export.xlsx").content[:2] == b"PK"
    assert centre_client(None).get("/api/v1/catalogue/export.pdf").status_code == 400


FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_formulas_are_not_exported_as_formulas_and_the_round_trip_keeps_the_values(departments, file_format):
    """Fault 8: a keyword `=HYPERLINK(...)` came out verbatim; now no cell runs as a formula in a spreadsheet,
    and export → import still gives back `=...`, `-5`, `@x` and `'quoted` as they were typed."""
    catalogue_import(stream=as_csv([
        {**GOOD, "keywords": FORMULA, "legal_basis": "@SUM(1+1)"},
        {**GOOD, "code": "610100ZR-QR-0001", "department_code": "ZR", "item_type": "QR", "keywords": "-5",
         "legal_basis": "'quoted", "materials": ""}]), file_name="seed.csv", acting_user=None)
    before = snapshot()
    exported = catalogue_export(file_format=file_format)
    if file_format == "csv":
        rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
        assert {row["keywords"] for row in rows} == {"'" + FORMULA, "'-5"}
        assert {row["legal_basis"] for row in rows} == {"'@SUM(1+1)", "''quoted"}
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(exported)).worksheets[0]
        cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value in (FORMULA, "-5")]
        assert len(cells) == 2
        assert all(cell.data_type == "s" for cell in cells)  # text, not a formula ("f")

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE catalog_material, catalog_itemversion, catalog_item CASCADE")
    catalogue_import(stream=io.BytesIO(exported), file_name=f"export.{file_format}", acting_user=None)
    assert snapshot() == before
    assert {item.keywords for item in Item.objects.all()} == {FORMULA, "-5"}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_exported_catalogue_imports_back_under_new_codes_with_the_same_structured_steps(departments, file_format):
    """Steps were exported as a Python dict's repr (`{'name_en': ...}`) and imported back as that text."""
    from catalog import services
    from catalog.demo import STEPS
    from catalog.exporters import item_row

    catalogue_import(stream=as_csv([GOOD]), file_name="seed.csv", acting_user=None)
    item = Item.objects.get(code=GOOD["code"])
    demo_steps = [{"name_zh": zh, "name_en": en} for zh, en in STEPS]  # as catalog.demo stores them
    version = services.version_create_draft(item=item, content={"steps": [*demo_steps, "Pay the fee"]},
                                            effective_from=item.current_version.effective_from, acting_user=None)
    services.version_publish(version=version, acting_user=None, today=version.effective_from)
    item.refresh_from_db()
    row = dict(zip(COLUMNS, item_row(item), strict=True))
    assert "{" not in row["steps"]

    exported = catalogue_export(file_format=file_format)
    if file_format == "csv":
        text = exported.decode("utf-8-sig").replace(GOOD["code"], "610100SC-XK-0999")
    else:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(exported))
        book.worksheets[0].cell(row=2, column=COLUMNS.index("code") + 1, value="610100SC-XK-0999")
        out = io.BytesIO()
        book.save(out)
    catalogue_import(stream=io.BytesIO(text.encode() if file_format == "csv" else out.getvalue()),
                     file_name=f"export.{file_format}", acting_user=None)
    assert Item.objects.get(code="610100SC-XK-0999").current_version.steps == [*demo_steps, "Pay the fee"]
