"""Demo data of joint approvals (provisioned with the demo network, after the catalogue).

- The seed's 7 parallel kinds of 2014 (planning permit, completion acceptance, company
  registration, joint national/local tax registration, tethered balloon and outdoor promotion,
  municipal pipelines across 6 departments — 67 working days one after another, 15 promised) and
  one more from "one thing, done once": open a restaurant. Items the bundles need that are not among
  the city centre's 160 (seal engraving, the two tax registrations, completion filings, road
  occupation, green-space use) are other authorities' items: the district branches of the police,
  fire and housing bureaus, and of the state- and province-run tax bureaus, handle them. They are
  added through catalog.services as items the districts and zones exercise (not the city), and adopted
  by the district and zone centres; the city's own list and its report keep the seed's figures.
- 20 of the 106 city-district linked key projects (put on the key-project register), in Gaoxin and
  the other development zones, with about a third of their items at city level (174 of 544 in the seed).
- A few joint cases, some joined, so that the pages and the city's overview are not empty.

Idempotent: a second run finds everything by code / name / idempotency key and changes nothing.
"""
from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from cases import door
from cases.choices import Action
from catalog.demo import ADOPTED_ON, CATALOGUE_SINCE, STEPS
from catalog.models import Department, Item
from catalog.services import adoption_create, item_create, version_create_draft, version_publish
from common.idempotency import ClientKey
from joint_approval.choices import BundleKind, LegLevel, Stage
from joint_approval.models import Bundle, BundleItem, JointCase
from joint_approval.services import joint_case_accept, linked_project_register
from projects.models import KeyProject
from tenants.choices import CentreStatus, Level
from tenants.models import Centre, User

#: Departments the demo catalogue lacks (2014: national and local tax were separate bureaus, run by the state
#: and the province, not among the 28 city departments of the city centre).
DEPARTMENTS = [("GS", "市国家税务局", "Xi'an State Taxation Bureau", "029-86787300"),
               ("DS", "市地方税务局", "Xi'an Local Taxation Bureau", "029-86787310")]

#: Items the demo catalogue lacks, exercised by the districts and zones (`LOCAL_LEVELS`): code, department,
#: category, type, name zh/en, legal, promised, fee, materials (zh, en, applicant type or "").
ITEMS = [
    ("610100GA-BA-0101", "GA", "non_licence", "BA", "印章刻制备案", "Seal engraving filing", 5, 1, "0",
     [("申请表", "Application form", ""), ("营业执照或统一社会信用代码证书", "Business licence or credit code "
                                                               "certificate", "organisation"),
      ("法定代表人身份证明", "Identity of the legal representative", "organisation")]),
    ("610100GS-QR-0001", "GS", "non_licence", "QR", "税务登记（国税）", "Tax registration (state tax)", 30, 3, "0",
     [("税务登记表", "Tax registration form", ""), ("营业执照或统一社会信用代码证书", "Business licence or credit "
                                                                  "code certificate", "organisation"),
      ("法定代表人身份证明", "Identity of the legal representative", "organisation"),
      ("经营场所使用证明", "Proof of the business premises", "")]),
    ("610100DS-QR-0001", "DS", "non_licence", "QR", "税务登记（地税）", "Tax registration (local tax)", 30, 3, "0",
     [("税务登记表", "Tax registration form", ""), ("营业执照或统一社会信用代码证书", "Business licence or credit "
                                                                  "code certificate", "organisation"),
      ("法定代表人身份证明", "Identity of the legal representative", "organisation"),
      ("经营场所使用证明", "Proof of the business premises", "")]),
    ("610100ZJ-BA-0101", "ZJ", "non_licence", "BA", "建设工程竣工验收备案", "Completion acceptance filing", 15, 5, "0",
     [("申请表", "Application form", ""), ("竣工验收报告", "Completion acceptance report", ""),
      ("施工图审查合格书", "Construction drawing review certificate", "")]),
    ("610100XF-XK-0101", "XF", "licence", "XK", "建设工程消防验收", "Fire-safety acceptance of construction", 20,
     15, "0", [("申请表", "Application form", ""), ("竣工验收报告", "Completion acceptance report", ""),
               ("消防设施检测报告", "Fire-safety equipment test report", "")]),
    ("610100ZR-QR-0101", "ZR", "non_licence", "QR", "建设工程规划条件核实", "Verification of planning conditions",
     20, 10, "0", [("申请表", "Application form", ""), ("竣工验收报告", "Completion acceptance report", ""),
                   ("竣工测量成果报告", "As-built survey report", "")]),
    ("610100RF-QR-0101", "RF", "non_licence", "QR", "人防工程竣工验收备案", "Civil air-defence completion filing",
     15, 10, "0", [("申请表", "Application form", ""), ("竣工验收报告", "Completion acceptance report", "")]),
    ("610100GA-XK-0101", "GA", "licence", "XK", "占道施工交通安全审批", "Traffic safety approval for road works",
     10, 5, "0", [("申请表", "Application form", ""), ("交通组织方案", "Traffic organisation plan", ""),
                  ("施工平面图", "Site plan of the works", "")]),
    ("610100LY-XK-0101", "LY", "licence", "XK", "临时占用城市绿地审批", "Temporary use of urban green space", 20,
     11, "0", [("申请表", "Application form", ""), ("施工平面图", "Site plan of the works", ""),
               ("绿地恢复方案", "Green-space restoration plan", "")]),
]

