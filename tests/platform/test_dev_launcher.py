"""The launcher's recovery from a run killed hard (platform/dev.py is not a package: load by path)."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dev():
    spec = importlib.util.spec_from_file_location("govservice_dev", ROOT / "platform" / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_dead_holders_are_removed_and_live_ones_kept(dev, tmp_path):
    (tmp_path / ".handle_pids.json").write_text(json.dumps([dead_pid(), 1]))
    done = dev.recover_stale_state(tmp_path)
    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == [1]
    assert any("dead holders" in line for line in done)


def test_a_postmaster_pid_naming_a_process_that_is_not_postgres_is_removed(dev, tmp_path):
    pid_file = tmp_path / "postmaster.pid"
    pid_file.write_text(f"1\n{tmp_path}\n0\n5432\n{tmp_path}\n")  # pid 1 is alive but not postgres
    dev.recover_stale_state(tmp_path)
    assert not pid_file.exists()


def test_a_dead_postmaster_pid_is_removed_and_a_clean_folder_left_alone(dev, tmp_path):
    (tmp_path / "postmaster.pid").write_text(f"{dead_pid()}\n")
    assert dev.recover_stale_state(tmp_path) == ["removed a stale postmaster.pid"]
    assert dev.recover_stale_state(tmp_path) == []


def test_platform_is_not_an_importable_package():
    assert not (ROOT / "platform" / "__init__.py").exists()
    import platform

    assert hasattr(platform, "system")  # the standard library's, not ours
