"""Demo data of the delegation app (provisioned with the demo network). Idempotent and fast.

- Stations at the seed's scale: 2,770 village and 697 community stations over the 178 townships,
  whose divisions total 2,953 villages and 818 communities (coverage 3,467 ÷ 3,771 = 92%). Towns
  (镇) get most villages, streets (街道) most communities; the split is fixed by a seeded generator.
- The agent `agent-nanyuanmen` at a Nanyuanmen station, with a few filings (one to the township,
  one to Beilin district, one to the city) at different handover steps.
- The key-project agency service of 2014: 28 projects of the key-project register (those the
  linked-approval demo registered already are taken as they are: one project, one row), their agents
  at the three levels, 56 problems solved (and 4 still open), 103 approvals finished.
- The coal-boiler green channel: 119 boilers; pipeline planning permits 55 → 15 working days.
"""
from __future__ import annotations

import datetime as dt
import io
import random
import time

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric, uscc

from cases import door
from cases.choices import Action
from catalog.models import Item
from catalog.selectors import centre_catalogue
from delegation.choices import AgencyLevel, HandoverStepKind, StationKind
from delegation.consent import consent_draft_for, consent_scan_attach
from delegation.models import (
    AgencyAssignment,
    GreenChannel,
    GreenChannelItem,
    ProjectApproval,
    ProjectProblem,
    ProxyFiling,
    Station,
    TownshipDivisions,
)
from delegation.services import (
    consent_record,
    green_channel_case_submit,
    handover_log,
    proxy_filing_submit,
    station_agent_assign,
)
from projects.selectors import key_project_find
from projects.services import key_project_register
from registry.models import RegistryEntry
from tenants.choices import Level
from tenants.models import Centre, User
from tenants.services import user_get_or_create

VILLAGES, COMMUNITIES = 2953, 818
VILLAGE_STATIONS, COMMUNITY_STATIONS = 2770, 697
SEED = 2014


def demo_scan_pdf(form_number: str) -> bytes:
    """A one-page PDF standing for the scan of a signed authorisation form (the demo's evidence; its
    font has no Chinese glyphs, so the form number alone names it)."""
    text = f"Authorisation form {form_number} - demo scan"
    stream = f"BT /F1 18 Tf 60 760 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` in proportion to `weights` (largest remainder: the parts add up exactly)."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[:total - sum(parts)]:
        parts[i] += 1
    return parts


def _gaps(total: int, capacity: list[int], rng: random.Random) -> list[int]:
    """Spread `total` missing stations over townships, never more than a township has divisions."""
    gaps = [0] * len(capacity)
    candidates = [i for i, c in enumerate(capacity) if c > 0]
    for _ in range(total):
        i = rng.choice([j for j in candidates if gaps[j] < capacity[j]])
        gaps[i] += 1
    return gaps


def _stations(townships: list[Centre]) -> dict:
    rng = random.Random(SEED)  # noqa: S311  (reproducible demo data)
    towns = [t.name_zh.endswith("镇") for t in townships]
    villages = _split(VILLAGES, [rng.uniform(3, 5) if town else rng.uniform(0.1, 0.6) for town in towns])
    communities = _split(COMMUNITIES, [rng.uniform(0.5, 1) if town else rng.uniform(2, 4) for town in towns])
    missing_villages = _gaps(VILLAGES - VILLAGE_STATIONS, villages, rng)
    missing_communities = _gaps(COMMUNITIES - COMMUNITY_STATIONS, communities, rng)
    TownshipDivisions.objects.bulk_create(
        [TownshipDivisions(township=t, villages=v, communities=c) for t, v, c in zip(townships, villages, communities,
                                                                                    strict=True)],
        ignore_conflicts=True)
    rows = []
    for t, v, c, mv, mc in zip(townships, villages, communities, missing_villages, missing_communities, strict=True):
        short = t.name_zh.removesuffix("街道").removesuffix("镇")
        for n in range(1, c - mc + 1):
            rows.append(Station(township=t, kind=StationKind.COMMUNITY, division_code=f"{t.division_code}{n:03d}",
                                name_zh=f"{short}第{n}社区便民服务站", name_en=f"{t.name_en} Community {n} Station"))
        for n in range(1, v - mv + 1):
            rows.append(Station(township=t, kind=StationKind.VILLAGE, division_code=f"{t.division_code}{200 + n:03d}",
                                name_zh=f"{short}第{n}村便民服务站", name_en=f"{t.name_en} Village {n} Station"))
    Station.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return {"stations": Station.objects.count(), "villages": sum(villages), "communities": sum(communities)}


