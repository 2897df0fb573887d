"""Import master items from a CSV or Excel (.xlsx) file: every row checked first, all or nothing.

File layout (what `catalog.exporters` writes, so an export imports back as is): one row per item,
the header in the first row (Excel: the first sheet), these columns in any order:

    required  code, department_code, category, item_type, kind, parent_code, levels, name_zh,
              name_en, legal_limit_days, promised_limit_days, is_immediate, visits_required,
              fee_yuan, legal_basis, keywords
    optional  materials, fee_basis, conditions, online_depth, contact_phone, complaint_channel,
              steps

- `category` / `item_type` / `kind` take the codes of catalog.choices (`licence`, `XK`, `main`);
  `levels` the centre levels (`city, district`), separated by commas or semicolons (also the
  full-width ，；、).
- `parent_code` is empty for a main item; a sub-item names a main item and a handling item a
  sub-item, either earlier/later in the same file or already in the database.
- `is_immediate`: 1/0, true/false, yes/no, 是/否. Limits are whole working days, promised <= legal.
- `materials` is a compact column: one material per line, its fields separated by `|`:
  `name_zh | name_en | originals | copies | delivery | required`; all but the names may be left
  out (defaults 1, 0, upload, 1). `steps`: one step per line.

CSV is read as UTF-8 (with or without BOM) or GB18030 (what Excel in Chinese saves).

Nothing is written unless every row is good: `ApplicationError` (code `catalog_invalid_file`) lists
every problem as `extra["rows"] = [{"row": 3, "column": "category", "message": ...}, ...]` (row
numbers as the spreadsheet shows them: the header is row 1) in the user's language. Then every item
is created with a published version through catalog.services, parents first, in one transaction.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import services
from catalog.choices import PARENT_KIND, Category, Delivery, ItemKind, ItemType
from catalog.error_codes import CatalogErrorCode
from catalog.models import Department, Item
from common.errors import ApplicationError
from common.exports import csv_cell_value
from common.textfiles import decode_upload
from tenants.choices import Level
from tenants.models import User

REQUIRED_COLUMNS = (
    "code", "department_code", "category", "item_type", "kind", "parent_code", "levels", "name_zh", "name_en",
    "legal_limit_days", "promised_limit_days", "is_immediate", "visits_required", "fee_yuan", "legal_basis",
    "keywords",
)
OPTIONAL_COLUMNS = ("materials", "fee_basis", "conditions", "online_depth", "contact_phone", "complaint_channel",
                    "steps")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

LIST_SPLIT = re.compile(r"[,;，；、]")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "f", ""}
KIND_DEPTH: dict[str, int] = {ItemKind.MAIN: 0, ItemKind.SUB: 1, ItemKind.HANDLING: 2}


@dataclass
class ItemRow:
    """One checked row, ready for the services."""

    row: int
    code: str
    department_code: str
    category: str
    item_type: str
    kind: str
    parent_code: str
    levels: list[str]
    keywords: str
    content: dict
    materials: list[dict] = field(default_factory=list)


@dataclass
class RowProblem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


# --- reading -------------------------------------------------------------------------------------

def read_records(stream: BinaryIO, file_name: str) -> list[tuple[int, dict]]:
    """(spreadsheet row number, {column: text}) for each non-empty data row."""
    name = (file_name or "").lower()
    if name.endswith(".xlsx"):
        header, rows = _read_xlsx(stream)
    elif name.endswith(".csv"):
        header, rows = _read_csv(stream)
    else:
        raise ApplicationError(_("Unsupported file type: upload a .csv or .xlsx file."),
                               CatalogErrorCode.INVALID_FILE, {"fields": {"file": [file_name]}})
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ApplicationError(
            _("The file's header lacks the columns: %(missing)s.") % {"missing": ", ".join(missing)},
            CatalogErrorCode.INVALID_FILE, {"fields": {"file": missing}, "missing_columns": missing})
    records = []
    for number, cells in rows:
        record = {column: _text(cells[i]) if i < len(cells) else "" for i, column in enumerate(header) if column}
        if any(record.values()):
            records.append((number, record))
    return records


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(stream: BinaryIO) -> tuple[list[str], list[tuple[int, list]]]:
    text = decode_upload(stream.read(), error_code=CatalogErrorCode.INVALID_FILE)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    # Rows numbered as a spreadsheet shows them (a quoted cell may span several physical lines).
    # Cells the platform's export prefixed with ' so that no spreadsheet runs them: the prefix is undone.
    return header, [(i + 2, [csv_cell_value(cell) for cell in cells]) for i, cells in enumerate(reader)]


def _read_xlsx(stream: BinaryIO) -> tuple[list[str], list[tuple[int, list]]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - 120 ms to import, only for an Excel file

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:
        raise ApplicationError(_("The Excel file cannot be read: %(error)s") % {"error": exc},
                               CatalogErrorCode.INVALID_FILE) from exc
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = [_text(h) for h in next(rows, ())]
    return header, [(i + 2, list(cells)) for i, cells in enumerate(rows)]


# --- checking ------------------------------------------------------------------------------------

def check_records(records: list[tuple[int, dict]]) -> tuple[list[ItemRow], list[RowProblem]]:
    """Check every row (nothing is written). Returns the good rows and every problem found."""
    problems: list[RowProblem] = []
    departments = set(Department.objects.values_list("code", flat=True))
    in_file: dict[str, tuple[int, str]] = {}
    for number, record in records:
        code = record.get("code", "")
        if code in in_file:
            problems.append(RowProblem(number, "code", _("Item code %(value)s appears again (first in row "
                                                         "%(row)d).") % {"value": code, "row": in_file[code][0]}))
        elif code:
            in_file[code] = (number, record.get("kind", ""))
    existing = set(Item.objects.filter(code__in=list(in_file)).values_list("code", flat=True))
    parent_codes = {r.get("parent_code") for _n, r in records if r.get("parent_code")} - set(in_file)
    db_kinds = dict(Item.objects.filter(code__in=parent_codes).values_list("code", "kind"))

    rows: list[ItemRow] = []
    for number, record in records:
        def bad(column: str, message: str, number: int = number) -> None:
            problems.append(RowProblem(number, column, message))

        code = record.get("code", "")
        if not services.ITEM_CODE_RE.match(code):
            bad("code", _("Malformed item code “%(value)s”: use the national form, e.g. 610100SC-XK-0001.")
                % {"value": code})
        elif code in existing:
            bad("code", _("Item code %(value)s is taken.") % {"value": code})
        department_code = record.get("department_code", "")
        if department_code not in departments:
            bad("department_code", _("Unknown department “%(value)s”.") % {"value": department_code})
        category = record.get("category", "")
        if category not in Category.values:
            bad("category", _("Unknown category “%(value)s”: use one of %(choices)s.")
                % {"value": category, "choices": ", ".join(Category.values)})
        item_type = record.get("item_type", "")
        if item_type not in ItemType.values:
            bad("item_type", _("Unknown item type “%(value)s”: use one of %(choices)s.")
                % {"value": item_type, "choices": ", ".join(ItemType.values)})
        kind = record.get("kind", "") or ItemKind.MAIN
        parent_code = record.get("parent_code", "")
        if kind not in ItemKind.values:
            bad("kind", _("Unknown hierarchy level “%(value)s”: use one of %(choices)s.")
                % {"value": kind, "choices": ", ".join(ItemKind.values)})
        else:
            expected = PARENT_KIND[ItemKind(kind)]
            parent_kind = in_file[parent_code][1] if parent_code in in_file else db_kinds.get(parent_code)
            if expected is None and parent_code:
                bad("parent_code", _("A main item has no parent item."))
            elif expected is not None and not parent_code:
                bad("parent_code", _("A %(kind)s names its parent item.") % {"kind": ItemKind(kind).label})
            elif expected is not None and parent_kind is None:
                bad("parent_code", _("Parent item %(value)s is neither in the file nor in the catalogue.")
                    % {"value": parent_code})
            elif expected is not None and parent_kind != expected:
                bad("parent_code", _("A %(kind)s sits under a %(parent)s; %(value)s is not one.")
                    % {"kind": ItemKind(kind).label, "parent": ItemKind(expected).label, "value": parent_code})
        levels = [part.strip() for part in LIST_SPLIT.split(record.get("levels", "")) if part.strip()]
        if not levels or any(level not in Level.values for level in levels):
            bad("levels", _("Levels must be some of: %(choices)s.") % {"choices": ", ".join(Level.values)})
        for column in ("name_zh", "name_en"):
            if not record.get(column):
                bad(column, _("This field is required."))
        legal = _whole(record.get("legal_limit_days", ""), "legal_limit_days", bad)
        promised = _whole(record.get("promised_limit_days", ""), "promised_limit_days", bad)
        if legal is not None and promised is not None and promised > legal:
            bad("promised_limit_days", _("The promised limit (%(promised)d working days) cannot exceed the legal "
                                         "limit of %(legal)d working days.") % {"promised": promised, "legal": legal})
        immediate = _boolean(record.get("is_immediate", ""), "is_immediate", bad)
        if immediate and promised not in (None, 0):
            bad("promised_limit_days", _("An immediate item is decided on the spot: its promised limit is 0."))
        visits = _whole(record.get("visits_required", "") or "1", "visits_required", bad)
        depth = _whole(record.get("online_depth", "") or "1", "online_depth", bad)
        if depth is not None and not 1 <= depth <= 4:
            bad("online_depth", _("Online handling depth is 1 to 4."))
        fee = _fee(record.get("fee_yuan", "") or "0", bad)
        materials = _materials(record.get("materials", ""), bad)
        rows.append(ItemRow(
            row=number, code=code, department_code=department_code, category=category, item_type=item_type,
            kind=kind, parent_code=parent_code, levels=levels, keywords=record.get("keywords", ""),
            content={"name_zh": record.get("name_zh", ""), "name_en": record.get("name_en", ""),
                     "legal_limit_days": legal, "promised_limit_days": promised, "is_immediate": bool(immediate),
                     "visits_required": visits, "online_depth": depth, "fee_yuan": fee,
                     "fee_basis": record.get("fee_basis", ""), "legal_basis": record.get("legal_basis", ""),
                     "conditions": record.get("conditions", ""),
                     "steps": [s.strip() for s in record.get("steps", "").splitlines() if s.strip()],
                     "contact_phone": record.get("contact_phone", ""),
                     "complaint_channel": record.get("complaint_channel", "")},
            materials=materials))
        for column, messages in services.unprintable_content(content=rows[-1].content, materials=materials).items():
            for message in messages:
                bad(column, message)
    return rows, problems


def _whole(value: str, column: str, bad) -> int | None:
    try:
        number = int(value)
    except ValueError:
        bad(column, _("“%(value)s” is not a whole number of working days (0 or more).") % {"value": value})
        return None
    if number < 0:
        bad(column, _("“%(value)s” is not a whole number of working days (0 or more).") % {"value": value})
        return None
    return number


def _boolean(value: str, column: str, bad) -> bool | None:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    bad(column, _("“%(value)s” is neither yes (1) nor no (0).") % {"value": value})
    return None


def _fee(value: str, bad) -> Decimal | None:
    try:
        fee = Decimal(value)
    except InvalidOperation:
        fee = None
    if fee is None or fee < 0 or fee != fee.quantize(Decimal("0.01")) or fee >= Decimal("1e8"):
        bad("fee_yuan", _("“%(value)s” is not an amount in yuan (e.g. 0 or 12.50).") % {"value": value})
        return None
    return fee


def _materials(value: str, bad) -> list[dict]:
    materials = []
    for line_number, line in enumerate((v for v in value.splitlines() if v.strip()), start=1):
        parts = [p.strip() for p in line.split("|")]
        parts += [""] * (6 - len(parts))
        name_zh, name_en, originals, copies, delivery, required = parts[:6]
        problem = None
        if not name_zh or not name_en or len(parts) > 6:
            problem = _("write “name_zh | name_en | originals | copies | delivery | required”")
        elif not (originals or "1").isdigit() or not (copies or "0").isdigit():
            problem = _("originals and copies are whole numbers")
        elif (delivery or Delivery.UPLOAD) not in Delivery.values:
            problem = _("delivery is one of %(choices)s") % {"choices": ", ".join(Delivery.values)}
        elif required.lower() not in TRUE_WORDS | FALSE_WORDS:
            problem = _("required is yes (1) or no (0)")
        if problem:
            bad("materials", _("Material %(number)d: %(problem)s.") % {"number": line_number, "problem": problem})
            continue
        materials.append({"name_zh": name_zh, "name_en": name_en, "originals": int(originals or 1),
                          "copies": int(copies or 0), "delivery": delivery or Delivery.UPLOAD,
                          "required": required.lower() not in FALSE_WORDS - {""}})
    return materials


def problems_error(problems: list[RowProblem]) -> ApplicationError:
    lines = [_("Row %(row)d, column %(column)s: %(message)s") % {"row": p.row, "column": p.column,
                                                                 "message": p.message} for p in problems]
    rows = sorted({p.row for p in problems})
    summary = _("Nothing was imported: %(count)d rows have problems (rows %(rows)s).") % {
        "count": len(rows), "rows": ", ".join(map(str, rows))}
    return ApplicationError(f"{summary} {' '.join(lines)}", CatalogErrorCode.INVALID_FILE,
                            {"rows": [p.as_dict() for p in problems], "bad_rows": rows, "summary": summary})


# --- importing -----------------------------------------------------------------------------------

def catalogue_import(*, stream: BinaryIO, file_name: str, acting_user: User | None,
                     today: dt.date | None = None) -> list[Item]:
    """Check every row, then create every item with a published version (all or nothing)."""
    rows, problems = check_records(read_records(stream, file_name))
    if problems:
        raise problems_error(problems)
    if not rows:
        raise ApplicationError(_("The file has no item rows."), CatalogErrorCode.INVALID_FILE)
    return items_create_published(rows=rows, acting_user=acting_user, today=today)


@transaction.atomic
def items_create_published(*, rows: list[ItemRow], acting_user: User | None,
                           today: dt.date | None = None) -> list[Item]:
    today = today or timezone.localdate()
    departments = {d.code: d for d in Department.objects.all()}
    created: dict[str, Item] = {}
    for row in sorted(rows, key=lambda r: (KIND_DEPTH[ItemKind(r.kind)], r.row)):
        parent = None
        if row.parent_code:
            parent = created.get(row.parent_code) or Item.objects.get(code=row.parent_code)
        item = services.item_create(
            code=row.code, department=departments[row.department_code], category=row.category,
            item_type=row.item_type, kind=row.kind, parent=parent, levels=row.levels, keywords=row.keywords,
            acting_user=acting_user)
        version = services.version_create_draft(item=item, content=row.content, materials=row.materials,
                                                effective_from=today, acting_user=acting_user)
        services.version_publish(version=version, acting_user=acting_user, today=today)
        created[row.code] = item
    return [created[row.code] for row in rows]
