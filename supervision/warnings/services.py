"""Writes of the warnings room: the deadline sweep, acknowledgements, and findings of out-of-process
handling.

The deadline sweep (电子监察 预警) is one pass over the public registry, never a loop over schemas. One
statement finds every open case whose clock is running (accepted, supplemented, under review; paused
cases are left out) and that crossed a level — yellow within a centre's N working days of the promised
date, red past the promised date, black past the legal date — inserts one warning per case and level
(`ON CONFLICT DO NOTHING` on the unique (case, level): a level fires once, across pauses, resumes and
reruns), and, in the same statement, writes one outbox SMS per recipient (the clerk who accepted the
case and the department's chief representatives at that centre). The beat job `outbox-dispatch-due`
sends them.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import CLOCK_RUNNING
from cases.hooks import StepRefused, step_refused
from common.errors import ConflictError
from notifications.models import MessageTemplate
from notifications.services import DEFAULT_TEMPLATES, outbox_enqueue, outbox_seal_inserted
from registry.models import HallVisit
from supervision.warnings.choices import HALL_LONG_WAIT, LEVEL_TEXT, WarningLevel
from supervision.warnings.error_codes import WarningErrorCode
from supervision.warnings.models import DeadlineWarning, Finding, SupervisionSetting
from tenants.choices import CentreStatus, Role
from tenants.models import Centre, Membership, User
from workcalendar.clock import WorkCalendar
from workcalendar.models import CentreClosure

logger = logging.getLogger(__name__)

TEMPLATE_KEY = "deadline_warning"
DEFAULT_YELLOW_WORKDAYS = 2
#: The placeholders a warning template may use, in the order passed to SQL's format().
PLACEHOLDERS = ("level_zh", "number", "item_zh", "what_zh", "due")


@dataclass(frozen=True)
class SweepResult:
    fired: dict[str, int]
    messages: int


def _pg_format(template: str) -> str:
    """`{number}` style → PostgreSQL format() positions (`%2$s`); a literal % doubled."""
    text = template.replace("%", "%%")
    for position, name in enumerate(PLACEHOLDERS, start=1):
        text = text.replace("{" + name + "}", f"%{position}$s")
    return text


def _yellow_thresholds(today: dt.date) -> list[tuple[int, dt.date]]:
    """For each ready centre, the last promised date that counts as "due soon" (its own N, its own
    closure days). One query for the settings, one for each centre's calendar only when N differs
    from the default or the centre has closures."""
    settings = dict(SupervisionSetting.objects.values_list("centre_id", "yellow_workdays"))
    closing = set(CentreClosure.objects.filter(date__gte=today).values_list("centre_id", flat=True))
    shared = WorkCalendar.for_centre(None)
    cache: dict[int, dt.date] = {}
    rows = []
    for centre_id in Centre.objects.filter(status=CentreStatus.READY).values_list("pk", flat=True):
        days = settings.get(centre_id, DEFAULT_YELLOW_WORKDAYS)
        if centre_id in closing:
            until = WorkCalendar.for_centre(centre_id).add_workdays(today, days).date
        else:
            if days not in cache:
                cache[days] = shared.add_workdays(today, days).date
            until = cache[days]
        rows.append((centre_id, until))
    return rows


def _formats() -> tuple[str, list[tuple[int, str]]]:
    default = MessageTemplate.objects.filter(key=TEMPLATE_KEY, centre__isnull=True).first()
    default_zh = default.body_zh if default else DEFAULT_TEMPLATES[TEMPLATE_KEY][0]
    overrides = [(centre_id, _pg_format(body)) for centre_id, body in
                 MessageTemplate.objects.filter(key=TEMPLATE_KEY, centre__isnull=False)
                 .values_list("centre_id", "body_zh")]
    return _pg_format(default_zh), overrides


def _values(rows: list[tuple], casts: tuple[str, ...]) -> tuple[str, list]:
    """A VALUES list for `rows` (at least one row: a never-matching one when empty)."""
    if not rows:
        rows = [(0, *([None] * (len(casts) - 1)))]
    one = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    return ", ".join([one] * len(rows)), [value for row in rows for value in row]


def deadline_sweep(*, today: dt.date | None = None, now: dt.datetime | None = None) -> SweepResult:
    """Fire every warning due today and queue its SMS; returns how many fired per level."""
    now = now or timezone.now()
    today = today or timezone.localtime(now).date()
    thresholds = _yellow_thresholds(today)
    latest_yellow = max((until for _centre, until in thresholds), default=today)
    thresholds_sql, thresholds_params = _values(thresholds, ("bigint", "date"))
    default_format, overrides = _formats()
    formats_sql, formats_params = _values(overrides, ("bigint", "text"))
    running = list(CLOCK_RUNNING)
    black, red, yellow = (LEVEL_TEXT[level] for level in (WarningLevel.BLACK, WarningLevel.RED, WarningLevel.YELLOW))
    sql = f"""
