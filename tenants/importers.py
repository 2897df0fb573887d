"""Read a CSV or Excel (.xlsx) file of centres into `CentreInput` rows, or of staff into `StaffInput` rows
(`common.tables`: every column is text, taken as the cell shows it, so a division code or a mobile number
typed as a number reads as typed)."""
from __future__ import annotations

import io
from typing import BinaryIO

from django.utils.translation import gettext as _

from common.errors import ApplicationError
from common.exports import xlsx_cell
from common.tables import open_table
from tenants.error_codes import CentreErrorCode, StaffErrorCode
from tenants.staff import STAFF_COLUMNS, STAFF_REQUIRED, StaffInput
from tenants.validation import FIELDS, CentreInput


def _read_rows(stream: BinaryIO, file_name: str, *, required: tuple[str, ...], columns: tuple[str, ...],
               error_code: str, key: str) -> list[tuple[int, dict[str, str]]]:
    """(the row's number as the sheet shows it, its values) of every non-empty row, every column text; a
    cell whose shown value cannot be recovered refuses the file (`error_code`), each such row reported
    as `{"row", key: its value, "fields": {column: [message]}}` in `extra["rows"]`."""
    rows: list[tuple[int, dict[str, str]]] = []
    bad: list[dict] = []
    with open_table(stream, file_name, required=required, text_columns=columns, error_code=error_code) as table:
        for row in table.rows():
            if row.problems:
                bad.append({"row": row.number, key: row.values.get(key, ""),
                            "fields": {column: [message] for column, message in row.problems.items()}})
            rows.append((row.number, row.values))
    if bad:
        raise ApplicationError(" ".join(m for entry in bad for ms in entry["fields"].values() for m in ms),
                               error_code, {"rows": bad})
    return rows


def read_centre_file(stream: BinaryIO, file_name: str) -> list[CentreInput]:
    """Every non-empty row; a cell whose shown value cannot be recovered refuses the file, naming it
    (`extra["rows"]` as `centre_bulk_onboard` reports bad rows)."""
    return [CentreInput.from_mapping(values) for _number, values in _read_rows(
        stream, file_name, required=FIELDS, columns=FIELDS, error_code=CentreErrorCode.INVALID_FILE, key="code")]


def read_staff_file(stream: BinaryIO, file_name: str) -> list[tuple[int, StaffInput]]:
    """Every non-empty row of a sheet of staff (`tenants.staff.STAFF_COLUMNS`), numbered as the sheet
    shows it; every column is text (a mobile typed as a number reads as shown). A cell whose shown value
    cannot be recovered refuses the file, naming it (`extra["rows"]` as `staff_bulk_create` reports)."""
    return [(number, StaffInput.from_mapping(values)) for number, values in _read_rows(
        stream, file_name, required=STAFF_REQUIRED, columns=STAFF_COLUMNS, error_code=StaffErrorCode.INVALID_FILE,
        key="username")]


def staff_template_xlsx(*, departments: dict[str, str]) -> bytes:
    """An Excel template for `read_staff_file`: the header and one example row on the first sheet, and a
    second sheet naming the roles and the departments to write (cells are text: `common.exports`)."""
    from openpyxl import Workbook  # noqa: PLC0415 - 120 ms to import, only for this download

    from tenants.choices import CENTRE_ROLES, Role  # noqa: PLC0415

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Staff"))
    sheet.append([xlsx_cell(sheet, column) for column in STAFF_COLUMNS])
    example = {"username": "zhangsan", "full_name": "张三", "role": Role.WINDOW_CLERK.value,
               "full_name_en": "Zhang San", "mobile": "13800000000",
               "department_code": next(iter(departments), "")}
    sheet.append([xlsx_cell(sheet, example[column]) for column in STAFF_COLUMNS])
    codes = workbook.create_sheet(_("Codes"))
    codes.append([xlsx_cell(codes, _("Role")), xlsx_cell(codes, _("Name"))])
    for role in CENTRE_ROLES:
        codes.append([xlsx_cell(codes, role.value), xlsx_cell(codes, str(role.label))])
    codes.append([])
    codes.append([xlsx_cell(codes, _("Department")), xlsx_cell(codes, _("Name"))])
    for code, name in departments.items():
        codes.append([xlsx_cell(codes, code), xlsx_cell(codes, name)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
