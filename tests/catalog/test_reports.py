"""Reports of the catalogue against the 2015 report's figures (given the demo catalogue)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

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


pytestmark = pytest.mark.usefixtures("demo_catalogue")


def _figures(report: dict) -> dict:
    rows = {**report["categories"], "all": report["overall"]}
    return {key: (row["items"], row["sub_items"], row["percent"]) for key, row in rows.items()}


SEED_FIGURES = {
    "licence": (110, 58, "44.44%"),
    "non_licence": (9, 4, "9.98%"),
    "public_service": (41, 5, "33.41%"),
    "all": (160, 67, "40.00%"),
}


def test_city_wide_report_has_the_seed_figures(db):
    from catalog.reports import compression_report

    report = compression_report(on=TODAY)

    assert _figures(report) == SEED_FIGURES
    assert report["categories"]["licence"]["compression"] == Decimal("0.4444")
    assert report["overall"]["compression"] == Decimal("0.4000")
    assert report["overall"]["departments"] == 28  # "28 city departments ... 160 items"


def test_city_centre_report_is_its_catalogue_of_160(city):
    from catalog.reports import compression_report

    report = compression_report(centre=city, on=TODAY)
    assert _figures(report) == SEED_FIGURES
    assert report["overall"]["departments"] == 28


def _publish(code: str, department: str, levels: list[str]):
    from catalog.models import Department
    from catalog.services import item_create, version_create_draft, version_publish

    department_row, _ = Department.objects.get_or_create(code=department, defaults={
        "name_zh": "市国家税务局", "name_en": "Xi'an State Taxation Bureau"})
    item = item_create(code=code, department=department_row, category="non_licence", item_type="QR",
                       levels=levels, acting_user=None)
    version = version_create_draft(item=item, effective_from=TODAY, acting_user=None, content={
        "name_zh": "税务登记（国税）", "name_en": "Tax registration (state tax)", "legal_limit_days": 30,
        "promised_limit_days": 3}, materials=[{"name_zh": "税务登记表", "name_en": "Tax registration form"}])
    version_publish(version=version, acting_user=None, today=TODAY)


def test_items_only_the_districts_exercise_are_not_the_citys(db):
    """A master item that a bundle needs from another authority (a district's tax bureau: levels district
    and zone) stays out of the city's counts and departments; one the city exercises is in them."""
    from catalog.reports import compression_report

    _publish("610100GS-QR-0001", "GS", ["district", "zone"])
    report = compression_report(on=TODAY)
    assert _figures(report) == SEED_FIGURES and report["overall"]["departments"] == 28

    _publish("610100GS-QR-0002", "GS", ["city", "district", "zone"])
    report = compression_report(on=TODAY)
    assert (report["categories"]["non_licence"]["items"], report["overall"]["items"]) == (10, 161)
    assert (report["categories"]["non_licence"]["departments"], report["overall"]["departments"]) == (6, 29)


def test_an_item_devolved_later_was_still_the_citys(db):
    """Devolved on 1 October 2014, its levels have lost the city since; on 30 September it was the city's."""
    from catalog.models import Item
    from catalog.reports import master_catalogue

    devolved = Item.objects.filter(events__kind="devolved", events__effective_on=dt.date(2014, 10, 1))
    assert devolved.count() == 7 and not devolved.filter(levels__contains=["city"]).exists()
    assert master_catalogue(on=dt.date(2014, 9, 30)).filter(pk__in=devolved).count() == 7
    assert not master_catalogue(on=dt.date(2014, 10, 1)).filter(pk__in=devolved).exists()


def test_reports_are_one_query_each(city, django_assert_num_queries):
    from catalog.reports import change_report, compression_report

    with django_assert_num_queries(1):
        compression_report(on=TODAY)
    with django_assert_num_queries(1):
        compression_report(centre=city, on=TODAY)
    with django_assert_num_queries(1):
        change_report(year=2014)


def test_the_2014_changes_read_as_in_the_report(db):
    from catalog.reports import change_report, change_sentence

    report = change_report(year=2014)

    assert change_sentence(report, language="zh") == (
        "5个部门新增11项；12个部门减少32项：下放区县15项、设定依据不足9项、合并2项、国家取消6项")
    assert change_sentence(report, language="en") == (
        "5 departments added 11 items; 12 departments removed 32: 15 devolved, 9 insufficient basis, 2 merged, "
        "6 cancelled by the state")
    assert change_sentence(change_report(year=2013), language="en") == "No changes in 2013"


