"""Twenty chief representatives approve one case at the same moment, each on their own connection,
none sending the revision they saw: exactly one wins, the other nineteen are told someone changed it
first (409 `case_conflict`), and supervision records no finding — a race lost is not a step skipped.
The data is committed (other connections must see it) and removed after."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from common.errors import ConflictError

#: A day no other test uses, so that the day's number counter can be removed afterwards.
DAY = dt.datetime(2031, 5, 6, 10, 0, tzinfo=dt.UTC)
CLERKS = 20


@pytest.fixture
def case_under_review(django_db_setup, django_db_blocker):
    from cases.models import Case, CaseNumberCounter
    from cases.services import case_submit, case_transition
    from catalog.models import Adoption, Department, Item, ItemVersion, Material
    from catalog.services import adoption_create, item_create, version_create_draft, version_publish
    from notifications.models import OutboxMessage
    from registry.models import RegistryEntry
    from supervision.models import Finding
    from tenants.choices import Role
    from tenants.models import Centre, Membership, User
    from tenants.services import membership_grant, user_get_or_create

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        beilin = Centre.objects.get(division_code="610103")
        department, _ = Department.objects.get_or_create(code="RC", defaults={"name_zh": "并发局", "name_en": "Race"})
        item = item_create(code="610100RC-XK-0931", department=department, category="licence", item_type="XK",
                           levels=["city", "district"], acting_user=None)
        version = version_create_draft(item=item, content={"name_zh": "并发审批", "name_en": "Race approval",
                                                           "legal_limit_days": 20, "promised_limit_days": 10},
                                       materials=[], effective_from=dt.date(2020, 1, 1), acting_user=None)
        version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 1))
        item.refresh_from_db()
        adoption_create(centre=beilin, item=item, acting_user=None, today=dt.date(2020, 1, 1))
        chiefs = []
        for n in range(CLERKS):
            chief = user_get_or_create(username=f"race-chief-{n}", password="pw-12345-xyz")
            membership_grant(user=chief, centre=beilin, role=Role.CHIEF_REPRESENTATIVE, acting_user=None)
            chiefs.append(chief)
        with tenant_context(beilin):
            case = case_submit(centre=beilin, item_code=item.code, applicant_kind="person", applicant_name="张三",
                               applicant_id_number="11010519491231002X", phone="13812345678", channel="window",
                               acting_user=chiefs[0], now=DAY).case
            for action in ("accept", "start_review"):
                case = case_transition(centre=beilin, case=case, action=action, acting_user=chiefs[0], now=DAY)
        try:
            yield beilin, case, chiefs
        finally:
            connection.set_schema_to_public()
            Finding.objects.filter(case_id=case.pk).delete()
            RegistryEntry.objects.filter(case_id=case.pk).delete()
            OutboxMessage.objects.filter(dedupe_key__contains=str(case.pk)).delete()
            with tenant_context(beilin):
                Case.objects.filter(pk=case.pk).delete()
                CaseNumberCounter.objects.filter(day=DAY.date()).delete()
            with transaction.atomic(), connection.cursor() as cursor:
                # published versions are frozen by triggers: this is test clean-up
                cursor.execute("SET LOCAL session_replication_role = replica")
                Adoption.objects.filter(item=item).delete()
                Item.objects.filter(pk=item.pk).update(current_version=None)
                Material.objects.filter(version__item=item).delete()
                ItemVersion.objects.filter(item=item).delete()
                Item.objects.filter(pk=item.pk).delete()
            ids = [c.pk for c in chiefs]
            Membership.objects.filter(user_id__in=ids).delete()
            User.objects.filter(pk__in=ids)._raw_delete(User.objects.db)


def _approve(centre, case_id, chief, barrier, results, index):
    from cases.models import Case
    from cases.services import case_transition

    try:
        with tenant_context(centre):
            case = Case.objects.get(pk=case_id)  # each clerk's page showed the case under review
            barrier.wait(timeout=20)
            results[index] = case_transition(centre=centre, case=case, action="approve", acting_user=chief,
                                             now=DAY).status
    except Exception as exc:  # noqa: BLE001
        results[index] = exc
    finally:
        connection.close()


def test_twenty_clerks_at_once_one_wins_the_rest_are_told_and_no_finding_is_made(case_under_review):
    from supervision.models import Finding

    beilin, case, chiefs = case_under_review
    barrier = threading.Barrier(CLERKS)
    results: list = [None] * CLERKS
    threads = [threading.Thread(target=_approve, args=(beilin, case.pk, chief, barrier, results, i))
               for i, chief in enumerate(chiefs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    won = [r for r in results if r == "approved"]
    lost = [r for r in results if isinstance(r, ConflictError)]
    assert len(won) == 1 and len(lost) == CLERKS - 1, results
    assert {error.code for error in lost} == {"case_conflict"}
    assert all("changed by someone else" in str(error) for error in lost)
    assert not Finding.objects.filter(case_id=case.pk).exists()
