"""The migrations to one register carry existing data (projects.0002, delegation.0003–0004,
joint_approval.0004–0005): delegation's key-project list and joint approvals' linked projects become
one register row per year and name, a project on both lists one row, and every foreign key follows.

Run inside the test's transaction (PostgreSQL rolls the schema changes back with it): the register's
rows are removed first (going back rebuilds the old tables, not their rows), the old tables are filled
with ids that collide on purpose, then the migrations run forward."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from delegation.models import AgencyAssignment, ProjectApproval, ProjectProblem
from joint_approval.models import JointCase, LinkedProject, LinkedProjectItem
from projects.models import KeyProject

pytestmark = pytest.mark.django_db

BEFORE = [("delegation", "0002_remove_proxyfiling_idempotency_key"),
          ("joint_approval", "0003_remove_jointcase_idempotency_key_and_more"), ("projects", None)]
LISTED_CODE = "91610171MA00000016"
LINKED_CODE = "91110000600037341L"


def _flush() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before a table is altered


def test_both_lists_become_one_register_and_every_key_follows(company_items, beilin, yanta, gaoxin, make_user):
    registration, seal, tax = company_items
    agent = make_user(username="kp-migrated-agent")
    JointCase.objects.filter(project__isnull=False).delete()
    KeyProject.objects.all().delete()
    _flush()
    old = MigrationExecutor(connection).migrate(BEFORE).apps  # the state before the register
    listed, linked = old.get_model("delegation", "KeyProject"), old.get_model("joint_approval", "LinkedProject")
    items, joint = old.get_model("joint_approval", "LinkedProjectItem"), old.get_model("joint_approval", "JointCase")

    # delegation's list: ids 1 and 2; joint's linked projects: ids 1 to 4 (2 is on both lists)
    both = listed.objects.create(id=1, year=2014, name_zh="两边都有的项目", name_en="", company="代办表上的公司",
                                 credit_code=LISTED_CODE, centre_id=gaoxin.pk)
    only_listed = listed.objects.create(id=2, year=2014, name_zh="只在代办名单", name_en="Listed only",
                                        company="某建设有限公司", credit_code=LISTED_CODE, centre_id=beilin.pk)
    assignment = old.get_model("delegation", "AgencyAssignment").objects.create(
        project_id=both.id, agent_id=agent.pk, level="full", assigned_on=dt.date(2014, 3, 1))
    problem = old.get_model("delegation", "ProjectProblem").objects.create(
        project_id=both.id, problem="用地", departments="市国土局", raised_on=dt.date(2014, 3, 2))
    approval = old.get_model("delegation", "ProjectApproval").objects.create(
        project_id=only_listed.id, item_name="施工许可证", finished_on=dt.date(2014, 5, 1))
    only_linked = linked.objects.create(id=1, year=2015, name_zh="只在联动名单", name_en="Linked only",
                                        zone_id=gaoxin.pk, company_name="联动公司", credit_code=LINKED_CODE)
    on_both = linked.objects.create(id=2, year=2014, name_zh="两边都有的项目", name_en="On both lists",
                                    zone_id=gaoxin.pk, company_name="联动公司", credit_code=LINKED_CODE)
    linked.objects.create(id=3, year=2014, name_zh="同名园区", zone_id=gaoxin.pk, company_name="甲公司",
                          credit_code=LINKED_CODE)
    same_name_elsewhere = linked.objects.create(id=4, year=2014, name_zh="同名园区", zone_id=yanta.pk,
                                                company_name="乙公司", credit_code=LINKED_CODE)
    items.objects.create(project_id=on_both.id, item_id=registration.pk, level="local", position=1)
    items.objects.create(project_id=on_both.id, item_id=tax.pk, level="city", position=2)
    items.objects.create(project_id=only_linked.id, item_id=tax.pk, level="city", position=1)
    items.objects.create(project_id=same_name_elsewhere.id, item_id=registration.pk, level="local", position=1)
    now = timezone.now()
    case = joint.objects.create(number="J610171-20140301-0001", project_id=on_both.id, title_zh="两边都有的项目",
                                accepting_centre_id=gaoxin.pk, applicant_kind="organisation", applicant_hmac="x",
                                accepted_at=now, accepted_on=now.date(), promised_days=5, sequential_days=8,
                                parallel_days=5)
    _flush()

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    register = {(p.year, p.name_zh): p for p in KeyProject.objects.select_related("centre")}
    assert sorted(register) == [(2014, "两边都有的项目"), (2014, "只在代办名单"), (2014, "同名园区"),
                                (2014, "同名园区（雁塔区）"), (2015, "只在联动名单")]
    one = register[(2014, "两边都有的项目")]
    # a linked project keeps its id; on both lists, its zone, company and code (its joint cases' own)
    assert (one.pk, one.centre, one.company_name, one.credit_code, one.name_en) == (
        2, gaoxin, "联动公司", LINKED_CODE, "On both lists")
    assert AgencyAssignment.objects.get(pk=assignment.pk).project == one
    assert ProjectProblem.objects.get(pk=problem.pk).project == one
    assert JointCase.objects.get(pk=case.pk).project == one
    assert sorted(one.linked_items.values_list("item_id", "level")) == sorted(
        [(registration.pk, "local"), (tax.pk, "city")])
    listed_only = register[(2014, "只在代办名单")]
    assert listed_only.pk not in (1, 2, 3, 4) and listed_only.centre == beilin and listed_only.name_en == "Listed only"
    assert ProjectApproval.objects.get(pk=approval.pk).project == listed_only
    assert (register[(2015, "只在联动名单")].pk, register[(2014, "同名园区")].pk) == (1, 3)
    elsewhere = register[(2014, "同名园区（雁塔区）")]
    assert (elsewhere.pk, elsewhere.centre, elsewhere.company_name) == (4, yanta, "乙公司")
    assert list(elsewhere.linked_items.values_list("item_id", flat=True)) == [registration.pk]
    assert sorted(LinkedProject.objects.values_list("project_id", flat=True)) == [1, 2, 3, 4]
    assert LinkedProjectItem.objects.count() == 4 and not listed_only.linked_items.exists()
    # the register's next project takes a fresh number
    assert KeyProject.objects.create(year=2016, name_zh="迁移之后", company_name="某公司", credit_code=LINKED_CODE,
                                     centre=beilin).pk > listed_only.pk
