"""Every Chinese catalogue is complete and compiled: a zh-hans user meets no string left in English
because its translation is missing, fuzzy, or only in the .po and not in the compiled .mo."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
                    if ".venv" not in p.parts and "var" not in p.parts)


def test_the_project_and_its_apps_have_chinese_catalogues():
    names = {p.relative_to(ROOT).parts[0] for p in CATALOGUES}
    assert {"locale", "joint_approval", "delegation"} <= names


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entry_is_translated_and_compiled(path):
    po = polib.pofile(str(path))
    pending = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert pending == []
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(path.with_suffix(".mo")))}
    stale = [e.msgid for e in po if not e.obsolete
             and compiled.get((e.msgctxt, e.msgid)) != (e.msgstr or {int(k): v for k, v in e.msgstr_plural.items()})]
    assert stale == []


def test_every_string_of_the_code_has_a_chinese_translation(tmp_path):
    """makemessages over a copy of the source finds no string without its translation (a string added
    to the code and forgotten in the catalogue would show in English to a zh-hans user)."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.skip("GNU gettext (xgettext, msgmerge) is not installed: apt-get install gettext")
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    copy = tmp_path / "src"
    for name in files:
        if name.endswith((".py", ".html", ".txt", ".po")) and not name.startswith(("tests/", "platform/")):
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    result = subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
                            cwd=copy, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(copy)})
    assert result.returncode == 0, result.stderr[-2000:]
    missing = {}
    for path in copy.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        po = polib.pofile(str(path))
        pending = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
        if pending:
            missing[str(path.relative_to(copy))] = pending
    assert missing == {}