def resident_id(n: int) -> str:
    """The demo's n-th resident's ID number (Beilin, born 1985 + n; a valid check character): the agent's
    n-th filing is for them, and the online service hall's demo applicant is resident 0."""
    body = f"610103{1985 + n:04d}{1 + n % 12:02d}{10 + n:02d}{101 + n:03d}"  # area, birth date, sequence
    return body + ric.calc_check_digit(body + "0")  # (the function wants a placeholder check digit)


def _filings(today: dt.date) -> int:
    """The demo agent's filings: township, district and city items, at different handover steps."""
    agent = User.objects.filter(username="agent-nanyuanmen").first()
    township = Centre.objects.select_related("parent__parent").filter(slug="beilin-nanyuanmen").first()
    if agent is None or township is None or township.parent is None:
        return 0
    station = Station.objects.filter(township=township).order_by("division_code").first()
    if station is None:
        return 0
    station_agent_assign(user=agent, station=station, acting_user=None)
    if ProxyFiling.objects.filter(agent=agent).exists():
        return 0
    district, city = township.parent, township.parent.parent
    own = set(centre_catalogue(centre=township).values_list("item__code", flat=True))
    district_codes = set(centre_catalogue(centre=district).values_list("item__code", flat=True))
    picks = [code for code in sorted(own)[:3]]
    picks += [code for code in sorted(district_codes - own)[:2]]
    if city is not None:
        picks += [code for code in sorted(set(centre_catalogue(centre=city).values_list("item__code", flat=True))
                                          - district_codes)[:1]]
    residents = ["李秀英", "王建国", "张桂兰", "刘志强", "陈玉梅", "杨德明"]
    now = timezone.now()
    made = 0
    for n, code in enumerate(picks):
        name = residents[n % len(residents)]
        id_number = resident_id(n)
        filed = now - dt.timedelta(days=6 - n, hours=2)
        with transaction.atomic():
            form_number = f"WT-{today:%Y}-{n + 1:04d}"
            draft = consent_draft_for(agent=agent, station=station, token=f"demo-{form_number}")
            consent_scan_attach(draft=draft, upload=io.BytesIO(demo_scan_pdf(form_number)),
                                file_name=f"{form_number}.pdf")
            consent = consent_record(agent=agent, station=station, resident_name=name, resident_id_number=id_number,
                                     item_code=code, method=["signed_form", "fingerprint"][n % 2],
                                     given_at=filed - dt.timedelta(minutes=30), draft=draft, now=filed)
            filing = proxy_filing_submit(agent=agent, station=station, consent=consent, item_code=code,
                                         resident_name=name, resident_id_number=id_number,
                                         phone=f"1380000{n:04d}", now=filed)
            if n % 3 != 0:
                handover_log(filing=filing, step=HandoverStepKind.HANDED_TO_CENTRE, acting_user=agent,
                             now=filed + dt.timedelta(hours=3))
            if n in (1, 2) and _decide(filing, filed + dt.timedelta(days=1)):
                # Decided where it was filed and brought back: one result to deliver, one delivered.
                handover_log(filing=filing, step=HandoverStepKind.RESULT_RECEIVED, acting_user=agent,
                             now=filed + dt.timedelta(days=1, hours=3))
                if n == 2:
                    handover_log(filing=filing, step=HandoverStepKind.DELIVERED_TO_RESIDENT, acting_user=agent,
                                 now=filed + dt.timedelta(days=1, hours=5))
        made += 1
    return made


def _decide(filing: ProxyFiling, when: dt.datetime) -> bool:
    """The handling centre's administrator accepts, reviews and approves the filing's case and has the
    result ready (False: no administrator to do it)."""
    centre = filing.target_centre
    clerk = User.objects.filter(username=f"admin-{centre.slug}").first()
    if clerk is None:
        return False
    for action in (Action.ACCEPT, Action.START_REVIEW, Action.APPROVE, Action.RESULT_READY):
        door.case_step(centre=centre, case_id=filing.case_id, action=action, acting_user=clerk, now=when)
    return True


