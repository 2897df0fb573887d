"""Export the master catalogue as CSV or Excel (.xlsx), in the layout `catalog.importers` reads.

One row per master item in effect (not removed), with its current version; materials in the
compact `materials` column (one per line: `name_zh | name_en | originals | copies | delivery |
required`), steps one per line (`catalog.importers.step_line`: `name_zh | name_en`). Rows are
ordered main items first, then sub-items, then handling items, so that a parent always comes before its children.
"""
from __future__ import annotations

import io

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.error_codes import CatalogErrorCode
from catalog.importers import COLUMNS, KIND_DEPTH, step_line
from catalog.models import Item, Material
from catalog.selectors import item_search
from common.errors import ApplicationError
from common.exports import csv_writer, xlsx_cell

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def catalogue_rows() -> list[list[str]]:
    today = timezone.localdate()
    items = (item_search().filter(Q(removed_on__isnull=True) | Q(removed_on__gt=today))
             .select_related("parent")
             .prefetch_related(Prefetch("current_version__materials", queryset=Material.objects.order_by("position"))))
    ordered = sorted(items, key=lambda item: (KIND_DEPTH[item.kind], item.code))
    return [item_row(item) for item in ordered]


def item_row(item: Item) -> list[str]:
    version = item.version
    materials = "\n".join(
        " | ".join([m.name_zh, m.name_en, str(m.originals), str(m.copies), m.delivery, "1" if m.required else "0"])
        for m in version.materials.all())
    values = {
        "code": item.code, "department_code": item.department.code, "category": item.category,
        "item_type": item.item_type, "kind": item.kind, "parent_code": item.parent.code if item.parent else "",
        "levels": ",".join(item.levels), "name_zh": version.name_zh, "name_en": version.name_en,
        "legal_limit_days": str(version.legal_limit_days), "promised_limit_days": str(version.promised_limit_days),
        "is_immediate": "1" if version.is_immediate else "0", "visits_required": str(version.visits_required),
        "fee_yuan": f"{version.fee_yuan:.2f}", "legal_basis": version.legal_basis, "keywords": item.keywords,
        "materials": materials, "fee_basis": version.fee_basis, "conditions": version.conditions,
        "online_depth": str(version.online_depth), "contact_phone": version.contact_phone,
        "complaint_channel": version.complaint_channel,
        "steps": "\n".join(step_line(step) for step in version.steps or []),
    }
    return [values[column] for column in COLUMNS]


def catalogue_export(*, file_format: str) -> bytes:
    """The master catalogue as `csv` (UTF-8 with BOM, so Excel opens it right) or `xlsx` bytes.

    No cell runs as a formula in a spreadsheet (`common.exports`); `catalog.importers` undoes the CSV
    cells' ``'`` prefix, so the file imports back with the same values."""
    if file_format not in CONTENT_TYPES:
        raise ApplicationError(_("Unknown file format “%(value)s”: use csv or xlsx.") % {"value": file_format},
                               CatalogErrorCode.INVALID_FILE, {"fields": {"file_format": list(CONTENT_TYPES)}})
    rows = catalogue_rows()
    if file_format == "csv":
        buffer = io.StringIO(newline="")
        writer = csv_writer(buffer)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook  # noqa: PLC0415 - 120 ms to import, only for an Excel file

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("items")
    sheet.append([xlsx_cell(sheet, column) for column in COLUMNS])
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
