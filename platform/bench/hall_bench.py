#!/usr/bin/env python3
"""Hall benchmarks (issue 15): taking tickets (`hall.services.ticket_take`) at one centre and at 20
centres at once, and 20 windows calling the next ticket (`hall.services.ticket_call_next`) at once.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice_h_bench \
        python platform/bench/hall_bench.py [--seconds 10] [--threads 1,4,16] [--calls 50] [--keep] [--write]

Like run.py, it never touches the DATABASE_URL database: it creates `bench_<name>_hall` on the same
server (dropped first if it exists, and at the end unless --keep), migrates its public schema and runs
Django in a child process: 20 centres onboarded (the city and 19 districts), each with queue A; the
first centre has 20 windows serving A, each operated by its own window clerk. Every measurement calls
the services in threads, each thread its own PostgreSQL connection in its centre's schema, at a fixed
`now` inside opening hours of a working day (a new day for every run, so each run's numbers start at 1);
no HTTP (the hall has no API yet).

  take      T threads take tickets in queue A of one centre for --seconds (T from --threads); then 20
            threads, one per centre, each in its own centre's queue A. Reported: tickets a second, the
            median and p99 latency of one take; after each run the numbers of every queue and day are
            checked gapless and unique (1..n, n tickets, the day's counter at n).
  call      1,000 + 20 waiting tickets in queue A (bulk-inserted before the run); 20 threads, each its own
            window and clerk, call the next ticket --calls times each (after each call, not timed, the
            ticket is marked as not come so the window may call again). Reported: p50 and p99 latency of
            `ticket_call_next`, calls a second, and that no ticket was called twice (one `called` event
            per ticket, every call a different ticket).

Also a step of run.py (`--only hall`). --write replaces the hall block of docs/benchmarks.md (section
"The hall (issue 15)", sub-section "Taking and calling").
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
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
    machine_info,
    prepare_migrated_db,
)

DOC = REPO / "docs" / "benchmarks.md"
SECTION = "## The hall (issue 15)"
SUBSECTION = "### Taking and calling"
MARK_START = "<!-- bench:hall-take-call:start -->"
MARK_END = "<!-- bench:hall-take-call:end -->"
CENTRES = 20
WINDOWS = 20
#: Working days (Tuesday 1 December 2026 on; no weekend): one per run; 10:00 in the centres' time.
DAYS = [dt.date(2026, 12, 1) + dt.timedelta(days=n) for n in range(40)
        if (dt.date(2026, 12, 1) + dt.timedelta(days=n)).weekday() < 5]


def measure(db_url: str, args) -> dict:
    proc = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--worker", json.dumps(vars(args))],
                          cwd=REPO, env=child_env(db_url), stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"hall worker failed ({proc.returncode})")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit("hall worker printed no result")


def run_bench(url: str, args) -> dict:
    name = bench_dbname(url, "hall")
    db_url = prepare_migrated_db(url, name)
    try:
        return measure(db_url, args)
    finally:
        if not args.keep:
            drop_db(url, name)


def render(result: dict) -> str:
    lines = ["| measurement | result | numbers checked |", "| --- | --- | --- |"]
    for run in result["take"]:
        where = "1 centre, 1 queue" if run["centres"] == 1 else f"{run['centres']} centres, 1 queue each"
        lines.append(f"| take tickets: {run['threads']} {run['mode']}, {where}, {run['seconds']:.0f} s | "
                     f"**{run['per_second']:.0f} tickets/s** ({run['tickets']} tickets); one take: median "
                     f"{run['median_ms']:.1f} ms, p99 {run['p99_ms']:.1f} ms | "
                     f"{'gapless and unique' if run['gapless'] else '**GAPS OR DUPLICATES**'} "
                     f"({run['queues']} queue-days) |")
    for call in result["call"]:
        who = "1 window alone" if call["threads"] == 1 else f"{call['threads']} windows at once ({call['mode']})"
        lines.append(f"| call next: {who}, {call['calls']} calls over {call['waiting_before']} waiting | "
                     f"p50 **{call['p50_ms']:.1f} ms**, p99 **{call['p99_ms']:.1f} ms** ({call['per_second']:.0f} "
                     f"calls/s, each followed by a not-come; {call['queries']} queries a call) | "
                     f"{'no ticket called twice' if call['unique'] else '**A TICKET CALLED TWICE**'} |")
    return "\n".join(lines)


def write_doc(result: dict, machine: dict, args_line: str) -> None:
    block = (f"{MARK_START}\nLatest run: {machine['date']}, commit `{machine['commit']}`, `{args_line}`.\n\n"
             f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), PostgreSQL {machine['postgresql']} on the same "
             f"host; load average {machine['loadavg']} at the start (`uptime`: {result['uptime']}).\n\n"
             f"{render(result)}\n{MARK_END}")
    text = DOC.read_text()
    if MARK_START in text:
        head, rest = text.split(MARK_START, 1)
        _, tail = rest.split(MARK_END, 1)
        text = head + block + tail
    elif SECTION in text:
        head, tail = text.split(SECTION, 1)
        text = head + SECTION + "\n\n" + SUBSECTION + "\n\n" + block + "\n" + tail
    else:
        text = text.rstrip() + f"\n\n{SECTION}\n\n{SUBSECTION}\n\n{block}\n"
    DOC.write_text(text)
    log(f"wrote {DOC.relative_to(REPO)}")


# --- the Django side (child process) ----------------------------------------------------------------

def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(int(share * len(ordered)) - 1, 0))]


def worker(options: dict) -> dict:
    import django

    django.setup()
    import secrets
    from zoneinfo import ZoneInfo

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from hall.choices import TicketAction, TicketSource
    from hall.models import HallEvent, Queue, Ticket, TicketDay
    from hall.services import queue_save, ticket_act, ticket_call_next, ticket_code, ticket_take
    from tenants.choices import Role
    from tenants.models import Centre
    from tenants.services import centre_bulk_onboard, membership_grant, user_get_or_create
    from tenants.validation import CentreInput
    from windows.models import Window
    from windows.services import window_grant_operator

    shanghai = ZoneInfo("Asia/Shanghai")
    days = iter(DAYS)
    log(f"hall: onboarding {CENTRES} centres")
    rows = [CentreInput("city", "610100", "xian", "西安市政务服务中心", "Xi'an Centre", "")]
    rows += [CentreInput("district", f"6101{n:02d}", f"bench-d{n}", f"测试{n}区", f"Bench District {n}", "610100")
             for n in range(2, CENTRES + 1)]
    centre_bulk_onboard(rows=rows, acting_user=None)
    centres = list(Centre.objects.order_by("division_code"))[:CENTRES]
    first = centres[0]
    queues: dict[int, int] = {}
    for centre in centres:
        with tenant_context(centre):
            windows = [Window.objects.create(number=f"{n:02d}", name_zh=f"{n}号窗口", name_en=f"Window {n}")
                       for n in range(1, (WINDOWS if centre == first else 1) + 1)]
            queues[centre.pk] = queue_save(letter="A", name_zh="综合受理", name_en="General", daily_tickets=10**6,
                                           window_ids=[w.pk for w in windows]).pk
    clerks = []
    with tenant_context(first):
        for window in Window.objects.order_by("number"):
            clerk = user_get_or_create(username=f"bench-clerk-{window.number}", full_name="窗口人员")
            membership_grant(user=clerk, centre=first, role=Role.WINDOW_CLERK, acting_user=None)
            window_grant_operator(centre=first, window=window, user=clerk, acting_user=None)
            clerks.append((window.pk, clerk))

    def parallel(target, count: int, mode: str) -> list:
        """Run target(k) for k < count in threads or in forked processes (each its own connection):
        their results, in order of k; the first error raised."""
        results: list = [None] * count
        connection.close()  # a forked child must not share the parent's connection
        if mode == "threads":
            def run(k: int) -> None:
                try:
                    results[k] = ("ok", target(k))
                except BaseException as exc:  # reported below
                    results[k] = ("error", repr(exc))
                finally:
                    connection.close()
            workers = [threading.Thread(target=run, args=(k,)) for k in range(count)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        else:
            context = multiprocessing.get_context("fork")
            answers = context.Queue()

            def run_process(k: int) -> None:
                try:
                    answers.put((k, ("ok", target(k))))
                except BaseException as exc:  # reported below
                    answers.put((k, ("error", repr(exc))))
                finally:
                    connection.close()
            processes = [context.Process(target=run_process, args=(k,)) for k in range(count)]
            for process in processes:
                process.start()
            for _ in processes:
                k, answer = answers.get()
                results[k] = answer
            for process in processes:
                process.join()
        failed = [answer[1] for answer in results if answer is None or answer[0] == "error"]
        if failed:
            raise SystemExit(f"a worker failed: {failed[0]}")
        return [answer[1] for answer in results]

    def gapless(day: dt.date, where: list[Centre]) -> tuple[bool, int, int]:
        ok, total = True, 0
        for centre in where:
            with tenant_context(centre):
                numbers = sorted(Ticket.objects.filter(day=day).values_list("number", flat=True))
                counter = TicketDay.objects.filter(day=day).values_list("last_number", flat=True).first() or 0
                ok = ok and numbers == list(range(1, len(numbers) + 1)) and counter == len(numbers)
                total += len(numbers)
        return ok, total, len(where)

    def take(threads: int, where: list[Centre], seconds: float, mode: str = "threads") -> dict:
        day = next(days)
        now = dt.datetime.combine(day, dt.time(10), tzinfo=shanghai)
        start_at = time.time() + 1.0  # every worker starts at the same moment

        def run(k: int) -> list[float]:
            centre = where[k % len(where)]
            latencies = []
            with tenant_context(centre):
                queue = Queue.objects.get(pk=queues[centre.pk])
                time.sleep(max(0.0, start_at - time.time()))
                deadline = start_at + seconds
                while time.time() < deadline:
                    started = time.perf_counter()
                    ticket_take(centre=centre, queue=queue, source=TicketSource.KIOSK, now=now)
                    latencies.append((time.perf_counter() - started) * 1000)
            return latencies

        every = [x for row in parallel(run, threads, mode) for x in row]
        elapsed = seconds
        ok, total, queue_days = gapless(day, where)
        result = {"threads": threads, "mode": mode, "centres": len(where), "seconds": elapsed, "tickets": total,
                  "per_second": total / elapsed, "median_ms": statistics.median(every),
                  "p99_ms": _percentile(every, 0.99), "gapless": ok and total == len(every), "queues": queue_days,
                  "day": day.isoformat()}
        log(f"hall: take, {threads} {mode}, {len(where)} centres: {result['per_second']:.0f}/s, median "
            f"{result['median_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; gapless: {result['gapless']}")
        return result

    seconds = float(options["seconds"])
    results: dict = {"take": []}
    take(2, [first], 1)  # warm-up: imports, first statements
    for threads in [int(t) for t in str(options["threads"]).split(",") if t]:
        results["take"].append(take(threads, [first], seconds))
    results["take"].append(take(CENTRES, centres, seconds))
    results["take"].append(take(CENTRES, centres, seconds, mode="processes"))

    # --- calling: 20 windows at once over enough waiting tickets --------------------------------------
    calls_each = int(options["calls"])

    def call_run(windows: int, mode: str) -> dict:
        day = next(days)
        now = dt.datetime.combine(day, dt.time(10), tzinfo=shanghai)
        waiting = WINDOWS * calls_each + WINDOWS  # the same line for every run
        with tenant_context(first):
            queue = Queue.objects.get(pk=queues[first.pk])
            Ticket.objects.bulk_create([
                Ticket(queue=queue, day=day, number=n, code=ticket_code("A", n), token=secrets.token_urlsafe(16),
                       source=TicketSource.KIOSK, taken_at=now - dt.timedelta(seconds=waiting - n),
                       queued_at=now - dt.timedelta(seconds=waiting - n)) for n in range(1, waiting + 1)],
                batch_size=1000)
            TicketDay.objects.create(queue=queue, day=day, last_number=waiting, walk_ins=waiting)
        start_at = time.time() + 1.0

        def call(k: int) -> tuple[list[float], list[str], float, int]:
            window_pk, clerk = clerks[k]
            latencies, called, queries = [], [], 0
            with tenant_context(first):
                window = Window.objects.get(pk=window_pk)
                time.sleep(max(0.0, start_at - time.time()))
                for n in range(calls_each):
                    at = now + dt.timedelta(seconds=n)
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        ticket = ticket_call_next(centre=first, window=window, acting_user=clerk, now=at)
                        latencies.append((time.perf_counter() - started) * 1000)
                    queries = len(captured)
                    called.append(str(ticket.pk))
                    ticket_act(centre=first, ticket=ticket, action=TicketAction.NO_SHOW, window=window,
                               acting_user=clerk, now=at)
            return latencies, called, time.time(), queries

        answers = parallel(call, windows, mode)
        elapsed = max(a[2] for a in answers) - start_at
        every_call = [x for a in answers for x in a[0]]
        every_ticket = [t for a in answers for t in a[1]]
        with tenant_context(first):
            calls = HallEvent.objects.filter(kind="called", ticket__day=day)
            events, distinct = calls.count(), calls.values("ticket").distinct().count()
        unique = len(set(every_ticket)) == len(every_ticket) == events == distinct
        result = {"threads": windows, "mode": mode, "calls": len(every_call), "waiting_before": waiting,
                  "p50_ms": statistics.median(every_call), "p99_ms": _percentile(every_call, 0.99),
                  "per_second": len(every_call) / elapsed, "unique": unique, "events": events,
                  "queries": answers[0][3]}
        log(f"hall: call next, {windows} windows ({mode}): p50 {result['p50_ms']:.1f} ms, p99 "
            f"{result['p99_ms']:.1f} ms, {result['per_second']:.0f} calls/s; no ticket twice: {unique}")
        return result

    results["call"] = [call_run(1, "threads"), call_run(WINDOWS, "threads"), call_run(WINDOWS, "processes")]
    results["uptime"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return results


def main() -> None:
    if "--worker" in sys.argv:
        result = worker(json.loads(sys.argv[sys.argv.index("--worker") + 1]))
        print(RESULT_PREFIX + json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    machine = machine_info(url)
    result = run_bench(url, args)
    print(render(result))
    if args.write:
        write_doc(result, machine, "python platform/bench/hall_bench.py" + "".join(
            f" {a}" for a in sys.argv[1:] if a not in ("--write", "--keep")))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hall-seconds", "--seconds", dest="seconds", type=float, default=10,
                        help="seconds of each take run")
    parser.add_argument("--hall-threads", "--threads", dest="threads", default="1,4,16",
                        help="thread counts of the one-centre take runs")
    parser.add_argument("--calls", type=int, default=50, help="calls per window")


if __name__ == "__main__":
    main()
