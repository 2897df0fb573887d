"""Two taps on the same handover at the same moment, on two connections: exactly one is logged, one
SMS goes out, the other tap is told the step is already logged. The data is committed (the other
connection must see it) and removed after."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django_tenants.utils import tenant_context

from common.errors import ConflictError
from delegation.choices import HandoverStepKind as Step
from tests.delegation.conftest import file_for_resident, make_item

#: A day no other test uses, so that the day's case-number counter can be removed afterwards.
DAY = dt.datetime(2031, 3, 5, 10, 0, tzinfo=dt.UTC)
ROUNDS = 3


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    from catalog.models import Adoption, Item, ItemVersion, Material
    from delegation.services import station_agent_assign, station_create
    from tenants.models import Centre, Membership, User
    from tenants.services import user_get_or_create

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        township = Centre.objects.get(division_code="610103001")
        item = make_item("610100RS-GG-0991", levels=["city", "district", "township"], name="并发测试代办事项")
        Adoption.objects.create(centre=township, item=item, starts_on=dt.date(2020, 1, 1))
        station = station_create(township=township, kind="village", name_zh="并发测试村便民服务站",
                                 division_code="610103001990")
        agent = user_get_or_create(username="cc-agent", password="pw-12345-xyz")
        station_agent_assign(user=agent, station=station, acting_user=None)
        filings = [file_for_resident(agent, station, item, now=DAY) for _ in range(ROUNDS)]
        try:
            yield filings, agent
        finally:
            connection.set_schema_to_public()
            from cases.models import Case, CaseNumberCounter
            from delegation.models import Consent, HandoverStep, ProxyFiling, StationAgent
            from notifications.models import OutboxMessage
            from registry.models import RegistryEntry

            case_ids = [f.case_id for f in filings]
            OutboxMessage.objects.filter(dedupe_key__in=[f"proxy:{f.pk}:{s}" for f in filings for s in Step]).delete()
            HandoverStep.objects.filter(filing__in=filings).delete()
            ProxyFiling.objects.filter(pk__in=[f.pk for f in filings]).delete()
            Consent.objects.filter(station=station).delete()
            RegistryEntry.objects.filter(case_id__in=case_ids).delete()
            with tenant_context(township):
                Case.objects.filter(pk__in=case_ids).delete()
                CaseNumberCounter.objects.filter(day=DAY.date()).delete()
            StationAgent.objects.filter(station=station).delete()
            station.delete()
            with transaction.atomic(), connection.cursor() as cursor:
                # published versions and their materials are frozen by triggers: this is test clean-up
                cursor.execute("SET LOCAL session_replication_role = replica")
                Adoption.objects.filter(item=item).delete()
                Item.objects.filter(pk=item.pk).update(current_version=None)
                Material.objects.filter(version__item=item).delete()
                ItemVersion.objects.filter(item=item).delete()
                Item.objects.filter(pk=item.pk).delete()
            Membership.objects.filter(user=agent).delete()
            User.objects.filter(pk=agent.pk)._raw_delete(User.objects.db)


def _tap(filing_id, agent, barrier, results, index):
    from delegation.models import ProxyFiling
    from delegation.services import handover_log

    try:
        filing = ProxyFiling.objects.get(pk=filing_id)
        barrier.wait(timeout=10)
        handover_log(filing=filing, step=Step.HANDED_TO_CENTRE, acting_user=agent, now=DAY)
        results[index] = "logged"
    except ConflictError as error:
        results[index] = str(error)
    finally:
        connections.close_all()


def test_two_taps_at_once_log_the_step_once(committed):
    from delegation.models import HandoverStep
    from notifications.models import OutboxMessage

    filings, agent = committed
    for filing in filings:
        barrier, results = threading.Barrier(2), [None, None]
        threads = [threading.Thread(target=_tap, args=(filing.pk, agent, barrier, results, i)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results, key=lambda r: r != "logged")[0] == "logged", results
        loser = next(r for r in results if r != "logged")
        assert "already logged" in loser, results
        assert HandoverStep.objects.filter(filing=filing, step=Step.HANDED_TO_CENTRE).count() == 1
        assert OutboxMessage.objects.filter(dedupe_key=f"proxy:{filing.pk}:{Step.HANDED_TO_CENTRE}").count() == 1


def _deliver(filing_id, agent, barrier, results, index):
    from delegation.models import ProxyFiling
    from delegation.services import handover_log

    try:
        filing = ProxyFiling.objects.get(pk=filing_id)
        barrier.wait(timeout=10)
        handover_log(filing=filing, step=Step.DELIVERED_TO_RESIDENT, acting_user=agent, now=DAY)
        results[index] = "delivered"
    except ConflictError as error:
        results[index] = str(error)
    finally:
        connections.close_all()


def _clerk_collects(centre, case_id, barrier, results, index):
    from cases import door
    from cases.choices import Action

    try:
        barrier.wait(timeout=10)
        door.case_step(centre=centre, case_id=case_id, action=Action.COLLECT, acting_user=None,
                       on_authority_of="window", now=DAY)
        results[index] = "collected"
    except ConflictError as error:
        results[index] = str(error)
    finally:
        connections.close_all()


def test_an_agent_delivering_and_a_clerk_collecting_at_once_collect_once(committed):
    """Delivered is collected (by proxy): with a clerk clicking "collected" at the same moment, the case is
    collected exactly once; the delivery is logged either way, and a clerk who lost is told it is done."""
    from cases import door
    from cases.choices import Action, CaseStatus
    from cases.models import Case, CaseEvent
    from delegation.models import HandoverStep
    from delegation.services import handover_log
    from notifications.models import OutboxMessage

    filings, agent = committed
    township = filings[0].target_centre
    try:
        for filing in filings:
            handover_log(filing=filing, step=Step.HANDED_TO_CENTRE, acting_user=agent, now=DAY)
            for action in (Action.ACCEPT, Action.START_REVIEW, Action.APPROVE, Action.RESULT_READY):
                door.case_step(centre=township, case_id=filing.case_id, action=action, acting_user=None,
                               on_authority_of="test", now=DAY)
            handover_log(filing=filing, step=Step.RESULT_RECEIVED, acting_user=agent, now=DAY)
            barrier, results = threading.Barrier(2), [None, None]
            threads = [threading.Thread(target=_deliver, args=(filing.pk, agent, barrier, results, 0)),
                       threading.Thread(target=_clerk_collects, args=(township, filing.case_id, barrier, results, 1))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert results[0] == "delivered", results
            assert results[1] == "collected" or "already “Collected”" in results[1], results
            assert HandoverStep.objects.filter(filing=filing, step=Step.DELIVERED_TO_RESIDENT).count() == 1
            with tenant_context(township):
                assert Case.objects.get(pk=filing.case_id).status == CaseStatus.COLLECTED
                assert CaseEvent.objects.filter(case_id=filing.case_id, action="collect").count() == 1
    finally:
        OutboxMessage.objects.filter(dedupe_key__in=[f"case:{f.case_id}:result_ready" for f in filings]).delete()
