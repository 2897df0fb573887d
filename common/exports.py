"""Spreadsheet exports that a spreadsheet program will not run as formulas (CSV/formula injection).

Every CSV and Excel file the platform writes goes through this module:

- `csv_writer(stream)` wraps `csv.writer`; each text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return (what Excel, LibreOffice and Google Sheets take for a formula) is written with a ``'``
  in front, as OWASP advises. A text cell that already starts with ``'`` gets one more, so the change
  can be undone exactly (`csv_cell_value`); numbers (int, float, Decimal) are written as they are.
- `xlsx_cell(sheet, value)` makes a write-only openpyxl cell that is always *text* (never a formula),
  marked with Excel's quote prefix; its value is not changed.

A file that is read back by the platform (the catalogue's import) undoes the CSV prefix with
`csv_cell_value`, so export → import gives back the same values.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

#: The first characters that make a spreadsheet program read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


def csv_safe(value: Any) -> Any:
    """`value` as it is written to a CSV cell: text that a spreadsheet would run gets a leading ``'``
    (and text already starting with ``'`` one more); anything that is not text is returned unchanged."""
    if isinstance(value, str) and value[:1] in (*FORMULA_TRIGGERS, QUOTE):
        return QUOTE + value
    return value


def csv_cell_value(text: str) -> str:
    """Undo `csv_safe` on a cell read back from a CSV file the platform wrote: ``'=x`` → ``=x``,
    ``''x`` → ``'x``; any other text is returned unchanged."""
    if text[:1] == QUOTE and text[1:2] in (*FORMULA_TRIGGERS, QUOTE):
        return text[1:]
    return text


class SafeCsvWriter:
    """`csv.writer` whose rows pass through `csv_safe` (same `writerow`/`writerows`)."""

    def __init__(self, stream: _Writable, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_safe(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: _Writable, **kwargs: Any) -> SafeCsvWriter:
    """A CSV writer on `stream` (a file, `io.StringIO` or an `HttpResponse`) that neutralises formulas."""
    return SafeCsvWriter(stream, **kwargs)


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """A cell for a write-only openpyxl `sheet` (`sheet.append([...cells])`): text is stored as text,
    never as a formula (openpyxl would otherwise write ``=...`` as one), with Excel's quote prefix so
    that editing the cell in Excel keeps it text; other values are stored as they are."""
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415 - 120 ms to import, only for an Excel file

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value[:1] in FORMULA_TRIGGERS:
            cell.quotePrefix = True
    return cell
