#!/usr/bin/env python3
"""The online service hall (issue 16): "my cases" and an online application.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice \
        python platform/bench/portal_bench.py [--others 1000000] [--requests 300] [--keep] [--reuse] [--only my_cases]

Like the other benchmarks it never touches the database named in DATABASE_URL: it creates
`bench_<name>_portal` on the same server (dropped first, and at the end unless --keep; --reuse keeps an
existing one with its rows) and runs Django in child processes pointed at it.

Steps:
  setup     the 200-centre demo network and the demo catalogue (as dashboard_bench.py)
  generate  --others registry rows of other applicants (spread over every centre and two years), then the
            applicant's 100 cases across 20 centres (5 each; a third of them open) and 5 joint cases of
            theirs; VACUUM ANALYZE
  my_cases  GET /online/cases/ on the platform's host for the signed-in applicant through Django's test
            client (the whole request: session, account, the registry read, the page): --requests requests
            after 10 warm-ups; p50, p99, max, the statements per request, the page's size, and the plan of
            the registry read (an index scan on registry_applicant, never a loop over schemas)
  apply     an online application with 5 materials of 2 MB each (PDF), end to end through the page
            (/online/items/<code>/apply/ at a district centre: checks by content, SHA-256, the storage,
            the case and its documents in the centre's schema, the registry row): median and max of 10
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from dashboard_bench import _plan_summary, child_setup  # noqa: E402
from run import (  # noqa: E402
    PYTHON,
    REPO,
    RESULT_PREFIX,
    bench_dbname,
    child_env,
    db_exists,
    drop_db,
    log,
    machine_info,
    prepare_migrated_db,
    server_url,
)

#: The applicant's resident ID (born 1956) and mobile.
APPLICANT_ID = "610103195601010011"
APPLICANT_MOBILE = "+8613900000016"
MY_CASES = 100
MY_CENTRES = 20

OTHERS_SQL = """
INSERT INTO registry_registryentry (centre_id, case_id, number, item_code, item_name_zh, item_name_en,
        department_code, department_name_zh, department_name_en, channel, status, submitted_at, accepted_on,
        promised_limit_days, legal_limit_days, paused_workdays, promised_due, legal_due, promised_due_provisional,
        legal_due_provisional, paused, is_open, last_event_at, applicant_hmac, lookup_hmacs, history,
        green_channel)
SELECT c.id, gen_random_uuid(), 'B' || lpad(g.n::text, 12, '0'), '610100SC-XK-0001', '食品经营许可',
       'Food business licence', 'SC', '市场监管', 'Market regulation',
       (ARRAY['window', 'online', 'proxy'])[1 + g.n %% 3], CASE WHEN g.n %% 5 = 0 THEN 'accepted' ELSE 'collected' END,
       now() - (g.n %% 730) * interval '1 day', (now() - (g.n %% 730) * interval '1 day')::date, 10, 20, 0,
       (now() - (g.n %% 730) * interval '1 day' + interval '14 days')::date,
       (now() - (g.n %% 730) * interval '1 day' + interval '28 days')::date, false, false, false, g.n %% 5 = 0,
       now() - (g.n %% 730) * interval '1 day', md5(g.n::text) || md5((g.n + 1)::text), '{}', '[]', ''
  FROM generate_series(1, %(others)s) g(n)
  JOIN tenants_centre c ON c.id = (SELECT min(id) FROM tenants_centre) + g.n %% (SELECT count(*) FROM tenants_centre)
"""

MINE_SQL = """
INSERT INTO registry_registryentry (centre_id, case_id, number, item_code, item_name_zh, item_name_en,
        department_code, department_name_zh, department_name_en, channel, status, submitted_at, accepted_on,
        promised_limit_days, legal_limit_days, paused_workdays, promised_due, legal_due, promised_due_provisional,
        legal_due_provisional, paused, is_open, last_event_at, applicant_hmac, lookup_hmacs, history,
        green_channel)
SELECT c.id, gen_random_uuid(), 'M' || lpad(g.n::text, 12, '0'), '610100SC-XK-0001', '食品经营许可',
       'Food business licence', 'SC', '市场监管', 'Market regulation',
       (ARRAY['window', 'online', 'proxy', 'joint'])[1 + g.n %% 4],
       CASE WHEN g.n %% 3 = 0 THEN 'accepted' ELSE 'collected' END,
       now() - g.n * interval '3 days', (now() - g.n * interval '3 days')::date, 10, 20, 0,
       (now() - g.n * interval '3 days' + interval '14 days')::date,
       (now() - g.n * interval '3 days' + interval '28 days')::date, false, false, false, g.n %% 3 = 0,
       now() - g.n * interval '3 days', %(hmac)s, '{}',
       '[{"status": "submitted", "at": "2026-01-05T10:00:00+08:00"},
         {"status": "accepted", "at": "2026-01-05T10:20:00+08:00"}]',
       ''
  FROM generate_series(1, %(mine)s) g(n)
  JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM tenants_centre) c ON c.k = g.n %% %(centres)s
