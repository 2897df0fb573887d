#!/usr/bin/env python3
"""The hall's screen benchmark: 50 screens follow a centre's stream (`GET /hall/stream/`, server-sent
events) on gunicorn started as `platform/dev.py run` starts it (gthread, WEB_WORKERS x WEB_THREADS, default
2 x 32), while a clerk calls N tickets through the services; for each call and each screen, the time from
the call's commit to the screen's receipt of its `called` event. Reported: p50, p99 and max over all
(call, screen) pairs [p99 <= 1 s], the screens that missed a call [none], and PostgreSQL's connections to
the bench database while the 50 streams are open (they wait holding none: only each web process's one
listening connection).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/govservice \
        python platform/bench/hall_screen_bench.py [--screens 50] [--calls 100] [--keep] [--write]

Like run.py it never touches the DATABASE_URL database: it creates `bench_<name>_hall` on the same server
(dropped first if it exists, and at the end unless --keep), onboards Xi'an and Beilin, gives Beilin's hall
4 windows and one queue, and an administrator who calls. The calls and the screens are one child process
(one clock): the call's commit time is taken by `transaction.on_commit`, the receipt time by one thread
reading all the screens' sockets (`selectors`), so the screens add no scheduling noise of 50 threads.
Calls are 0.2 s apart, over the 4 windows (each call: take a ticket, call it, start and finish it).
Also a step of run.py (`--only hall_screen`). --write replaces the hall block of docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
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
    free_port,
    log,
    prepare_migrated_db,
    stop,
)

DOC = REPO / "docs" / "benchmarks.md"
MARK_START = "<!-- bench:hall:start -->"
MARK_END = "<!-- bench:hall:end -->"
TARGET_P99_MS = 1000.0
HOST = "beilin.localhost"
WINDOWS = ("1", "2", "3", "4")
#: A working day inside opening hours (the services take `now`).
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def run_child(db_url: str, *args: str) -> dict:
    proc = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--worker", *args], cwd=REPO,
                          env=child_env(db_url), stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"hall worker {args[0]} failed ({proc.returncode})")
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit(f"hall worker {args[0]} printed no result")


def start_web(db_url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    """gunicorn as platform/dev.py `run` starts it (config.wsgi, gthread workers x threads, as many connections
    a worker as threads)."""
    cmd = [PYTHON, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--threads", str(threads), "--worker-connections", str(threads), "--keep-alive", "0",
           "--graceful-timeout", "5", "--log-level", "warning"]
    return subprocess.Popen(cmd, cwd=REPO, env=child_env(db_url), start_new_session=True)


def wait_page(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode})")
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/hall/screen/", headers={"Host": HOST})
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our loopback server
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer /hall/screen/ within {timeout} s")


def run_bench(url: str, *, screens: int = 50, calls: int = 100, workers: int = 2, threads: int = 32,
              keep: bool = False) -> dict:
    name = bench_dbname(url, "hall")
    db_url = prepare_migrated_db(url, name)
    web = None
    try:
        log("hall: onboarding Xi'an and Beilin, Beilin's hall (4 windows, queue A)")
        run_child(db_url, "setup")
        port = free_port()
        web = start_web(db_url, port, workers, threads)
        wait_page(port, web)
        log(f"hall: gunicorn {workers} x {threads} threads on port {port}; {screens} screens, {calls} calls")
        result = run_child(db_url, "measure", str(port), str(screens), str(calls))
        result["config"] = f"gunicorn {workers} gthread workers x {threads} threads"
        return result
    finally:
        if web is not None:
            stop(web)
        if not keep:
            drop_db(url, name)


def met(result: dict) -> bool:
    return result["p99_ms"] <= TARGET_P99_MS and result["missed"] == 0


def render(result: dict) -> str:
    return "\n".join([
        f"Commit `{result['commit']}`; machine: {result['nproc']} cores, load average {result['load']} "
        f"(`uptime` at the start); {result['config']}; PostgreSQL's max_connections {result['max_connections']}.",
        "",
        "| what | result | target | verdict |",
        "| --- | --- | --- | --- |",
        f"| call's commit → each screen's receipt of `called`, {result['screens']} screens × {result['calls']} "
        f"calls ({result['pairs']} receipts) | p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
        f"max {result['max_ms']:.1f} ms | p99 <= 1 s | {'met' if met(result) else '**missed**'} |",
        f"| receipts missing (a screen that never heard a call) | {result['missed']} | 0 | "
        f"{'met' if result['missed'] == 0 else '**missed**'} |",
        f"| PostgreSQL connections to the bench database with {result['screens']} streams open (before the "
        f"screens connected) | {result['connections_open']} ({result['connections_before']}) | streams hold "
        f"none | {'met' if result['connections_open'] <= result['connections_before'] + 2 else '**missed**'} |",
    ])


def write_doc(result: dict, args_line: str) -> None:
    block = f"{MARK_START}\nLatest run: {result['date']}, `{args_line}`.\n\n{render(result)}\n{MARK_END}"
    text = DOC.read_text()
    if MARK_START in text:
        head, rest = text.split(MARK_START, 1)
        _, tail = rest.split(MARK_END, 1)
        text = head + block + tail
    else:
        heading = "## The hall (issue 15)\n\n### The hall's screen: 50 screens, a call's way to each"
        text = text.rstrip() + f"\n\n{heading}\n\n{block}\n"
    DOC.write_text(text)
    log(f"wrote {DOC.relative_to(REPO)}")


# --- the Django side (child processes) -----------------------------------------------------------------

def worker_setup() -> dict:
    import django

    django.setup()
    from hall.services import queue_save
    from tenants.choices import Role
    from tenants.models import Centre
    from tenants.schemas import centre_schema
    from tenants.services import centre_bulk_onboard, membership_grant, user_get_or_create
    from tenants.validation import CentreInput
    from windows.models import Window

    centre_bulk_onboard(rows=[
        CentreInput("city", "610100", "xian", "西安市政务服务中心", "Xi'an Centre", ""),
        CentreInput("district", "610103", "beilin", "碑林区", "Beilin District", "610100"),
    ], acting_user=None)
    beilin = Centre.objects.get(division_code="610103")
    admin = user_get_or_create(username="bench-hall-admin", full_name="大厅管理员", password=None)
    membership_grant(user=admin, centre=beilin, role=Role.CENTRE_ADMIN, acting_user=None)
    with centre_schema(beilin):
        windows = [Window.objects.create(number=n, name_zh=f"{n}号窗口", name_en=f"Window {n}") for n in WINDOWS]
        queue_save(letter="A", name_zh="综合受理", name_en="General", window_ids=[w.pk for w in windows],
                   daily_tickets=10_000)
    return {"centre": beilin.pk}


class Screens:
    """`count` SSE clients on raw sockets, read by one thread: the time each `called` event arrived."""

    def __init__(self, port: int, count: int) -> None:
        import selectors
        import threading

        self.selector = selectors.DefaultSelector()
        self.buffers: dict[int, bytes] = {}
        self.received: dict[tuple[int, str], float] = {}  # (screen, ticket) -> perf_counter
        self.pictures: set[int] = set()
        self.lock = threading.Lock()
        self.stopping = False
        for n in range(count):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(f"GET /hall/stream/ HTTP/1.1\r\nHost: {HOST}\r\nAccept: text/event-stream\r\n"
                         f"Cache-Control: no-cache\r\n\r\n".encode())
            sock.setblocking(False)
            self.buffers[n] = b""
            self.selector.register(sock, selectors.EVENT_READ, n)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self.stopping:
            for key, _mask in self.selector.select(timeout=0.2):
                at = time.perf_counter()
                n = key.data
                try:
                    chunk = key.fileobj.recv(65536)  # type: ignore[union-attr]
                except BlockingIOError:
                    continue
                if not chunk:
                    self.selector.unregister(key.fileobj)
                    continue
                buffer = self.buffers[n] + chunk
                *lines, self.buffers[n] = buffer.split(b"\n")
                for line in lines:
                    if line.startswith(b"event: picture"):
                        with self.lock:
                            self.pictures.add(n)
                    elif line.startswith(b"data: ") and b'"kind":"called"' in line:
                        ticket = json.loads(line[6:])["ticket"]
                        with self.lock:
                            self.received.setdefault((n, ticket), at)

    def close(self) -> None:
        self.stopping = True
        self.thread.join(5)
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]


def pg_connections() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        count = cursor.fetchone()[0]
        cursor.execute("SHOW max_connections")
        limit = int(cursor.fetchone()[0])
    connection.close()
    return count, limit


def worker_measure(port: int, count: int, calls: int) -> dict:
    import django

    django.setup()
    from django.db import transaction

    from hall.choices import TicketAction, TicketSource
    from hall.models import Queue
    from hall.services import ticket_act, ticket_call_next, ticket_take
    from tenants.models import Centre, User
    from tenants.schemas import centre_schema
    from windows.models import Window

    before, max_connections = pg_connections()
    screens = Screens(port, count)
    deadline = time.monotonic() + 60
    while len(screens.pictures) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    if len(screens.pictures) < count:
        raise SystemExit(f"only {len(screens.pictures)} of {count} screens got their picture in 60 s")
    time.sleep(1.0)  # every stream is now waiting
    during, _ = pg_connections()
    beilin = Centre.objects.get(division_code="610103")
    admin = User.objects.get(username="bench-hall-admin")
    committed: dict[str, float] = {}
    with centre_schema(beilin):
        queue = Queue.objects.get(letter="A")
        windows = list(Window.objects.filter(number__in=WINDOWS).order_by("number"))
        for n in range(calls):
            window = windows[n % len(windows)]
            ticket_take(centre=beilin, queue=queue, source=TicketSource.KIOSK, now=NOW)
            with transaction.atomic():
                ticket = ticket_call_next(centre=beilin, window=window, acting_user=admin, now=NOW)
                code = ticket.code
                transaction.on_commit(lambda code=code: committed.__setitem__(code, time.perf_counter()))
            for action in (TicketAction.START, TicketAction.FINISH):
                ticket = ticket_act(centre=beilin, ticket=ticket, action=action, window=window, acting_user=admin,
                                    now=NOW)
            time.sleep(0.2)
    time.sleep(2.0)  # the last receipts
    screens.close()
    latencies, missed = [], 0
    for code, at in committed.items():
        for n in range(count):
            got = screens.received.get((n, code))
            if got is None:
                missed += 1
            else:
                latencies.append((got - at) * 1000)
    latencies.sort()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    return {"screens": count, "calls": len(committed), "pairs": len(latencies), "missed": missed,
            "p50_ms": statistics.median(latencies), "p99_ms": latencies[max(int(0.99 * len(latencies)) - 1, 0)],
            "max_ms": latencies[-1], "min_ms": latencies[0], "connections_before": before,
            "connections_open": during, "max_connections": max_connections, "commit": commit,
            "nproc": os.cpu_count(), "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "date": time.strftime("%Y-%m-%d")}


def main() -> None:
    if "--worker" in sys.argv:
        args = sys.argv[sys.argv.index("--worker") + 1:]
        if args[0] == "setup":
            result = worker_setup()
        else:
            result = worker_measure(int(args[1]), int(args[2]), int(args[3]))
        print(RESULT_PREFIX + json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screens", type=int, default=50)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "32")))
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("Set DATABASE_URL: the bench database is created on that server.")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    result = run_bench(url, screens=args.screens, calls=args.calls, workers=args.workers, threads=args.threads,
                       keep=args.keep)
    result["load"] = load  # at the start, as `uptime` shows it
    print(render(result))
    if args.write:
        write_doc(result, "python platform/bench/hall_screen_bench.py" + "".join(
            f" {a}" for a in sys.argv[1:] if a not in ("--write", "--keep")))


if __name__ == "__main__":
    main()
