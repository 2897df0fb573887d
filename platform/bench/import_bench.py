#!/usr/bin/env python3
"""What a catalogue import of many bad rows costs: time, peak memory, size of the error's JSON body.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db with the public schema migrated> \
        /usr/bin/time -v python platform/bench/import_bench.py [--rows 60000] [--tree PATH]

Builds a CSV of --rows rows, each bad in four columns (unknown department, category, item type,
level), calls catalog.importers.catalogue_import as the API does, and prints the seconds it took and
the size of the JSON body the API would answer ({"code", "message", "extra"}). Peak memory: the
"Maximum resident set size" line of /usr/bin/time -v. --tree runs another checkout of the project
(e.g. the tree before a change) against the same database.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--rows", type=int, default=60_000)
parser.add_argument("--max-rows", type=int, help="override settings.IMPORT_MAX_ROWS (and lift the size limit)")
parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[2])
args = parser.parse_args()
sys.path.insert(0, str(args.tree))
os.chdir(args.tree)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()
if args.max_rows:
    from django.conf import settings

    settings.IMPORT_MAX_ROWS = args.max_rows
    settings.IMPORT_MAX_BYTES = 1 << 30

from catalog.importers import COLUMNS, catalogue_import  # noqa: E402
from common.errors import ApplicationError  # noqa: E402
from common.exports import csv_writer  # noqa: E402

buffer = io.StringIO(newline="")
writer = csv_writer(buffer)
writer.writerow(COLUMNS)
for n in range(args.rows):
    row = {"code": f"610100SC-XK-{n % 10000:04d}{n // 10000}", "department_code": "NOPE",
                     "category": "bogus", "item_type": "XX", "kind": "main", "levels": "moon",
                     "name_zh": "某事项", "name_en": "Some item", "legal_limit_days": "20",
                     "promised_limit_days": "10", "is_immediate": "0", "visits_required": "1", "fee_yuan": "0",
                     "legal_basis": "x", "keywords": "x"}
    writer.writerow([row.get(column, "") for column in COLUMNS])
data = buffer.getvalue().encode()
print(f"file: {args.rows} rows, {len(data) / 1e6:.1f} MB")
start = time.perf_counter()
try:
    catalogue_import(stream=io.BytesIO(data), file_name="bad.csv", acting_user=None)
except ApplicationError as exc:
    body = json.dumps({"code": exc.code, "message": exc.message, "extra": exc.extra}, ensure_ascii=False)
    print(f"refused in {time.perf_counter() - start:.2f} s; JSON body {len(body.encode()) / 1e6:.3f} MB")
    print(f"message starts: {exc.message[:160]}")
