"""A calendar change moves every open case whose count crosses a changed day, through the case
service (a revision, an event, the registry row), and nothing else."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import tenant_context

from cases.choices import Action
from cases.models import CaseEvent
from cases.services import case_submit, case_transition
from config.celery import app
from registry.models import RegistryEntry
from workcalendar.hooks import calendar_changed
from workcalendar.services import closure_add, schedule_enter

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
D = dt.date


@pytest.fixture
def eager_celery():
    """Tasks run in this process when sent (Celery's own eager mode): the recompute the calendar queues
    runs before the test looks."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def thirty_days(beilin, department):
    """An item Beilin promises in 30 working days (legal limit 40)."""
    from catalog.services import adoption_create, item_create, version_create_draft, version_publish

    item = item_create(code="610100SC-XK-0030", department=department, category="licence", item_type="XK",
                       levels=["city", "district"], acting_user=None)
    version = version_create_draft(item=item, content={"name_zh": "三十日许可", "name_en": "Thirty-day licence",
                                                       "legal_limit_days": 40, "promised_limit_days": 30},
                                   materials=[], effective_from=D(2020, 1, 1), acting_user=None)
    version_publish(version=version, acting_user=None, today=D(2020, 1, 1))
    item.refresh_from_db()
    adoption_create(centre=beilin, item=item, acting_user=None, today=D(2020, 1, 1))
    return item


def accepted(centre, code, clerk, day):
    when = dt.datetime(day.year, day.month, day.day, 10, tzinfo=SH)
    with tenant_context(centre):
        case = case_submit(centre=centre, item_code=code, applicant_kind="person", applicant_name="张三",
                           applicant_id_number="11010519491231002X", phone="13812345678", channel="window",
                           acting_user=clerk, now=when).case
        return case_transition(centre=centre, case=case, action=Action.ACCEPT, acting_user=clerk, now=when)


def test_a_corrected_schedule_moves_the_cases_that_count_across_the_corrected_day(
        beilin, thirty_days, clerk, eager_celery, django_capture_on_commit_callbacks):
    case = accepted(beilin, thirty_days.code, clerk, D(2026, 11, 30))
    assert (case.promised_due, case.promised_due_provisional) == (D(2027, 1, 11), True)  # 1 Jan guessed a workday

    with django_capture_on_commit_callbacks(execute=True):
        schedule_enter(year=2027, holidays=[(D(2027, 1, 1), "元旦")], workdays=[], acting_user=None)
    entry = RegistryEntry.objects.get(case_id=case.pk)
    assert (entry.promised_due, entry.promised_due_provisional) == (D(2027, 1, 12), False)

    # the schedule corrected: 4 Jan is a holiday too. Only the corrected day is announced, and the case,
    # which is no longer provisional, still moves.
    with django_capture_on_commit_callbacks(execute=True):
        schedule_enter(year=2027, holidays=[(D(2027, 1, 1), "元旦"), (D(2027, 1, 4), "元旦调整")], workdays=[],
                       acting_user=None)
    entry.refresh_from_db()
    assert entry.promised_due == D(2027, 1, 13)
    with tenant_context(beilin):
        case.refresh_from_db()
        events = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert (case.promised_due, case.revision) == (D(2027, 1, 13), 3)  # accepted, then moved twice
    assert events == ["submit", "accept", "due_recomputed", "due_recomputed"]
    assert entry.status == "accepted" and [h["status"] for h in entry.history] == ["submitted", "accepted"]


def test_only_the_changed_days_are_announced(beilin):
    heard = []
    calendar_changed.connect(heard.append)
    try:
        schedule_enter(year=2027, holidays=[(D(2027, 1, 1), "元旦")], workdays=[], acting_user=None)
        heard.clear()
        from django.db import transaction

        with transaction.atomic():
            schedule_enter(year=2027, holidays=[(D(2027, 1, 1), "元旦"), (D(2027, 2, 8), "春节")],
                           workdays=[(D(2027, 2, 20), "春节调休")], acting_user=None)
            assert heard == []  # not before the change commits
    finally:
        calendar_changed.disconnect(heard.append)


def test_a_case_whose_count_ends_before_the_changed_day_does_not_move(
        beilin, item, clerk, eager_celery, django_capture_on_commit_callbacks):
    case = accepted(beilin, item.code, clerk, D(2026, 11, 2))  # promised 8 working days: 12 Nov; legal 20: 30 Nov
    assert case.legal_due == D(2026, 11, 30)
    with django_capture_on_commit_callbacks(execute=True):
        closure_add(centre=beilin, date=D(2026, 12, 3), reason="搬迁", acting_user=None)
    with tenant_context(beilin):
        case.refresh_from_db()
    assert (case.promised_due, case.legal_due, case.revision) == (D(2026, 11, 12), D(2026, 11, 30), 1)


def test_a_closure_moves_that_centres_cases_only(beilin, yanta, item, clerk, eager_celery,
                                                 django_capture_on_commit_callbacks):
    case = accepted(beilin, item.code, clerk, D(2026, 11, 2))
    with django_capture_on_commit_callbacks(execute=True):
        closure_add(centre=beilin, date=D(2026, 11, 5), reason="搬迁", acting_user=None)
    assert RegistryEntry.objects.get(case_id=case.pk).promised_due == D(2026, 11, 13)


def test_a_decided_case_keeps_its_dates_its_clock_has_stopped(beilin, item, clerk, chief, eager_celery,
                                                              django_capture_on_commit_callbacks):
    case = accepted(beilin, item.code, clerk, D(2026, 11, 2))
    with tenant_context(beilin):
        for action, user in ((Action.START_REVIEW, clerk), (Action.APPROVE, chief)):
            case = case_transition(centre=beilin, case=case, action=action, acting_user=user,
                                   now=dt.datetime(2026, 11, 4, 10, tzinfo=SH))
    with django_capture_on_commit_callbacks(execute=True):
        closure_add(centre=beilin, date=D(2026, 11, 5), reason="搬迁", acting_user=None)
    with tenant_context(beilin):
        case.refresh_from_db()
    assert (case.promised_due, case.revision) == (D(2026, 11, 12), 3)


def test_a_closure_moved_or_removed_moves_the_cases_back(beilin, item, clerk, make_user, eager_celery,
                                                         centre_client, django_capture_on_commit_callbacks):
    """Accepted 2 Nov: promised 8 working days (12 Nov), legal 20 (30 Nov). A closure on 5 Nov pushes
    both by a day; moved to 20 Nov it still holds the legal date; removed in the admin, both are back —
    each move an event whose note says, in Chinese, which date moved; each edit in the audit log."""
    from tenants.choices import AuditKind
    from tenants.models import AuditEvent
    from workcalendar.models import CentreClosure
    from workcalendar.services import closure_change

    case = accepted(beilin, item.code, clerk, D(2026, 11, 2))

    def dates():
        entry = RegistryEntry.objects.get(case_id=case.pk)
        return entry.promised_due, entry.legal_due

    with django_capture_on_commit_callbacks(execute=True):
        closure = closure_add(centre=beilin, date=D(2026, 11, 5), reason="搬迁", acting_user=None)
    assert dates() == (D(2026, 11, 13), D(2026, 12, 1))
    with django_capture_on_commit_callbacks(execute=True):
        closure_change(closure=closure, date=D(2026, 11, 20), reason="搬迁延期", acting_user=None)
    assert dates() == (D(2026, 11, 12), D(2026, 12, 1))

    admin = make_user(username="calendar-admin")
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    with django_capture_on_commit_callbacks(execute=True):
        response = centre_client(None, admin).post(f"/admin/workcalendar/centreclosure/{closure.pk}/delete/",
                                                   {"post": "yes"})
    assert response.status_code == 302 and not CentreClosure.objects.exists()
    assert dates() == (D(2026, 11, 12), D(2026, 11, 30))

    with tenant_context(beilin):
        notes = list(CaseEvent.objects.filter(case_id=case.pk, action="due_recomputed").values_list("note", flat=True))
    assert notes == [
        "停止办公日调整 2026-11-05；承诺办结日期 2026-11-12 → 2026-11-13；法定办结日期 2026-11-30 → 2026-12-01",
        "停止办公日调整 2026-11-05、2026-11-20；承诺办结日期 2026-11-13 → 2026-11-12",
        "停止办公日调整 2026-11-20；法定办结日期 2026-12-01 → 2026-11-30",
    ]
    log = list(AuditEvent.objects.filter(centre=beilin, target_type="closure").order_by("at").values_list(
        "kind", "actor_id", "before"))
    assert log == [(AuditKind.CLOSURE_SET, None, None),
                   (AuditKind.CLOSURE_CHANGED, None, {"date": "2026-11-05", "reason": "搬迁"}),
                   (AuditKind.CLOSURE_REMOVED, admin.pk, {"date": "2026-11-20", "reason": "搬迁延期"})]


def test_a_withdrawn_schedule_leaves_the_year_provisional_again(
        beilin, thirty_days, clerk, eager_celery, django_capture_on_commit_callbacks):
    from workcalendar.models import ScheduleYear
    from workcalendar.services import schedule_remove

    case = accepted(beilin, thirty_days.code, clerk, D(2026, 11, 30))
    with django_capture_on_commit_callbacks(execute=True):
        schedule_enter(year=2027, holidays=[(D(2027, 1, 1), "元旦")], workdays=[], acting_user=None)
    with django_capture_on_commit_callbacks(execute=True):
        schedule_remove(schedule=ScheduleYear.objects.get(year=2027), acting_user=None)
    entry = RegistryEntry.objects.get(case_id=case.pk)
    assert (entry.promised_due, entry.promised_due_provisional) == (D(2027, 1, 11), True)
    with tenant_context(beilin):
        note = CaseEvent.objects.filter(case_id=case.pk, action="due_recomputed").latest("at").note
    assert note.startswith("撤销 2027 年节假日安排；承诺办结日期 2027-01-12 → 2027-01-11")
