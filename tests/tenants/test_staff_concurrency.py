"""Two administrators of one centre demote each other at the same moment, on two connections: exactly one
wins, the other is told the centre would have no administrator left. The data is committed (the other
connection must see it) and removed after."""
from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.db.models import Q

from common.errors import ApplicationError
from tenants.choices import Role

ROUNDS = 3


@pytest.fixture
def two_admins(django_db_setup, django_db_blocker):
    from tenants.models import AuditEvent, Centre, Membership, User
    from tenants.services import membership_grant, user_get_or_create

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        centre = Centre.objects.get(division_code="610103001")
        admins = [user_get_or_create(username=f"cc-staff-admin-{n}", password="pw-12345-xyz") for n in (1, 2)]
        try:
            yield centre, admins, membership_grant
        finally:
            connection.set_schema_to_public()
            AuditEvent.objects.filter(Q(target_label__startswith="cc-staff-admin-") | Q(actor__in=admins)).delete()
            Membership.objects.filter(user__in=admins).delete()
            User.objects.filter(pk__in=[a.pk for a in admins])._raw_delete(User.objects.db)


def _demote(centre, actor, other, barrier, results, index):
    from tenants.staff import staff_revoke

    try:
        barrier.wait(timeout=10)
        staff_revoke(centre=centre, user=other, role=Role.CENTRE_ADMIN, acting_user=actor)
        results[index] = "won"
    except ApplicationError as error:
        results[index] = str(error)
    except PermissionDenied:  # on a loaded machine the other demotion committed before this one began
        results[index] = "no longer an administrator"
    finally:
        connections.close_all()


def test_two_admins_demoting_each_other_at_once_leave_one_admin(two_admins, django_db_blocker):
    from tenants.models import Membership

    centre, (first, second), grant = two_admins
    with django_db_blocker.unblock():
        for _round in range(ROUNDS):
            for admin in (first, second):
                grant(user=admin, centre=centre, role=Role.CENTRE_ADMIN, acting_user=None)
                grant(user=admin, centre=centre, role=Role.SUPERVISOR, acting_user=None)  # not their only role
            barrier = threading.Barrier(2)
            results: list[str] = ["", ""]
            threads = [threading.Thread(target=_demote, args=(centre, first, second, barrier, results, 0)),
                       threading.Thread(target=_demote, args=(centre, second, first, barrier, results, 1))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert sorted(r == "won" for r in results) == [False, True], results
            assert any("last administrator" in r or r == "no longer an administrator" for r in results)
            assert Membership.objects.filter(centre=centre, role=Role.CENTRE_ADMIN,
                                             user__in=[first, second]).count() == 1
