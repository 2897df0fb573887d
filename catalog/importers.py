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
  out (defaults 1, 0, upload, 1). `steps`: one step per line, `name_zh | name_en` (stored as
  `{"name_zh", "name_en"}`, as the demo catalogue's steps are) or a single name (stored as text);
  `step_line` / `steps_from_text` are the one place of this format.

The file is read by `common.tables` (CSV as UTF-8 or GB18030; Excel cell by cell, whatever size
the sheet declares, so WPS files read too). Text columns take what the cell shows (a phone typed as
a number with the format `00000000000` keeps its leading zero); a cell whose shown value cannot be
recovered (a number longer than Excel keeps) is a problem naming the cell. Files past
`settings.IMPORT_MAX_BYTES` / `IMPORT_MAX_ROWS` (and an .xlsx past `IMPORT_MAX_UNPACKED_BYTES` unpacked)
are refused.

Nothing is written unless every row is good: `ApplicationError` (code `catalog_invalid_file`) lists
the first problems (at most `MAX_PROBLEMS_LISTED`) as `extra["rows"] = [{"row": 3, "column":
"category", "message": ...}, ...]` (row numbers as the spreadsheet shows them: the header is row 1)
in the user's language, with `extra["problem_count"]` and `extra["bad_row_count"]` counting them
all. Then every item is created with a published version through catalog.services, parents first,
in one transaction.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog import services, tasks
from catalog.choices import PARENT_KIND, Category, Delivery, ImportStage, ItemKind, ItemType
from catalog.error_codes import CatalogErrorCode
from catalog.models import CatalogueImport, Department, Item
from common.errors import ApplicationError
from common.tables import Table, open_table, unpacked_size
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
# Columns read as the cell shows them (a phone typed as a number keeps its leading zero); the others
# (limits, fee, yes/no) take the cell's value.
NUMBER_COLUMNS = ("legal_limit_days", "promised_limit_days", "is_immediate", "visits_required", "fee_yuan",
                  "online_depth")
TEXT_COLUMNS = tuple(column for column in COLUMNS if column not in NUMBER_COLUMNS)
MAX_PROBLEMS_LISTED = 100
PROGRESS_EVERY = 500

Progress = Callable[[int, int], None]  # (rows checked, rows in the file)

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

def open_catalogue_file(stream: BinaryIO, file_name: str) -> Table:
    """The uploaded table (`common.tables`: size and row limits, what each text cell shows)."""
    return open_table(stream, file_name, required=REQUIRED_COLUMNS, text_columns=TEXT_COLUMNS,
                      error_code=CatalogErrorCode.INVALID_FILE)


class Problems:
    """The first `MAX_PROBLEMS_LISTED` problems of a file and how many there are in all: a file of
    60,000 bad rows is answered in a few kilobytes. Problems arrive in row order."""

    def __init__(self, limit: int = MAX_PROBLEMS_LISTED) -> None:
        self.limit = limit
        self.listed: list[RowProblem] = []
        self.count = 0
        self.bad_row_count = 0
        self._last_row = 0

    def add(self, problem: RowProblem) -> None:
        self.count += 1
        if problem.row != self._last_row:
            self.bad_row_count += 1
            self._last_row = problem.row
        if len(self.listed) < self.limit:
            self.listed.append(problem)

    def __bool__(self) -> bool:
        return self.count > 0


# --- checking ------------------------------------------------------------------------------------

def check_table(table: Table, *, progress: Progress | None = None) -> tuple[list[ItemRow], Problems]:
    """Check every row (nothing is written), reading the file twice: first the codes (to know the
    parents and the repeats), then each row. The good rows are kept only while no row is bad."""
    in_file: dict[str, tuple[int, str]] = {}
    parent_codes: set[str] = set()
    total = 0
    for table_row in table.rows():
        total += 1
        code, parent_code = table_row.values.get("code", ""), table_row.values.get("parent_code", "")
        if code and code not in in_file:
            in_file[code] = (table_row.number, table_row.values.get("kind", ""))
        if parent_code:
            parent_codes.add(parent_code)
    departments = set(Department.objects.values_list("code", flat=True))
    existing = set(Item.objects.filter(code__in=list(in_file)).values_list("code", flat=True))
    db_kinds = dict(Item.objects.filter(code__in=parent_codes - set(in_file)).values_list("code", "kind"))

    problems = Problems()
    rows: list[ItemRow] = []
    for done, table_row in enumerate(table.rows(), start=1):
        number, record = table_row.number, table_row.values

        def bad(column: str, message: str, number: int = number) -> None:
            problems.add(RowProblem(number, column, message))

        for column, message in table_row.problems.items():
            bad(column, message)
        code = record.get("code", "")
        first = in_file.get(code)
        if not services.ITEM_CODE_RE.match(code):
            bad("code", _("Malformed item code “%(value)s”: use the national form, e.g. 610100SC-XK-0001.")
                % {"value": code})
        elif first is not None and first[0] != number:
            bad("code", _("Item code %(value)s appears again (first in row %(row)d).")
                % {"value": code, "row": first[0]})
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
        item_row = ItemRow(
            row=number, code=code, department_code=department_code, category=category, item_type=item_type,
            kind=kind, parent_code=parent_code, levels=levels, keywords=record.get("keywords", ""),
            content={"name_zh": record.get("name_zh", ""), "name_en": record.get("name_en", ""),
                     "legal_limit_days": legal, "promised_limit_days": promised, "is_immediate": bool(immediate),
                     "visits_required": visits, "online_depth": depth, "fee_yuan": fee,
                     "fee_basis": record.get("fee_basis", ""), "legal_basis": record.get("legal_basis", ""),
                     "conditions": record.get("conditions", ""),
                     "steps": steps_from_text(record.get("steps", "")),
                     "contact_phone": record.get("contact_phone", ""),
                     "complaint_channel": record.get("complaint_channel", "")},
            materials=materials)
        for column, messages in services.unprintable_content(content=item_row.content, materials=materials).items():
            for message in messages:
                bad(column, message)
        if not problems:
            rows.append(item_row)
        elif rows:
            rows = []  # nothing will be written: no need to keep them
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
    if progress is not None:
        progress(total, total)
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


def step_line(step: object) -> str:
    """A stored process step as one line of the `steps` column: `name_zh | name_en`, or its text."""
    if isinstance(step, dict):
        names = [str(step.get(key) or "").strip() for key in ("name_zh", "name_en")]
        if all(names):
            return " | ".join(names)
        return next((name for name in names if name), str(step.get("name") or step.get("title") or ""))
    return str(step).strip()


def steps_from_text(value: str) -> list[dict | str]:
    """The `steps` column as stored steps: a line `name_zh | name_en` is `{"name_zh", "name_en"}`, any
    other line its text (so `step_line` of what this returns gives back the line)."""
    steps: list[dict | str] = []
    for line in value.splitlines():
        parts = [part.strip() for part in line.split("|")]
        if len(parts) == 2 and all(parts):
            steps.append({"name_zh": parts[0], "name_en": parts[1]})
        elif line.strip():
            steps.append(line.strip())
    return steps


def problems_error(problems: Problems) -> ApplicationError:
    """The error that refuses a file: its first problems (at most `MAX_PROBLEMS_LISTED`) and how many in all."""
    lines = [_("Row %(row)d, column %(column)s: %(message)s") % {"row": p.row, "column": p.column,
                                                                 "message": p.message} for p in problems.listed]
    rows = sorted({p.row for p in problems.listed})
    summary = ngettext("Nothing was imported: %(count)d row has problems (row %(rows)s).",
                       "Nothing was imported: %(count)d rows have problems (rows %(rows)s).",
                       problems.bad_row_count) % {"count": problems.bad_row_count, "rows": ", ".join(map(str, rows))}
    if problems.count > len(problems.listed):
        summary = _("Nothing was imported: %(count)d rows have %(problems)d problems; the first %(listed)d are "
                    "listed (rows %(rows)s).") % {"count": problems.bad_row_count, "problems": problems.count,
                                                  "listed": len(problems.listed), "rows": ", ".join(map(str, rows))}
    return ApplicationError(f"{summary} {' '.join(lines)}", CatalogErrorCode.INVALID_FILE,
                            {"rows": [p.as_dict() for p in problems.listed], "bad_rows": rows, "summary": summary,
                             "problem_count": problems.count, "bad_row_count": problems.bad_row_count})


# --- importing -----------------------------------------------------------------------------------

def catalogue_import(*, stream: BinaryIO, file_name: str, acting_user: User | None,
                     today: dt.date | None = None, progress: Progress | None = None,
                     creating: Callable[[int], None] | None = None) -> list[Item]:
    """Check every row, then create every item with a published version (all or nothing).
    `progress` hears (rows checked, rows); `creating` hears how many items are about to be created,
    before their transaction opens (what it writes is seen while they are created: nothing inside the
    transaction is)."""
    with open_catalogue_file(stream, file_name) as table:
        rows, problems = check_table(table, progress=progress)
    if problems:
        raise problems_error(problems)
    if not rows:
        raise ApplicationError(_("The file has no item rows."), CatalogErrorCode.INVALID_FILE)
    if creating is not None:
        creating(len(rows))
    return items_create_published(rows=rows, acting_user=acting_user, today=today)


# --- large files: the worker ---------------------------------------------------------------------

def import_in_background(stream: BinaryIO, file_name: str) -> bool:
    """Files past `settings.IMPORT_BACKGROUND_BYTES` are imported by the worker, not in the request; an
    .xlsx by what it holds unpacked (`IMPORT_BACKGROUND_UNPACKED_BYTES`), not by its compressed size: a
    243 kB file can hold 1.7 million formatted blank rows."""
    size = unpacked_size(stream, file_name)
    if (file_name or "").lower().endswith(".xlsx"):
        return size > settings.IMPORT_BACKGROUND_UNPACKED_BYTES
    return size > settings.IMPORT_BACKGROUND_BYTES


@transaction.atomic
def catalogue_import_queue(*, stream: BinaryIO, file_name: str, acting_user: User | None) -> CatalogueImport:
    """Keep the file and hand it to the worker (after commit); its progress is on the `CatalogueImport`.
    A file past the size limit or of another type is refused here, before anything is kept."""
    content = stream.read(settings.IMPORT_MAX_BYTES + 1)
    open_catalogue_file(io.BytesIO(content), file_name).close()  # type, size and header, at once
    job = CatalogueImport.objects.create(file_name=(file_name or "")[:200], content=content, created_by=acting_user,
                                         language=translation.get_language() or "")
    transaction.on_commit(lambda: tasks.catalogue_import_run.delay(job.pk))
    return job


def catalogue_import_run(*, job_id: int, today: dt.date | None = None) -> CatalogueImport:
    """The worker's side: check and import the kept file, telling its progress every few hundred rows."""
    jobs = CatalogueImport.objects.filter(pk=job_id)
    if not jobs.filter(stage=ImportStage.QUEUED).update(stage=ImportStage.CHECKING):
        return jobs.get()  # taken already (a task delivered twice)
    job = jobs.get()

    def checked(done: int, total: int) -> None:
        jobs.update(done=done, total=total)

    def creating(total: int) -> None:  # committed before the items' transaction, so the page sees it
        jobs.update(stage=ImportStage.CREATING, done=0, total=total)

    try:
        with translation.override(job.language or None):  # the problems in the language of who sent the file
            items = catalogue_import(stream=io.BytesIO(bytes(job.content)), file_name=job.file_name,
                                     acting_user=job.created_by, today=today, progress=checked, creating=creating)
    except ApplicationError as exc:
        jobs.update(stage=ImportStage.FAILED, content=b"", error=str(exc.extra.get("summary") or exc.message),
                    problems=exc.extra.get("rows", []), problem_count=exc.extra.get("problem_count", 0))
    else:
        jobs.update(stage=ImportStage.DONE, content=b"", done=len(items), total=len(items),
                    created_count=len(items))
    job.refresh_from_db()
    return job


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