WITH thresholds (centre_id, yellow_until) AS (VALUES {thresholds_sql}),
formats (centre_id, body) AS (VALUES {formats_sql}),
due AS (
    SELECT r.centre_id, r.case_id, r.number, r.item_name_zh, r.item_name_en, r.department_code, r.handler_id,
           'black' AS level, r.legal_due AS due_date
      FROM registry_registryentry r
     WHERE r.is_open AND NOT r.paused AND r.status = ANY(%s) AND r.legal_due < %s
       AND NOT EXISTS (SELECT 1 FROM supervision_deadlinewarning w WHERE w.case_id = r.case_id AND w.level = 'black')
    UNION ALL
    SELECT r.centre_id, r.case_id, r.number, r.item_name_zh, r.item_name_en, r.department_code, r.handler_id,
           'red', r.promised_due
      FROM registry_registryentry r
     WHERE r.is_open AND NOT r.paused AND r.status = ANY(%s) AND r.promised_due < %s
       AND NOT EXISTS (SELECT 1 FROM supervision_deadlinewarning w WHERE w.case_id = r.case_id AND w.level = 'red')
    UNION ALL
    SELECT r.centre_id, r.case_id, r.number, r.item_name_zh, r.item_name_en, r.department_code, r.handler_id,
           'yellow', r.promised_due
      FROM registry_registryentry r JOIN thresholds t ON t.centre_id = r.centre_id
     WHERE r.is_open AND NOT r.paused AND r.status = ANY(%s)
       AND r.promised_due >= %s AND r.promised_due <= %s AND r.promised_due <= t.yellow_until
       AND NOT EXISTS (SELECT 1 FROM supervision_deadlinewarning w WHERE w.case_id = r.case_id AND w.level = 'yellow')
),
fired AS (
    INSERT INTO supervision_deadlinewarning (centre_id, case_id, case_number, item_name_zh, item_name_en,
                                     department_code, handler_id, level, due_date, fired_at)
    SELECT centre_id, case_id, number, item_name_zh, item_name_en, department_code, handler_id, level, due_date, %s
      FROM due
    ON CONFLICT (case_id, level) DO NOTHING
    RETURNING id, centre_id, case_number, item_name_zh, department_code, handler_id, level, due_date
),
recipients AS (
    SELECT f.id AS warning_id, f.*, u.id AS user_id, u.mobile
      FROM fired f JOIN tenants_user u ON u.id = f.handler_id
     WHERE u.mobile <> '' AND u.is_active
    UNION
    SELECT f.id, f.*, u.id, u.mobile
      FROM fired f
      JOIN tenants_membership m ON m.centre_id = f.centre_id AND m.role = %s
                               AND (m.department_code = '' OR m.department_code = f.department_code)
      JOIN tenants_user u ON u.id = m.user_id
     WHERE u.mobile <> '' AND u.is_active
),
queued AS (
    INSERT INTO notifications_outboxmessage (dedupe_key, centre_id, channel, "to", to_hmac, language, template_key,
                                             body, status, attempts, next_attempt_at, provider_id, last_error,
                                             created_at, updated_at)
    SELECT 'warning:' || r.warning_id || ':' || r.user_id, r.centre_id, 'sms', r.mobile, '', 'zh-hans', %s,
           format(COALESCE(fm.body, %s),
                  CASE r.level WHEN 'black' THEN %s WHEN 'red' THEN %s ELSE %s END,
                  r.case_number, r.item_name_zh,
                  CASE r.level WHEN 'black' THEN %s WHEN 'red' THEN %s ELSE %s END,
                  to_char(r.due_date, 'YYYY-MM-DD')),
           'pending', 0, %s, '', '', %s, %s
      FROM recipients r LEFT JOIN formats fm ON fm.centre_id = r.centre_id
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM queued), level, count(*) FROM fired GROUP BY level
"""
    params = [*thresholds_params, *formats_params,
              running, today, running, today, running, today, latest_yellow,
              now, Role.CHIEF_REPRESENTATIVE, TEMPLATE_KEY, default_format,
              black[0], red[0], yellow[0],
              black[1], red[1], yellow[1],
              now, now, now]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        outbox_seal_inserted(template_key=TEMPLATE_KEY)  # the recipients, written in clear above, encrypted
    fired = {level: 0 for level in WarningLevel.values}
    messages = 0
    for queued, level, count in rows:
        fired[level] = count
        messages = queued
    if any(fired.values()):
        logger.info("deadline sweep: %s fired, %d SMS queued", fired, messages)
    return SweepResult(fired=fired, messages=messages)


# --- long waits in the hall -----------------------------------------------------------------------

HALL_TEMPLATE_KEY = "hall_long_wait"


@dataclass(frozen=True)
class HallSweepResult:
    flagged: dict[int, int]  # centre id → tickets flagged by this sweep
    messages: int


def _chiefs(centre_ids: set[int]) -> dict[int, list[tuple[int, str]]]:
    """The centres' chief representatives (首席代表, of any department) with a mobile: one query."""
    found: dict[int, list[tuple[int, str]]] = {}
    for centre_id, user_id, mobile in (Membership.objects.filter(
            centre_id__in=centre_ids, role=Role.CHIEF_REPRESENTATIVE, user__is_active=True).exclude(user__mobile="")
            .order_by("user_id").values_list("centre_id", "user_id", "user__mobile")):
        found.setdefault(centre_id, []).append((user_id, mobile))
    return found


