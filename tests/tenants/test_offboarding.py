"""Offboarding (fault 7): a user is deactivated at once (sessions, API tokens, roles) or erased on request
(personal data pseudonymised, audit trail kept); the admin never deletes a user, so no path raises."""
from __future__ import annotations

import io

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from tenants.choices import AuditKind, Role
from tenants.models import AuditEvent, Membership, User
from tenants.services import user_deactivate, user_erase

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(username="root-admin", password="pw-12345-xyz", email="root@example.org")


@pytest.fixture
def leaver(make_user, beilin, yanta):
    user = make_user((beilin, Role.WINDOW_CLERK), (yanta, Role.CHIEF_REPRESENTATIVE), username="leaver")
    User.objects.filter(pk=user.pk).update(full_name="李四", email="lisi@example.org", mobile="+8613800000001",
                                           first_name="四", last_name="李")
    user.refresh_from_db()
    return user


def test_deactivating_ends_sessions_tokens_and_roles_at_once(public_schema, leaver, beilin, centre_client,
                                                             platform_admin):
    browser = centre_client(beilin, leaver)
    assert browser.get("/cases/").status_code == 200
    token = Token.objects.create(user=leaver)
    api = centre_client(beilin)
    assert api.get("/api/v1/cases/", headers={"Authorization": f"Token {token.key}"}).status_code == 200
    assert any(s.get_decoded().get("_auth_user_id") == str(leaver.pk) for s in Session.objects.all())

    user_deactivate(user=leaver, acting_user=platform_admin)

    assert not any(s.get_decoded().get("_auth_user_id") == str(leaver.pk) for s in Session.objects.all())
    assert not Token.objects.filter(user=leaver).exists()
    assert api.get("/api/v1/cases/", headers={"Authorization": f"Token {token.key}"}).status_code == 401
    assert browser.get("/cases/").status_code == 302
    assert not Membership.objects.filter(user=leaver).exists()
    revoked = AuditEvent.objects.filter(kind=AuditKind.ROLE_REVOKED, target_label__startswith="leaver")
    assert sorted(e.before["role"] for e in revoked) == sorted([Role.WINDOW_CLERK, Role.CHIEF_REPRESENTATIVE])
    assert AuditEvent.objects.filter(kind=AuditKind.USER_DEACTIVATED, target_id=str(leaver.pk)).count() == 1
    leaver.refresh_from_db()
    assert (leaver.is_active, leaver.full_name) == (False, "李四")  # records kept


def test_erasing_pseudonymises_the_user_and_keeps_the_audit_trail(public_schema, leaver, platform_admin):
    trail_before = AuditEvent.objects.count()

    user_erase(user=leaver, acting_user=platform_admin)
    user_erase(user=leaver, acting_user=platform_admin)  # again: nothing more

    leaver.refresh_from_db()
    assert leaver.username == f"erased-{leaver.pk}"
    assert (leaver.full_name, leaver.first_name, leaver.last_name, leaver.email, leaver.mobile) == ("",) * 5
    assert not leaver.is_active and not leaver.has_usable_password()
    erased = AuditEvent.objects.get(kind=AuditKind.USER_ERASED)
    assert erased.target_label == leaver.username and "李四" not in str(erased.after)
    # the trail: nothing deleted (two roles revoked, one deactivation, one erasure added)
    assert AuditEvent.objects.count() == trail_before + 4


def test_the_command_deactivates_and_erases(public_schema, leaver):
    call_command("offboard_user", "leaver", stdout=io.StringIO())
    leaver.refresh_from_db()
    assert not leaver.is_active and leaver.username == "leaver"
    call_command("offboard_user", "leaver", "--erase", stdout=io.StringIO())
    leaver.refresh_from_db()
    assert leaver.username == f"erased-{leaver.pk}" and leaver.mobile == ""


def test_the_admin_never_deletes_a_user_and_offers_deactivate_and_erase(public_schema, superuser, leaver,
                                                                       centre_client):
    """The admin's delete cascaded into django-guardian's per-centre tables and failed with `relation
    "guardian_userobjectpermission" does not exist`; now it is refused and the two actions replace it."""
    admin = centre_client(None, superuser)
    changelist = "/admin/tenants/user/"
    page = admin.get(changelist)
    assert page.status_code == 200
    actions = dict(page.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions and {"deactivate_users", "erase_users"} <= set(actions)
    assert admin.get(f"{changelist}{leaver.pk}/delete/").status_code == 403
    assert admin.post(f"{changelist}{leaver.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin.post(changelist, {"action": "delete_selected", "_selected_action": [leaver.pk]}).status_code == 302
    assert User.objects.filter(pk=leaver.pk).exists()

    refused = admin.post(changelist, {"action": "erase_users", "_selected_action": [leaver.pk]}, follow=True)
    assert "still active" in refused.content.decode() or "仍" in refused.content.decode()
    leaver.refresh_from_db()
    assert leaver.username == "leaver"

    admin.post(changelist, {"action": "deactivate_users", "_selected_action": [leaver.pk]})
    leaver.refresh_from_db()
    assert not leaver.is_active
    admin.post(changelist, {"action": "erase_users", "_selected_action": [leaver.pk]})
    leaver.refresh_from_db()
    assert leaver.username == f"erased-{leaver.pk}"
    assert admin.get(f"{changelist}{leaver.pk}/change/").status_code == 200
