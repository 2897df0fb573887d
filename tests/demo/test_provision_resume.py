"""A demo provisioning that stopped half-way is resumed where it stopped (it used to say "N centres exist"
and skip the rest for good: no windows, catalogue, bundles, stations or filings)."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from demo import provision
from demo.models import DemoStep, DemoStepName

pytestmark = pytest.mark.django_db


@pytest.fixture
def network_done(city, beilin, yanta, nanyuanmen):
    """The network step finished (the session's centres and forty township rows stand for the demo's 200:
    the stations are spread over the townships), then the run stopped."""
    from tenants.models import Centre

    for n in range(1, 41):
        Centre.objects.create(level="township", division_code=f"610113{n:03d}", parent=yanta, slug=f"yanta-t{n}",
                              name_zh=f"测试{n}街道", name_en=f"Test {n} Subdistrict", schema_name=f"c610113{n:03d}")
    DemoStep.objects.create(name=DemoStepName.NETWORK)


def run(*args: str) -> str:
    out = StringIO()
    call_command("provision_demo", *args, stdout=out, verbosity=0)
    return out.getvalue()


def test_a_run_stopped_after_the_network_is_resumed_at_the_next_step(network_done):
    from catalog.models import Item
    from delegation.models import Station
    from joint_approval.models import Bundle

    out = run("--resume")

    assert "resuming the demo at: windows, catalogue, joint, delegation, hall, news" in out
    assert Item.objects.exists() and Bundle.objects.exists() and Station.objects.exists()
    assert set(DemoStep.objects.values_list("name", flat=True)) == set(DemoStepName.values)
    assert "not provisioned again" in run("--resume")


def test_a_step_that_fails_keeps_the_steps_before_it_and_the_next_run_starts_at_it(network_done, monkeypatch):
    from joint_approval.models import Bundle

    def joint_fails(_progress):
        raise RuntimeError("connection lost")

    steps = [(name, joint_fails if name == DemoStepName.JOINT else step) for name, step in provision.STEPS]
    monkeypatch.setattr(provision, "STEPS", steps)
    with pytest.raises(CommandError, match="connection lost.*run it again to resume"):
        run("--resume")
    assert set(DemoStep.objects.values_list("name", flat=True)) == {"network", "windows", "catalogue"}
    assert not Bundle.objects.exists()

    monkeypatch.undo()
    out = run("--resume")

    assert "resuming the demo at: joint, delegation, hall, news" in out
    assert Bundle.objects.exists()


def test_a_database_of_centres_that_are_not_the_demos_is_left_alone(beilin):
    from tenants.models import Centre

    Centre.objects.create(level="township", division_code="610103901", parent=beilin, slug="not-demo",
                          name_zh="别处街道", name_en="Elsewhere Subdistrict", schema_name="c610103901")

    out = run("--resume")

    assert "not the demo's" in out
    assert not DemoStep.objects.exists()
