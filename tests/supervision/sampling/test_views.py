"""Pages of the sampling room: other centres' staff get 404, the city's overseers see every centre, and
a supervisor records the archive's dates (shown with who read them)."""
from __future__ import annotations

import pytest
from django.http import Http404

from supervision.sampling.selectors import samples_for
from supervision.sampling.services import archive_sample_draw
from tenants.choices import Role

pytestmark = pytest.mark.django_db


def test_another_centres_supervisor_gets_404_and_city_supervisors_see_all(beilin, yanta, city, november, make_user,
                                                                          centre_client):
    sample = archive_sample_draw(centre=beilin, month="2026-11", seed=3)
    own = make_user((beilin, Role.SUPERVISOR))
    other = make_user((yanta, Role.SUPERVISOR))
    clerk = make_user((beilin, Role.WINDOW_CLERK))
    city_supervisor = make_user((city, Role.SUPERVISOR))
    assert list(samples_for(user=own, centre=beilin)) == [sample]
    assert list(samples_for(user=city_supervisor, centre=beilin)) == [sample]
    for user in (other, clerk):
        with pytest.raises(Http404):
            samples_for(user=user, centre=beilin)
    url = f"/supervision/samples/{sample.pk}/"
    assert centre_client(beilin, own).get(url).status_code == 200
    assert centre_client(yanta, other).get(url).status_code == 404
    assert centre_client(yanta, other).get(url + "?centre=610103").status_code == 404
    assert centre_client(beilin, clerk).get(url).status_code == 404
    assert centre_client(city, city_supervisor).get(url + "?centre=610103").status_code == 200


def test_a_supervisor_records_the_archive_dates_on_the_page(beilin, november, make_user, centre_client):
    supervisor = make_user((beilin, Role.SUPERVISOR))
    sample = archive_sample_draw(centre=beilin, month="2026-11", seed=3)
    case = sample.cases.order_by("position").first()
    client = centre_client(beilin, supervisor)
    response = client.post(f"/supervision/samples/cases/{case.pk}/", {
        "received_on": "2020-01-01", "accepted_on": case.system_accepted_on.isoformat(),
        "decided_on": case.system_decided_on.isoformat()})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.mismatches == ["received"]
    page = client.get(f"/supervision/samples/{sample.pk}/")
    assert b'class="flagged"' in page.content
    assert str(supervisor) in page.content.decode()  # who read the archive
    other = make_user((beilin.__class__.objects.get(division_code="610113"), Role.SUPERVISOR))
    assert centre_client(beilin, other).post(f"/supervision/samples/cases/{case.pk}/", {}).status_code == 404
