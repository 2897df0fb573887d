"""The whole demo, as `manage provision_demo` makes it, tells the 2015 report's story: the city's catalogue
report reads 160 items (110 / 9 / 41) of 28 departments, promised limits 44.44% / 9.98% / 33.41% / 40.00%
shorter than the legal ones. The joint-approval demo used to add 9 items and 2 departments to it (169 items,
30 departments, 44.35% / 23.84% / 33.41% / 40.83%): the items a bundle needs from other authorities are the
districts' and zones', outside the city's counts.

Every step of the command runs for real (network, windows, catalogue, joint approvals, delegation), on the
network file's rows of the session's five centres and the 14 other townships of Beilin and Yanta (the
demo's 3,467 village and community stations are spread over them). The file's 181 other centres (a schema
each, 30 to 90 s, made in the test's transaction: too many locks) add no item to the city's list."""
from __future__ import annotations

import re
import time
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

#: (items, sub-items, departments, shorter by) per category, as in the report.
SEED = {
    "licence": (110, 58, "44.44%"),
    "non_licence": (9, 4, "9.98%"),
    "public_service": (41, 5, "33.41%"),
    "all": (160, 67, "40.00%"),
}
SEED_DEPARTMENTS = 28


@pytest.fixture(scope="module")
def whole_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """`provision_demo` run to the end, once for the module in a transaction rolled back at its end, on the
    demo network file cut to the session's centres and the townships of Beilin and Yanta; its seconds."""
    from django.db import connection, transaction

    from demo import provision
    from tenants import demo as tenants_demo
    from tenants.models import Centre

    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        connection.set_schema_to_public()
        session_codes = set(Centre.objects.values_list("division_code", flat=True))
        districts = {"610103", "610113"}  # Beilin, Yanta
        lines = tenants_demo.NETWORK_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
        network = tmp_path_factory.mktemp("demo") / tenants_demo.NETWORK_CSV.name
        network.write_text(lines[0] + "".join(line for line in lines[1:] if line.split(",")[1] in session_codes
                                              or line.rstrip().split(",")[-1] in districts), encoding="utf-8")
        patch.setattr(tenants_demo, "NETWORK_CSV", network)
        patch.setattr(provision, "NETWORK_CSV", network)
        with transaction.atomic():
            started = time.perf_counter()
            out = StringIO()
            call_command("provision_demo", stdout=out, verbosity=0)
            assert "steps run: network, windows, catalogue, joint, delegation" in out.getvalue()
            yield time.perf_counter() - started
            transaction.set_rollback(True)


def _figures(report: dict) -> dict:
    rows = {**report["categories"], "all": report["overall"]}
    return {key: (row["items"], row["sub_items"], row["percent"]) for key, row in rows.items()}


def test_the_whole_demos_city_report_has_the_seeds_figures(whole_demo, city):
    from catalog.models import Item
    from catalog.reports import compression_report
    from joint_approval.models import Bundle, JointCase

    assert Bundle.objects.filter(kind="parallel").count() == 7 and JointCase.objects.exists()
    assert Item.objects.filter(code="610100GS-QR-0001").exists()  # the bundles' items are there ...

    for report in (compression_report(), compression_report(centre=city)):  # ... but not the city's
        assert _figures(report) == SEED
        assert report["overall"]["departments"] == SEED_DEPARTMENTS
        assert (report["categories"]["licence"]["legal_days"], report["categories"]["licence"]["promised_days"]) == (
            3312, 1840)


def test_the_report_pages_read_the_same(whole_demo, city, centre_client):
    for client in (centre_client(None), centre_client(city)):
        html = client.get("/catalogue/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        for category, (items, sub_items, percent) in SEED.items():
            row = re.search(rf'<tr data-category="{category}".*?</tr>', html, re.S).group(0)
            cells = re.findall(r'class="num">(\d+)</td>', row)
            assert cells[:2] == [str(items), str(sub_items)] and f"<b>{percent}</b>" in row
        overall = re.search(r'<tr data-category="all".*?</tr>', html, re.S).group(0)
        assert f'data-label="Departments" class="num">{SEED_DEPARTMENTS}<' in overall


def test_the_bundles_items_are_the_districts_and_zones(whole_demo, city, beilin):
    """Seal engraving, the tax registrations, completion filings...: adopted by Beilin (its bundles' local
    legs run there), not by the city centre."""
    from catalog.models import Adoption
    from joint_approval.demo import ITEMS

    codes = [row[0] for row in ITEMS]
    assert Adoption.objects.filter(centre=beilin, item__code__in=codes).count() == len(codes)
    assert not Adoption.objects.filter(centre=city, item__code__in=codes).exists()