def test_a_new_promise_moves_the_figure(db):
    """Given a licence whose promise is shortened by one day in a new version, the licence figure moves."""
    from catalog.models import Item
    from catalog.reports import compression_report
    from catalog.services import version_create_draft, version_publish

    item = Item.objects.select_related("current_version").get(code="610100ZR-XK-0003")  # 建设工程规划许可证核发
    before = compression_report(on=TODAY)["categories"]["licence"]
    version = version_create_draft(item=item, content={"promised_limit_days": item.current_version.promised_limit_days
                                                       - 1}, effective_from=TODAY, acting_user=None)
    version_publish(version=version, acting_user=None, today=TODAY)

    after = compression_report(on=TODAY)["categories"]["licence"]
    assert (after["legal_days"], after["promised_days"]) == (before["legal_days"], before["promised_days"] - 1)
    assert after["percent"] == "44.47%"  # 1 − 1839/3312


def test_a_centres_report_uses_its_own_promises(beilin):
    from catalog.reports import compression_report
    from catalog.selectors import centre_catalogue

    expected = defaultdict(lambda: [0, 0, 0])
    local_days_saved = 0
    for adoption in centre_catalogue(centre=beilin, on=TODAY):
        version = adoption.item.current_version
        row = expected[adoption.item.category]
        row[0] += 1
        row[1] += version.legal_limit_days
        if adoption.promised_limit_days is None:
            row[2] += version.promised_limit_days
        else:
            row[2] += adoption.promised_limit_days
            local_days_saved += version.promised_limit_days - adoption.promised_limit_days

    report = compression_report(centre=beilin, on=TODAY)

    assert local_days_saved > 0  # Beilin promises less than the master on some items
    for category, (items, legal, promised) in expected.items():
        row = report["categories"][category]
        assert (row["items"], row["legal_days"], row["promised_days"]) == (items, legal, promised)
    assert report["overall"]["items"] == sum(r[0] for r in expected.values())


def test_a_local_promise_changes_the_centres_figure_only(beilin):
    from catalog.models import Adoption
    from catalog.reports import compression_report
    from catalog.services import adoption_update

    adoption = Adoption.objects.select_related("item__current_version").filter(
        centre=beilin, ends_on__isnull=True, item__category="public_service",
        promised_limit_days__isnull=True, item__current_version__promised_limit_days__gte=2).first()
    before = compression_report(centre=beilin, on=TODAY)["categories"]["public_service"]["promised_days"]

    adoption_update(adoption=adoption, acting_user=None, promised_limit_days=0)

    after = compression_report(centre=beilin, on=TODAY)["categories"]["public_service"]["promised_days"]
    assert after == before - adoption.item.current_version.promised_limit_days
    assert _figures(compression_report(on=TODAY)) == SEED_FIGURES


def test_removed_items_do_not_count(db):
    from catalog.models import Item
    from catalog.reports import compression_report, master_catalogue
    from catalog.services import event_propagate, event_record

    removed = Item.objects.filter(events__kind__in=["devolved", "merged", "cancelled_basis", "cancelled_state"])
    assert removed.count() == 32
    assert not removed.filter(current_version__isnull=True).exists()  # they exist, with published versions
    assert not master_catalogue(on=TODAY).filter(pk__in=removed).exists()

    item = Item.objects.get(code="610100SC-XK-0004")  # 药品经营许可证（零售）核发
    event = event_record(kind="cancelled_state", item=item, reason="国家取消", effective_on=TODAY, acting_user=None)
    event_propagate(event_id=event.pk)

    report = compression_report(on=TODAY)
    assert (report["categories"]["licence"]["items"], report["overall"]["items"]) == (109, 159)
    assert compression_report(on=TODAY - dt.timedelta(days=1))["overall"]["items"] == 160


def test_devolved_items_leave_the_city_and_reach_the_districts(city, beilin, nanyuanmen):
    from catalog.models import Item
    from catalog.selectors import centre_catalogue

    devolved = set(Item.objects.filter(events__kind="devolved").values_list("pk", flat=True))
    assert len(devolved) == 15
    assert not centre_catalogue(centre=city, on=TODAY).filter(item__in=devolved).exists()
    assert centre_catalogue(centre=beilin, on=TODAY).filter(item__in=devolved).count() == 15
    township = set(centre_catalogue(centre=nanyuanmen, on=TODAY).values_list("item__code", flat=True))
    assert "610100RS-GG-0001" in township  # 社会保险登记
    assert township <= set(centre_catalogue(centre=beilin, on=TODAY).values_list("item__code", flat=True))


def test_the_change_reports_year_selector_offers_the_seeds_2014(centre_client):
    import re

    from django.utils import timezone

    client = centre_client(None)
    html = client.get("/catalogue/changes/").content.decode()  # this year's report
    select = re.search(r'<select id="year" name="year">(.*?)</select>', html, re.S).group(1)
    assert '<option value="2014">2014</option>' in select
    assert f'<option value="{timezone.localdate().year}" selected>' in select
    html = client.get("/catalogue/changes/", {"year": "2014"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "15 devolved" in re.search(r'id="change-sentence">(.*?)</p>', html, re.S).group(1)
