"""Tables from uploaded files (.csv or .xlsx), read as offices write them. One reader for every import.

- A CSV is UTF-8 (with or without BOM) or GB18030 (`common.textfiles.decode_upload`); a cell the
  platform's own export prefixed with ' (so that no spreadsheet runs it) has the prefix undone.
- An Excel file's first sheet is read cell by cell, whatever size the sheet declares: WPS writes
  `<dimension ref="A1:A1"/>` for a full sheet, which openpyxl's read-only mode would otherwise trust.
- A *text column* (a phone number, a code, a name) takes what the cell shows, not the number behind
  it: `2988886666` formatted `00000000000` is `02988886666`; `@`, `0`, `0.00`, `#,##0`, literal
  prefixes and suffixes (`"Tel "0`) are reproduced. A number Excel cannot hold exactly (more than 15
  digits, e.g. an identity card number typed as a number) or shown in a format the reader does not
  reproduce (`0%`, `0.00E+00`, fractions) is not guessed: the row carries a problem naming the cell
  (`B7`). A date in a text column is written `2027-01-01` (`2027-01-01 09:30` with a time).
- Other columns take the value: whole numbers without `.0`, dates as above.
- Limits: `settings.IMPORT_MAX_BYTES` per file and `settings.IMPORT_MAX_ROWS` data rows; past either
  the file is refused with a sentence saying the limit. An .xlsx is a zip: what it holds unpacked (the
  sizes its directory declares, which `zipfile` never reads past) is checked against
  `settings.IMPORT_MAX_UNPACKED_BYTES` before anything is parsed, so a small file holding a 300 MB cell
  or millions of formatted blank rows costs nothing. Every physical row read, blank ones included,
  counts against `BLANK_ROWS_FACTOR` x the row limit: past it the file is refused (never cut short),
  asking for the blank rows below the data to be deleted.
- An empty file (or one whose first row and every other row are blank) is refused as empty.

Rows are read lazily and may be read again (`Table.rows()` twice reads the file twice), so an
import can check a whole file in bounded memory.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _

from common.errors import ApplicationError
from common.exports import csv_cell_value
from common.textfiles import decode_upload

EXACT_DIGITS = 15  # Excel keeps 15 significant digits of a number
BLANK_ROWS_FACTOR = 5  # rows read, blank ones included, may be this many times the data-row limit


@dataclass
class TableRow:
    """One non-empty data row: `number` as the spreadsheet shows it (the header is row 1)."""

    number: int
    values: dict[str, str]
    problems: dict[str, str] = field(default_factory=dict)  # column -> why its cell cannot be read


class CellUnreadable(Exception):
    """The value a cell shows cannot be recovered faithfully."""


class Table:
    """The header and the rows of an uploaded table; use as a context manager (an Excel file stays open)."""

    def __init__(self, *, header: list[str], text_columns: Collection[str], max_rows: int, error_code: str,
                 text: str | None = None, workbook: Any = None) -> None:
        self.header = header
        self._text_columns = set(text_columns)
        self._max_rows = max_rows
        self._error_code = error_code
        self._text = text
        self._workbook = workbook

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()

    def rows(self) -> Iterator[TableRow]:
        """Every non-empty data row, in order; past `max_rows` data rows, or past `BLANK_ROWS_FACTOR` times
        that many rows read (blank ones included: Excel and WPS keep formatted blank rows), the file is refused."""
        source = self._csv_rows() if self._text is not None else self._xlsx_rows()
        count = 0
        most_read = self._max_rows * BLANK_ROWS_FACTOR
        for read, row in enumerate(source, start=1):
            if read > most_read:
                raise ApplicationError(
                    _("The file has more than %(limit)d rows counting the blank ones (a spreadsheet keeps formatted "
                      "blank rows): delete the blank rows below the data and send it again.") % {"limit": most_read},
                    self._error_code, {"max_rows_read": most_read})
            if not any(row.values.values()) and not row.problems:
                continue
            count += 1
            if count > self._max_rows:
                raise ApplicationError(
                    _("The file has more than %(limit)d rows: split it into files of at most %(limit)d rows.")
                    % {"limit": self._max_rows}, self._error_code, {"max_rows": self._max_rows})
            yield row

    def holds_anything(self) -> bool:
        """Whether any cell below the header holds something (whatever the header says); blank rows past
        `BLANK_ROWS_FACTOR` times the row limit are not read."""
        if self._text is not None:
            cells: Iterator[Sequence[Any]] = csv.reader(io.StringIO(self._text, newline=""))
        else:
            cells = _first_sheet(self._workbook).iter_rows(min_row=1, values_only=True)
        for read, row in enumerate(cells):
            if read > self._max_rows * BLANK_ROWS_FACTOR:
                break
            if any(plain_text(value) for value in row):
                return True
        return False

    def _csv_rows(self) -> Iterator[TableRow]:
        reader = csv.reader(io.StringIO(self._text, newline=""))
        next(reader, None)
        # Rows numbered as a spreadsheet shows them (a quoted cell may span several physical lines).
        for number, cells in enumerate(reader, start=2):
            yield TableRow(number, {column: csv_cell_value(cells[i]).strip() if i < len(cells) else ""
                                    for i, column in enumerate(self.header) if column})

    def _xlsx_rows(self) -> Iterator[TableRow]:
        from openpyxl.utils import get_column_letter  # noqa: PLC0415 - only for an Excel file

        sheet = _first_sheet(self._workbook)
        letters = [get_column_letter(i + 1) for i in range(len(self.header))]
        for number, cells in enumerate(sheet.iter_rows(min_row=2, min_col=1), start=2):
            row = TableRow(number, {})
            for i, column in enumerate(self.header):
                if not column:
                    continue
                cell = cells[i] if i < len(cells) else None
                value = getattr(cell, "value", None)
                try:
                    row.values[column] = (shown_text(value, getattr(cell, "number_format", "General"))
                                          if column in self._text_columns else plain_text(value))
                except CellUnreadable as exc:
                    row.values[column] = ""
                    row.problems[column] = _("Cell %(cell)s: %(problem)s") % {"cell": f"{letters[i]}{number}",
                                                                              "problem": exc}
            yield row


def open_table(stream: BinaryIO, file_name: str, *, required: Sequence[str], error_code: str,
               text_columns: Collection[str] = (), max_bytes: int | None = None,
               max_rows: int | None = None) -> Table:
    """Open an uploaded .csv or .xlsx table and check its header names every `required` column."""
    max_bytes = max_bytes or settings.IMPORT_MAX_BYTES
    max_rows = max_rows or settings.IMPORT_MAX_ROWS
    name = (file_name or "").lower()
    if not name.endswith((".csv", ".xlsx")):
        raise ApplicationError(_("Unsupported file type: upload a .csv or .xlsx file."), error_code,
                               {"fields": {"file": [file_name]}})
    raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ApplicationError(
            _("The file is larger than %(size)d MB.") % {"size": max_bytes // (1024 * 1024)}, error_code,
            {"max_bytes": max_bytes})
    if not raw:
        raise _empty(error_code)
    if name.endswith(".csv"):
        text = decode_upload(raw, error_code=error_code)
        first = next(csv.reader(io.StringIO(text, newline="")), [])
        table = Table(header=[h.strip() for h in first], text_columns=text_columns, max_rows=max_rows,
                      error_code=error_code, text=text)
    else:
        table = _open_xlsx(raw, text_columns=text_columns, max_rows=max_rows, error_code=error_code)
    if not any(table.header):
        try:
            blank = not table.holds_anything()
        finally:
            table.close()
        raise _empty(error_code) if blank else ApplicationError(
            _("The file's first row is blank: put the column names (the header) in the first row."), error_code,
            {"fields": {"file": list(required)}, "missing_columns": list(required)})
    missing = [column for column in required if column not in table.header]
    if missing:
        table.close()
        raise ApplicationError(
            _("The file's header lacks the columns: %(missing)s.") % {"missing": ", ".join(missing)},
            error_code, {"fields": {"file": missing}, "missing_columns": missing})
    return table


def _empty(error_code: str) -> ApplicationError:
    return ApplicationError(_("The file is empty."), error_code, {"fields": {"file": [_("The file is empty.")]}})


def unpacked_size(stream: BinaryIO, file_name: str) -> int:
    """What reading an upload costs, in bytes: an .xlsx's parts as they unpack (the sizes its zip's
    directory declares: `zipfile` never unpacks more), any other file's own size. The stream is left
    at its start. A file that is not a zip counts its own size (opening it says what is wrong)."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if (file_name or "").lower().endswith(".xlsx"):
        try:
            with zipfile.ZipFile(stream) as archive:
                size = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError, EOFError):
            pass
        stream.seek(0)
    return size


