"""The admin posts agents and adds stations through the same rules as the services."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from delegation.models import Station, StationAgent
from tenants.choices import Role
from tenants.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_public(centre_client):
    user = get_user_model().objects.create_superuser(username="deleg-admin", password="pw-12345-xyz",
                                                     email="a@example.org")
    return centre_client(None, user)


def test_posting_an_agent_in_the_admin_ends_the_old_post_and_grants_the_agent_role(
        admin_client_public, agent, station, other_station, nanyuanmen):
    response = admin_client_public.post("/admin/delegation/stationagent/add/", {
        "user": agent.pk, "station": other_station.pk, "active": "on"})
    assert response.status_code == 302, getattr(response, "context", None) and response.context["adminform"].form.errors
    posts = dict(StationAgent.objects.filter(user=agent).values_list("station_id", "active"))
    assert posts == {station.pk: False, other_station.pk: True}
    assert Membership.objects.filter(user=agent, centre=nanyuanmen, role=Role.VILLAGE_AGENT).exists()


def test_a_station_added_in_the_admin_must_extend_its_townships_code(admin_client_public, nanyuanmen):
    data = {"township": nanyuanmen.pk, "kind": "village", "name_zh": "新村便民服务站", "name_en": "",
            "division_code": "610113001201"}
    response = admin_client_public.post("/admin/delegation/station/add/", data)
    assert response.status_code == 200 and not Station.objects.filter(name_zh="新村便民服务站").exists()
    assert "610103001" in response.content.decode()
    data["division_code"] = "610103001299"
    assert admin_client_public.post("/admin/delegation/station/add/", data).status_code == 302
    assert Station.objects.filter(division_code="610103001299").exists()
