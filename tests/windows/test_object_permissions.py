"""django-guardian in TENANT_APPS: object permissions never leak across centres."""
from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from tenants.choices import Role
from windows.models import Window
from windows.services import window_create, window_grant_operator

pytestmark = pytest.mark.django_db


def test_a_permission_on_window_pk_1_in_one_centre_grants_nothing_on_pk_1_in_another(beilin, yanta, make_user):
    clerk = make_user((beilin, Role.WINDOW_CLERK))
    # the same id in two schemas (set explicitly: identity sequences move even in rolled-back tests)
    with tenant_context(beilin):
        beilin_window = Window.objects.create(id=4242, number="1", name_zh="综合窗口", name_en="General")
    with tenant_context(yanta):
        yanta_window = Window.objects.create(id=4242, number="1", name_zh="综合窗口", name_en="General")
    assert beilin_window.pk == yanta_window.pk

    with tenant_context(beilin):
        window_grant_operator(centre=beilin, window=beilin_window, user=clerk, acting_user=None)

    with tenant_context(beilin):
        clerk = type(clerk).objects.get(pk=clerk.pk)  # fresh permission cache
        assert clerk.has_perm("windows.operate_window", Window.objects.get(pk=beilin_window.pk))
    with tenant_context(yanta):
        clerk = type(clerk).objects.get(pk=clerk.pk)
        assert not clerk.has_perm("windows.operate_window", Window.objects.get(pk=yanta_window.pk))


def test_the_windows_api_shows_each_centre_only_its_own_windows_and_who_may_operate(
        beilin, yanta, make_user, centre_client):
    clerk = make_user((beilin, Role.WINDOW_CLERK), (yanta, Role.WINDOW_CLERK))
    with tenant_context(beilin):
        window = window_create(centre=beilin, number="7", name_zh="社保窗口", name_en="Social security",
                               acting_user=None)
        window_grant_operator(centre=beilin, window=window, user=clerk, acting_user=None)
    with tenant_context(yanta):
        window_create(centre=yanta, number="7", name_zh="不动产窗口", name_en="Real estate", acting_user=None)

    beilin_rows = centre_client(beilin, clerk).get("/api/v1/windows/").json()["results"]
    yanta_rows = centre_client(yanta, clerk).get("/api/v1/windows/").json()["results"]

    assert [(r["name_en"], r["can_operate"]) for r in beilin_rows] == [("Social security", True)]
    assert [(r["name_en"], r["can_operate"]) for r in yanta_rows] == [("Real estate", False)]


def test_a_user_without_a_role_in_the_centre_finds_no_windows_api(beilin, yanta, make_user, centre_client):
    outsider = make_user((yanta, Role.WINDOW_CLERK))
    client = centre_client(beilin, outsider)
    for response in (client.get("/api/v1/windows/"),
                     client.post("/api/v1/windows/", {"number": "9", "name_zh": "窗", "name_en": "W"},
                                 content_type="application/json")):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_the_centres_clerk_lists_windows_but_may_not_add_one(beilin, make_user, centre_client):
    clerk = make_user((beilin, Role.WINDOW_CLERK), username="clerk-windows")
    client = centre_client(beilin, clerk)
    assert client.get("/api/v1/windows/").status_code == 200
    refused = client.post("/api/v1/windows/", {"number": "9", "name_zh": "窗", "name_en": "W"},
                          content_type="application/json")
    assert refused.status_code == 403


def test_creating_a_window_and_granting_an_operator_are_recorded_at_the_centre(beilin, make_user):
    from tenants.choices import AuditKind
    from tenants.models import AuditEvent

    admin = make_user((beilin, Role.CENTRE_ADMIN))
    clerk = make_user((beilin, Role.WINDOW_CLERK), username="clerk-w")
    with tenant_context(beilin):
        window = window_create(centre=beilin, number="7", name_zh="社保窗口", name_en="Social security",
                               acting_user=admin)
        window_grant_operator(centre=beilin, window=window, user=clerk, acting_user=admin)
        window_grant_operator(centre=beilin, window=window, user=clerk, acting_user=admin)  # held already

    created = AuditEvent.objects.get(kind=AuditKind.WINDOW_CREATED)
    assert (created.actor, created.centre, created.target_label) == (admin, beilin, "7 社保窗口")
    assert created.after == {"number": "7", "name_zh": "社保窗口", "name_en": "Social security"}
    granted = AuditEvent.objects.get(kind=AuditKind.OPERATOR_GRANTED)
    assert (granted.actor, granted.centre, granted.target_id, granted.after) == (
        admin, beilin, str(window.pk), {"operator": "clerk-w"})


def test_a_window_refused_as_a_duplicate_records_nothing(beilin, make_user):
    from django.core.exceptions import ValidationError

    from tenants.choices import AuditKind
    from tenants.models import AuditEvent

    with tenant_context(beilin):
        window_create(centre=beilin, number="8", name_zh="不动产窗口", name_en="Real estate", acting_user=None)
        with pytest.raises(ValidationError):
            window_create(centre=beilin, number="8", name_zh="另一个", name_en="Another", acting_user=None)
    assert AuditEvent.objects.filter(kind=AuditKind.WINDOW_CREATED).count() == 1