#: The levels that exercise the items above: the districts and zones, where the bundles' local legs run.
LOCAL_LEVELS = [Level.DISTRICT, Level.ZONE]

#: (code, zh, en, stage, promised, sequential (seed), description zh, description en,
#:  [(item code, level, required, produces zh, produces en)])
BUNDLES = [
    ("company", "开办企业（内资企业设立登记）", "Start a company (domestic company registration)",
     Stage.ESTABLISHMENT, 4, None,
     "工商、公安、税务、人社并联办理，申请材料一次提交；2014 年平均 3.2 个工作日办结。",
     "Registration, seal, tax and social insurance in parallel, materials handed in once; 3.2 working days on "
     "average in 2014.",
     [("610100SC-XK-0001", LegLevel.LOCAL, True, "营业执照", "Business licence"),
      ("610100GA-BA-0101", LegLevel.LOCAL, True, "", ""),
      ("610100GS-QR-0001", LegLevel.LOCAL, True, "税务登记证", "Tax registration certificate"),
      ("610100RS-GG-0001", LegLevel.LOCAL, False, "", "")]),
    ("tax-joint", "国地税联合税务登记", "Joint state and local tax registration", Stage.ESTABLISHMENT, 3, None,
     "国税、地税一窗受理、同时办理，发放一份税务登记证。",
     "State and local tax accepted at one window and handled at once.",
     [("610100GS-QR-0001", LegLevel.LOCAL, True, "税务登记证", "Tax registration certificate"),
      ("610100DS-QR-0001", LegLevel.LOCAL, True, "", "")]),
    ("planning-permit", "办理建设工程规划许可", "Get a construction planning permit", Stage.PROJECT_PLANNING, 20, None,
     "规划、消防、人防、环保、水务并联审查。", "Planning, fire, civil air defence, environment and water reviewed "
                                               "in parallel.",
     [("610100ZR-XK-0003", LegLevel.LOCAL, True, "建设工程规划许可证", "Construction planning permit"),
      ("610100ZJ-XK-0003", LegLevel.LOCAL, True, "", ""),
      ("610100RF-XK-0001", LegLevel.CITY, True, "", ""),
      ("610100ST-XK-0001", LegLevel.LOCAL, False, "", ""),
      ("610100SL-XK-0002", LegLevel.CITY, False, "", "")]),
    ("completion", "建设工程联合竣工验收", "Joint completion acceptance of a building", Stage.COMPLETION, 15, None,
     "住建、消防、规划、人防联合验收，一次提交竣工资料。",
     "Housing, fire, planning and civil air defence accept the building together.",
     [("610100ZJ-BA-0101", LegLevel.LOCAL, True, "", ""),
      ("610100XF-XK-0101", LegLevel.LOCAL, True, "", ""),
      ("610100ZR-QR-0101", LegLevel.LOCAL, True, "", ""),
      ("610100RF-QR-0101", LegLevel.LOCAL, False, "", "")]),
    ("balloon-promotion", "系留气球及户外宣传活动", "Tethered balloons and outdoor promotion", Stage.OPERATION, 3, None,
     "气象、城管、公安并联审批；2014 年办理 9,570 件。",
     "Meteorology, city management and police in parallel; 9,570 cases in 2014.",
     [("610100QX-XK-0001", LegLevel.LOCAL, True, "", ""),
      ("610100CG-XK-0003", LegLevel.CITY, True, "", ""),
      ("610100GA-XK-0002", LegLevel.CITY, False, "", "")]),
    ("pipelines", "市政管线工程（6 部门并联）", "Municipal pipeline works (6 departments)", Stage.CONSTRUCTION, 15, 67,
     "城管、规划、公安交警、水务、林业、文物 6 个部门并联审批：承诺时限由 67 个工作日压缩至 15 个工作日，"
     "实际平均 11.68 个工作日。",
     "Six departments in parallel: 67 working days one after another, 15 promised, 11.68 actual on average.",
     [("610100CG-XK-0002", LegLevel.LOCAL, True, "", ""),
      ("610100ZR-XK-0005", LegLevel.LOCAL, True, "", ""),
      ("610100GA-XK-0101", LegLevel.LOCAL, True, "", ""),
      ("610100SL-XK-0003", LegLevel.LOCAL, True, "", ""),
      ("610100LY-XK-0101", LegLevel.LOCAL, True, "", ""),
      ("610100WW-XK-0001", LegLevel.CITY, True, "", "")]),
    ("restaurant", "开餐馆", "Open a restaurant", Stage.OPERATION, 11, None,
     "一件事一次办：营业执照、食品经营许可、公共场所卫生许可、消防安全检查一次办。",
     "One thing, done once: business licence, food business licence, hygiene licence and fire-safety inspection.",
     [("610100SC-XK-0001", LegLevel.LOCAL, True, "营业执照", "Business licence"),
      ("610100SC-XK-0003", LegLevel.LOCAL, True, "", ""),
      ("610100WJ-XK-0003", LegLevel.LOCAL, True, "", ""),
      ("610100XF-XK-0001", LegLevel.LOCAL, False, "", "")]),
]

