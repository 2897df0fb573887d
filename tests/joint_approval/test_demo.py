"""The demo: the seed's 7 parallel kinds (pipelines 67 → 15), linked projects with a third of their
items at city level, a few joint cases; a second run changes nothing."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_network(city, beilin, make_user, gaoxin):
    from catalog.demo import demo_catalogue_provision
    from tenants.choices import Role

    demo_catalogue_provision()
    for slug, centre in (("beilin", beilin), ("gaoxin", gaoxin), ("xian", city)):
        make_user((centre, Role.WINDOW_CLERK), username=f"clerk-{slug}")
        make_user((centre, Role.CENTRE_ADMIN), username=f"admin-{slug}")


def test_the_demo_has_the_seeds_kinds_and_a_second_run_changes_nothing(demo_network):
    from joint_approval.demo import demo_provision
    from joint_approval.models import Bundle, JointCase, JointLeg, LinkedProject, LinkedProjectItem

    first = demo_provision()
    assert Bundle.objects.filter(kind="parallel").count() == 7
    pipelines = Bundle.objects.get(code="pipelines")
    assert (pipelines.items.count(), pipelines.sequential_days, pipelines.promised_days) == (6, 67, 15)
    assert pipelines.items.values("item__department").distinct().count() == 6
    joint = JointCase.objects.filter(bundle=pipelines, accepting_centre__slug="beilin").get()
    assert (joint.sequential_days, joint.parallel_days, joint.days_saved) == (67, 15, 52)
    assert joint.status == "completed" and joint.actual_workdays is not None
    assert LinkedProject.objects.count() == first["projects"] >= 6  # the session has one zone: Gaoxin
    items = LinkedProjectItem.objects.count()
    assert 0.25 <= LinkedProjectItem.objects.filter(level="city").count() / items <= 0.45
    assert JointCase.objects.filter(project__isnull=False).exists()
    assert JointCase.objects.filter(status="partly_denied").exists()
    counts = (Bundle.objects.count(), LinkedProject.objects.count(), JointCase.objects.count(),
              JointLeg.objects.count())
    second = demo_provision()
    assert (second["items_created"], second["bundles_created"], second["joint_cases_created"]) == (0, 0, 0)
    assert (Bundle.objects.count(), LinkedProject.objects.count(), JointCase.objects.count(),
            JointLeg.objects.count()) == counts