"""


def generate(db_url: str, *, others: int) -> dict:
    env = child_env(db_url)
    hmac = subprocess.run([PYTHON, "-c", "import django; django.setup(); from common.identity import identity_hmac; "
                           f"print(identity_hmac('{APPLICANT_ID}'))"], cwd=REPO, env=env, capture_output=True,
                          text=True, check=True).stdout.strip()
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute(OTHERS_SQL, {"others": others})
        conn.execute(MINE_SQL, {"mine": MY_CASES, "centres": MY_CENTRES, "hmac": hmac})
        insert = time.perf_counter() - started
        conn.execute("VACUUM ANALYZE registry_registryentry")
        rows = conn.execute("SELECT count(*) FROM registry_registryentry").fetchone()[0]
        centres = conn.execute("SELECT count(DISTINCT centre_id) FROM registry_registryentry "
                               "WHERE applicant_hmac = %s", [hmac]).fetchone()[0]
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('registry_registryentry'))").fetchone()[0]
    log(f"generate: {rows:,} registry rows ({MY_CASES} the applicant's at {centres} centres) in {insert:.1f} s, {size}")
    return {"rows": rows, "mine": MY_CASES, "my_centres": centres, "insert_s": round(insert, 1), "size": size}


def _signed_in(applicant):
    """A test client on the platform's host whose session holds `applicant` (as after the SMS sign-in)."""
    from django.conf import settings
    from django.test import Client

    from portal.access import SESSION_KEY

    client = Client(HTTP_HOST=settings.PLATFORM_DOMAIN)
    session = client.session
    session[SESSION_KEY] = applicant.pk
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def child_my_cases(requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from common.identity import identity_hmac, recipient_hmac
    from portal.models import Applicant
    from registry.models import RegistryEntry

    applicant, _created = Applicant.objects.get_or_create(
        mobile_hmac=recipient_hmac(APPLICANT_MOBILE),
        defaults={"mobile": APPLICANT_MOBILE, "kind": "person", "name": "李秀英", "id_number": APPLICANT_ID,
                  "id_hmac": identity_hmac(APPLICANT_ID), "bound_at": timezone.now()})
    client = _signed_in(applicant)
    for _ in range(10):
        response = client.get("/online/cases/")
        assert response.status_code == 200, response.status_code
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get("/online/cases/")
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/online/cases/")
    page = response.content.decode()
    shown = page.count('class="my-case"')
    qs = RegistryEntry.objects.filter(applicant_hmac=applicant.id_hmac).order_by("-submitted_at")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0][0]
    times.sort()
    result = {"requests": requests, "p50_ms": round(statistics.median(times), 1),
              "p99_ms": round(times[int(len(times) * 0.99) - 1], 1), "max_ms": round(times[-1], 1),
              "statements": len(queries), "bytes": len(response.content), "cases_shown": shown,
              **_plan_summary(plan)}
    log(f"my_cases: {result}")
    return result


def _pdf_of(size: int, seed: int) -> bytes:
    """A PDF of about `size` bytes (a scan's weight: one page, an incompressible stream)."""
    body = os.urandom(size - 400)
    head = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    stream = b"3 0 obj<</Length " + str(len(body)).encode() + b">>stream\n" + body + b"\nendstream endobj\n"
    return head + stream + f"%{seed}\ntrailer<</Root 1 0 R>>\n%%EOF\n".encode()


def _bench_item(code: str, district):
    """A published master item with 5 materials delivered by upload, online depth 3, adopted by `district`."""
    import datetime as dt

    from catalog.models import Department, Item
    from catalog.services import adoption_create, item_create, version_create_draft, version_publish

    item = Item.objects.filter(code=code).first()
    if item is not None:
        return item
    department, _created = Department.objects.get_or_create(code="PB", defaults={"name_zh": "网办基准局",
                                                                                  "name_en": "Portal Bench Bureau"})
    item = item_create(code=code, department=department, category="licence", item_type="XK",
                       levels=["city", "district"], acting_user=None)
    version = version_create_draft(
        item=item, acting_user=None, effective_from=dt.date(2020, 1, 1),
        content={"name_zh": "网上申报基准事项", "name_en": "Online application benchmark item",
                 "legal_limit_days": 20, "promised_limit_days": 10, "online_depth": 3},
        materials=[{"name_zh": f"材料{n}", "name_en": f"Material {n}"} for n in range(1, 6)])
    version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 1))
    item.refresh_from_db()
    adoption_create(centre=district, item=item, promised_limit_days=5, window="3", acting_user=None,
                    today=dt.date(2020, 1, 1))
    return item


