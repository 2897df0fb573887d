"""The demo catalogue: Xi'an's 28 city departments, the 160 items of the city centre in 2015 and the
2014 history (11 added, 32 removed), adopted level by level across the demo network.

The data lives in catalog/data/*.csv, written by catalog/data/generate.py (seeded). Every write goes
through catalog.services; the figures of the reports come out of these rows.
"""
from __future__ import annotations

import csv
import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog.choices import ItemKind
from catalog.models import Adoption, Agency, Department, Item, LifecycleEvent
from catalog.services import (
    MATERIAL_FIELDS,
    adoption_adopt_all,
    adoption_update,
    event_propagate,
    event_record,
    item_create,
    version_create_draft,
    version_publish,
)
from common.exports import xlsx_cell
from tenants.choices import CentreStatus, Level
from tenants.models import Centre

DATA_DIR = Path(__file__).resolve().parent / "data"

#: The catalogue as it stood before the 2014 changes.
CATALOGUE_SINCE = dt.date(2013, 1, 1)
#: When the network's centres claimed it (逐级认领).
ADOPTED_ON = dt.date(2014, 1, 1)

EVENT_REASONS = {
    "added": ("市政府确定新增进驻市政务服务中心事项", "Added to the city centre by the municipal government"),
    "devolved": ("市级下放区县实施", "Devolved from the city to the districts and counties"),
    "cancelled_basis": ("设定依据不足，予以撤销", "Withdrawn: insufficient legal basis"),
    "merged": ("与相关事项合并办理", "Merged with a related item"),
    "cancelled_state": ("国务院决定取消", "Cancelled by the State Council"),
}

STEPS = [("受理", "Acceptance"), ("审查", "Review"), ("决定", "Decision"), ("送达", "Delivery")]

#: Districts that promise less than the master: division code → (department codes, days fewer).
LOCAL_PROMISES = {"610103": (("SC", "ZJ", "RS"), 1), "610113": (("ZR",), 2)}

_LEVEL_ORDER: dict[str, int] = {Level.CITY: 0, Level.DISTRICT: 1, Level.ZONE: 1, Level.TOWNSHIP: 2}


def _read(name: str) -> list[dict]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def demo_data() -> tuple[list[dict], list[dict], dict[str, list[dict]]]:
    """(departments, items, materials by item code) as stored in catalog/data."""
    materials: dict[str, list[dict]] = {}
    for row in _read("materials.csv"):
        materials.setdefault(row["item_code"], []).append({
            "name_zh": row["name_zh"], "name_en": row["name_en"], "originals": int(row["originals"]),
            "copies": int(row["copies"]), "delivery": row["delivery"],
            "applicant_types": [row["applicant_types"]] if row["applicant_types"] else [],
            "required": row["required"] == "1"})
    return _read("departments.csv"), _read("items.csv"), materials


def _content(row: dict, department: dict) -> dict:
    promised = int(row["promised"])
    return {
        "name_zh": row["name_zh"], "name_en": row["name_en"], "legal_limit_days": int(row["legal"]),
        "promised_limit_days": promised, "is_immediate": row["immediate"] == "1",
        "visits_required": int(row["visits"]), "online_depth": int(row["online_depth"]),
        "fee_yuan": Decimal(row["fee"]), "fee_basis": row["fee_basis"], "legal_basis": row["legal_basis"],
        "conditions": row["conditions"],
        "steps": [{"name_zh": zh, "name_en": en} for zh, en in STEPS],
        "contact_phone": department["phone"], "complaint_channel": "12345市民服务热线 / 12345 citizens' hotline",
    }


def _create_items(rows: list[dict], *, departments: dict[str, Department], department_rows: dict[str, dict],
                  materials: dict[str, list[dict]], items: dict[str, Item], today: dt.date) -> int:
    created = 0
    for row in rows:
        if row["code"] in items:
            continue
        item = item_create(
            code=row["code"], department=departments[row["department"]], category=row["category"],
            item_type=row["item_type"], levels=row["levels"].split(";"), kind=row["kind"],
            parent=items[row["parent_code"]] if row["parent_code"] else None, keywords=row["keywords"],
            acting_user=None)
        effective = dt.date.fromisoformat(row["fate_on"]) if row["fate"] == "added" else CATALOGUE_SINCE
        version = version_create_draft(item=item, content=_content(row, department_rows[row["department"]]),
                                       materials=materials.get(row["code"], []), effective_from=effective,
                                       acting_user=None)
        version_publish(version=version, acting_user=None, today=today)
        item.refresh_from_db()
        items[row["code"]] = item
        created += 1
    return created