#: (name_zh, name_en, centre slug): the 2014 key projects (illustrative names).
KEY_PROJECTS = [
    ("地铁四号线工程", "Metro Line 4", "xian"),
    ("三星半导体配套产业园", "Semiconductor supply park", "gaoxin"),
    ("浐灞生态区会展中心", "Chanba exhibition centre", "chanba"),
    ("丝路国际物流园", "Silk Road logistics park", "gangwu"),
    ("航天基地卫星应用产业园", "Satellite applications park", "hangtian"),
    ("曲江文化旅游综合体", "Qujiang cultural complex", "qujiang"),
    ("沣东新城科技创新港", "Fengdong innovation harbour", "fengdong"),
    ("经开区汽车产业园", "Auto industry park", "jingkai"),
    ("北客站综合交通枢纽", "North station transport hub", "weiyang"),
    ("幸福林带工程", "Xingfu green belt", "xincheng"),
    ("大明宫遗址保护展示工程", "Daming Palace site works", "xincheng"),
    ("城市快速路改造工程", "Urban expressway upgrade", "yanta"),
    ("高新区软件新城二期", "Software new town phase 2", "gaoxin"),
    ("长安通信产业园", "Chang'an telecom park", "changan"),
    ("临潼旅游度假区", "Lintong resort", "lintong"),
    ("阎良航空产业园", "Yanliang aviation park", "yanliang"),
    ("灞桥生态湿地公园", "Baqiao wetland park", "baqiao"),
    ("碑林历史街区改造", "Beilin historic quarter renewal", "beilin"),
    ("莲湖城中村改造项目", "Lianhu urban village renewal", "lianhu"),
    ("雁塔电子商务产业园", "Yanta e-commerce park", "yanta"),
    ("高陵装备制造产业园", "Gaoling equipment park", "gaoling"),
    ("鄠邑现代农业园", "Huyi modern agriculture park", "huyi"),
    ("蓝田水源地保护工程", "Lantian water-source protection", "lantian"),
    ("周至猕猴桃产业园", "Zhouzhi kiwifruit park", "zhouzhi"),
    ("国际港务区陆港大厦", "Land port tower", "gangwu"),
    ("浐灞金融商务区", "Chanba financial district", "chanba"),
    ("集中供热管网改造工程", "District heating network renewal", "weiyang"),
    ("燃煤锅炉拆改配套工程", "Coal boiler replacement works", "xincheng"),
]
AGENTS = [("kp-agent-li", "重点项目代办员 李明"), ("kp-agent-zhao", "重点项目代办员 赵敏"),
          ("kp-agent-sun", "重点项目代办员 孙强"), ("kp-agent-zhou", "重点项目代办员 周洁")]
PROBLEMS = [("用地预审与规划条件衔接", "市国土局、市规划局"), ("环评批复前置条件", "市环保局"),
            ("施工许可与质量监督衔接", "市建委"), ("管线迁改协调", "市市政局、供电公司"),
            ("消防设计审核意见分歧", "市公安消防支队"), ("人防易地建设费核定", "市人防办")]
APPROVALS = ["建设项目选址意见书", "建设用地规划许可证", "建设工程规划许可证", "施工许可证", "环境影响评价批复",
             "节能评估审查", "消防设计审核", "竣工验收备案"]


def _credit_code(n: int) -> str:

    body = f"916101{n:04d}MA6T{n:03d}"[:17].ljust(17, "0")
    return body + uscc.calc_check_digit(body)