#: Items of linked key projects, (code, level): ~1/3 at city level as in the seed (174 of 544).
PROJECT_ITEMS = [("610100FG-XK-0001", LegLevel.CITY), ("610100ZR-XK-0001", LegLevel.CITY),
                 ("610100ZR-XK-0002", LegLevel.LOCAL), ("610100ST-XK-0001", LegLevel.LOCAL),
                 ("610100ZR-XK-0003", LegLevel.LOCAL), ("610100RF-XK-0001", LegLevel.CITY),
                 ("610100ZJ-XK-0003", LegLevel.LOCAL), ("610100ZJ-XK-0001", LegLevel.LOCAL),
                 ("610100SL-XK-0003", LegLevel.LOCAL)]

#: 20 key projects: (name zh, name en, zone slug, company, year).
PROJECTS = [
    ("三星半导体配套产业园", "Semiconductor supporting industry park", "gaoxin", "西安高新芯材科技有限公司", 2014),
    ("高新区软件新城二期", "Software New Town phase II", "gaoxin", "西安软件新城开发有限公司", 2014),
    ("丝路国际创新中心", "Silk Road international innovation centre", "gaoxin", "西安丝路创新投资有限公司", 2014),
    ("光电子集成产业基地", "Optoelectronics integration base", "gaoxin", "陕西光电集成科技有限公司", 2014),
    ("生物医药孵化园", "Biomedicine incubator", "gaoxin", "西安高新生物医药有限公司", 2014),
    ("高新区综合保税区物流中心", "Bonded-zone logistics centre", "gaoxin", "西安综保物流有限公司", 2014),
    ("经开区重型汽车扩能项目", "Heavy-truck capacity expansion", "jingkai", "陕西重卡制造有限公司", 2014),
    ("经开区新能源电池项目", "New-energy battery plant", "jingkai", "西安经开新能源有限公司", 2014),
    ("泾渭新城铝业深加工项目", "Aluminium processing plant", "jingkai", "西安泾渭铝业有限公司", 2014),
    ("曲江文化金融中心", "Qujiang culture and finance centre", "qujiang", "西安曲江文金投资有限公司", 2014),
    ("大唐不夜城二期", "Great Tang All-Day Mall phase II", "qujiang", "西安曲江不夜城文化有限公司", 2014),
    ("浐灞金融商务区总部基地", "Chanba financial district headquarters", "chanba", "西安浐灞金融发展有限公司", 2014),
    ("浐灞欧亚经济论坛综合园区", "Euro-Asia Economic Forum park", "chanba", "西安欧亚会展投资有限公司", 2014),
    ("西安港多式联运中心", "Xi'an port multimodal hub", "gangwu", "西安陆港多式联运有限公司", 2014),
    ("港务区跨境电商产业园", "Cross-border e-commerce park", "gangwu", "西安港务电商发展有限公司", 2014),
    ("航天基地卫星应用产业园", "Satellite applications park", "hangtian", "西安航天卫星应用有限公司", 2014),
    ("航天基地民用航天产业园", "Civil space industry park", "hangtian", "陕西民用航天科技有限公司", 2014),
    ("航空基地通用航空产业园", "General aviation park", "hangkong", "西安通航产业投资有限公司", 2014),
    ("沣东新城统筹科技资源中心", "Science resources centre", "fengdong", "西安沣东科技资源有限公司", 2014),
    ("沣东新城自贸产业园", "Free-trade industry park", "fengdong", "西安沣东自贸发展有限公司", 2014),
]

