"""Catalogue files as real offices write them: WPS's wrong sheet size, phones typed as numbers with a
zero-padding format, numbers too long for Excel, and files of thousands of bad rows (the first 100
problems and the counts, never all of them), with limits on size that say what they are."""
from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook

from catalog.importers import COLUMNS, catalogue_import
from catalog.models import Item
from common.errors import ApplicationError
from tests.catalog.test_import_export import GOOD, SUB, as_csv

pytestmark = pytest.mark.django_db

PHONE = COLUMNS.index("contact_phone") + 1  # its column number in the sheet


@pytest.fixture
def departments(db):
    from catalog.models import Department

    Department.objects.create(code="SC", name_zh="市市场监督管理局", name_en="Market Regulation Bureau")


def workbook_of(rows: list[dict], *, formats: dict[str, str] | None = None,
                numbers: dict[str, object] | None = None) -> Workbook:
    """A sheet with the header and `rows`; `numbers` puts numeric values in columns, with `formats`."""
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([(numbers or {}).get(column, row.get(column, "")) for column in COLUMNS])
    for column, number_format in (formats or {}).items():
        for cells in sheet.iter_rows(min_row=2, min_col=COLUMNS.index(column) + 1,
                                     max_col=COLUMNS.index(column) + 1):
            cells[0].number_format = number_format
    return book


def saved(book: Workbook) -> io.BytesIO:
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def with_sheet(xlsx: io.BytesIO, change) -> io.BytesIO:
    """The same workbook with its first sheet's XML passed through `change` (bytes -> bytes)."""
    source = zipfile.ZipFile(xlsx)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, change(data) if info.filename == "xl/worksheets/sheet1.xml" else data)
    out.seek(0)
    return out


def as_wps(xlsx: io.BytesIO) -> io.BytesIO:
    """The same workbook with the sheet's size declared as WPS writes it: `<dimension ref="A1:A1"/>`."""

    def declare_one_cell(data: bytes) -> bytes:
        data, count = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:A1"/>', data)
        assert count == 1
        return data

    return with_sheet(xlsx, declare_one_cell)


def test_a_file_saved_by_wps_with_a_one_cell_size_imports_every_row(departments):
    items = catalogue_import(stream=as_wps(saved(workbook_of([GOOD, SUB]))), file_name="wps.xlsx", acting_user=None)
    assert [item.code for item in items] == [GOOD["code"], SUB["code"]]
    assert Item.objects.get(code=SUB["code"]).current_version.name_en == SUB["name_en"]


def test_a_phone_typed_as_a_number_keeps_the_leading_zero_the_cell_shows(departments):
    book = workbook_of([GOOD], numbers={"contact_phone": 2988886666, "legal_limit_days": 20},
                       formats={"contact_phone": "00000000000"})
    catalogue_import(stream=saved(book), file_name="phones.xlsx", acting_user=None)
    assert Item.objects.get(code=GOOD["code"]).current_version.contact_phone == "02988886666"


def test_a_number_longer_than_excel_keeps_refuses_the_row_naming_the_cell(departments):
    book = workbook_of([GOOD, {**GOOD, "code": "610100SC-XK-0102"}])
    book.active.cell(row=3, column=PHONE, value=610103199001011234)  # an identity number typed as a number
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        catalogue_import(stream=saved(book), file_name="long.xlsx", acting_user=None)
    letter = book.active.cell(row=3, column=PHONE).column_letter
    assert caught.value.extra["rows"] == [{"row": 3, "column": "contact_phone", "message": caught.value.extra[
        "rows"][0]["message"]}]
    assert f"Cell {letter}3" in caught.value.extra["rows"][0]["message"]
    assert "15 digits" in str(caught.value)
    assert not Item.objects.exists()


def test_thousands_of_bad_rows_are_answered_with_the_first_100_problems_and_the_counts(departments):
    bad = [{**GOOD, "code": f"610100SC-XK-{n:04d}", "category": "bogus"} for n in range(3000)]
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        catalogue_import(stream=as_csv(bad), file_name="bad.csv", acting_user=None)
    extra = caught.value.extra
    assert len(extra["rows"]) == 100
    assert [p["row"] for p in extra["rows"]] == list(range(2, 102))
    assert extra["problem_count"] == extra["bad_row_count"] == 3000
    assert "3000 rows have 3000 problems; the first 100 are listed" in str(caught.value)
    assert len(json.dumps(extra)) < 30_000


def test_a_file_past_the_limits_is_refused_saying_the_limit(departments, settings):
    settings.IMPORT_MAX_ROWS = 10
    rows = [{**GOOD, "code": f"610100SC-XK-{n:04d}"} for n in range(11)]
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        catalogue_import(stream=as_csv(rows), file_name="many.csv", acting_user=None)
    assert "more than 10 rows" in str(caught.value)

    settings.IMPORT_MAX_BYTES = 1024 * 1024
    big = as_csv([{**GOOD, "legal_basis": "x" * (1024 * 1024)}])
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        catalogue_import(stream=big, file_name="big.csv", acting_user=None)
    assert "larger than 1 MB" in str(caught.value)
    assert not Item.objects.exists()


# --- a large file goes to the worker, with a progress page -----------------------------------------

