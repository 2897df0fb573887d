"""Two legs decided at the same moment, by two chiefs on two connections: the joint case is joined
exactly once and right. The data is committed (other connections must see it) and removed after."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django_tenants.utils import tenant_context

from cases.models import Case, CaseNumberCounter
from catalog.models import Adoption, Item, ItemVersion, Material
from common.errors import ConflictError
from joint_approval.models import Bundle, BundleItem, JointCase, JointCaseCounter
from joint_approval.services import joint_case_accept, linked_project_register
from notifications.models import OutboxMessage
from projects.models import KeyProject
from registry.models import RegistryEntry
from tenants.choices import Role
from tenants.models import Centre, Membership, User
from tenants.services import membership_grant, user_get_or_create
from tests.joint_approval.conftest import VALID_USCC, make_item

#: A day no other test uses, so that the day's number counters can be removed afterwards.
DAY = dt.datetime(2031, 3, 4, 10, 0, tzinfo=dt.UTC)
ROUNDS = 3


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """A bundle with a Beilin leg and a city leg, committed; everything it made is deleted after."""
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        city, beilin = Centre.objects.get(division_code="610100"), Centre.objects.get(division_code="610103")

        local = make_item("610100SC-XK-0901", "SC", "并发测试登记", "Concurrency registration",
                          [("申请表", "Application form")], adopt_at=(beilin,), promised=3)
        remote = make_item("610100SW-XK-0901", "SW", "并发测试税务", "Concurrency tax",
                           [("申请表", "Application form")], adopt_at=(city,), promised=5)
        bundle = Bundle.objects.create(code="concurrency", name_zh="并发", name_en="Concurrency",
                                       stage="establishment", promised_days=5)
        BundleItem.objects.create(bundle=bundle, item=local, level="local", position=1)
        BundleItem.objects.create(bundle=bundle, item=remote, level="city", position=2)
        users = {}
        for name, centre, role in (("cc-clerk", beilin, Role.WINDOW_CLERK), ("cc-clerk-c", city, Role.WINDOW_CLERK),
                                   ("cc-chief-b", beilin,
                                                                               Role.CHIEF_REPRESENTATIVE),
                                   ("cc-chief-c", city, Role.CHIEF_REPRESENTATIVE)):
            users[name] = user_get_or_create(username=name, password="pw-12345-xyz")
            membership_grant(user=users[name], centre=centre, role=role, acting_user=None)
        try:
            yield bundle, users
        finally:
            connection.set_schema_to_public()
            ids = list(JointCase.objects.filter(Q(bundle=bundle) | Q(project__linked__bundle=bundle)).values_list(
                "pk", flat=True))
            RegistryEntry.objects.filter(joint_case_id__in=ids).delete()
            # the acceptance and completion SMS (a later test's worker would otherwise send them)
            OutboxMessage.objects.filter(dedupe_key__in=[f"joint:{pk}:{milestone}" for pk in ids
                                                         for milestone in ("accepted", "completed")]).delete()
            JointCase.objects.filter(pk__in=ids).delete()
            KeyProject.objects.filter(linked__bundle=bundle).delete()  # with its linked row and items
            JointCaseCounter.objects.filter(day=DAY.date()).delete()
            bundle.delete()
            for centre in (beilin, city):
                with tenant_context(centre):
                    Case.objects.filter(joint_case_id__in=ids).delete()
                    CaseNumberCounter.objects.filter(day=DAY.date()).delete()
            items = [local.pk, remote.pk]
            with transaction.atomic(), connection.cursor() as cursor:
                # published versions and their materials are frozen by triggers: this is test clean-up
                cursor.execute("SET LOCAL session_replication_role = replica")
                Adoption.objects.filter(item_id__in=items).delete()
                Item.objects.filter(pk__in=items).update(current_version=None)
                Material.objects.filter(version__item_id__in=items).delete()
                ItemVersion.objects.filter(item_id__in=items).delete()
                Item.objects.filter(pk__in=items).delete()
            user_ids = [u.pk for u in users.values()]
            Membership.objects.filter(user_id__in=user_ids).delete()
            User.objects.filter(pk__in=user_ids)._raw_delete(User.objects.db)  # no per-centre permission rows


def _approve(leg_id, user, barrier, results, index):
    from cases.models import Case
    from cases.services import case_transition
    from joint_approval.models import JointLeg

    try:
        leg = JointLeg.objects.select_related("centre").get(pk=leg_id)
        with tenant_context(leg.centre):
            case = Case.objects.get(pk=leg.case_id)
            barrier.wait(timeout=10)
            results[index] = case_transition(centre=connection.tenant,
                                             case=case, action="approve", acting_user=user, now=DAY).status
    except Exception as exc:  # noqa: BLE001
        results[index] = exc
    finally:
        connection.close()


def test_two_legs_decided_at_the_same_moment_join_the_joint_case_once(committed):
    from cases.models import Case
    from cases.services import case_transition
    from joint_approval.models import JointCase
    from joint_approval.services import joint_case_accept

    bundle, users = committed
    for _round in range(ROUNDS):
        from tenants.models import Centre

        joint = joint_case_accept(accepting_centre=Centre.objects.get(division_code="610103"),
                                  acting_user=users["cc-clerk"], bundle=bundle, applicant_kind="organisation",
                                  applicant_name="并发测试有限公司", applicant_id_number=VALID_USCC,
                                  phone="13912345678", now=DAY).joint_case
        legs = list(joint.legs.select_related("centre").order_by("position"))
        chiefs = [users["cc-chief-b"], users["cc-chief-c"]]
        for leg, chief in zip(legs, chiefs, strict=True):
            with tenant_context(leg.centre):
                case_transition(centre=connection.tenant,
                                case=Case.objects.get(pk=leg.case_id), action="start_review", acting_user=chief,
                                now=DAY)
        barrier = threading.Barrier(2)
        results: list = [None, None]
        threads = [threading.Thread(target=_approve, args=(leg.pk, chief, barrier, results, i))
                   for i, (leg, chief) in enumerate(zip(legs, chiefs, strict=True))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert results == ["approved", "approved"], results
        joint = JointCase.objects.get(pk=joint.pk)
        assert joint.status == "completed", joint.legs.values_list("outcome", flat=True)
        assert joint.events.filter(kind="joined").count() == 1
        assert joint.completed_at == DAY


def _accept_project(project_id, centre_code, user, barrier, results, index):
    try:
        project = KeyProject.objects.get(pk=project_id)
        centre = Centre.objects.get(division_code=centre_code)
        barrier.wait(timeout=10)
        results[index] = joint_case_accept(
            accepting_centre=centre, acting_user=user, project=project, applicant_kind="organisation",
            applicant_name="并发测试有限公司", applicant_id_number=VALID_USCC, phone="13912345678",
            now=DAY).joint_case.number
    except Exception as exc:  # noqa: BLE001
        results[index] = exc
    finally:
        connection.close()


def test_a_project_accepted_at_the_city_and_its_district_at_the_same_moment_is_accepted_once(committed):
    """一站受理: the city and the district accept the same linked project at once; the project row's lock makes
    them take turns: one joint case runs, the other clerk is told which."""
    bundle, users = committed
    beilin = Centre.objects.get(division_code="610103")
    project = linked_project_register(name_zh="并发项目", name_en="Race project", centre=beilin,
                                      company_name="并发测试有限公司", credit_code=VALID_USCC, year=2031, bundle=bundle,
                                      items=[(row.item, row.level) for row in bundle.items.order_by("position")])
    barrier = threading.Barrier(2)
    results: list = [None, None]
    threads = [threading.Thread(target=_accept_project, args=(project.pk, code, users[name], barrier, results, i))
               for i, (code, name) in enumerate((("610100", "cc-clerk-c"), ("610103", "cc-clerk")))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    numbers = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, ConflictError)]
    assert len(numbers) == 1 and len(refused) == 1, results
    assert refused[0].code == "joint_project_running" and numbers[0] in str(refused[0])
    assert JointCase.objects.filter(project=project).count() == 1