#: Demo joint cases: (bundle code or project index, accepting centre slug, accepting user, days ago,
#: legs decided: "all" / "deny-one" / "none").
JOINT_CASES = [
    ("company", "beilin", "clerk-beilin", 12, "all"), ("company", "gaoxin", "clerk-gaoxin", 6, "none"),
    ("tax-joint", "beilin", "clerk-beilin", 9, "all"), ("planning-permit", "gaoxin", "clerk-gaoxin", 15, "deny-one"),
    ("completion", "beilin", "clerk-beilin", 8, "none"), ("balloon-promotion", "beilin", "clerk-beilin", 10, "all"),
    ("pipelines", "beilin", "clerk-beilin", 20, "all"), ("pipelines", "gaoxin", "clerk-gaoxin", 4, "none"),
    ("restaurant", "beilin", "clerk-beilin", 3, "none"),
    (0, "gaoxin", "clerk-gaoxin", 14, "all"), (1, "xian", "clerk-xian", 7, "none"), (2, "gaoxin", "clerk-gaoxin", 5,
                                                                                      "none"),
    (6, "xian", "clerk-xian", 11, "deny-one"),
]

DEMO_PHONE = "13800029000"
DEMO_NAMES = ["西安秦川餐饮管理有限公司", "陕西长安数字科技有限公司", "西安古城市政工程有限公司",
              "西安雁塔文化传播有限公司"]


def credit_code(division_code: str, serial: int) -> str:
    """A valid unified social credit code for a demo company registered in `division_code`."""
    body = f"91{division_code}MA{serial:07d}"
    return body + uscc.calc_check_digit(body)


def _catalogue() -> int:
    """The departments and items the bundles need, published and adopted by the centres of their levels."""
    for code, name_zh, name_en, phone in DEPARTMENTS:
        Department.objects.get_or_create(code=code, defaults={"name_zh": name_zh, "name_en": name_en, "phone": phone})
    departments = {d.code: d for d in Department.objects.all()}
    existing = set(Item.objects.filter(code__in=[row[0] for row in ITEMS]).values_list("code", flat=True))
    centres = list(Centre.objects.filter(status=CentreStatus.READY, level__in=LOCAL_LEVELS))
    created = 0
    for code, dept, category, item_type, name_zh, name_en, legal, promised, fee, materials in ITEMS:
        if code in existing:
            continue
        item = item_create(code=code, department=departments[dept], category=category, item_type=item_type,
                           levels=LOCAL_LEVELS, acting_user=None,
                           keywords="并联审批 joint")
        version = version_create_draft(
            item=item, effective_from=CATALOGUE_SINCE, acting_user=None,
            content={"name_zh": name_zh, "name_en": name_en, "legal_limit_days": legal,
                     "promised_limit_days": promised, "fee_yuan": Decimal(fee), "visits_required": 1,
                     "steps": [{"name_zh": zh, "name_en": en} for zh, en in STEPS],
                     "contact_phone": departments[dept].phone},
            materials=[{"name_zh": zh, "name_en": en, "applicant_types": [kind] if kind else []}
                       for zh, en, kind in materials])
        version_publish(version=version, acting_user=None, today=CATALOGUE_SINCE)
        item.refresh_from_db()
        for centre in centres:
            adoption_create(centre=centre, item=item, acting_user=None, today=ADOPTED_ON)
        created += 1
    return created


def _bundles() -> int:

    items = {i.code: i for i in Item.objects.filter(code__in={c for b in BUNDLES for c, *_ in b[8]})}
    created = 0
    for position, (code, name_zh, name_en, stage, promised, sequential, desc_zh, desc_en, rows) in enumerate(BUNDLES):
        bundle, new = Bundle.objects.get_or_create(code=code, defaults={
            "name_zh": name_zh, "name_en": name_en, "stage": stage, "kind": BundleKind.PARALLEL,
            "promised_days": promised, "sequential_days": sequential, "description_zh": desc_zh,
            "description_en": desc_en, "position": position})
        if new:
            BundleItem.objects.bulk_create(
                BundleItem(bundle=bundle, item=items[item_code], level=level, required=required, produces_zh=p_zh,
                           produces_en=p_en, position=i)
                for i, (item_code, level, required, p_zh, p_en) in enumerate(rows, start=1) if item_code in items)
            created += 1
    Bundle.objects.get_or_create(code="linked-key-projects", defaults={
        "name_zh": "市区两级联动重点项目", "name_en": "City-district linked key projects",
        "stage": Stage.PROJECT_PLANNING, "kind": BundleKind.LINKED, "promised_days": 30, "position": 99,
        "description_zh": "一站受理、同步办理：开发区重点项目的市级和区级事项同时办理，企业不再两头跑。",
        "description_en": "Accepted once, handled at both levels at the same time: the company no longer "
                          "shuttles between the city and the zone."})
    return created


