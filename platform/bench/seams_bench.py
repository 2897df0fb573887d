#!/usr/bin/env python3
"""The seams between the public apps and a centre's cases, counted: the statements of a joint
acceptance of 3 legs over 2 centres (2 at Beilin, 1 at the city centre) and of a proxy filing of a
city item from a village station — in all, and by what they read or write (schema switches, materials,
catalogues, applicant checks show as reads of the same table).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice \
        python platform/bench/seams_bench.py [--rounds 20] [--keep] [--json]

Each operation runs through its service (what the pages and the API call), in-process, after two
warm-up rounds; reported: the statements of one round (the same every round) grouped by kind, and
the median time. It works on the code before the one door (issue 11, commit 91d6851: the services'
old signatures) and after, so both can be measured in one session.

Like run.py it never touches the DATABASE_URL database: it creates `bench_<name>_seams` on the same
server (dropped first if it exists, and at the end unless --keep). The figures in docs/benchmarks.md
("The seams") come from this script, run at both commits.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))  # run.py's helpers (platform/ is not a package)

from run import (  # noqa: E402
    PYTHON,
    REPO,
    RESULT_PREFIX,
    bench_dbname,
    child_env,
    drop_db,
    log,
    prepare_migrated_db,
)

DOC = REPO / "docs" / "benchmarks.md"
USCC = "91610103MA0000001N"


def kind(sql: str) -> str:
    """What a statement does, by its verb and first table: `SET search_path`, `SELECT catalog_material`."""
    text = " ".join(sql.split())
    if text.upper().startswith("SET "):
        return "SET search_path (schema switch)" if "search_path" in text else "SET"
    verb = text.split(" ", 1)[0].upper()
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(?:[a-z0-9_]+"?\.)?"?([a-z0-9_]+)"?', text, re.IGNORECASE)
    return f"{verb} {table.group(1) if table else '?'}"


def worker(rounds: int) -> dict:
    import datetime as dt

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from stdnum.cn import ric

    from catalog.models import Adoption, Department
    from catalog.services import item_create, version_create_draft, version_publish
    from delegation import services as delegation
    from joint_approval.models import Bundle, BundleItem
    from joint_approval.services import joint_case_accept
    from tenants.choices import Role
    from tenants.models import Centre
    from tenants.services import centre_bulk_onboard, membership_grant, user_get_or_create
    from tenants.validation import CentreInput

    centre_bulk_onboard(rows=[
        CentreInput("city", "610100", "xian", "西安市政务服务中心", "Xi'an Centre", ""),
        CentreInput("district", "610103", "beilin", "碑林区", "Beilin District", "610100"),
        CentreInput("township", "610103001", "beilin-nanyuanmen", "南院门街道", "Nanyuanmen Subdistrict", "610103"),
    ], acting_user=None)
    city, beilin, township = (Centre.objects.get(division_code=c) for c in ("610100", "610103", "610103001"))

    def item(code: str, dept: str, levels: list[str], adopt: list[Centre], materials: list[tuple[str, str]]):
        department, _ = Department.objects.get_or_create(code=dept, defaults={"name_zh": f"{dept}局",
                                                                               "name_en": f"Bureau {dept}"})
        made = item_create(code=code, department=department, category="licence", item_type=code[9:11],
                           levels=levels, acting_user=None)
        version = version_create_draft(item=made, content={"name_zh": f"事项{code[-4:]}", "name_en": f"Item {code}",
                                                           "legal_limit_days": 20, "promised_limit_days": 10},
                                       materials=[{"name_zh": zh, "name_en": en} for zh, en in materials],
                                       effective_from=dt.date(2020, 1, 1), acting_user=None)
        version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 1))
        for centre in adopt:
            Adoption.objects.create(centre=centre, item=made, starts_on=dt.date(2020, 1, 1))
        made.refresh_from_db()
        return made

    shared = [("申请表", "Application form"), ("营业执照", "Business licence")]
    legs = [item("610100SC-XK-0801", "SC", ["city", "district"], [beilin], shared),
            item("610100ZJ-XK-0802", "ZJ", ["city", "district"], [beilin], shared + [("场地证明", "Site proof")]),
            item("610100GA-BA-0803", "GA", ["city"], [city], shared)]
    bundle = Bundle.objects.create(code="bench-three", name_zh="三项联办", name_en="Three at once",
                                   stage="establishment", promised_days=10)
    for position, (leg, level) in enumerate(zip(legs, ["local", "local", "city"], strict=True), start=1):
        BundleItem.objects.create(bundle=bundle, item=leg, level=level, position=position)
    clerk = user_get_or_create(username="bench-clerk", full_name="窗口", password=None)
    membership_grant(user=clerk, centre=beilin, role=Role.WINDOW_CLERK, acting_user=None)

    city_item = item("610100GA-GG-0804", "GA", ["city"], [city], [("申请表", "Application form")])
    station = delegation.station_create(township=township, kind="village", name_zh="南院门第一村便民服务站",
                                        division_code="610103001201")
    agent = user_get_or_create(username="bench-agent", full_name="代办员", password=None)
    delegation.station_agent_assign(user=agent, station=station, acting_user=None)

    def accept(_n: int) -> None:
        fresh = Bundle.objects.get(pk=bundle.pk)  # what a request reads first
        joint_case_accept(accepting_centre=beilin, acting_user=clerk, bundle=fresh, applicant_kind="organisation",
                          applicant_name="某某有限公司", applicant_id_number=USCC, phone="13912345678",
                          provided_keys=["申请表", "营业执照"])

    def file(n: int) -> None:
        body = f"6101031985{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        id_number = body + ric.calc_check_digit(body + "0")
        if hasattr(delegation, "proxy_filing_file"):  # one service since issue 11
            delegation.proxy_filing_file(
                agent=agent, station=station, item_code=city_item.code, resident_name="李秀英",
                resident_id_number=id_number, phone="13800000000",
                consent=delegation.ConsentGiven(method="signed_form", given_at=timezone.now()))
        else:  # before: what the page did, in two services
            with transaction.atomic():
                consent = delegation.consent_record(agent=agent, station=station, resident_name="李秀英",
                                                    resident_id_number=id_number, item_code=city_item.code,
                                                    method="signed_form", given_at=timezone.now())
                delegation.proxy_filing_submit(agent=agent, station=station, consent=consent,
                                               item_code=city_item.code, resident_name="李秀英",
                                               resident_id_number=id_number, phone="13800000000")

    from django.conf import settings
    from django.test import Client

    clerk_client = Client(HTTP_HOST=f"{beilin.slug}.{settings.PLATFORM_DOMAIN}")
    clerk_client.force_login(clerk)
    agent_client = Client(HTTP_HOST=f"{township.slug}.{settings.PLATFORM_DOMAIN}")
    agent_client.force_login(agent)

    def accept_api(_n: int) -> None:
        response = clerk_client.post("/api/v1/joint/cases/", {
            "bundle": bundle.code, "provided": ["申请表", "营业执照"], "applicant_kind": "organisation",
            "applicant_name": "某某有限公司", "applicant_id_number": USCC, "phone": "13912345678"},
            content_type="application/json")
        assert response.status_code == 201, response.content[:300]  # noqa: S101

    def file_api(n: int) -> None:
        body = f"6101031985{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        response = agent_client.post("/api/v1/delegation/filings/", {
            "item_code": city_item.code, "resident_name": "李秀英",
            "resident_id_number": body + ric.calc_check_digit(body + "0"), "phone": "13800000000",
            "consent_method": "signed_form", "consent_given_at": timezone.now().isoformat()},
            content_type="application/json")
        assert response.status_code == 201, response.content[:300]  # noqa: S101

    results = {}
    for name, operation in (("joint acceptance, 3 legs over 2 centres (service)", accept),
                            ("proxy filing of a city item (service)", lambda n: file(n + 1000)),
                            ("joint acceptance, 3 legs over 2 centres (API request on Beilin's host)", accept_api),
                            ("proxy filing of a city item (API request on the township's host)",
                             lambda n: file_api(n + 2000))):
        for n in range(2):
            operation(n)
        times, counts = [], None
        for n in range(2, 2 + rounds):
            connection.set_schema_to_public()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                operation(n)
                times.append((time.perf_counter() - started) * 1000)
            counts = Counter(kind(q["sql"]) for q in queries.captured_queries)
        results[name] = {"queries": sum(counts.values()), "by_kind": dict(counts.most_common()),
                         "median_ms": statistics.median(times)}
    return {"results": results, "date": time.strftime("%Y-%m-%d")}


def measure(db_url: str, rounds: int) -> dict:
    proc = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--worker", str(rounds)],
                          cwd=REPO, env=child_env(db_url), stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"seams worker failed ({proc.returncode})")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit("seams worker printed no result")


def render(result: dict) -> str:
    lines = []
    for name, row in result["results"].items():
        lines.append(f"**{name}**: {row['queries']} statements, median {row['median_ms']:.1f} ms\n")
        lines.append("| statement | count |\n| --- | --- |")
        lines += [f"| `{what}` | {count} |" for what, count in row["by_kind"].items()]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    if "--worker" in sys.argv:
        print(RESULT_PREFIX + json.dumps(worker(int(sys.argv[sys.argv.index("--worker") + 1]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    name = bench_dbname(url, "seams")
    db_url = prepare_migrated_db(url, name)
    try:
        result = measure(db_url, args.rounds)
    finally:
        if not args.keep:
            drop_db(url, name)
    log("done")
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else render(result))


if __name__ == "__main__":
    main()
