"""`dev.py run` keeps the terminal for a person: the addresses and logins, then only errors (each whole); the
web server's, worker's and beat's own output goes to var/log/. A child that dies is still told, with the end
of its log."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection

from tests.platform.test_dev_setup import DEV, ROOT, collected_static, dev_env, free_port, healthy, load_dev, url_with


@pytest.mark.django_db
def test_run_is_quiet_logs_to_var_log_and_a_child_that_dies_is_reported_with_its_log(tmp_path):
    port = free_port()
    env = dev_env(tmp_path, DATABASE_URL=url_with(connection.settings_dict["NAME"]), PORT=str(port),
                  WEB_WORKERS="1", CELERY_CONCURRENCY="1")
    env.pop("GOVSERVICE_LOG", None)
    collected_static(tmp_path)
    run = subprocess.Popen([sys.executable, str(DEV), "run", "--no-demo"], cwd=ROOT, env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    logs = tmp_path / "var" / "log"
    try:
        deadline = time.monotonic() + 25
        while not healthy(port) and time.monotonic() < deadline:
            assert run.poll() is None, run.stdout.read()
            time.sleep(0.3)
        for _ in range(3):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):  # noqa: S310
                pass
        with pytest.raises(urllib.error.HTTPError):  # an ordinary 404: a warning, for the log only
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/", timeout=5)  # noqa: S310
        while "beat: Starting" not in (logs / "beat.log").read_text() and time.monotonic() < deadline + 10:
            time.sleep(0.3)
        time.sleep(1)  # the launcher prints its banner once it has seen /healthz answer
        beat = json.loads((tmp_path / "var" / "run" / "children.json").read_text())[2]
        os.killpg(beat, signal.SIGKILL)

        out, _ = run.communicate(timeout=25)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()

    assert "platform is running" in out and "demo12345" in out
    assert f"{logs}/web.log, worker.log, beat.log" in out
    # the children's chatter is in their logs, not here
    web_log = (logs / "web.log").read_text()
    assert "GET /healthz" in web_log and "GET /healthz" not in out
    assert "celery@" in (logs / "worker.log").read_text() and "celery@" not in out
    before_the_death = out.split("beat exited")[0]
    assert "No hostname was supplied" not in before_the_death  # routine, every run
    assert "Not Found: /no-such-page/" in web_log and "WARNING" not in before_the_death
    if os.geteuid() == 0:  # celery's warning about running as root, whole in the log, not cut here
        assert "superuser privileges" not in before_the_death
        assert "absolutely not recommended" in (logs / "worker.log").read_text()
    # the dead child: said, with the end of its log
    assert run.returncode != 0
    assert "beat exited with -9; stopping" in out
    told = out.split(f"the last lines of {logs}/beat.log:", 1)[1]
    assert "beat: Starting" in told


def test_only_errors_reach_the_terminal_each_whole_and_warnings_stay_in_the_log(tmp_path, capsys):
    dev = load_dev()
    log = tmp_path / "worker.log"
    log.write_text("old run: ERROR long ago\n")
    start = log.stat().st_size
    echo = dev.LogEcho("worker", log, start)
    echo.start()
    with log.open("a") as out:
        out.write("/venv/lib/python3.13/site-packages/celery/platforms.py:841: SecurityWarning: You're running the "
                  "worker with superuser privileges: this is\n"
                  "absolutely not recommended!\n"
                  "\n"
                  "Please specify a different user using the --uid option.\n"
                  "\n"
                  "User information: uid=0 euid=0 gid=0 egid=0\n"
                  "\n"
                  "  warnings.warn(SecurityWarning(ROOT_DISCOURAGED.format(\n"
                  " \n"
                  " -------------- celery@host v5.5.3 (immunity)\n"
                  "[2026-11-30 10:00:00,000: INFO/MainProcess] Task heartbeat[1] succeeded in 0.01s: None\n"
                  "[2026-11-30 10:00:01,000: WARNING/MainProcess] the broker went away\n"
                  "[2026-11-30 10:00:01,000: WARNING/MainProcess] No hostname was supplied. Reverting to default "
                  "'localhost'\n"
                  "2026-11-30 10:00:01,500 WARNING django.request: Not Found: /progress/ERROR/\n"
                  "2026-11-30 10:00:01,600 WARNING django.request: Forbidden: /cases/\n"
                  '127.0.0.1 - - [30/Nov/2026:10:00:02 +0000] "GET /healthz?ERROR HTTP/1.1" 200 70\n'
                  "2026-11-30 10:00:03,000 ERROR django.request: Internal Server Error: /cases/\n"
                  "Traceback (most recent call last):\n"
                  '  File "cases/views.py", line 1, in inbox\n'
                  "ZeroDivisionError: division by zero\n"
                  "[2026-11-30 10:00:04,000: INFO/MainProcess] Task heartbeat[2] succeeded\n"
                  "[2026-11-30 10:00:05,000: ERROR/MainProcess] consumer: Cannot connect to redis://x:6379//: "
                  "Connection refused.\n"
                  "Trying again in 2.00 seconds... (1/100)\n"
                  "\n"
                  "[2026-11-30 10:00:06,000: INFO/MainProcess] Connected to redis://x:6379//\n")
    time.sleep(0.5)
    echo.finish()

    shown = capsys.readouterr().out.splitlines()
    assert shown == [
        "[worker] 2026-11-30 10:00:03,000 ERROR django.request: Internal Server Error: /cases/",
        "[worker] Traceback (most recent call last):",
        '[worker]   File "cases/views.py", line 1, in inbox',
        "[worker] ZeroDivisionError: division by zero",
        "[worker] [2026-11-30 10:00:05,000: ERROR/MainProcess] consumer: Cannot connect to redis://x:6379//: "
        "Connection refused.",
        "[worker] Trying again in 2.00 seconds... (1/100)",
    ]


def test_verbose_keeps_everything_in_the_terminal(monkeypatch):
    dev = load_dev()
    monkeypatch.delenv("GOVSERVICE_LOG", raising=False)
    assert not dev.verbose_requested(["--no-demo"])
    assert dev.verbose_requested(["--verbose"])
    monkeypatch.setenv("GOVSERVICE_LOG", "verbose")
    assert dev.verbose_requested([])
