"""The register sits below the services that work for key projects: it imports tenants and common (and
Django), nothing of joint approvals, delegation, cases, the registry or supervision."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ABOVE = {"joint_approval", "delegation", "cases", "registry", "supervision", "demo", "windows", "notifications",
         "workcalendar", "config"}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_the_register_imports_nothing_of_the_apps_above_it():
    modules = [p for p in (ROOT / "projects").rglob("*.py") if "migrations" not in p.parts]
    assert modules
    wrong = {str(p.relative_to(ROOT)): sorted(_imports(p) & ABOVE) for p in modules if _imports(p) & ABOVE}
    assert wrong == {}
