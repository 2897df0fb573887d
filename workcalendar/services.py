"""Enter a year's holiday schedule or a centre's closure day; due dates that depended on them are
recomputed (provisional ones become firm)."""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from common.errors import ApplicationError
from tenants.models import Centre, User
from workcalendar.clock import due_dates
from workcalendar.models import CentreClosure, ScheduleDay, ScheduleYear

logger = logging.getLogger(__name__)


def schedule_enter(*, year: int, holidays: list[tuple[dt.date, str]], workdays: list[tuple[dt.date, str]],
                   acting_user: User | None) -> ScheduleYear:
    """Enter (or replace) the State Council schedule of `year`: holidays on weekdays and weekend
    workdays (调休). Provisional due dates are recomputed after commit."""
    errors = [day for day, _name in holidays + workdays if day.year != year]
    if errors:
        raise ApplicationError(_("Every date must be in %(year)d: %(dates)s.")
                               % {"year": year, "dates": ", ".join(map(str, errors))}, "workcalendar_invalid_day")
    both = {d for d, _n in holidays} & {d for d, _n in workdays}
    if both:
        raise ApplicationError(_("A day cannot be both a holiday and a workday: %(dates)s.")
                               % {"dates": ", ".join(map(str, sorted(both)))}, "workcalendar_invalid_day")
    from tenants.audit import audit_record
    from tenants.choices import AuditKind, AuditTarget

    with transaction.atomic():
        schedule, created = ScheduleYear.objects.update_or_create(year=year, defaults={"entered_by": acting_user})
        was = {"holidays": schedule.days.filter(is_workday=False).count(),
               "workdays": schedule.days.filter(is_workday=True).count()}
        schedule.days.all().delete()
        ScheduleDay.objects.bulk_create(
            [ScheduleDay(schedule=schedule, date=d, is_workday=False, name=n) for d, n in holidays]
            + [ScheduleDay(schedule=schedule, date=d, is_workday=True, name=n) for d, n in workdays])
        audit_record(kind=AuditKind.SCHEDULE_ENTERED, actor=acting_user, target_type=AuditTarget.SCHEDULE_YEAR,
                     target_id=year, target_label=str(year), before=None if created else was,
                     after={"holidays": len(holidays), "workdays": len(workdays)})
        transaction.on_commit(lambda: _queue_recompute(None))
    return schedule


def closure_add(*, centre: Centre, date: dt.date, reason: str, acting_user: User | None) -> CentreClosure:
    """Close a centre for a working day; its open cases' due dates move."""
    if not reason.strip():
        raise ApplicationError(_("A reason is required."), "workcalendar_reason_required",
                               {"fields": {"reason": [_("This field is required.")]}})
    from tenants.audit import audit_record
    from tenants.choices import AuditKind, AuditTarget

    with transaction.atomic():
        closure, created = CentreClosure.objects.get_or_create(centre=centre, date=date,
                                                               defaults={"reason": reason.strip()})
        if created:
            audit_record(kind=AuditKind.CLOSURE_SET, actor=acting_user, centre=centre, target_type=AuditTarget.CLOSURE,
                         target_id=closure.pk, target_label=str(date), after={"date": date, "reason": closure.reason})
        transaction.on_commit(lambda: _queue_recompute(centre.pk))
    return closure


def _queue_recompute(centre_id: int | None) -> None:
    from workcalendar.tasks import recompute_due_dates

    recompute_due_dates.delay(centre_id)


def recompute_due_dates(*, centre_id: int | None = None) -> int:
    """Recompute the due dates of open accepted cases: all provisional ones (centre_id None, after a
    schedule is entered) or every open one of a centre (after a closure). The registry says which
    cases; each centre's schema is entered once. Returns how many cases changed."""
    from cases.choices import TERMINAL
    from cases.models import Case
    from registry.models import RegistryEntry

    entries = RegistryEntry.objects.filter(is_open=True, accepted_on__isnull=False)
    entries = entries.filter(centre_id=centre_id) if centre_id else entries.filter(due_provisional=True)
    by_centre: dict[int, list] = defaultdict(list)
    for case_id, centre in entries.values_list("case_id", "centre_id"):
        by_centre[centre].append(case_id)
    changed = 0
    for centre in Centre.objects.filter(pk__in=by_centre):
        with schema_context(centre.schema_name), transaction.atomic():
            for case in Case.objects.select_for_update().filter(pk__in=by_centre[centre.pk]).exclude(
                    status__in=TERMINAL):
                promised, legal = due_dates(centre_id=centre.pk, accepted_on=case.accepted_on,
                                            promised_days=case.promised_limit_days,
                                            legal_days=case.legal_limit_days, paused_workdays=case.paused_workdays)
                new = (promised.date, legal.date, promised.provisional or legal.provisional)
                if new == (case.promised_due, case.legal_due, case.due_provisional):
                    continue
                case.promised_due, case.legal_due, case.due_provisional = new
                case.save(update_fields=["promised_due", "legal_due", "due_provisional", "updated_at"])
                RegistryEntry.objects.filter(case_id=case.pk).update(
                    promised_due=new[0], legal_due=new[1], due_provisional=new[2])
                changed += 1
    logger.info("recomputed the due dates of %d cases", changed)
    return changed
