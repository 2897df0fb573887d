"""One applicant sends the same application from two tabs at the same moment, each on its own connection:
exactly one case is filed. With two forms (two tokens) the other is told the open case's number (409
`portal_application_open`); with one form sent twice (a double click) the other gets the same case back.
The data is committed (other connections must see it) and removed after."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from common.errors import ConflictError

#: A day no other test uses, so that the day's number counter can be removed afterwards.
DAY = dt.datetime(2031, 6, 7, 10, 0, tzinfo=dt.UTC)
TABS = 6


@pytest.fixture
def online_setup(django_db_setup, django_db_blocker):
    from cases.models import Case, CaseNumberCounter
    from catalog.models import Adoption, Department, Item, ItemVersion, Material
    from catalog.services import adoption_create, item_create, version_create_draft, version_publish
    from common.identity import normalise_mobile, recipient_hmac
    from common.models import IdempotencyKey
    from notifications.models import OutboxMessage
    from portal.models import Applicant
    from portal.services import identity_bind
    from registry.models import RegistryEntry
    from tenants.audit import AuditEvent
    from tenants.models import Centre

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        beilin = Centre.objects.get(division_code="610103")
        township = Centre.objects.select_related("parent__parent").get(division_code="610103001")
        department, _ = Department.objects.get_or_create(code="RO", defaults={"name_zh": "网办并发局",
                                                                               "name_en": "Online race"})
        item = item_create(code="610100RO-XK-0932", department=department, category="licence", item_type="XK",
                           levels=["city", "district"], acting_user=None)
        version = version_create_draft(item=item, content={"name_zh": "网办并发", "name_en": "Online race",
                                                           "legal_limit_days": 20, "promised_limit_days": 10,
                                                           "online_depth": 4},
                                       materials=[], effective_from=dt.date(2020, 1, 1), acting_user=None)
        version_publish(version=version, acting_user=None, today=dt.date(2020, 1, 1))
        item.refresh_from_db()
        adoption_create(centre=beilin, item=item, acting_user=None, today=dt.date(2020, 1, 1))
        e164 = normalise_mobile("13700009999")
        applicant = Applicant.objects.create(mobile=e164, mobile_hmac=recipient_hmac(e164))
        applicant = identity_bind(applicant=applicant, kind="person", name="王五", id_number="610103198506151004")
        try:
            yield township, item, applicant
        finally:
            connection.set_schema_to_public()
            case_ids = list(RegistryEntry.objects.filter(item_code=item.code).values_list("case_id", flat=True))
            RegistryEntry.objects.filter(case_id__in=case_ids).delete()
            for case_id in case_ids:
                OutboxMessage.objects.filter(dedupe_key__contains=str(case_id)).delete()
            IdempotencyKey.objects.filter(scope="portal_apply").delete()
            with tenant_context(beilin):
                Case.objects.filter(pk__in=case_ids).delete()
                CaseNumberCounter.objects.filter(day=DAY.date()).delete()
            AuditEvent.objects.filter(target_id=str(applicant.pk)).delete()
            Applicant.objects.filter(pk=applicant.pk).delete()
            with transaction.atomic(), connection.cursor() as cursor:
                # published versions are frozen by triggers: this is test clean-up
                cursor.execute("SET LOCAL session_replication_role = replica")
                Adoption.objects.filter(item=item).delete()
                Item.objects.filter(pk=item.pk).update(current_version=None)
                Material.objects.filter(version__item=item).delete()
                ItemVersion.objects.filter(item=item).delete()
                Item.objects.filter(pk=item.pk).delete()


def _apply(township, item, applicant, token, barrier, results, index):
    from portal.apply.services import application_file

    try:
        barrier.wait(timeout=20)
        results[index] = application_file(applicant=applicant, township=township, item_code=item.code, files={},
                                          token=token, now=DAY)
    except Exception as exc:  # noqa: BLE001
        results[index] = exc
    finally:
        connection.close()


def _race(township, item, applicant, tokens: list[str]) -> list:
    barrier = threading.Barrier(len(tokens))
    results: list = [None] * len(tokens)
    threads = [threading.Thread(target=_apply, args=(township, item, applicant, token, barrier, results, i))
               for i, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_tabs_at_once_file_one_case_and_the_others_are_told_its_number(online_setup):
    from registry.models import RegistryEntry

    township, item, applicant = online_setup
    results = _race(township, item, applicant, [f"tab-{n}" for n in range(TABS)])
    filed = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, ConflictError)]
    assert len(filed) == 1 and len(refused) == TABS - 1, results
    assert {error.code for error in refused} == {"portal_application_open"}
    assert all(filed[0].number in str(error) for error in refused)
    assert RegistryEntry.objects.filter(item_code=item.code).count() == 1


def test_one_form_sent_twice_at_once_files_once_and_both_get_the_case(online_setup):
    from registry.models import RegistryEntry

    township, item, applicant = online_setup
    results = _race(township, item, applicant, ["same-form"] * 2)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[0].case_id == results[1].case_id
    assert sorted(r.created for r in results) == [False, True]
    assert RegistryEntry.objects.filter(item_code=item.code).count() == 1
