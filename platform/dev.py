#!/usr/bin/env python3
"""Set up and run the platform on one machine: the two README commands.

    python3 platform/dev.py run        # the platform: web + Celery worker + beat
                                       #   (their logs in var/log/; --verbose shows them here)
    python3 platform/dev.py test       # the whole test suite (extra args go to pytest)
    python3 platform/dev.py manage ... # manage.py against the same database
    python3 platform/dev.py bench      # the benchmarks (platform/bench/run.py)

Needs only Python 3.11+. It creates `.venv` and installs the project (again only when
pyproject.toml changes). With no DATABASE_URL it starts the embedded PostgreSQL (the `pgserver`
package, a real PostgreSQL in a pip wheel) under `var/pgdata` (`var/pgdata-test` for tests); with no
CELERY_BROKER_URL Celery uses kombu's filesystem transport under `var/broker`. With DATABASE_URL and
CELERY_BROKER_URL set it uses those instead.

`run` keeps the terminal for what a person reads: the addresses and logins, then only the children's
errors, each whole (and a child that dies, with the end of its log); their warnings (every 4xx, celery's
about running as root) stay in the logs. Everything the web server, the
worker and beat write goes to `var/log/web.log`, `worker.log` and `beat.log`. `run --verbose` (or
GOVSERVICE_LOG=verbose) shows all of it in the terminal instead, as before.

A run killed hard (SIGKILL, power loss) leaves nothing that blocks the next one: the children die
with the launcher (PR_SET_PDEATHSIG), a PostgreSQL left running is reused, and the next run
removes dead processes from pgserver's list of handles and a stale `postmaster.pid`. A second `run`
while one runs (same var folder) is refused, naming the running one's pid and address (a lock on
`var/run/dev.lock`, taken before anything else).

As root, the embedded PostgreSQL (which refuses to run as root) runs as the system user `pgserver`,
created with `useradd` when missing, and pgserver makes every folder above its data folder and its programs readable
and traversable by all users (chmod go+rx): the launcher says so before starting it.

A DATABASE_URL naming a database that does not exist: the launcher creates it (through the server's
`postgres` database) or says how to.

This file is in `platform/`, which is deliberately not a Python package (see ARCHITECTURE.md).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VAR = Path(os.environ.get("GOVSERVICE_VAR_DIR", ROOT / "var")).resolve()
DB_NAME = os.environ.get("GOVSERVICE_DB_NAME", "govservice")
IN_VENV_FLAG = "GOVSERVICE_IN_VENV"


def say(message: str) -> None:
    print(f"[govservice] {message}", flush=True)


# --- the virtual environment --------------------------------------------------------------------

def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project with `extras`, only if pyproject.toml changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs under whatever python3 the user has
        sys.exit(f"Python 3.11 or newer is needed (found {sys.version.split()[0]}).")
    if not venv_python().exists():
        say("creating the virtual environment in .venv")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing the project{' with ' + extras if extras else ''} (first run or pyproject.toml changed)")
    pip = [str(venv_python()), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    target = f".[{extras}]" if extras else "."
    subprocess.run([*pip, "install", target], check=True, cwd=ROOT)
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    for egg in ROOT.glob("*.egg-info"):
        shutil.rmtree(egg, ignore_errors=True)
    stamp.write_text(digest)


def reexec_in_venv(extras: str) -> None:
    if os.environ.get(IN_VENV_FLAG) == "1":
        return
    ensure_venv(extras)
    env = {**os.environ, IN_VENV_FLAG: "1"}
    python = str(venv_python())
    os.execve(python, [python, str(Path(__file__).resolve()), *sys.argv[1:]], env)  # noqa: S606


# --- the embedded PostgreSQL -------------------------------------------------------------------

def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_stale_state(pgdata: Path) -> list[str]:
    """Undo what a launcher killed hard left behind. Returns what it did, for the log.

    - pgserver keeps the pids of its holders in `.handle_pids.json` and only stops the server
      when the last holder exits: a holder killed with SIGKILL stays listed forever.
    - After a power loss `postmaster.pid` may name a pid that now belongs to another process;
      PostgreSQL then refuses to start. A pid file whose process is not a postgres is removed.
    """
    done: list[str] = []
    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        try:
            pids = json.loads(handles.read_text() or "[]")
        except ValueError:
            pids = []
        alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))
            done.append(f"removed dead holders {sorted(set(pids) - set(alive))} from {handles.name}")
    pid_file = pgdata / "postmaster.pid"
    if pid_file.exists():
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (ValueError, IndexError):
            pid = 0
        if not pid or not _pid_alive(pid) or not _is_postgres(pid):
            pid_file.unlink(missing_ok=True)
            done.append("removed a stale postmaster.pid")
    return done


def _is_postgres(pid: int) -> bool:
    try:
        import psutil

        return psutil.Process(pid).name().startswith("postgres")
    except Exception:  # noqa: BLE001 - psutil missing or process gone: treat as not ours
        return False


class SetupProblem(Exception):
    """Something the user must fix, told in a sentence (the launcher exits with it, no traceback)."""


#: The system user pgserver runs PostgreSQL as when the launcher runs as root.
PGSERVER_SYSTEM_USER = "pgserver"
SBIN_FOLDERS = ("/usr/local/sbin", "/usr/sbin", "/sbin")


def ensure_sbin_on_path() -> list[str]:
    """Add the sbin folders (useradd lives there) to PATH when missing; return those added."""
    folders = os.environ.get("PATH", "").split(os.pathsep)
    added = [folder for folder in SBIN_FOLDERS if folder not in folders and Path(folder).is_dir()]
    if added:
        os.environ["PATH"] = os.pathsep.join([*folders, *added])
    return added


def root_preflight(pgdata: Path, *, system_user: str = PGSERVER_SYSTEM_USER) -> list[str]:
    """As root: what pgserver is about to do to the machine (lines to print first), or SetupProblem
    when it cannot (no `useradd` to create its user). Not root: nothing."""
    if os.name == "nt" or os.geteuid() != 0:
        return []
    import pwd

    ensure_sbin_on_path()
    lines = []
    try:
        pwd.getpwnam(system_user)
        lines.append(f"running as root: the embedded PostgreSQL runs as the system user '{system_user}' "
                     "(PostgreSQL refuses to run as root)")
    except KeyError:
        if shutil.which("useradd") is None:
            raise SetupProblem(
                f"Running as root, the embedded PostgreSQL must run as a system user '{system_user}', which does "
                f"not exist, and `useradd` is not on PATH ({os.environ.get('PATH', '')}) to create it. Create the "
                f"user (`useradd -s /bin/bash {system_user}`), run as a normal user, or set DATABASE_URL to use "
                "your own PostgreSQL.") from None
        lines.append(f"running as root: creating the system user '{system_user}' (useradd) to run the embedded "
                     "PostgreSQL (PostgreSQL refuses to run as root)")
    lines.append(f"as root, the embedded PostgreSQL makes every folder above {pgdata} and above its programs (in "
                 "the virtual environment) readable and traversable by all users (chmod go+rx) so that user can "
                 "reach them; set DATABASE_URL to avoid this")
    return lines


def start_embedded_postgres(pgdata: Path) -> str:
    """Start (or reuse) the embedded server; return a DATABASE_URL for `DB_NAME` on it."""
    shown = pgdata.relative_to(ROOT) if pgdata.is_relative_to(ROOT) else pgdata
    for line in root_preflight(pgdata):
        say(line)
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        for line in recover_stale_state(pgdata):
            say(line)
        import pgserver

        say(f"starting the embedded PostgreSQL in {shown}")
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    except subprocess.CalledProcessError as exc:
        log = pgdata / "log"
        detail = (exc.stderr or "").strip() if isinstance(exc.stderr, str) else ""
        raise SetupProblem(
            f"The embedded PostgreSQL did not start in {shown}: `{Path(str(exc.cmd[0])).name}` failed "
            f"(exit {exc.returncode}){': ' + detail if detail else ''}. Its log: {log}. Remove {shown} to start "
            "afresh (its data is lost), or set DATABASE_URL to use your own PostgreSQL.") from None
    except (OSError, AssertionError, KeyError) as exc:
        raise SetupProblem(
            f"The embedded PostgreSQL did not start in {shown}: {exc or type(exc).__name__}. Set DATABASE_URL to "
            "use your own PostgreSQL.") from None
    url = server.get_uri(DB_NAME)
    ensure_database(url, told="")
    return url


def ensure_database(url: str, *, told: str = " (DATABASE_URL named a database that did not exist)") -> None:
    """Connect to `url`; a database that does not exist is created through the server's `postgres`
    database. Anything the user must do is raised as SetupProblem."""
    import psycopg
    from psycopg import errors

    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.get("dbname") or info.get("user") or ""
    where = f"{info.get('host') or 'localhost'}:{info.get('port') or 5432}"
    try:
        psycopg.connect(url, connect_timeout=10).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc) or f'"{name}"' not in str(exc):
            raise SetupProblem(f"Cannot connect to the PostgreSQL database {name!r} at {where}: "
                               f"{str(exc).strip().splitlines()[-1].strip()}. Check DATABASE_URL and that the server "
                               "runs.") from None
    maintenance = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f"CREATE DATABASE {psycopg.sql.Identifier(name).as_string(conn)}")
    except (psycopg.OperationalError, errors.InsufficientPrivilege) as exc:
        reason = str(exc).strip().splitlines()[-1].strip() if str(exc).strip() else type(exc).__name__
        raise SetupProblem(
            f"The database {name!r} does not exist at {where} and could not be created ({reason}). Create it as a "
            f"user allowed to: `createdb -h {info.get('host') or 'localhost'} -p {info.get('port') or 5432} "
            f"-O {info.get('user') or 'postgres'} {name}` (or in psql: CREATE DATABASE \"{name}\";), "
            "then run this again.") from None
    except errors.DuplicateDatabase:
        return  # created meanwhile by someone else
    say(f"created the database {name!r} at {where}{told}")


def database_url(pgdata_name: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        say("using DATABASE_URL from the environment")
        ensure_database(url)
        return url
    return start_embedded_postgres(VAR / pgdata_name)


# --- child processes ---------------------------------------------------------------------------

def _die_with_parent() -> None:
    """In the child: get SIGTERM when the launcher dies, however it dies (Linux)."""
    os.setsid()
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


CHILDREN_FILE = VAR / "run" / "children.json"


def kill_leftover_children() -> None:
    """Children of a launcher killed hard on a system without PDEATHSIG: end them."""
    if not CHILDREN_FILE.exists():
        return
    try:
        pids = json.loads(CHILDREN_FILE.read_text())
    except ValueError:
        pids = []
    for pid in pids:
        if _pid_alive(pid):
            try:
                os.killpg(pid, signal.SIGTERM)
                say(f"ended a process group left by an earlier run ({pid})")
            except OSError:
                pass
    CHILDREN_FILE.unlink(missing_ok=True)


def manage(*args: str, env: dict, check: bool = True) -> int:
    code = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env).returncode
    if check and code != 0:
        raise SetupProblem(f"`manage.py {' '.join(args)}` failed (exit {code}); see its output above. "
                           "Run this command again once that is fixed: it resumes where it stopped.")
    return code


# --- one `run` at a time -----------------------------------------------------------------------

LOCK_FILE = VAR / "run" / "dev.lock"


def take_run_lock(url: str) -> object:
    """Hold an exclusive lock on var/run/dev.lock for the launcher's lifetime (freed by the kernel when
    it dies, however it dies). Another `run` holding it: SetupProblem naming its pid and address."""
    import fcntl

    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    handle = LOCK_FILE.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        try:
            running = json.loads(handle.read() or "{}")
        except ValueError:
            running = {}
        handle.close()
        raise SetupProblem(
            f"The platform is already running from {VAR} (pid {running.get('pid', '?')}, "
            f"{running.get('url', 'address unknown')}); stop it first (Ctrl-C in its terminal, or "
            f"kill {running.get('pid', '<pid>')}), or give this one another GOVSERVICE_VAR_DIR and PORT.") from None
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"pid": os.getpid(), "url": url}))
    handle.flush()
    return handle


def check_port_free(host: str, port: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port)))
        except OSError as exc:
            raise SetupProblem(f"Port {port} on {host} is taken by another program ({exc.strerror}); "
                               "stop it or choose another port: PORT=8001 python3 platform/dev.py run") from None


def wait_healthy(url: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback URL
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


# --- the children's logs -------------------------------------------------------------------------

LOG_DIR = VAR / "log"
#: A log file bigger than this at the start of a run is kept as `<name>.log.1` (one generation).
LOG_KEEP_BYTES = 10 * 1024 * 1024
#: The first line of a log record: Django's and celery's records and gunicorn's own lines start with their
#: time (`2026-11-30 10:00:00,000 ERROR ...`, `[2026-11-30 10:00:00,000: INFO/MainProcess] ...`,
#: `[2026-11-30 10:00:00 +0000] [12] [ERROR] ...`), an access log line with the client's address, a
#: Python warning with its file (`/…/platforms.py:829: SecurityWarning: ...`). Any other line (a
#: traceback's frames, a multi-line message's further lines, celery's banner) belongs to the record above.
RECORD_START = re.compile(r"^\[?\d|^\S+\.py:\d+: \w*Warning: ")
#: A record the terminal shows in quiet mode, every line of it: an error a person must act on (gunicorn's
#: `[ERROR]`/`[CRITICAL]`, celery's `ERROR/MainProcess`, Django's `ERROR django.request` for a 500), or a
#: traceback printed on its own. Warnings (a 4xx, celery's warning about running as root) stay in the log.
NOTEWORTHY = re.compile(r"(?:^|[\s\[])(ERROR|CRITICAL|FATAL)[\]/\s:]|^Traceback \(most recent call last\)")


def verbose_requested(args: list[str]) -> bool:
    return "--verbose" in args or os.environ.get("GOVSERVICE_LOG", "").strip().lower() == "verbose"


def shown_path(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def open_child_log(name: str) -> tuple[Path, object, int]:
    """`var/log/<name>.log` opened for appending, with a line marking this run; returns the path, the file
    and where this run's lines start."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    path = LOG_DIR / f"{name}.log"
    if path.exists() and path.stat().st_size > LOG_KEEP_BYTES:
        path.replace(path.with_name(path.name + ".1"))
    handle = path.open("ab")
    handle.write(f"--- dev.py run (pid {os.getpid()}) {time.strftime('%Y-%m-%d %H:%M:%S')} ---\n".encode())
    handle.flush()
    return path, handle, handle.tell()