@transaction.atomic
def hall_long_wait_sweep(*, now: dt.datetime | None = None) -> HallSweepResult:
    """Flag today's hall tickets (public mirror `registry.HallVisit`) still waiting and taken more than
    `HALL_LONG_WAIT` ago (排队超时), once each (`long_wait_flagged_at`), and queue ONE SMS per centre
    to each of its chief representatives with a mobile, naming how many were flagged and the longest
    wait. A rerun flags nothing new and sends nothing (the SMS's dedupe key names the first ticket it
    flagged). Rows a ticket's transaction holds right now are skipped (SKIP LOCKED): the next sweep
    takes them if they are still waiting. Runs once in the public schema (beat: supervision.hall_long_wait_sweep).
    """
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    rows = list(HallVisit.objects.select_for_update(skip_locked=True).filter(
        status="waiting", day=today, taken_at__lte=now - HALL_LONG_WAIT, long_wait_flagged_at__isnull=True,
    ).order_by("taken_at", "pk").values_list("pk", "centre_id", "code", "taken_at"))
    if not rows:
        return HallSweepResult(flagged={}, messages=0)
    HallVisit.objects.filter(pk__in=[row[0] for row in rows]).update(long_wait_flagged_at=now)
    by_centre: dict[int, list[tuple]] = {}
    for row in rows:
        by_centre.setdefault(row[1], []).append(row)
    names = {pk: (zh, en or zh) for pk, zh, en in
             Centre.objects.filter(pk__in=by_centre).values_list("pk", "name_zh", "name_en")}
    chiefs = _chiefs(set(by_centre))
    minutes = int(HALL_LONG_WAIT.total_seconds() // 60)
    messages = 0
    for centre_id, flagged in by_centre.items():
        first_pk, _centre, code, taken_at = flagged[0]  # the longest waiting
        context = {"centre_zh": names[centre_id][0], "centre_en": names[centre_id][1],
                   "count": str(len(flagged)), "minutes": str(minutes), "ticket": code,
                   "longest": str(int((now - taken_at).total_seconds() // 60))}
        for user_id, mobile in chiefs.get(centre_id, []):
            outbox_enqueue(dedupe_key=f"hall_long_wait:{first_pk}:{user_id}", to=mobile, template_key=HALL_TEMPLATE_KEY,
                           centre_id=centre_id, context=context)
            messages += 1
    flagged_counts = {centre_id: len(flagged) for centre_id, flagged in by_centre.items()}
    logger.info("hall long-wait sweep: %d tickets flagged at %d centres, %d SMS queued", len(rows),
                len(by_centre), messages)
    return HallSweepResult(flagged=flagged_counts, messages=messages)


# --- acknowledgement -----------------------------------------------------------------------------

@transaction.atomic
def warning_acknowledge(*, warning: DeadlineWarning, acting_user: User, now: dt.datetime) -> DeadlineWarning:
    """Acknowledge a warning (签收): who and when are kept. A warning is acknowledged once: a second
    acknowledgement is a conflict and changes nothing."""
    warning = DeadlineWarning.objects.select_for_update().get(pk=warning.pk)
    if warning.acknowledged_at is not None:
        raise ConflictError(_("This warning has been acknowledged already."), WarningErrorCode.ALREADY_ACKNOWLEDGED,
                            {"acknowledged_at": warning.acknowledged_at.isoformat()})
    warning.acknowledged_at, warning.acknowledged_by = now, acting_user
    warning.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return warning


# --- findings ------------------------------------------------------------------------------------

def finding_record(event: StepRefused) -> Finding:
    """Record out-of-process handling (电子监察: a step by a role not allowed to take it, a step
    skipped), whatever the door it was tried through: a listener of `cases.hooks.step_refused`, written
    in its own statement (the refused change itself is not)."""
    user = event.acting_user if event.acting_user is not None and event.acting_user.is_authenticated else None
    return Finding.objects.create(centre=event.centre, case_id=event.case.pk, case_number=event.case.number,
                                  kind=event.kind, action=event.action, status=event.case.status, acting_user=user,
                                  at=event.now)


def connect() -> None:
    """Hear of every out-of-process step (called from the app's `ready`)."""
    step_refused.connect(finding_record)
