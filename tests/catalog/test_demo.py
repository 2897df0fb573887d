"""The demo catalogue: its data, its adoptions across the network, idempotence."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

#: The day the reports describe (the 2015 report on the year 2014).
TODAY = dt.date(2015, 6, 1)


@pytest.fixture(scope="module")
def demo_catalogue(django_db_setup, django_db_blocker):
    """The demo catalogue provisioned once for the module, in a transaction rolled back at its end."""
    from django.db import connection, transaction

    from catalog.demo import demo_catalogue_provision

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        with transaction.atomic():
            summary = demo_catalogue_provision(today=TODAY)
            yield summary
            transaction.set_rollback(True)


def test_the_data_files_are_what_the_generator_writes():
    from catalog.data import generate

    items, materials = generate.build()
    with (generate.HERE / "items.csv").open(encoding="utf-8", newline="") as stream:
        stored = list(csv.DictReader(stream))
    assert [r["code"] for r in stored] == [i["code"] for i in items]
    assert [(int(r["legal"]), int(r["promised"])) for r in stored] == [(i["legal"], i["promised"]) for i in items]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(materials[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(materials)
    assert (generate.HERE / "materials.csv").read_bytes().decode("utf-8") == out.getvalue()


def test_the_sums_round_to_the_reports_figures():
    from catalog.data.generate import TARGET_SUMS, _rounds_to

    for category, (promised, legal) in TARGET_SUMS.items():
        assert _rounds_to(promised, legal, {"licence": 4444, "non_licence": 998, "public_service": 3341}[category])
    assert _rounds_to(sum(p for p, _ in TARGET_SUMS.values()), sum(leg for _, leg in TARGET_SUMS.values()), 4000)


@pytest.mark.usefixtures("demo_catalogue")
def test_departments_and_items_look_like_xian(db):
    from catalog.models import Department, Item
    from catalog.selectors import item_search
    from catalog.services import ITEM_CODE_RE

    assert Department.objects.count() == 28
    assert Department.objects.filter(name_zh="市市场监督管理局", code="SC").exists()
    items = Item.objects.filter(owner_centre__isnull=True).select_related("current_version")
    assert items.count() == 192
    for item in items:
        version = item.current_version
        assert ITEM_CODE_RE.match(item.code) and item.code.startswith("610100")
        assert 2 <= version.materials.count() <= 5
        assert [s["name_zh"] for s in version.steps] == ["受理", "审查", "决定", "送达"]
        assert version.promised_limit_days <= version.legal_limit_days
        assert version.contact_phone.startswith("029-") and "12345" in version.complaint_channel
    assert "建设工程规划许可证核发" in [i.current_version.name_zh for i in item_search(query="jsgc")]


@pytest.mark.usefixtures("demo_catalogue")
def test_the_network_claims_level_by_level(city, beilin, yanta, nanyuanmen):
    from catalog.models import Adoption
    from catalog.selectors import centre_catalogue

    city_rows = centre_catalogue(centre=city, on=TODAY)
    assert city_rows.count() == 160
    assert not city_rows.filter(window="").exists()
    assert city_rows.get(item__code="610100SC-XK-0001").department_name == "市市场监督管理局"
    assert centre_catalogue(centre=nanyuanmen, on=TODAY).exists()
    assert not centre_catalogue(centre=nanyuanmen, on=TODAY).exclude(item__levels__contains=["township"]).exists()
    assert Adoption.objects.filter(centre=beilin, promised_limit_days__isnull=False).exists()
    assert Adoption.objects.filter(centre=yanta, promised_limit_days__isnull=False).exists()


def test_provisioning_twice_changes_nothing(demo_catalogue):
    from catalog.demo import demo_catalogue_provision
    from catalog.models import Adoption, Item, LifecycleEvent, Material

    counts = [m.objects.count() for m in (Item, Adoption, LifecycleEvent, Material)]
    assert demo_catalogue["items_created"] == 192 and demo_catalogue["events_recorded"] == 43

    again = demo_catalogue_provision(today=TODAY)

    assert (again["items_created"], again["adoptions_created"], again["events_recorded"],
            again["events_propagated"], again["local_settings"]) == (0, 0, 0, 0, 0)
    assert [m.objects.count() for m in (Item, Adoption, LifecycleEvent, Material)] == counts
    assert again["seconds"] < 2


@pytest.mark.usefixtures("demo_catalogue")
def test_the_demo_agencies_serve_current_items(db):
    from catalog.models import Agency

    agencies = list(Agency.objects.prefetch_related("items"))
    assert len(agencies) == 6
    assert all(agency.items.exists() for agency in agencies), [a.name_zh for a in agencies if not a.items.exists()]
    assert all(item.removed_on is None for agency in agencies for item in agency.items.all())