def _adopt(centres: list[Centre], day: dt.date) -> int:
    return sum(adoption_adopt_all(centre=centre, acting_user=None, today=day)
               for centre in sorted(centres, key=lambda c: (_LEVEL_ORDER[c.level], c.division_code)))


def _local_settings(*, codes: list[str], departments: list[dict], today: dt.date) -> int:
    """The city's windows and handling departments; a few districts' shorter promises."""
    changed = 0
    by_code = {d["code"]: d for d in departments}
    city = (Adoption.objects.filter(centre__level=Level.CITY, item__code__in=codes, window="")
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today)).select_related("item__department"))
    for adoption in city:
        department = by_code[adoption.item.department.code]
        adoption_update(adoption=adoption, acting_user=None, promised_limit_days=adoption.promised_limit_days,
                        window=department["window"], department_name=department["name_zh"])
        changed += 1
    for division_code, (department_codes, fewer) in LOCAL_PROMISES.items():
        local = (Adoption.objects.filter(centre__division_code=division_code, item__code__in=codes,
                                         item__department__code__in=department_codes, ends_on__isnull=True,
                                         promised_limit_days__isnull=True,
                                         item__current_version__promised_limit_days__gt=fewer)
                 .select_related("item__current_version"))
        for adoption in local:
            adoption_update(adoption=adoption, acting_user=None,
                            promised_limit_days=adoption.item.version.promised_limit_days - fewer)
            changed += 1
    return changed


def _history(rows: list[dict], items: dict[str, Item]) -> tuple[int, int]:
    """Record the 2014 events not yet recorded and carry them to the centres at once (no worker runs
    while provisioning)."""
    recorded = propagated = 0
    existing = {(e.item.code, e.kind): e for e in LifecycleEvent.objects.filter(
        item__code__in=[r["code"] for r in rows]).select_related("item")}
    for row in rows:
        if not row["fate"]:
            continue
        event = existing.get((row["code"], row["fate"]))
        if event is None:
            zh, en = EVENT_REASONS[row["fate"]]
            event = event_record(kind=row["fate"], item=items[row["code"]], reason=f"{zh} / {en}",
                                 effective_on=dt.date.fromisoformat(row["fate_on"]), acting_user=None,
                                 merged_into=items[row["merged_into"]] if row["merged_into"] else None)
            recorded += 1
        if event.propagated_at is None:
            event_propagate(event_id=event.pk)
            propagated += 1
    return recorded, propagated


#: Third-party service agencies (中介服务机构): name, English name, address, contact, materials,
#: procedure, fees, and the code prefixes of the items they serve. Plausible, not real firms.
DEMO_AGENCIES = [
    ("西安市勘察测绘院", "Xi'an Survey and Mapping Institute", "西安市碑林区友谊东路 112 号", "029-87654321",
     "委托书；项目红线图", "签订委托合同→外业测量→出具测绘成果", "按国家测绘收费标准", ("610100ZR-",)),
    ("陕西华清建筑设计有限公司", "Shaanxi Huaqing Architectural Design Co.", "西安市雁塔区科技路 48 号",
     "029-88223344", "设计任务书；规划条件", "方案设计→初步设计→施工图设计", "按设计合同约定",
     ("610100ZR-", "610100ZJ-")),
    ("西安环科环境评价中心", "Xi'an Environmental Assessment Centre", "西安市未央区凤城八路 56 号", "029-86112233",
     "建设项目基本情况；选址资料", "现场踏勘→编制报告表→技术评审", "按合同约定，平均 3 万元", ("610100ST-",)),
    ("陕西安信消防技术服务有限公司", "Shaanxi Anxin Fire Technology Services", "西安市莲湖区大庆路 9 号",
     "029-84445566", "消防设计文件；施工图", "图纸审查→技术咨询→检测", "按服务项目收费", ("610100ZJ-XK-0003",)),
    ("西安市公证处", "Xi'an Notary Office", "西安市新城区西一路 200 号", "029-87201234",
     "身份证明；相关材料原件", "申请→受理→审查→出证", "按物价部门核定标准", ("610100GA-",)),
    ("西安信达代理记账有限公司", "Xi'an Xinda Bookkeeping Agency", "西安市高新区唐延路 11 号", "029-81112222",
     "营业执照；财务资料", "签约→建账→按月申报", "每月 200 元起", ("610100SC-",)),
]