def _open_xlsx(raw: bytes, *, text_columns: Collection[str], max_rows: int, error_code: str) -> Table:
    from openpyxl import load_workbook  # noqa: PLC0415 - 120 ms to import, only for an Excel file

    unpacked = unpacked_size(io.BytesIO(raw), ".xlsx")
    limit = settings.IMPORT_MAX_UNPACKED_BYTES
    if unpacked > limit:
        raise ApplicationError(
            _("The Excel file holds %(size)s MB when unpacked, more than the %(limit)s MB an import reads: keep only "
              "the table (delete blank rows and columns below and beside the data, pictures and other sheets), or "
              "save it as CSV.") % {"size": f"{unpacked / 2**20:.0f}", "limit": f"{limit / 2**20:g}"},
            error_code, {"max_unpacked_bytes": limit, "unpacked_bytes": unpacked})
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheet = _first_sheet(workbook)
        first = next(sheet.iter_rows(min_row=1, max_row=1, min_col=1, values_only=True), ())
    except Exception as exc:  # not a zip, a zip without a workbook, a damaged one: the library's English stays out
        message = _("This file is not an Excel workbook (.xlsx); save it as .xlsx or CSV and try again.")
        raise ApplicationError(message, error_code, {"fields": {"file": [message]}}) from exc
    return Table(header=[plain_text(h) for h in first], text_columns=text_columns, max_rows=max_rows,
                 error_code=error_code, workbook=workbook)