def child_apply(runs: int) -> dict:
    """An online application with 5 materials of 2 MB each, through the page: POST /online/items/<code>/apply/
    (multipart, 10 MB) on the platform's host for a signed-in bound applicant at a township of Beilin, whose
    district handles the item: checks by content, SHA-256, storage, the case and its 5 documents at Beilin, the
    registry row. Each run is another applicant (one open application per item, centre and applicant)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from stdnum.cn import ric

    from catalog.models import Material
    from common.identity import identity_hmac, recipient_hmac
    from portal.models import Applicant
    from registry.models import RegistryEntry
    from tenants.models import Centre

    district = Centre.objects.get(division_code="610103")
    township = Centre.objects.filter(level="township", parent=district).order_by("division_code")[0]
    item = _bench_item("610100PB-XK-0001", district)
    materials = list(Material.objects.filter(version_id=item.current_version_id).order_by("pk"))
    files = [_pdf_of(2 * 1024 * 1024, n) for n in range(5)]
    times, statements = [], 0
    for n in range(runs + 1):
        body = f"610103196{n % 10}0{1 + n % 9}1{n % 10}{200 + n:03d}"
        id_number = body + ric.calc_check_digit(body + "0")
        mobile = f"+86137{n:08d}"
        applicant, _created = Applicant.objects.get_or_create(
            mobile_hmac=recipient_hmac(mobile),
            defaults={"mobile": mobile, "kind": "person", "name": "李秀英", "id_number": id_number,
                      "id_hmac": identity_hmac(id_number), "bound_at": timezone.now()})
        client = _signed_in(applicant)
        data: dict = {"township": township.division_code, "token": f"bench-{n}-{time.time_ns()}"}
        for k, material in enumerate(materials):
            data[f"material_{material.pk}"] = SimpleUploadedFile(f"扫描件{k}.pdf", files[k], "application/pdf")
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.post(f"/online/items/{item.code}/apply/", data)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 302:
            raise SystemExit(f"the application answered {response.status_code}: {response.content.decode()[:3000]}")
        if n == 0:
            continue  # warm-up (imports, the first storage folder)
        times.append(elapsed)
        statements = len(queries)
    filed = RegistryEntry.objects.filter(item_code=item.code, channel="online").count()
    result = {"runs": len(times), "files": len(materials), "megabytes": round(len(materials) * 2, 1),
              "median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
              "statements": statements, "filed": filed}
    log(f"apply: {result}")
    return result


def run_child(db_url: str, step: str, args) -> dict:
    cmd = [PYTHON, str(Path(__file__).resolve()), "--child", step, "--requests", str(args.requests)]
    proc = subprocess.run(cmd, cwd=REPO, env=child_env(db_url, ROUTING_CHECK_SECONDS="3600"),
                          stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"child {step} failed ({proc.returncode})")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit(f"child {step} printed no result")


def child_main(step: str, requests: int) -> None:
    import logging

    import django

    django.setup()
    for name in ("tenants", "catalog", "django.request", "notifications", "cases"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if step == "setup":
        result = child_setup()
    elif step == "my_cases":
        result = child_my_cases(requests)
    else:
        result = child_apply(10)
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--others", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--only", choices=["my_cases", "apply"])
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing bench database as it is")
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.requests)
        return
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    name = bench_dbname(url, "portal")
    results: dict = {"machine": machine_info(url)}
    started = time.perf_counter()
    try:
        if args.reuse and db_exists(url, name):
            db_url = server_url(url, name)
            log(f"database {name}: reused")
        else:
            db_url = prepare_migrated_db(url, name)
            results["setup"] = run_child(db_url, "setup", args)
            if args.only != "apply":
                results["generate"] = generate(db_url, others=args.others)
        for step in ("my_cases", "apply"):
            if args.only in (None, step):
                results[step] = run_child(db_url, step, args)
    finally:
        if not args.keep and not args.reuse:
            drop_db(url, name)
    log(f"done in {time.perf_counter() - started:.0f} s")
    print(json.dumps(results, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