def _demo_agencies() -> int:
    """The demo agencies, each linked to the items it serves; idempotent (by Chinese name)."""
    created = 0
    for name_zh, name_en, address, contact, materials_text, procedure, fees, prefixes in DEMO_AGENCIES:
        agency, new = Agency.objects.get_or_create(name_zh=name_zh, defaults={
            "name_en": name_en, "address": address, "contact": contact, "materials": materials_text,
            "procedure": procedure, "fees": fees})
        if new:
            query = Q()
            for prefix in prefixes:
                query |= Q(code__startswith=prefix)
            agency.items.set(Item.objects.filter(query, removed_on__isnull=True)[:12])
            created += 1
    return created


def demo_catalogue_provision(*, today: dt.date | None = None) -> dict:
    """Provision the demo catalogue on the centres that exist (missing ones are skipped). Idempotent:
    a second run changes nothing and takes a fraction of a second."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    department_rows, rows, materials = demo_data()
    codes = [r["code"] for r in rows]
    with transaction.atomic():
        existing_departments = {d.code: d for d in Department.objects.all()}
        new_departments = [Department(code=d["code"], name_zh=d["name_zh"], name_en=d["name_en"], phone=d["phone"])
                           for d in department_rows if d["code"] not in existing_departments]
        Department.objects.bulk_create(new_departments)
        departments = {d.code: d for d in Department.objects.filter(code__in=[d["code"] for d in department_rows])}
        items = {i.code: i for i in Item.objects.filter(code__in=codes)}
        adopted = set(Adoption.objects.filter(item__code__in=codes).values_list("centre_id", flat=True).distinct())
        new_centres = [c for c in Centre.objects.filter(status=CentreStatus.READY) if c.pk not in adopted]
        history_started = LifecycleEvent.objects.filter(item__code__in=codes).exists()
        def create(selected: list[dict]) -> int:
            return _create_items(selected, departments=departments,
                                 department_rows={d["code"]: d for d in department_rows}, materials=materials,
                                 items=items, today=today)

        original = [r for r in rows if r["fate"] != "added"]
        added = [r for r in rows if r["fate"] == "added"]
        created = create(original)
        if history_started:
            created += create(added)
            adoptions = _adopt(new_centres, today)
        else:
            # As it happened: the network claimed the catalogue, items came in, then others left.
            adoptions = _adopt(new_centres, ADOPTED_ON)
            created += create(added)
            for day in sorted({dt.date.fromisoformat(r["fate_on"]) for r in added}):
                adoptions += _adopt(new_centres, day)
        recorded, propagated = _history(rows, items)
        local = _local_settings(codes=codes, departments=department_rows, today=today)
        agencies = _demo_agencies()
    current = sum(1 for r in rows if r["fate"] in ("", "added"))
    return {"departments": len(department_rows), "departments_created": len(new_departments),
            "items": current, "removed_items": len(rows) - current,
            "sub_items": sum(1 for r in rows if r["kind"] != ItemKind.MAIN and r["fate"] in ("", "added")),
            "items_created": created, "centres_adopting": len(new_centres), "adoptions_created": adoptions,
            "events_recorded": recorded, "events_propagated": propagated, "local_settings": local,
            "agencies_created": agencies,
            "seconds": round(time.perf_counter() - started, 2)}


# --- forms and samples (表单, 样表), and a few procedure changes -------------------------------------------

#: Items of the demo's halls that get a blank form (PDF) and a filled-in sample (Excel), with the change their
#: new version makes (what the "procedure changed" posts of the adopting centres then say): content, and a
#: material added. The limits stay (the demo's catalogue report keeps the seed's figures).
DEMO_FORM_ITEMS: dict[str, tuple[dict, tuple[str, str] | None]] = {
    "610100SC-XK-0006": ({"online_depth": 4}, None),
    "610100RS-GG-0005": ({"visits_required": 0, "online_depth": 4}, None),
    "610100SC-GG-0002": ({}, ("委托书（委托他人办理的）", "Power of attorney (when someone applies for you)")),
}


def _form_pdf(title_en: str, code: str) -> bytes:
    """A one-page blank application form: the item's English name, its code and the lines to fill in. Set in
    the PDF core font (Helvetica): embedding a CJK face (Noto Sans CJK, as the guide book does) takes about
    3 s a file, which the demo does not spend; the filled-in sample (Excel) carries the Chinese."""
    from fpdf import FPDF  # noqa: PLC0415 - fpdf is slow to import: only the demo's forms pay for it

    pdf = FPDF()
    pdf.set_title(f"Application form {code}")
    pdf.add_page()
    pdf.set_font("helvetica", "B", size=15)
    pdf.multi_cell(0, 8, f"{title_en}: application form", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    pdf.cell(0, 6, f"Item {code}", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(6)
    for label in ("Applicant", "ID number / credit code", "Phone", "Address", "Request", "Signature", "Date"):
        pdf.cell(55, 12, label, border=1)
        pdf.cell(0, 12, "", border=1, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _sample_xlsx(title_zh: str, code: str) -> bytes:
    """A filled-in sample as a spreadsheet: each field with an example answer."""
    import io  # noqa: PLC0415

    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook(write_only=True)
    sheet = book.create_sheet("样表 Sample")
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 40
    sheet.append([xlsx_cell(sheet, f"{title_zh}（样表）"), xlsx_cell(sheet, code)])
    for row in (("申请人 Applicant", "张三 / 西安某某商贸有限公司"), ("证件号码 ID number", "61010319800101XXXX"),
                ("联系电话 Phone", "029-8XXXXXXX"), ("地址 Address", "西安市碑林区南大街 1 号"),
                ("申请事项 Request", title_zh), ("签名 Signature", "（手写签名 handwritten）"),
                ("日期 Date", "2015-06-01")):
        sheet.append([xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def demo_forms_provision(*, today: dt.date | None = None) -> dict:
    """A blank form and a filled-in sample for each of `DEMO_FORM_ITEMS`, on a new version of the item that
    also changes its terms, published with today as its effective date: every adopting centre gets its
    "procedure changed" post (news). Idempotent: an item whose current version has forms is left alone."""
    import io  # noqa: PLC0415

    from catalog.choices import FormKind  # noqa: PLC0415
    from catalog.services import form_add  # noqa: PLC0415

    started = time.perf_counter()
    today = today or timezone.localdate()
    versions = forms = 0
    for item in Item.objects.filter(code__in=DEMO_FORM_ITEMS, current_version__isnull=False).select_related(
            "current_version"):
        if item.version.forms.exists():
            continue
        content, material = DEMO_FORM_ITEMS[item.code]
        materials = None
        if material is not None:
            materials = [{name: getattr(m, name) for name in MATERIAL_FIELDS} for m in item.version.materials.all()]
            materials.append({"name_zh": material[0], "name_en": material[1], "originals": 1, "copies": 0,
                              "required": False})
        with transaction.atomic():
            draft = version_create_draft(item=item, content=content, materials=materials, effective_from=today,
                                         acting_user=None)
            form_add(version=draft, kind=FormKind.BLANK, name_zh=f"{draft.name_zh}申请表",
                     name_en=f"Application form: {draft.name_en}", upload=io.BytesIO(
                         _form_pdf(draft.name_en, item.code)),
                     file_name=f"{draft.name_zh}申请表.pdf", acting_user=None)
            form_add(version=draft, kind=FormKind.SAMPLE, name_zh=f"{draft.name_zh}申请表（样表）",
                     name_en=f"Filled-in sample: {draft.name_en}", upload=io.BytesIO(
                         _sample_xlsx(draft.name_zh, item.code)),
                     file_name=f"{draft.name_zh}样表.xlsx", acting_user=None)
            version_publish(version=draft, acting_user=None, today=today)
        versions += 1
        forms += 2
    return {"versions": versions, "forms": forms, "seconds": round(time.perf_counter() - started, 2)}