class LogEcho(threading.Thread):
    """Follows a child's log file from `start` and prints its errors and tracebacks (`NOTEWORTHY`, every line
    of the record, `RECORD_START`) to the terminal, `[name] ` in front. `finish()` reads what is left and
    stops."""

    def __init__(self, name: str, path: Path, start: int) -> None:
        super().__init__(name=f"log-echo-{name}", daemon=True)
        self.label, self.path, self.start_at = name, path, start
        self.done = threading.Event()

    def run(self) -> None:
        with self.path.open("rb") as log:
            log.seek(self.start_at)
            showing = False  # the record being read is shown
            while True:
                line = log.readline()
                if not line.endswith(b"\n"):
                    if self.done.is_set():
                        break
                    log.seek(log.tell() - len(line))  # a line still being written: read it whole later
                    time.sleep(0.2)
                    continue
                text = line.decode("utf-8", "replace").rstrip()
                if RECORD_START.search(text) or text.startswith("Traceback"):
                    showing = bool(NOTEWORTHY.search(text))
                if showing and text:
                    print(f"[{self.label}] {text}", flush=True)

    def finish(self) -> None:
        self.done.set()
        self.join(timeout=5)


def log_tail(path: Path, lines: int = 25) -> list[str]:
    try:
        with path.open("rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 64 * 1024))
            return log.read().decode("utf-8", "replace").splitlines()[-lines:]
    except OSError:
        return []


def say_tail(path: Path) -> None:
    say(f"the last lines of {shown_path(path)}:")
    for line in log_tail(path):
        print(f"    {line}", flush=True)


def base_env(settings: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", settings),
           "PYTHONPATH": str(ROOT), "GOVSERVICE_VAR_DIR": str(VAR), "PYTHONUNBUFFERED": "1"}
    return env


def cmd_run(args: list[str]) -> int:
    reexec_in_venv("")
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "8000")
    domain = os.environ.get("PLATFORM_DOMAIN", "localhost")
    VAR.mkdir(parents=True, exist_ok=True)
    base = f"http://{domain}:{port}"
    lock = take_run_lock(f"{base}/")  # before anything touches var/ or the embedded PostgreSQL
    check_port_free(host, port)
    kill_leftover_children()
    env = base_env("config.settings.dev")
    env["DATABASE_URL"] = database_url("pgdata")
    env.setdefault("PLATFORM_PORT", port)  # the links in SMS name the port the platform answers on

    # Static files as production serves them (common.serving): fingerprinted, with brotli and gzip copies, in
    # var/static; collected again only when a source file changed. Alongside the database steps below.
    collecting = subprocess.Popen([sys.executable, "manage.py", "collectstatic_if_changed"], cwd=ROOT, env=env)

    # One query tells whether any schema is behind; migrating 200 schemas to find nothing takes ~20 s.
    # When some are, `migrate_schemas` (tenants.management.migration_executor) replays the pending
    # tenant migrations' SQL, collected once, on every centre behind over a few connections, and leaves
    # only what needs Python (RunPython) to django-tenants' executor, schema by schema.
    # A centre whose onboarding stopped half-way (no schema yet) is skipped by both and completed by
    # `resume_onboarding` after the public schema is up to date.
    try:
        if manage("migrations_pending", env=env, check=False) != 0:
            say("applying migrations (public schema and every centre)")
            manage("migrate_schemas", "--executor=multiprocessing", "-v", "0", env=env)
        manage("resume_onboarding", env=env, check=False)
        if "--no-demo" not in args:
            manage("provision_demo", "--resume", env=env)
    except BaseException:
        collecting.kill()
        raise
    if collecting.wait() != 0:
        raise SetupProblem(f"`manage.py collectstatic_if_changed` failed (exit {collecting.returncode}); see its "
                           "output above.")

    # Each open hall screen or pad stream holds one gunicorn thread (and no database connection while it
    # waits): 2 workers x 32 threads serve 50 screens and still answer pages. A worker accepts only as many
    # connections as it has threads (no keep-alive), so one whose threads are all streaming leaves new
    # connections to the others instead of queueing them (docs/operations.md, "The hall's live stream").
    threads = os.environ.get("WEB_THREADS", "32")
    # prometheus-client's multiprocess mode (common/metrics.py): every process writes its metrics under one
    # folder, emptied before they start; /metrics adds them up (docs/operations.md, "Metrics and alerts").
    metrics_dir = Path(env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(VAR / "metrics")))
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in metrics_dir.glob("*.db"):  # the files of processes of an earlier run
        stale.unlink()
    processes = {
        "web": [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{host}:{port}",
                "--workers", os.environ.get("WEB_WORKERS", "2"), "--threads", threads,
                "--worker-connections", threads, "--keep-alive", "0",
                "--access-logfile", "-", "--graceful-timeout", "5"],
        "worker": [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info",
                   "--concurrency", os.environ.get("CELERY_CONCURRENCY", "2")],
        "beat": [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info"],
    }
    verbose = verbose_requested(args)
    children: dict[str, subprocess.Popen] = {}
    logs: dict[str, Path] = {}
    echoes: dict[str, LogEcho] = {}
    for name, command in processes.items():
        output = None
        if not verbose:
            logs[name], output, start = open_child_log(name)
            echoes[name] = LogEcho(name, logs[name], start)
            echoes[name].start()
        children[name] = subprocess.Popen(command, cwd=ROOT, env=env, preexec_fn=_die_with_parent,  # noqa: PLW1509
                                          stdout=output, stderr=subprocess.STDOUT if output else None)
        if output is not None:
            output.close()  # the child holds its own copy
    CHILDREN_FILE.parent.mkdir(parents=True, exist_ok=True)
    CHILDREN_FILE.write_text(json.dumps([p.pid for p in children.values()]))

    stopping = {"flag": False}

    def stop(signum, frame):  # noqa: ARG001
        stopping["flag"] = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    where_logs = (f"Logs: {shown_path(LOG_DIR)}/web.log, worker.log, beat.log; here only errors "
                  "(--verbose: everything)" if logs else "Logs: here (--verbose)")
    if wait_healthy(f"http://127.0.0.1:{port}/healthz"):
        print(f"""
  Government service centres platform is running.
    platform site   {base}/                 (every centre, onboarding)
    a centre        http://beilin.{domain}:{port}/     (碑林区; any <slug>.{domain}:{port})
    city centre     http://xian.{domain}:{port}/
    API docs        {base}/api/docs/
    health          {base}/healthz
    SMS outbox      {base}/outbox/          (every text message sent; platform administrators)
    online hall     {base}/online/          (网上办事大厅: applicants sign in with a mobile and an SMS code)
  Demo logins (password: demo12345):
    platform            platform administrator
    coordinator         city coordinator (city admin; supervisor in Beilin, Yanta, Hi-tech zone)
    admin-<slug>        each centre's administrator, e.g. admin-beilin
    clerk-beilin        window clerk in Beilin (chief-beilin: its chief representative)
    clerk-xian          window clerk at the city centre; clerk-gaoxin at the Hi-tech zone (linked projects)
    agent-nanyuanmen    village agent: http://beilin-nanyuanmen.{domain}:{port}/delegation/
    clerk-xian-sc, clerk-xian-rs, clerk-beilin-rs, ...  hall window clerks (queues A-D at the city centre
                        and Beilin); the demo halls' kiosk, screen and pad addresses are printed above
  Demo applicants at {base}/online/ (mobile; the SMS code is in the SMS outbox, signed in as platform):
    138 0000 0000       李秀英: cases at Nanyuanmen (proxy), Beilin (online, a material to supplement), the city
    138 0002 9000       a key project's company: its joint cases at the city and the districts
  {where_logs}
  Ctrl-C stops everything; data stays in {shown_path(VAR)}.
""", flush=True)
    else:
        say("the web server did not answer /healthz within 60 s; "
            + ("see the log above" if verbose else f"see {shown_path(logs['web'])}"))
        if not verbose:
            say_tail(logs["web"])

    exit_code = 0
    while not stopping["flag"]:
        for name, proc in children.items():
            if proc.poll() is not None:
                say(f"{name} exited with {proc.returncode}; stopping")
                if name in logs:
                    echoes[name].finish()
                    say_tail(logs[name])
                stopping["flag"] = True
                exit_code = proc.returncode or 1
                break
        time.sleep(0.5)

    say("stopping")
    for proc in children.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in children.values():
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    for echo in echoes.values():
        echo.finish()
    CHILDREN_FILE.unlink(missing_ok=True)
    lock.close()  # type: ignore[attr-defined]
    return exit_code


def cmd_test(args: list[str]) -> int:
    reexec_in_venv("dev")
    env = base_env("config.settings.test")
    env["DATABASE_URL"] = database_url("pgdata-test")
    return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env).returncode


def cmd_manage(args: list[str]) -> int:
    reexec_in_venv("")
    env = base_env("config.settings.dev")
    env["DATABASE_URL"] = database_url("pgdata")
    return manage(*args, env=env, check=False)


def cmd_bench(args: list[str]) -> int:
    reexec_in_venv("dev")
    env = base_env("config.settings.dev")
    env["DATABASE_URL"] = database_url("pgdata-bench")
    manage("collectstatic_if_changed", env=env)  # pages name their static files from the manifest
    return subprocess.run([sys.executable, str(ROOT / "platform" / "bench" / "run.py"), *args],
                          cwd=ROOT, env=env).returncode


COMMANDS = {"run": cmd_run, "test": cmd_test, "manage": cmd_manage, "bench": cmd_bench}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    try:
        return COMMANDS[sys.argv[1]](sys.argv[2:])
    except SetupProblem as problem:
        say(str(problem))
        return 1


if __name__ == "__main__":
    sys.exit(main())
