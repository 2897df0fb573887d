"""Read a CSV or Excel (.xlsx) file of centres into `CentreInput` rows."""
from __future__ import annotations

import csv
import io
from typing import BinaryIO

from django.utils.translation import gettext as _

from common.errors import ApplicationError
from common.textfiles import decode_upload
from tenants.error_codes import CentreErrorCode
from tenants.validation import FIELDS, CentreInput


def read_centre_file(stream: BinaryIO, file_name: str) -> list[CentreInput]:
    name = file_name.lower()
    if name.endswith(".xlsx"):
        records = _read_xlsx(stream)
    elif name.endswith(".csv"):
        records = _read_csv(stream)
    else:
        raise ApplicationError(_("Unsupported file type: upload a .csv or .xlsx file."),
                               CentreErrorCode.INVALID_FILE, {"fields": {"file": [file_name]}})
    return [CentreInput.from_mapping(record) for record in records]


def _check_header(header: list[str]) -> None:
    missing = [name for name in FIELDS if name not in header]
    if missing:
        raise ApplicationError(
            _("The file's header lacks the columns: %(missing)s.") % {"missing": ", ".join(missing)},
            CentreErrorCode.INVALID_FILE, {"fields": {"file": missing}})


def _read_csv(stream: BinaryIO) -> list[dict]:
    text = decode_upload(stream.read(), error_code=CentreErrorCode.INVALID_FILE)
    reader = csv.DictReader(io.StringIO(text))
    _check_header([h.strip() for h in (reader.fieldnames or [])])
    return [{(k or "").strip(): v for k, v in row.items()} for row in reader]


def _read_xlsx(stream: BinaryIO) -> list[dict]:
    from openpyxl import load_workbook  # noqa: PLC0415 - 120 ms to import, only for an Excel file

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:
        raise ApplicationError(_("The Excel file cannot be read: %(error)s") % {"error": exc},
                               CentreErrorCode.INVALID_FILE) from exc
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    _check_header(header)
    return [dict(zip(header, row, strict=False)) for row in rows if any(cell not in (None, "") for cell in row)]