def _first_sheet(workbook: Any) -> Any:
    sheet = workbook.worksheets[0]
    # The declared size (`<dimension>`) is a hint some writers get wrong (WPS: A1:A1); read the real cells.
    sheet.reset_dimensions()
    return sheet


# --- a cell as a day ------------------------------------------------------------------------------

_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
DAY_FORMS = "2027-01-01, 2027/1/1, 2027.1.1, 2027年1月1日"


def parse_day(text: str) -> dt.date | None:
    """A day written as offices write it (`DAY_FORMS`, also `20270101` and full-width digits); None if not."""
    text = unicodedata.normalize("NFKC", text).strip()  # full-width digits and ／－． become ASCII
    match = _DAY.fullmatch(text)
    parts = match.groups() if match else (text[:4], text[4:6], text[6:]) if re.fullmatch(r"\d{8}", text) else None
    if parts is None:
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


# --- a cell as text --------------------------------------------------------------------------------

def plain_text(value: object) -> str:
    """A cell's value as text: whole numbers without `.0`, dates as ISO, text stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(str(value)), "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


_LITERAL = re.compile(r'"([^"]*)"|\\(.)|_.|\*.|\[[^\]]*\]')
_NUMBER_CORE = re.compile(r"^([#0,]*0[#0,]*|#[#,]*)(?:\.([0#]+))?$")


def shown_text(value: object, number_format: str | None) -> str:
    """What the cell shows, for a text column; `CellUnreadable` when that cannot be recovered."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return plain_text(value)
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if len(number.to_integral_value().as_tuple().digits) > EXACT_DIGITS or (
            isinstance(value, float) and abs(value) >= 10 ** EXACT_DIGITS):
        raise CellUnreadable(_("the number %(value)s has more than %(digits)d digits, which Excel does not keep "
                               "exactly; type it as text (format the column as Text, or start it with ').")
                             % {"value": f"{value:.15G}" if isinstance(value, float) else value,
                                "digits": EXACT_DIGITS})
    form = _number_form(number_format or "General", negative=number < 0)
    if form is None:
        raise CellUnreadable(_("it shows a number in the format “%(format)s”, which the import does not reproduce; "
                               "type the value as text.") % {"format": number_format})
    if isinstance(form, str):  # "General"
        return plain_text(value)
    prefix, core, suffix = form
    return f"{prefix}{_apply_core(abs(number), core)}{suffix}"


def _number_form(number_format: str, *, negative: bool) -> str | tuple[str, str, str] | None:
    """`"General"`, or (literal prefix, numeric core, literal suffix), or None (not reproduced)."""
    sections = _split_sections(number_format)
    section = sections[1] if negative and len(sections) > 1 else sections[0]
    if _LITERAL.sub("", section).strip() in ("General", "@", ""):
        return "General"
    before: list[str] = []
    after: list[str] = []
    core = ""
    position = 0
    for match in [*_LITERAL.finditer(section), None]:
        text = section[position:match.start() if match else len(section)].strip()
        if text:
            if core and after:  # the number is interrupted by literal text (`000-0000`): not reproduced
                return None
            core += text
        if match is None:
            break
        position = match.end()
        literal = match.group(1) if match.group(1) is not None else (match.group(2) or "")
        (after if core else before).append(literal)
    if not _NUMBER_CORE.match(core):
        return None
    prefix = "".join(before)
    if negative and len(sections) == 1:
        prefix = "-" + prefix
    return prefix, core, "".join(after)


def _split_sections(number_format: str) -> list[str]:
    sections: list[str] = []
    current: list[str] = []
    quoted = False
    for char in number_format:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            sections.append("".join(current))
            current = []
        else:
            current.append(char)
    sections.append("".join(current))
    return sections


def _apply_core(number: Decimal, core: str) -> str:
    integer_part, _dot, decimal_part = core.partition(".")
    least_decimals = decimal_part.count("0")
    most_decimals = len(decimal_part)
    rounded = number.quantize(Decimal(1).scaleb(-most_decimals), rounding=ROUND_HALF_UP)
    whole, _point, fraction = format(rounded, "f").partition(".")
    fraction = fraction.rstrip("0").ljust(least_decimals, "0") if most_decimals > least_decimals else fraction
    least_digits = integer_part.replace(",", "").count("0")
    if whole == "0" and least_digits == 0:
        whole = ""
    whole = whole.zfill(least_digits)
    if "," in integer_part and whole:
        whole = f"{int(whole):,}"
    return f"{whole}{'.' + fraction if fraction else ''}"
