"""Loading the settings touches no database: ruff, mypy and `manage.py check` run on a machine with
none, and a command that needs one says how to start it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", GOVSERVICE_VAR_DIR=str(tmp_path / "var"))
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_manage_check_runs_without_a_database(tmp_path):
    result = _manage("check", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "no issues" in result.stdout


def test_a_command_that_needs_the_database_says_how_to_start_one(tmp_path):
    result = _manage("showmigrations", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "set DATABASE_URL, or start the embedded PostgreSQL" in result.stderr