def test_a_large_file_goes_to_the_worker_and_its_page_shows_the_progress(
        departments, centre_client, make_user, city, settings, django_capture_on_commit_callbacks):
    from catalog.importers import catalogue_import_run
    from catalog.models import CatalogueImport
    from tenants.choices import Role

    settings.IMPORT_BACKGROUND_BYTES = 100  # this file is "large"
    admin = make_user((city, Role.CATALOGUE_ADMIN))
    client = centre_client(None, admin)
    upload = as_csv([GOOD, SUB])
    upload.name = "items.csv"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page = client.post("/catalogue/import/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 302
    assert len(callbacks) == 1  # the worker is asked once the import is committed
    job = CatalogueImport.objects.get()
    assert page["Location"] == f"/catalogue/imports/{job.pk}/"
    waiting = client.get(page["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<progress" in waiting and 'hx-trigger="every 1s"' in waiting and "Waiting for the worker" in waiting
    assert not Item.objects.exists()

    catalogue_import_run(job_id=job.pk)  # what the Celery task does

    fragment = client.get(page["Location"], HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<html" not in fragment and "hx-get" not in fragment  # polling stops
    assert "2 / 2" in fragment and "2 items imported" in fragment
    assert set(Item.objects.values_list("code", flat=True)) == {GOOD["code"], SUB["code"]}
    assert bytes(CatalogueImport.objects.get().content) == b""  # the file is not kept once read

    status = client.get(f"/api/v1/catalogue/imports/{job.pk}/").json()
    assert (status["stage"], status["created_count"], status["percent"]) == ("done", 2, 100)
    clerk = make_user((city, Role.WINDOW_CLERK))
    assert centre_client(None, clerk).get(f"/api/v1/catalogue/imports/{job.pk}/").status_code == 404
    assert centre_client(None, clerk).get(page["Location"]).status_code == 404


def test_a_large_bad_file_sent_to_the_api_reports_its_first_problems_in_the_senders_language(
        departments, centre_client, make_user, city, settings, django_capture_on_commit_callbacks):
    from catalog.importers import catalogue_import_run
    from tenants.choices import Role

    settings.IMPORT_BACKGROUND_BYTES = 100
    client = centre_client(None, make_user((city, Role.CATALOGUE_ADMIN)))
    upload = as_csv([{**GOOD, "code": f"610100SC-XK-{n:04d}", "category": "bogus"} for n in range(150)])
    upload.name = "bad.csv"
    with django_capture_on_commit_callbacks(execute=False):
        answer = client.post("/api/v1/catalogue/import/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 202, answer.json()
    catalogue_import_run(job_id=answer.json()["id"])

    status = client.get(answer.json()["status_url"]).json()
    assert status["stage"] == "failed"
    assert status["problem_count"] == 150 and len(status["problems"]) == 100
    assert status["error"].startswith("Nothing was imported: 150 rows have 150 problems; the first 100 are listed")
    assert not Item.objects.exists()


def with_blank_rows(xlsx: io.BytesIO, count: int) -> io.BytesIO:
    """The same workbook with `count` formatted blank rows below the data, as Excel and WPS keep them."""

    def add_blank_rows(data: bytes) -> bytes:
        last = max(int(n) for n in re.findall(rb'<row r="(\d+)"', data))
        blank = b"".join(b'<row r="%d" s="1" customFormat="1" ht="15"/>' % n
                         for n in range(last + 1, last + 1 + count))
        return data.replace(b"</sheetData>", blank + b"</sheetData>")

    return with_sheet(xlsx, add_blank_rows)


def test_a_small_xlsx_holding_many_blank_rows_goes_to_the_worker_by_its_unpacked_size(
        departments, centre_client, make_user, city, django_capture_on_commit_callbacks):
    """A 243 kB file with 1.7 million blank rows was read (twice) in the web request for 63 s."""
    from catalog.importers import catalogue_import_run
    from catalog.models import CatalogueImport
    from tenants.choices import Role

    upload = with_blank_rows(saved(workbook_of([GOOD, SUB])), 40_000)
    assert len(upload.getvalue()) < 256 * 1024 < 1024 * 1024 < sum(
        info.file_size for info in zipfile.ZipFile(upload).infolist())
    upload.seek(0)
    upload.name = "blank_rows.xlsx"
    client = centre_client(None, make_user((city, Role.CATALOGUE_ADMIN)))
    with django_capture_on_commit_callbacks(execute=False):
        page = client.post("/catalogue/import/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    job = CatalogueImport.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/catalogue/imports/{job.pk}/"
    assert not Item.objects.exists()
    catalogue_import_run(job_id=job.pk)
    assert set(Item.objects.values_list("code", flat=True)) == {GOOD["code"], SUB["code"]}


def test_blank_rows_past_the_cap_refuse_the_file_saying_to_delete_them(departments, settings):
    settings.IMPORT_MAX_ROWS = 100  # so 500 rows are read at most, blank ones included
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        catalogue_import(stream=with_blank_rows(saved(workbook_of([GOOD, SUB])), 600), file_name="blank.xlsx",
                         acting_user=None)
    assert "delete the blank rows below the data" in str(caught.value)
    assert not Item.objects.exists()


def test_one_bad_row_is_told_in_the_singular(departments):
    bad = {**GOOD, "category": "permit"}
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        catalogue_import(stream=saved(workbook_of([bad])), file_name="items.xlsx", acting_user=None)
    assert caught.value.extra["summary"] == "Nothing was imported: 1 row has problems (row 2)."


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-hans", "此文件不是 Excel 工作簿（.xlsx）；请另存为 .xlsx 或 CSV 文件后重试。"),
    ("en", "This file is not an Excel workbook (.xlsx); save it as .xlsx or CSV and try again.")])
def test_a_file_named_xlsx_that_is_not_a_workbook_is_told_in_the_users_language(departments, language, expected):
    """A CSV or a renamed document saved as `.xlsx`: the message is the project's, not the library's English."""
    with translation.override(language), pytest.raises(ApplicationError) as caught:
        catalogue_import(stream=io.BytesIO(b"code,name\n1,2\n"), file_name="fake.xlsx", acting_user=None)
    assert str(caught.value) == expected
    assert "zip" not in json.dumps(caught.value.extra, ensure_ascii=False)
    assert not Item.objects.exists()
