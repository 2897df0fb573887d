"""Every Chinese catalogue is complete and compiled: a zh-hans user meets no string left in English
because its translation is missing, fuzzy, or only in the .po and not in the compiled .mo."""
from __future__ import annotations

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