def _key_projects() -> dict:
    """The 2014 agency work: the projects put on the register (or found there), agents, problems, approvals."""
    done_before = AgencyAssignment.objects.filter(project__year=2014).values("project").distinct().count()
    if done_before:
        return {"projects": done_before}
    centres = {c.slug: c for c in Centre.objects.filter(level__in=[Level.DISTRICT, Level.ZONE])}
    fallback = next(iter(sorted(centres.values(), key=lambda c: c.division_code)), None)
    if fallback is None:
        return {"projects": 0}
    password = make_password(None)
    agents = [user_get_or_create(username=u, full_name=f, password_hash=password) for u, f in AGENTS]
    problems_solved = _split(56, [1.0] * 28)
    approvals = _split(103, [1 + (n % 4) for n in range(28)])
    levels = [AgencyLevel.FULL, AgencyLevel.ASSIST, AgencyLevel.GUIDE]
    with transaction.atomic():
        projects = [key_project_find(year=2014, name_zh=zh) or key_project_register(
            year=2014, name_zh=zh, name_en=en, company_name=f"{zh[:4]}建设有限公司", credit_code=_credit_code(n),
            centre=centres.get(slug) or fallback) for n, (zh, en, slug) in enumerate(KEY_PROJECTS)]
        AgencyAssignment.objects.bulk_create([
            AgencyAssignment(project=p, agent=agents[n % len(agents)], level=levels[n % 3],
                             assigned_on=dt.date(2014, 1 + n % 6, 1 + n % 20)) for n, p in enumerate(projects)])
        problems, done = [], []
        for n, p in enumerate(projects):
            for k in range(problems_solved[n] + (1 if n < 4 else 0)):  # 4 projects keep one problem open
                text, departments = PROBLEMS[(n + k) % len(PROBLEMS)]
                raised = dt.date(2014, 2 + (n + k) % 9, 1 + (n * 3 + k) % 25)
                solved = k < problems_solved[n]
                problems.append(ProjectProblem(project=p, problem=text, departments=departments,
                                               resolution="召开协调会，明确办理路径并限时办结" if solved else "",
                                               raised_on=raised,
                                               resolved_on=raised + dt.timedelta(days=3 + k) if solved else None))
            for k in range(approvals[n]):
                done.append(ProjectApproval(project=p, item_name=APPROVALS[k % len(APPROVALS)],
                                            centre=p.centre if k % 2 else None,
                                            finished_on=dt.date(2014, 3 + (n + k) % 9, 1 + (n + 2 * k) % 27)))
        ProjectProblem.objects.bulk_create(problems)
        ProjectApproval.objects.bulk_create(done)
    return {"projects": len(projects), "problems_solved": sum(problems_solved), "approvals_finished": sum(approvals)}


#: (item code, usual working days, compressed, waived material): the coal-boiler programme.
GREEN_ITEMS = [("610100ZR-XK-0003-003", 55, 15, "国有土地使用证明"), ("610100SC-XK-0005-001", 20, 5, "章程或合伙协议")]


def _green_channel() -> dict:

    channel, created = GreenChannel.objects.get_or_create(code="coal-boilers", defaults={
        "name_zh": "燃煤锅炉拆改绿色通道", "name_en": "Coal boiler replacement green channel", "target_count": 119,
        "target_unit_zh": "台", "target_unit_en": "boilers", "starts_on": dt.date(2014, 3, 1)})
    items = {i.code: i for i in Item.objects.filter(code__in=[g[0] for g in GREEN_ITEMS])}
    for code, usual, cap, waived in GREEN_ITEMS:
        if code in items:
            GreenChannelItem.objects.get_or_create(channel=channel, item=items[code], defaults={
                "promised_cap_days": cap, "usual_days": usual, "waived_materials": [waived]})
    return {"green_channel": channel.code, "created": created, "items": channel.items.count(),
            "cases": _green_cases(channel)}


def _green_cases(channel: GreenChannel) -> int:
    """A few pipeline permits on the channel at the city centre: most decided within the 15 days."""


    city = Centre.objects.filter(level=Level.CITY).first()
    clerk = User.objects.filter(username=f"admin-{city.slug}").first() if city else None
    entry = channel.items.select_related("item").filter(item__code=GREEN_ITEMS[0][0]).first()
    if city is None or clerk is None or entry is None or RegistryEntry.objects.filter(
            green_channel=channel.code).exists():
        return 0
    if not centre_catalogue(centre=city).filter(item=entry.item).exists():
        return 0
    now = timezone.now()
    made = 0
    with transaction.atomic():
        for n in range(6):
            started = now - dt.timedelta(days=20 - n)
            case = green_channel_case_submit(
                centre=city, code=channel.code, item_code=entry.item.code, applicant_kind="organisation",
                applicant_name=f"西安热力锅炉改造第{n + 1}标段", applicant_id_number=_credit_code(900 + n),
                phone=f"1390000{n:04d}", acting_user=clerk, now=started).case
            made += 1
            steps = [(Action.ACCEPT, started), (Action.START_REVIEW, started)] if n < 5 else []
            steps += [(Action.APPROVE, now)] if n < 4 else []
            for action, when in steps:
                door.case_step(centre=city, case_id=case.pk, action=action, acting_user=clerk, now=when)
    return made


def demo_provision() -> dict:
    started = time.perf_counter()
    townships = list(Centre.objects.filter(level=Level.TOWNSHIP).order_by("division_code"))
    result: dict = {}
    if townships and not Station.objects.exists():
        with transaction.atomic():
            result.update(_stations(townships))
    else:
        result["stations"] = Station.objects.count()
    result["filings"] = _filings(timezone.localdate())
    result["key_projects"] = _key_projects()
    result["green"] = _green_channel()
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result
