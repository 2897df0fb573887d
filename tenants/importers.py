"""Read a CSV or Excel (.xlsx) file of centres into `CentreInput` rows (`common.tables`: every column is
text, taken as the cell shows it, so a division code typed as a number reads as typed)."""
from __future__ import annotations

from typing import BinaryIO

from common.errors import ApplicationError
from common.tables import open_table
from tenants.error_codes import CentreErrorCode
from tenants.validation import FIELDS, CentreInput


def read_centre_file(stream: BinaryIO, file_name: str) -> list[CentreInput]:
    """Every non-empty row; a cell whose shown value cannot be recovered refuses the file, naming it
    (`extra["rows"]` as `centre_bulk_onboard` reports bad rows)."""
    rows: list[CentreInput] = []
    bad: list[dict] = []
    with open_table(stream, file_name, required=FIELDS, text_columns=FIELDS,
                    error_code=CentreErrorCode.INVALID_FILE) as table:
        for row in table.rows():
            if row.problems:
                bad.append({"row": row.number, "code": row.values.get("code", ""),
                            "fields": {column: [message] for column, message in row.problems.items()}})
            rows.append(CentreInput.from_mapping(row.values))
    if bad:
        raise ApplicationError(" ".join(m for entry in bad for ms in entry["fields"].values() for m in ms),
                               CentreErrorCode.INVALID_FILE, {"rows": bad})
    return rows