def _projects() -> list[KeyProject]:

    items = {i.code: i for i in Item.objects.filter(code__in=[c for c, _level in PROJECT_ITEMS])}
    zones = {c.slug: c for c in Centre.objects.filter(slug__in={p[2] for p in PROJECTS})}
    linked = Bundle.objects.filter(code="linked-key-projects").first()
    projects = []
    for index, (name_zh, name_en, slug, company, year) in enumerate(PROJECTS):
        zone = zones.get(slug)
        if zone is None:
            continue
        # 4 to 7 items each, rotating through the list: about a third at city level
        chosen = [PROJECT_ITEMS[(index + k) % len(PROJECT_ITEMS)] for k in range(4 + index % 4)]
        projects.append(linked_project_register(
            name_zh=name_zh, name_en=name_en, centre=zone, company_name=company,
            credit_code=credit_code(zone.division_code, index + 1), year=year, bundle=linked,
            items=[(items[code], level) for code, level in chosen if code in items]))
    return projects


def _decide(joint: JointCase, how: str, at: dt.datetime) -> None:
    """Review and decide the demo case's legs (by each centre's administrator), a few days later."""
    if how == "none":
        return
    legs = list(joint.legs.select_related("centre").order_by("position"))
    for i, leg in enumerate(legs):
        admin = User.objects.filter(username=f"admin-{leg.centre.slug}").first()
        if admin is None:
            continue
        when = min(at + dt.timedelta(days=2 + i % 3), timezone.now())
        door.case_step(centre=leg.centre, case_id=leg.case_id, action=Action.START_REVIEW, acting_user=admin,
                       now=when)
        if how == "deny-one" and i == len(legs) - 1:
            door.case_step(centre=leg.centre, case_id=leg.case_id, action=Action.DENY, acting_user=admin, now=when,
                           note="申请材料与现场核查情况不符，不予许可。")
        else:
            door.case_step(centre=leg.centre, case_id=leg.case_id, action=Action.APPROVE, acting_user=admin, now=when)


def _joint_cases(projects: list[KeyProject]) -> int:
    centres = {c.slug: c for c in Centre.objects.filter(slug__in={row[1] for row in JOINT_CASES})}
    users = {u.username: u for u in User.objects.filter(username__in={row[2] for row in JOINT_CASES})}
    bundles = {b.code: b for b in Bundle.objects.all()}
    created = 0
    for n, (source, slug, username, days_ago, how) in enumerate(JOINT_CASES):
        centre, user = centres.get(slug), users.get(username)
        project = projects[source] if isinstance(source, int) and source < len(projects) else None
        bundle = bundles.get(source) if isinstance(source, str) else None
        if centre is None or user is None or (bundle is None and project is None):
            continue
        at = timezone.now() - dt.timedelta(days=days_ago)
        with transaction.atomic():
            # the key makes a second run answer with the joint case the first one made
            result = joint_case_accept(
                accepting_centre=centre, acting_user=user, bundle=bundle, project=project, now=at,
                applicant_kind="organisation",
                applicant_name=project.company_name if project else DEMO_NAMES[n % len(DEMO_NAMES)],
                applicant_id_number=project.credit_code if project else credit_code(centre.division_code, 900 + n),
                phone=DEMO_PHONE, provided_keys=["申请表", "营业执照或统一社会信用代码证书", "法定代表人身份证明"],
                idempotency_key=ClientKey(key=f"demo-joint-{n}", user_id=user.pk))
            if result.created:
                _decide(result.joint_case, how, at)
        created += int(result.created)
    return created


def demo_provision() -> dict:
    """Provision the demo bundles, linked projects and joint cases (idempotent)."""
    started = time.perf_counter()
    with transaction.atomic():
        items = _catalogue()
        bundles = _bundles()
        projects = _projects()
    joint_cases = _joint_cases(projects)
    return {"items_created": items, "bundles_created": bundles, "projects": len(projects),
            "joint_cases_created": joint_cases, "seconds": round(time.perf_counter() - started, 2)}
