"""The demo: stations at the seed's scale, the agent's filings, the key-project list, the green channel."""
from __future__ import annotations

import pytest

from delegation.demo import demo_provision
from delegation.models import ProxyFiling, Station, TownshipDivisions
from delegation.selectors import coverage_by_district, coverage_total, key_project_report, key_project_totals
from projects.models import KeyProject

pytestmark = pytest.mark.django_db


@pytest.fixture
def more_townships(yanta):
    """Forty more townships (rows only: stations need no schema), towns and streets."""
    from tenants.models import Centre

    for n in range(1, 41):
        kind = ("镇", "Town") if n % 4 == 0 else ("街道", "Subdistrict")
        Centre.objects.create(level="township", division_code=f"610113{n:03d}", parent=yanta, slug=f"yanta-t{n}",
                              name_zh=f"测试{n}{kind[0]}", name_en=f"Test {n} {kind[1]}", schema_name=f"c610113{n:03d}")


def test_the_demo_has_the_seeds_figures_and_a_second_run_changes_nothing(nanyuanmen, more_townships, make_user,
                                                                          items):
    make_user(username="agent-nanyuanmen")
    first = demo_provision()
    total = coverage_total(coverage_by_district())
    assert (total.village_stations, total.villages, total.community_stations, total.communities) == (
        2770, 2953, 697, 818)
    assert total.coverage == 91.9  # 3,467 ÷ 3,771: "92% of villages and communities"
    assert key_project_totals(key_project_report(year=2014)) == {
        "projects": 28, "problems_solved": 56, "problems_raised": 60, "approvals_finished": 103}
    assert first["filings"] == ProxyFiling.objects.count() >= 2
    counts = (Station.objects.count(), TownshipDivisions.objects.count(), KeyProject.objects.count(),
              ProxyFiling.objects.count())
    second = demo_provision()
    assert second["filings"] == 0
    assert (Station.objects.count(), TownshipDivisions.objects.count(), KeyProject.objects.count(),
            ProxyFiling.objects.count()) == counts
