"""Every spreadsheet export goes through common.exports: no cell a spreadsheet would run as a formula."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from common.exports import csv_cell_value, csv_safe, csv_writer

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-5", "@SUM(A1)", "\tx", "\rx", "'x", "''=x", "plain", "", "中文"])
def test_csv_safe_is_undone_exactly_and_leaves_no_formula(value):
    written = csv_safe(value)
    assert written[:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert csv_cell_value(written) == value


def test_numbers_stay_numbers_and_the_writer_neutralises_every_text_cell():
    buffer = io.StringIO(newline="")
    writer = csv_writer(buffer)
    writer.writerow(["=cmd|' /C calc'!A0", -3, 2.5, None])
    writer.writerows([["@x", "ok"]])
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [["'=cmd|' /C calc'!A0", "-3", "2.5", ""],
                                                                 ["'@x", "ok"]]


def test_no_module_writes_csv_or_xlsx_rows_around_the_helper():
    """Guard: a new export written with `csv.writer` / `sheet.append(row)` directly is caught here."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "var/", "common/exports.py", "catalog/data/")):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"csv\.(writer|DictWriter)\(", text) or re.search(r"sheet\.append\((?!\[xlsx_cell)", text):
            offenders.append(relative)
    assert offenders == []
