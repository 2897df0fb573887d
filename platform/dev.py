#!/usr/bin/env python3
"""Set up and run the platform on one machine: the two README commands.

    python3 platform/dev.py run        # the platform: web + Celery worker + beat
    python3 platform/dev.py test       # the whole test suite (extra args go to pytest)
    python3 platform/dev.py manage ... # manage.py against the same database
    python3 platform/dev.py bench      # the benchmarks (platform/bench/run.py)

Needs only Python 3.11+. It creates `.venv` and installs the project (again only when
pyproject.toml changes). With no DATABASE_URL it starts the embedded PostgreSQL (the `pgserver`
package, a real PostgreSQL in a pip wheel) under `var/pgdata` (`var/pgdata-test` for tests); with no
CELERY_BROKER_URL Celery uses kombu's filesystem transport under `var/broker`. With DATABASE_URL and
CELERY_BROKER_URL set it uses those instead.

A run killed hard (SIGKILL, power loss) leaves nothing that blocks the next one: the children die
with the launcher (PR_SET_PDEATHSIG), a PostgreSQL left running is reused, and the next run
removes dead processes from pgserver's list of handles and a stale `postmaster.pid`.

This file is in `platform/`, which is deliberately not a Python package (see ARCHITECTURE.md).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
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


def start_embedded_postgres(pgdata: Path) -> str:
    """Start (or reuse) the embedded server; return a DATABASE_URL for `DB_NAME` on it."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    for line in recover_stale_state(pgdata):
        say(line)
    import pgserver

    say(f"starting the embedded PostgreSQL in {pgdata.relative_to(ROOT) if pgdata.is_relative_to(ROOT) else pgdata}")
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return server.get_uri(DB_NAME)


def database_url(pgdata_name: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        say("using DATABASE_URL from the environment")
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
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=check).returncode


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
    kill_leftover_children()
    env = base_env("config.settings.dev")
    env["DATABASE_URL"] = database_url("pgdata")

    # One query tells whether any schema is behind; migrating 200 schemas to find nothing takes ~20 s.
    if manage("migrations_pending", env=env, check=False) != 0:
        say("applying migrations (public schema and every centre)")
        manage("migrate_schemas", "--executor=multiprocessing", "-v", "0", env=env)
    if "--no-demo" not in args:
        manage("provision_demo", "--if-empty", env=env)

    processes = {
        "web": [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{host}:{port}",
                "--workers", os.environ.get("WEB_WORKERS", "2"), "--threads", "4",
                "--access-logfile", "-", "--graceful-timeout", "5"],
        "worker": [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "info",
                   "--concurrency", os.environ.get("CELERY_CONCURRENCY", "2")],
        "beat": [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "info"],
    }
    children: dict[str, subprocess.Popen] = {}
    for name, command in processes.items():
        children[name] = subprocess.Popen(command, cwd=ROOT, env=env, preexec_fn=_die_with_parent)  # noqa: PLW1509
    CHILDREN_FILE.parent.mkdir(parents=True, exist_ok=True)
    CHILDREN_FILE.write_text(json.dumps([p.pid for p in children.values()]))

    stopping = {"flag": False}

    def stop(signum, frame):  # noqa: ARG001
        stopping["flag"] = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    base = f"http://{domain}:{port}"
    if wait_healthy(f"http://127.0.0.1:{port}/healthz"):
        print(f"""
  Government service centres platform is running.
    platform site   {base}/                 (every centre, onboarding)
    a centre        http://beilin.{domain}:{port}/     (碑林区; any <slug>.{domain}:{port})
    city centre     http://xian.{domain}:{port}/
    API docs        {base}/api/docs/
    health          {base}/healthz
  Demo logins (password: demo12345):
    platform            platform administrator
    coordinator         city coordinator (city admin; supervisor in Beilin, Yanta, Hi-tech zone)
    admin-<slug>        each centre's administrator, e.g. admin-beilin
    clerk-beilin        window clerk in Beilin (chief-beilin: its chief representative)
    clerk-xian          window clerk at the city centre; clerk-gaoxin at the Hi-tech zone (linked projects)
    agent-nanyuanmen    village agent: http://beilin-nanyuanmen.{domain}:{port}/delegation/
  Ctrl-C stops everything; data stays in {VAR.relative_to(ROOT) if VAR.is_relative_to(ROOT) else VAR}.
""", flush=True)
    else:
        say("the web server did not answer /healthz within 60 s; see the log above")

    exit_code = 0
    while not stopping["flag"]:
        for name, proc in children.items():
            if proc.poll() is not None:
                say(f"{name} exited with {proc.returncode}; stopping")
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
    CHILDREN_FILE.unlink(missing_ok=True)
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
    return subprocess.run([sys.executable, str(ROOT / "platform" / "bench" / "run.py"), *args],
                          cwd=ROOT, env=env).returncode


COMMANDS = {"run": cmd_run, "test": cmd_test, "manage": cmd_manage, "bench": cmd_bench}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
