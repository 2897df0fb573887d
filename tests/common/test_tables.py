"""What a cell shows, as the imports read it (`common.tables`): number formats reproduced, numbers
Excel cannot hold refused, days written as offices write them."""
from __future__ import annotations

import datetime as dt

import pytest

from common.tables import CellUnreadable, parse_day, shown_text


@pytest.mark.parametrize(("value", "number_format", "shown"), [
    (2988886666, "00000000000", "02988886666"),
    (2988886666.0, "00000000000", "02988886666"),
    (610103, "@", "610103"),
    (13012345678, "General", "13012345678"),
    (1.3e10, "General", "13000000000"),
    (12.5, "General", "12.5"),
    (5, "0.00", "5.00"),
    (1234567.891, "#,##0.00", "1,234,567.89"),
    (3.1, "0.0#", "3.1"),
    (42, '"Tel "0', "Tel 42"),
    (42, "0_ ", "42"),
    (-42, r"0_);[Red]\(0\)", "(42)"),
    (42, "[$-804]General", "42"),
    (dt.datetime(2027, 1, 1), "yyyy/m/d", "2027-01-01"),  # noqa: DTZ001 - an Excel date has no zone
    (" 029-8888 ", "@", "029-8888"),
])
def test_a_text_cell_reads_as_the_cell_shows_it(value, number_format, shown):
    assert shown_text(value, number_format) == shown


@pytest.mark.parametrize(("value", "number_format"), [
    (610103199001011234, "0"),          # an identity number typed as a number: Excel kept 15 digits
    (6.10103199001011e17, "General"),
    (2988886666, "000-0000-0000"),      # digits spread over literal text: not reproduced, not guessed
    (0.5, "0%"),
])
def test_a_cell_whose_shown_value_cannot_be_recovered_is_refused(value, number_format):
    with pytest.raises(CellUnreadable):
        shown_text(value, number_format)


@pytest.mark.parametrize("text", ["2027-01-01", "2027/1/1", "2027.1.1", "2027年1月1日", "２０２７年１月１日",
                                  "２０２７／０１／０１", "20270101", " 2027-1-1 "])
def test_a_day_is_read_in_the_forms_offices_write(text):
    assert parse_day(text) == dt.date(2027, 1, 1)


@pytest.mark.parametrize("text", ["2027-13-01", "1/1/2027", "next monday", ""])
def test_anything_else_is_not_a_day(text):
    assert parse_day(text) is None


# --- what a file holds, not what it weighs (fault 1, 2 and 4 of issue 13's review) -----------------

def _xlsx(rows: list[list[str]], *, blank_rows: int = 0, header_cell_bytes: int = 0) -> bytes:
    """A workbook of `rows`, followed by `blank_rows` formatted blank `<row>` elements (as Excel and WPS
    keep them), its first header cell holding `header_cell_bytes` more letters (a zip bomb when large)."""
    import io
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    saved = io.BytesIO()
    book.save(saved)
    out = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with target.open(info.filename, "w", force_zip64=True) as part:
                if header_cell_bytes:
                    head = head.replace(b'<c r="A1" t="inlineStr"><is><t>', b"", 1)  # written below
                    before, after = head.split(b"<row r=\"1\"", 1)
                    part.write(before + b'<row r="1"><c r="A1" t="inlineStr"><is><t>')
                    for _ in range(header_cell_bytes // (1 << 20)):
                        part.write(b"A" * (1 << 20))
                    part.write(b"</t></is></c></row>")
                    head = b"<row r=\"1\"" + after
                    head = head[head.index(b"</row>") + len(b"</row>"):]
                part.write(head)
                for number in range(len(rows) + 1, len(rows) + 1 + blank_rows):
                    part.write(b'<row r="%d" s="1" customFormat="1" ht="15"/>' % number)
                part.write(b"</sheetData>" + tail)
    return out.getvalue()


def _open(raw: bytes, name: str, **kwargs):
    import io

    from common.tables import open_table

    return open_table(io.BytesIO(raw), name, required=("code",), error_code="test_invalid_file", **kwargs)


@pytest.mark.parametrize(("raw", "name"), [(b"", "empty.csv"), (b"", "empty.xlsx"), (b"\r\n\r\n", "blank.csv"),
                                           (b"\xef\xbb\xbf", "bom.csv"), (_xlsx([]), "blank.xlsx")])
def test_an_empty_file_is_told_it_is_empty_not_that_its_header_lacks_columns(raw, name):
    from django.utils import translation

    from common.errors import ApplicationError

    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        _open(raw, name)
    assert caught.value.message == "The file is empty."
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as caught:
        _open(raw, name)
    assert caught.value.message == "文件是空的。"


def test_formatted_blank_rows_count_towards_a_cap_and_past_it_the_file_is_refused_not_cut(settings):
    from django.utils import translation

    from common.errors import ApplicationError

    settings.IMPORT_MAX_ROWS = 10  # so at most 50 rows are read, blank ones included
    rows = [["code"], ["A-1"], ["A-2"]]
    with _open(_xlsx(rows, blank_rows=40), "some_blank.xlsx") as table:
        assert [row.values["code"] for row in table.rows()] == ["A-1", "A-2"]
    with _open(_xlsx(rows, blank_rows=60), "many_blank.xlsx") as table, translation.override("en"), \
            pytest.raises(ApplicationError) as caught:
        list(table.rows())
    assert "more than 50 rows counting the blank ones" in caught.value.message
    assert "delete the blank rows below the data" in caught.value.message


def test_an_xlsx_holding_a_huge_cell_is_refused_by_its_unpacked_size_before_it_is_parsed(settings):
    import tracemalloc

    from django.utils import translation

    from common.errors import ApplicationError
    from common.tables import unpacked_size

    settings.IMPORT_MAX_UNPACKED_BYTES = 4 * 1024 * 1024
    bomb = _xlsx([["code"], ["A-1"]], header_cell_bytes=6 * 1024 * 1024)  # 6 MB of "A" in cell A1
    assert len(bomb) < 40_000
    import io

    assert unpacked_size(io.BytesIO(bomb), "bomb.xlsx") > 6 * 1024 * 1024
    tracemalloc.start()
    try:
        with translation.override("en"), pytest.raises(ApplicationError) as caught:
            _open(bomb, "bomb.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.message.startswith("The Excel file holds 6 MB when unpacked, more than the 4 MB")
    assert peak < 1024 * 1024  # the cell was never unpacked
