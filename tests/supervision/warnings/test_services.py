"""Writes of the warnings room: each level fires once per case, pauses respected, SMS to the right
people; out-of-process handling is a finding; a warning is acknowledged once, by someone named."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone
from django_tenants.utils import tenant_context

from cases.choices import Action
from cases.services import case_transition
from common.errors import ApplicationError, ConflictError
from notifications.models import OutboxMessage
from registry.models import RegistryEntry
from supervision.warnings.models import DeadlineWarning, Finding, SupervisionSetting
from supervision.warnings.selectors import findings_for
from supervision.warnings.services import deadline_sweep, warning_acknowledge
from tenants.choices import Role
from tests.cases.test_lifecycle import at
from tests.supervision.warnings.conftest import accepted_case, levels, submitted_case

pytestmark = pytest.mark.django_db
D = dt.date


def test_each_level_fires_once_as_the_dates_pass_and_a_rerun_fires_nothing(in_beilin, item, staff):
    case = accepted_case(in_beilin, staff["clerk"])  # promised 14 Oct, legal 30 Oct 2026
    assert deadline_sweep(today=D(2026, 10, 8)).fired == {"yellow": 0, "red": 0, "black": 0}
    assert deadline_sweep(today=D(2026, 10, 12)).fired["yellow"] == 1  # 2 working days before 14 Oct
    assert deadline_sweep(today=D(2026, 10, 13)).fired["yellow"] == 0
    assert deadline_sweep(today=D(2026, 10, 15)).fired["red"] == 1
    assert deadline_sweep(today=D(2026, 10, 15)).fired == {"yellow": 0, "red": 0, "black": 0}
    assert deadline_sweep(today=D(2026, 11, 2)).fired["black"] == 1
    assert levels(case) == ["black", "red", "yellow"]


def test_a_paused_case_gets_no_warning_and_after_resuming_each_level_still_fires_only_once(
        in_beilin, item, staff):
    case = accepted_case(in_beilin, staff["clerk"])
    deadline_sweep(today=D(2026, 10, 12))
    assert levels(case) == ["yellow"]
    with tenant_context(in_beilin):
        material = case.materials.first().material_id
        case = case_transition(centre=connection.tenant,
                               case=case, action=Action.ISSUE_NOTICE, acting_user=staff["clerk"],
                               missing_material_ids=[material], now=at(2026, 10, 12))
    assert deadline_sweep(today=D(2026, 10, 20)).fired["red"] == 0  # paused: the clock is stopped
    with tenant_context(in_beilin):
        case = case_transition(centre=connection.tenant,
                               case=case, action=Action.SUPPLEMENT, acting_user=staff["clerk"],
                               now=at(2026, 10, 20))
    due = RegistryEntry.objects.get(case_id=case.pk).promised_due
    assert due > D(2026, 10, 20)
    assert deadline_sweep(today=due - dt.timedelta(days=1)).fired["yellow"] == 0  # fired before the pause
    assert deadline_sweep(today=due + dt.timedelta(days=1)).fired["red"] == 1
    assert levels(case) == ["red", "yellow"]


def test_each_warning_is_an_sms_to_the_clerk_and_the_departments_chief_and_no_one_else(in_beilin, item, staff):
    case = accepted_case(in_beilin, staff["clerk"])
    result = deadline_sweep(today=D(2026, 10, 15))  # red (and not yet yellow: past the promise already)
    assert result.fired["red"] == 1 and result.messages == 2
    messages = OutboxMessage.objects.filter(dedupe_key__startswith="warning:")
    assert sorted(m.to for m in messages) == ["+8613800000001", "+8613800000002"]
    with connection.cursor() as cursor:  # the sweep writes in SQL; at rest the recipients are encrypted
        cursor.execute("""SELECT "to", to_hmac FROM notifications_outboxmessage WHERE dedupe_key LIKE 'warning:%%'""")
        stored = cursor.fetchall()
    assert all(to.startswith("gAAAAA") and "138000" not in to and len(hmac) == 64 for to, hmac in stored)
    body = messages.first().body
    assert case.number in body and "红牌警告" in body and "2026-10-14" in body and "食品经营许可" in body
    deadline_sweep(today=D(2026, 10, 15))
    assert OutboxMessage.objects.filter(dedupe_key__startswith="warning:").count() == 2  # sent once


def test_a_centre_may_warn_earlier(in_beilin, beilin, item, staff):
    accepted_case(in_beilin, staff["clerk"])
    assert deadline_sweep(today=D(2026, 10, 9)).fired["yellow"] == 0
    SupervisionSetting.objects.create(centre=beilin, yellow_workdays=4)
    assert deadline_sweep(today=D(2026, 10, 9)).fired["yellow"] == 1


def test_out_of_process_handling_is_a_finding_that_only_the_centres_supervisors_see(
        in_beilin, beilin, yanta, item, staff, make_user):
    case = submitted_case(in_beilin, staff["clerk"])
    with tenant_context(in_beilin):
        with pytest.raises(ApplicationError):
            case_transition(centre=connection.tenant,
                            case=case, action=Action.APPROVE, acting_user=staff["clerk"])  # wrong role
        with pytest.raises(ApplicationError):
            case_transition(centre=connection.tenant,
                            case=case, action=Action.START_REVIEW, acting_user=staff["clerk"])  # skips accept
    kinds = sorted(Finding.objects.filter(case_id=case.pk).values_list("kind", flat=True))
    assert kinds == ["step_skipped", "wrong_role"]

    supervisor = make_user((beilin, Role.SUPERVISOR))
    assert findings_for(user=supervisor, centre=beilin).count() == 2
    for outsider in (make_user((yanta, Role.SUPERVISOR)), staff["clerk"]):
        with pytest.raises(Http404):
            findings_for(user=outsider, centre=beilin)


def test_a_race_lost_to_another_clerk_is_not_a_finding(in_beilin, item, staff):
    case = submitted_case(in_beilin, staff["clerk"])
    with tenant_context(in_beilin):
        seen = case.revision
        case_transition(centre=connection.tenant,
                        case=case, action=Action.ACCEPT, acting_user=staff["clerk"], expected_revision=seen)
        with pytest.raises(ApplicationError):
            case_transition(centre=connection.tenant,
                            case=case, action=Action.ACCEPT, acting_user=staff["clerk"], expected_revision=seen)
    assert not Finding.objects.filter(case_id=case.pk).exists()


def test_a_warning_is_acknowledged_once_by_someone_named_and_the_second_time_is_a_409(in_beilin, item, staff):
    case = accepted_case(in_beilin, staff["clerk"])
    deadline_sweep(today=D(2026, 10, 15))
    warning = DeadlineWarning.objects.get(case_id=case.pk)
    first = timezone.now()
    done = warning_acknowledge(warning=warning, acting_user=staff["clerk"], now=first)
    assert (done.acknowledged_at, done.acknowledged_by) == (first, staff["clerk"])
    with pytest.raises(ConflictError) as again:
        warning_acknowledge(warning=warning, acting_user=staff["chief"], now=first + dt.timedelta(minutes=5))
    assert again.value.code == "warning_already_acknowledged" and again.value.http_status == 409
    warning.refresh_from_db()
    assert (warning.acknowledged_at, warning.acknowledged_by) == (first, staff["clerk"])  # nothing written
