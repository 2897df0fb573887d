#!/usr/bin/env python3
"""A province-sized network (全省政务服务网络) for the benchmarks: Xi'an's 200 centres plus generated cities
of the same shape, 2,000 centres with the default 10 cities (Shaanxi has 10 prefecture-level cities).

The platform keeps one city centre (`tenants.validation`: "There is already a city centre"), so a generated
city's own centre and its 21 district and zone centres are onboarded as district centres under Xi'an's
city centre, each followed by its 178 township centres under the same parents as in Xi'an (codes and slugs
renamed: `610102001` → `610202001`, `xincheng-xiyilu` → `c02-xincheng-xiyilu`). The shape (1 + 21 + 178
centres a city, the same tables in every schema) is what the measurements need; the names are made up.

    province_rows(cities=10) -> list[CentreInput]   # Xi'an's rows first, then each generated city's

Run as a script on a migrated database (the public schema at least) to onboard the missing ones:

    DATABASE_URL=... python platform/bench/province.py [--cities 10] [--first-city 1] [--part K/N]

`--first-city 2` leaves out Xi'an's rows (onboard them first: the generated cities' centres sit under
Xi'an's city centre); `--part K/N` takes every Nth generated city from the Kth, so N processes can
onboard the cities at once (each city's centres stay in one process, parents first). A centre left
half-made by an interrupted run (status provisioning) is completed by `manage.py resume_onboarding`.

Each centre is provisioned by `tenants.services.centre_bulk_onboard` (by migrations, no administrators);
prints the time per 100 centres. Idempotent: centres that exist are left as they are.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NETWORK_CSV = ROOT / "tenants" / "data" / "xian_network.csv"
XIAN_PREFIX = "6101"
CITY_SIZE = 200  # rows a city: Xi'an's network (1 + 21 + 178)

#: Pinyin of Shaanxi's other prefecture-level cities, by the 4-digit prefix of their division codes.
CITIES = {"6102": "tongchuan", "6103": "baoji", "6104": "xianyang", "6105": "weinan", "6106": "yanan",
          "6107": "hanzhong", "6108": "yulin", "6109": "ankang", "6110": "shangluo"}


def _xian_rows() -> list[dict[str, str]]:
    import csv

    with NETWORK_CSV.open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def province_rows(*, cities: int = 10) -> list:
    """The rows of `cities` cities (at most 10): Xi'an's 200 as in the demo, then 200 a generated city.

    Raises ValueError for fewer than 1 or more than 10 cities."""
    from tenants.choices import Level
    from tenants.validation import CentreInput

    if not 1 <= cities <= 1 + len(CITIES):
        raise ValueError(f"cities must be 1 to {1 + len(CITIES)}")
    base = _xian_rows()
    rows = [CentreInput.from_mapping(row) for row in base]
    city_code = next(row["code"] for row in base if row["level"] == Level.CITY)
    for prefix, pinyin in list(CITIES.items())[:cities - 1]:
        tag = f"c{prefix[2:]}"
        for row in base:
            code = prefix + row["code"][len(XIAN_PREFIX):]
            if row["level"] == Level.CITY:
                level, parent = Level.DISTRICT, city_code  # the generated city's own centre
                code = prefix + "00"
            elif row["level"] == Level.TOWNSHIP:
                level, parent = Level.TOWNSHIP, prefix + row["parent_code"][len(XIAN_PREFIX):]
            else:
                level, parent = Level.DISTRICT, city_code
            rows.append(CentreInput(
                level=level, code=code, slug=f"{tag}-{row['slug']}"[:40].rstrip("-"),
                name_zh=f"{pinyin}·{row['name_zh']}", name_en=f"{pinyin.title()} {row['name_en']}"[:150],
                parent_code=parent))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cities", type=int, default=10)
    parser.add_argument("--first-city", type=int, default=1, help="1 = Xi'an; 2 = the first generated city")
    parser.add_argument("--part", default="1/1", help="K/N: every Nth city from the Kth (of those selected)")
    args = parser.parse_args()
    part, parts = (int(n) for n in args.part.split("/"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from tenants.models import Centre
    from tenants.services import centre_bulk_onboard

    rows = province_rows(cities=args.cities)
    chosen = list(range(args.first_city - 1, args.cities))[part - 1::parts]  # city indices, 0 = Xi'an
    known = set(Centre.objects.values_list("division_code", flat=True))
    started = time.perf_counter()
    last = [started]

    def progress(done: int, total: int, _result) -> None:
        if done % 100 == 0 or done == total:
            now = time.perf_counter()
            print(f"{done}/{total} centres, last 100 in {now - last[0]:.1f} s", flush=True)
            last[0] = now

    missing = [row for row in rows if row.code not in known]
    if not missing:
        print(f"nothing to onboard; {Centre.objects.count()} centres")
        return
    # city by city (each parents first), so the first 200 centres are Xi'an's whole network; parents of
    # missing rows that already exist are found by centre_bulk_onboard's validation
    done = 0
    for city in chosen:
        codes = {row.code for row in rows[city * CITY_SIZE:(city + 1) * CITY_SIZE]}
        done += len(centre_bulk_onboard(rows=[row for row in missing if row.code in codes], acting_user=None,
                                        progress=progress))
    print(f"{done} centres onboarded in {time.perf_counter() - started:.1f} s; "
          f"{Centre.objects.count()} in all")


if __name__ == "__main__":
    main()
