"""The working-day clock on real dates, entered schedules for later years, closures, recomputation."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from workcalendar.clock import WorkCalendar, due_dates
from workcalendar.services import closure_add, schedule_enter

pytestmark = pytest.mark.django_db
D = dt.date


def test_spring_festival_2026_and_its_weekend_workdays():
    calendar = WorkCalendar.for_centre(None)
    assert calendar.kind(D(2026, 2, 14)) == (True, True)   # Saturday, a make-up workday (调休)
    assert calendar.kind(D(2026, 2, 17)) == (False, True)  # 春节
    assert calendar.add_workdays(D(2026, 2, 13), 2) == calendar.add_workdays(D(2026, 2, 14), 1)
    assert calendar.add_workdays(D(2026, 2, 13), 2).date == D(2026, 2, 24)


def test_zero_days_is_the_day_itself_and_working_days_between_exclude_the_start():
    calendar = WorkCalendar.for_centre(None)
    assert calendar.add_workdays(D(2026, 10, 1), 0).date == D(2026, 10, 1)
    assert calendar.workdays_between(D(2026, 9, 30), D(2026, 10, 8)) == (1, False)


def test_a_year_without_a_schedule_counts_weekends_alone_and_says_so():
    calendar = WorkCalendar.for_centre(None)
    due = calendar.add_workdays(D(2026, 12, 30), 3)
    assert due.date == D(2027, 1, 4)  # Thu 31 Dec, Fri 1 Jan (a guess: weekday), Mon 4 Jan
    assert due.provisional


def test_an_entered_schedule_makes_a_later_year_firm_and_moves_the_dates():
    schedule_enter(year=2027, holidays=[(D(2027, 1, 1), "元旦")], workdays=[], acting_user=None)
    due = WorkCalendar.for_centre(None).add_workdays(D(2026, 12, 30), 3)
    assert (due.date, due.provisional) == (D(2027, 1, 5), False)


def test_a_centres_closure_day_is_not_a_working_day_for_it_only(beilin, yanta):
    closure_add(centre=beilin, date=D(2026, 11, 30), reason="搬迁", acting_user=None)
    beilin_due, _ = due_dates(calendar=WorkCalendar.for_centre(beilin.pk), accepted_on=D(2026, 11, 27),
                              promised_days=1, legal_days=1)
    yanta_due, _ = due_dates(calendar=WorkCalendar.for_centre(yanta.pk), accepted_on=D(2026, 11, 27),
                             promised_days=1, legal_days=1)
    assert (beilin_due.date, yanta_due.date) == (D(2026, 12, 1), D(2026, 11, 30))


def test_the_reconciliation_reports_drift_between_cases_and_the_registry(beilin, item, clerk):
    from cases.services import case_submit
    from registry.models import RegistryEntry

    with tenant_context(beilin):
        case = case_submit(centre=beilin, item_code="610100SC-XK-0001", applicant_kind="person",
                           applicant_name="张三", applicant_id_number="11010519491231002X", phone="13812345678",
                           channel="window", acting_user=clerk).case
    out = io.StringIO()
    call_command("reconcile_registry", stdout=out)
    assert "agree" in out.getvalue()

    RegistryEntry.objects.filter(case_id=case.pk).update(status="approved")
    out = io.StringIO()
    call_command("reconcile_registry", stdout=out)
    assert f"{case.number}: status case=submitted registry=approved" in out.getvalue()


# --- the audit log (操作日志) -------------------------------------------------------------------------

def test_entering_a_schedule_is_recorded_and_a_replacement_shows_the_numbers_before(make_user):
    from tenants.choices import AuditKind, Role
    from tenants.models import AuditEvent

    admin = make_user((None, Role.PLATFORM_ADMIN), username="calendar-admin")
    schedule_enter(year=2027, holidays=[(D(2027, 1, 1), "元旦")], workdays=[], acting_user=admin)
    schedule = schedule_enter(year=2027, holidays=[(D(2027, 1, 1), "元旦"), (D(2027, 2, 8), "春节")],
                              workdays=[(D(2027, 2, 6), "春节调休")], acting_user=None)

    assert schedule.entered_by is None  # the row names who entered the schedule in force
    first, second = AuditEvent.objects.filter(kind=AuditKind.SCHEDULE_ENTERED).order_by("at", "id")
    assert (first.actor, first.centre, first.target_label) == (admin, None, "2027")
    assert (first.before, first.after) == (None, {"holidays": 1, "workdays": 0})
    assert (second.actor_name, second.before, second.after) == (
        "system", {"holidays": 1, "workdays": 0}, {"holidays": 2, "workdays": 1})


def test_a_closure_day_is_recorded_once_at_its_centre(beilin, make_user):
    from tenants.choices import AuditKind, Role
    from tenants.models import AuditEvent

    admin = make_user((beilin, Role.CENTRE_ADMIN))
    closure_add(centre=beilin, date=D(2026, 11, 30), reason=" 搬迁 ", acting_user=admin)
    closure_add(centre=beilin, date=D(2026, 11, 30), reason="搬迁", acting_user=admin)  # already closed

    [entry] = AuditEvent.objects.filter(kind=AuditKind.CLOSURE_SET)
    assert (entry.actor, entry.centre, entry.target_label) == (admin, beilin, "2026-11-30")
    assert entry.after == {"date": "2026-11-30", "reason": "搬迁"}
