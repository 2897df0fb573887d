"""The shape of the apps, checked with the README's test command: the import contracts in
pyproject.toml (layers with no cycle between apps, one door into a centre's cases, only the doors and
the plumbing enter a centre's schema), and no schema switch hidden in a method call."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["common", "tenants", "windows", "catalog", "cases", "registry", "notifications", "workcalendar",
        "supervision", "joint_approval", "delegation", "projects", "demo"]
#: Where the connection's schema may be switched: the routing middleware, provisioning and onboarding,
#: the migration check (both in public), the replay of pending centre migrations, and the one context
#: manager the doors use.
PLUMBING = {"tenants/middleware.py", "tenants/provisioning.py", "tenants/services.py", "tenants/schemas.py",
            "tenants/management/commands/migrations_pending.py", "tenants/migration_replay.py"}


def test_the_import_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_app_switches_schema_by_hand():
    switch = re.compile(r"\.set_tenant\(|\.set_schema\(|\.set_schema_to_public\(|schema_context\(|tenant_context\(")
    found = [f"{path.relative_to(ROOT)}:{number}"
             for app in APPS for path in sorted((ROOT / app).rglob("*.py"))
             if "migrations" not in path.parts and str(path.relative_to(ROOT)) not in PLUMBING
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if switch.search(line) and not line.lstrip().startswith(("#", '"', "`"))]
    assert found == []
