"""The README's commands as a new user meets them: `platform/dev.py` run as a subprocess (in this venv, no
install), each with its own var folder."""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "platform" / "dev.py"


def dev_env(tmp_path: Path, **extra: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(GOVSERVICE_IN_VENV="1", GOVSERVICE_VAR_DIR=str(tmp_path / "var"), PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


def collected_static(tmp_path: Path) -> None:
    """The static files this test session collected (tests/conftest.py), copied into the run's var folder:
    `dev.py run` finds them current (same sources, same storage) and starts without collecting again, which
    takes seconds (a first run collecting is the smoke run's, platform/smoke-run.sh)."""
    import shutil

    from django.conf import settings

    shutil.copytree(settings.STATIC_ROOT, tmp_path / "var" / "static", ignore=shutil.ignore_patterns(".collect.lock"))


def dev(*args: str, env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(DEV), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def url_with(database: str, user: str | None = None) -> str:
    """The test server's URL (the environment's DATABASE_URL) naming another database (and user)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    netloc = parts.netloc
    if user:
        netloc = f"{user}@{netloc.rsplit('@', 1)[-1]}"
    return urlunsplit((parts.scheme, netloc, f"/{database}", parts.query, parts.fragment))


def admin_execute(sql: str) -> None:
    with psycopg.connect(url_with("postgres"), autocommit=True) as conn:
        conn.execute(sql)


def database_exists(name: str) -> bool:
    with psycopg.connect(url_with("postgres")) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


# --- a DATABASE_URL naming a database that does not exist --------------------------------------

def test_a_database_url_naming_a_missing_database_gets_it_created(tmp_path):
    name = f"govservice_new_{secrets.token_hex(4)}"
    try:
        done = dev("manage", "check", "--database", "default", env=dev_env(tmp_path, DATABASE_URL=url_with(name)))

        assert done.returncode == 0, done.stdout + done.stderr
        assert f"created the database '{name}'" in done.stdout
        assert database_exists(name)
    finally:
        admin_execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_a_missing_database_the_user_may_not_create_is_explained_in_a_sentence(tmp_path):
    role, name = f"govservice_nocreate_{secrets.token_hex(4)}", f"govservice_new_{secrets.token_hex(4)}"
    admin_execute(f'CREATE ROLE "{role}" LOGIN NOCREATEDB')
    try:
        done = dev("manage", "check", "--database", "default",
                   env=dev_env(tmp_path, DATABASE_URL=url_with(name, user=role)))

        out = done.stdout + done.stderr
        assert done.returncode == 1
        assert "Traceback" not in out
        assert f"The database '{name}' does not exist" in out and "could not be created" in out
        assert "createdb" in out and f'CREATE DATABASE "{name}"' in out
        assert not database_exists(name)
    finally:
        admin_execute(f'DROP ROLE IF EXISTS "{role}"')


# --- as root: what the embedded PostgreSQL does, said first; failures in a sentence ------------

needs_root = pytest.mark.skipif(os.name == "nt" or os.geteuid() != 0, reason="what pgserver does as root")


@pytest.fixture
def outside_pytest_tmp():
    """A folder outside /tmp/pytest-of-<user>: every pytest session that starts on the machine sets that
    folder back to 0700, which would shut the embedded PostgreSQL's system user out mid-start."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="govservice-root-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@needs_root
def test_as_root_with_sbin_off_path_the_embedded_postgres_starts_and_says_what_it_does(outside_pytest_tmp):
    done = dev("test", "--version", env=dev_env(outside_pytest_tmp, PATH="/usr/bin:/bin"), timeout=120)

    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "Traceback" not in out and "useradd" not in out.split("starting the embedded PostgreSQL")[-1]
    first_lines = done.stdout.splitlines()[:4]
    assert any("running as root" in line and "'pgserver'" in line for line in first_lines), first_lines
    assert any("chmod go+rx" in line for line in first_lines), first_lines


def test_without_useradd_a_missing_system_user_is_explained(tmp_path, monkeypatch):
    if os.name == "nt" or os.geteuid() != 0:
        pytest.skip("what pgserver does as root")
    module = load_dev()
    monkeypatch.setattr(module, "SBIN_FOLDERS", ())
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(module.SetupProblem, match="`useradd` is not on PATH.*set DATABASE_URL"):
        module.root_preflight(tmp_path / "pgdata", system_user=f"govservice-none-{secrets.token_hex(3)}")


def test_sbin_folders_are_put_on_path_so_useradd_is_found(monkeypatch):
    module = load_dev()
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    module.ensure_sbin_on_path()
    assert "/usr/sbin" in os.environ["PATH"].split(os.pathsep) or not Path("/usr/sbin").is_dir()


def test_an_embedded_postgres_that_cannot_start_is_explained_in_a_sentence(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "pgdata-test").write_text("not a folder")

    done = dev("test", "--version", env=dev_env(tmp_path), timeout=120)

    out = done.stdout + done.stderr
    assert done.returncode == 1
    assert "Traceback" not in out
    assert "The embedded PostgreSQL did not start in" in out and "DATABASE_URL" in out


def load_dev():
    import importlib.util

    spec = importlib.util.spec_from_file_location("govservice_dev_setup", DEV)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- one `run` at a time ------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


@pytest.mark.django_db
def test_a_second_run_is_refused_naming_the_running_one_which_keeps_running(tmp_path):
    """The first run works on the test database (migrated, no demo); the second is refused before it
    touches anything, and the first stays healthy (it used to be stopped: its children were killed)."""
    port = free_port()
    env = dev_env(tmp_path, DATABASE_URL=url_with(connection.settings_dict["NAME"]), PORT=str(port),
                  WEB_WORKERS="1", CELERY_CONCURRENCY="1")
    collected_static(tmp_path)
    first = subprocess.Popen([sys.executable, str(DEV), "run", "--no-demo"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60  # the launcher's checks and gunicorn's start: ~8 s idle, 25+ s at load 8
        while not healthy(port) and time.monotonic() < deadline:
            assert first.poll() is None, "the first run stopped by itself"
            time.sleep(0.3)
        assert healthy(port)

        second = dev("run", "--no-demo", env=env, timeout=20)

        out = second.stdout + second.stderr
        assert second.returncode == 1
        assert "already running" in out and f"pid {first.pid}" in out and f":{port}/" in out
        assert "Traceback" not in out
        time.sleep(1.5)
        assert first.poll() is None and healthy(port)
        lock = json.loads((tmp_path / "var" / "run" / "dev.lock").read_text())
        assert lock["pid"] == first.pid
    finally:
        first.send_signal(signal.SIGTERM)
        try:
            first.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(first.pid, signal.SIGKILL)
