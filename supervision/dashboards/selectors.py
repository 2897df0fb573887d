"""Reads of the dashboards room (监察看板): who sees which dashboard, and the figures behind the city's
and a centre's charts.

Who sees what: the city dashboard (all centres, with a per-centre breakdown) is for the city
coordinator (anyone with a role in the city centre) and platform administrators; a centre's dashboard
is for its staff. Everyone else gets 404, like a page that does not exist.

Every figure is read from the public case registry (`registry_registryentry`, one row per case in
every centre), joined where needed to the master catalogue (category by `catalog_item.code`) and the
centres; never from a centre's schema (architecture rule 3). The period charts add up the registry's
daily roll-up (`DashboardDay`, supervision.dashboards.rollup) for the days it is complete through
(`Scope.rolled_through`) and, for the later days (today, and yesterday until the night's run), the same
roll-up computed live from the registry's rows once a page (`live_part`: one pass found by
`registry_last_event`, since a case submitted on a day was written on or after it, into a temporary
table), so that a day's figures follow one rule (`ROLLUP_SELECT`) whether rolled up or live. With no
roll-up every day of the period is read live. Each chart is one query; the SQL is kept in `SQL` so that
the benchmark (platform/bench/dashboard_bench.py) times and EXPLAINs the very statements the pages run.

Definitions (the page says them too):
- *Period*: cases **submitted** in the last N days (local dates, Asia/Shanghai), today included.
- *Decided*: status in `cases.choices.DECIDED` (approved, denied, result ready, collected).
- *Decided on time*: decided, with a promised due date, and the local date of `last_event_at` on or
  before `promised_due`. The registry keeps no separate decision time: for a case already past the
  decision (result ready, collected) `last_event_at` is a later step, so the rate is conservative
  (a case collected after its promised date counts as late).
- *Overdue now*: open, clock not paused, `promised_due` before today, and not yet decided (an approved
  case waiting to be collected is open in the registry but its clock has stopped). A snapshot, not
  limited to the period.
- *Days used*: calendar days from acceptance to the decision (as above); compared with the calendar
  days the promise and the law allowed (`promised_due` / `legal_due` − `accepted_on`), and with the
  limits themselves in working days.
- *Freshness*: a day already rolled up shows the figures of the last run (a decision taken today on a
  case submitted last week counts from the next night's run on); today's are live.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import CLOCK_RUNNING, DECIDED, Channel
from catalog.choices import Category
from catalog.reports import compression_report
from common.i18n import pick
from supervision.dashboards.models import DashboardDay, DashboardRollupRun, Grain
from supervision.warnings.choices import WarningLevel
from supervision.warnings.models import DeadlineWarning
from tenants.choices import Level
from tenants.models import AnyUser, Centre
from tenants.selectors import user_is_platform_admin, user_is_staff_of, user_roles_in

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 90
OVERDUE_LIST_LIMIT = 100
OVERDUE_CSV_LIMIT = 10_000
TOP_CENTRES = 15
DECIDED_STATUSES = sorted(str(s) for s in DECIDED)
RUNNING_STATUSES = sorted(str(s) for s in CLOCK_RUNNING)
UNKNOWN = "other"
CODE_COLUMNS = frozenset({"category", "channel", "level", "clerk_id", "hour"})


@dataclass(frozen=True)
class Scope:
    """What a dashboard covers: one centre or all (None), cases submitted in [start, end), and today."""

    centre: Centre | None
    start: dt.date
    end: dt.date
    today: dt.date
    period_days: int
    #: The daily roll-up is complete through this day (None: no roll-up, every day read live).
    rolled_through: dt.date | None = None

    @property
    def start_at(self) -> dt.datetime:
        return local_midnight(self.start)

    @property
    def end_at(self) -> dt.datetime:
        return local_midnight(self.end)

    @property
    def live_from(self) -> dt.date:
        """The first day of the period read live from the registry (the days before it: the roll-up)."""
        if self.rolled_through is None:
            return self.start
        return min(max(self.rolled_through + dt.timedelta(days=1), self.start), self.end)

    @property
    def live_from_at(self) -> dt.datetime:
        return local_midnight(self.live_from)

    @property
    def first_week(self) -> dt.date:
        """The Monday of the period's first week."""
        return self.start - dt.timedelta(days=self.start.weekday())

    @property
    def first_week_at(self) -> dt.datetime:
        return local_midnight(self.first_week)

    def weeks(self) -> list[dt.date]:
        return [self.first_week + dt.timedelta(days=7 * i) for i in range((self.end - self.first_week).days // 7 + 1)
                if self.first_week + dt.timedelta(days=7 * i) < self.end]


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of `day` in the platform's zone (Asia/Shanghai), aware."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def utc_offset_seconds() -> int:
    """The platform zone's offset from UTC in seconds (+28,800 for Asia/Shanghai, fixed since 1991)."""
    offset = local_midnight(timezone.localdate()).utcoffset() or dt.timedelta(0)
    return int(offset.total_seconds())


def rolled_through() -> dt.date | None:
    """The last day the daily roll-up is complete through (None: it never ran)."""
    return DashboardRollupRun.objects.order_by("-started_at", "-id").values_list("through", flat=True).first()


def scope_for(*, centre: Centre | None, period_days: int = DEFAULT_PERIOD, today: dt.date | None = None) -> Scope:
    """The last `period_days` days up to `today` (the pages offer PERIODS; the benchmark tries others),
    read from the roll-up as far as it is complete."""
    today = today or timezone.localdate()
    period_days = max(1, period_days)
    return Scope(centre=centre, start=today - dt.timedelta(days=period_days - 1), end=today + dt.timedelta(days=1),
                 today=today, period_days=period_days, rolled_through=rolled_through())


def scope_centre_for(*, user: AnyUser, centre: Centre | None) -> Centre | None:
    """The centre a dashboard asked on `centre`'s host covers (None: all, on the platform's site), if
    the user may see it; else 404."""
    if not user.is_authenticated:
        raise Http404
    if centre is not None:
        if not user_is_staff_of(user=user, centre=centre):
            raise Http404
        return centre
    if user_is_platform_admin(user=user):
        return None
    city = Centre.objects.filter(level=Level.CITY).first()
    if city is None or not user_roles_in(user=user, centre=city):
        raise Http404
    return None


@dataclass
class Chart:
    """One chart's figures: `rows` are what the SVG draws and the CSV exports (same numbers)."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def display_columns(self) -> list[tuple[str, str]]:
        """The columns a person reads (the machine codes stay in the CSV)."""
        return [(key, label) for key, label in self.columns if key not in CODE_COLUMNS]

    def table(self) -> list[list[Any]]:
        return [[row[key] for key, _label in self.display_columns] for row in self.rows]

    def labelled(self) -> list[list[tuple[str, str, Any]]]:
        """Each row as (column key, label, value) for the columns a person reads: a table that stacks
        into one card per row on a phone (each cell carries its label)."""
        return [[(key, label, row[key]) for key, label in self.display_columns] for row in self.rows]

    def csv_rows(self) -> list[list[Any]]:
        return [[label for _key, label in self.columns]] + [[row[key] for key, _label in self.columns]
                                                            for row in self.rows]


# --- the SQL: one statement per chart ------------------------------------------------------------------
# The period charts add two parts: {rolled_<grain>}, the roll-up's rows (alias d) of the grain for the days
# [start, live_from), and {live}, the registry's rows (alias r) submitted in [live_from, end); from `statement`.

DECIDED_SQL = "r.status = ANY(%(decided)s)"
# Local dates by arithmetic on epoch seconds (date_part gives float8; extract() would be numeric) with the
# zone's fixed UTC offset (Asia/Shanghai has kept +08:00 since 1991): several times cheaper per row than
# AT TIME ZONE with a named zone.
DECISION_DAY = "floor((date_part('epoch', r.last_event_at) + %(offset)s) / 86400)::int"
EPOCH_DAY = "date '1970-01-01'"
#: The local date a case was submitted (the roll-up's day).
SUBMISSION_DAY = f"({EPOCH_DAY} + floor((date_part('epoch', r.submitted_at) + %(offset)s) / 86400)::int)"
ON_TIME_SQL = (f"{DECIDED_SQL} AND r.promised_due IS NOT NULL AND "
               f"date_part('epoch', r.last_event_at) + %(offset)s < (r.promised_due - {EPOCH_DAY} + 1) * 86400")
#: The decided cases whose days are compared with the limits.
DAYS_SQL = f"{DECIDED_SQL} AND r.accepted_on IS NOT NULL AND r.promised_due IS NOT NULL AND r.legal_due IS NOT NULL"
#: Overdue now: the clock is running (accepted, supplemented, under review: open, not paused, not decided)
#: and the promised date has passed.
OVERDUE_SQL = "r.status = ANY(%(running)s) AND r.promised_due < %(today)s"
ROLLUP_TABLE = DashboardDay._meta.db_table

#: The roll-up's columns, in the order the roll-up writes them (its table and the page's live part alike).
DAY_COLUMNS = ("day", "grain", "centre_id", "item_code", "channel", "cases", "decided", "on_time", "days_decided",
               "days_used", "promised_allowed", "legal_allowed", "promised_limit", "legal_limit")
# The roll-up's one pass over the registry rows: {where} picks the rows (bounding `submitted_at`), {days} the
# days kept. The nightly run writes it into DashboardDay (supervision.dashboards.rollup); a page reads it over
# the days after the roll-up (today, and yesterday until the run) into LIVE_TABLE, once a page: one rule for
# the figures of a day, whether rolled up or live.
ROLLUP_SELECT = f"""
    SELECT r.day,
           (CASE WHEN GROUPING(r.item_code) = 0 THEN '{Grain.ITEM}' WHEN GROUPING(r.channel) = 0 THEN '{Grain.CHANNEL}'
                 ELSE '{Grain.TOTAL}' END)::varchar AS grain,
           r.centre_id, coalesce(r.item_code, '') AS item_code, coalesce(r.channel, '') AS channel,
           count(*)::int AS cases, (count(*) FILTER (WHERE r.decided))::int AS decided,
           (count(*) FILTER (WHERE r.on_time))::int AS on_time, (count(*) FILTER (WHERE r.days))::int AS days_decided,
           sum(r.used) FILTER (WHERE r.days) AS days_used,
           sum(r.promised_allowed) FILTER (WHERE r.days) AS promised_allowed,
           sum(r.legal_allowed) FILTER (WHERE r.days) AS legal_allowed,
           sum(r.promised_limit_days) FILTER (WHERE r.days) AS promised_limit,
           sum(r.legal_limit_days) FILTER (WHERE r.days) AS legal_limit
    FROM (SELECT {SUBMISSION_DAY} AS day, r.centre_id, r.item_code, r.channel,
                 {DECIDED_SQL} AS decided, coalesce({ON_TIME_SQL}, false) AS on_time,
                 coalesce({DAYS_SQL}, false) AS days,
                 {DECISION_DAY} - (r.accepted_on - {EPOCH_DAY}) AS used,
                 r.promised_due - r.accepted_on AS promised_allowed, r.legal_due - r.accepted_on AS legal_allowed,
                 r.promised_limit_days, r.legal_limit_days
          FROM registry_registryentry r WHERE {{where}}) r
    {{days}}
    GROUP BY GROUPING SETS ((r.day, r.centre_id, r.item_code), (r.day, r.item_code),
                            (r.day, r.centre_id, r.channel), (r.day, r.channel), (r.day, r.centre_id), (r.day))"""
#: The page's live part: ROLLUP_SELECT over the registry rows submitted from `Scope.live_from` on (a
#: temporary table, dropped at the end of the page's transaction). Its columns have the roll-up table's types
#: (the casts above): PostgreSQL pushes a chart's conditions into both halves of DAYS_FROM only then, and the
#: roll-up's indexes serve them.
LIVE_TABLE = "pg_temp.supervision_dashboard_live"
_COLUMNS = ", ".join(DAY_COLUMNS)
#: The days a chart reads (alias d): the roll-up's before `live_from`, the live part's after.
DAYS_FROM = (f"(SELECT {_COLUMNS} FROM {ROLLUP_TABLE} WHERE day < %(live_from)s "
             f"UNION ALL SELECT {_COLUMNS} FROM {LIVE_TABLE}) d")

SQL: dict[str, str] = {
    # Volume, decisions on time and days used, by item category: aggregate by item code first
    # (~160 groups), then join the catalogue for the category.
    "category": f"""
        SELECT coalesce(i.category, '') AS category, sum(g.cases)::bigint AS cases
        FROM (SELECT d.item_code, sum(d.cases) AS cases FROM {DAYS_FROM} WHERE {{rolled_item}}
              GROUP BY d.item_code) g
        LEFT JOIN catalog_item i ON i.code = g.item_code
        GROUP BY 1""",
    "channel": f"""
        SELECT d.channel, sum(d.cases)::bigint AS cases FROM {DAYS_FROM} WHERE {{rolled_channel}}
        GROUP BY d.channel""",
    # Cases a day, added up by week (weeks start on the Monday of the period's first week).
    "week": f"""
        SELECT (d.day - %(first_week)s::date) / 7 AS week, sum(d.cases)::bigint AS cases
        FROM {DAYS_FROM} WHERE {{rolled_total}} GROUP BY 1""",
    "on_time": f"""
        SELECT coalesce(i.category, '') AS category, sum(g.decided)::bigint AS decided,
               sum(g.on_time)::bigint AS on_time
        FROM (SELECT d.item_code, sum(d.decided) AS decided, sum(d.on_time) AS on_time FROM {DAYS_FROM}
              WHERE {{rolled_item}} GROUP BY d.item_code) g
        LEFT JOIN catalog_item i ON i.code = g.item_code
        GROUP BY 1""",
    "days": f"""
        SELECT coalesce(i.category, '') AS category, sum(g.n)::bigint AS decided, sum(g.used)::bigint AS used,
               sum(g.promised_allowed)::bigint AS promised_allowed, sum(g.legal_allowed)::bigint AS legal_allowed,
               sum(g.promised_limit)::bigint AS promised_limit, sum(g.legal_limit)::bigint AS legal_limit
        FROM (SELECT d.item_code, sum(d.days_decided) AS n, sum(d.days_used) AS used,
                     sum(d.promised_allowed) AS promised_allowed, sum(d.legal_allowed) AS legal_allowed,
                     sum(d.promised_limit) AS promised_limit, sum(d.legal_limit) AS legal_limit
              FROM {DAYS_FROM} WHERE {{rolled_item}} AND d.days_decided > 0 GROUP BY d.item_code) g
        LEFT JOIN catalog_item i ON i.code = g.item_code
        GROUP BY 1""",
    # Overdue now (a snapshot): by centre on the city's dashboard, by department on a centre's.
    "overdue_by_centre": f"""
        SELECT c.id AS centre_id, c.division_code, c.name_zh, c.name_en, g.cases
        FROM (SELECT r.centre_id, count(*) AS cases FROM registry_registryentry r
              WHERE {OVERDUE_SQL} {{centre}} GROUP BY r.centre_id) g
        JOIN tenants_centre c ON c.id = g.centre_id""",
    "overdue_by_department": f"""
        SELECT r.department_code, max(r.department_name_zh) AS name_zh, max(r.department_name_en) AS name_en,
               count(*) AS cases
        FROM registry_registryentry r WHERE {OVERDUE_SQL} {{centre}} GROUP BY r.department_code""",
    "overdue_list": f"""
        SELECT r.number, c.division_code, c.name_zh AS centre_zh, c.name_en AS centre_en, r.item_code,
               r.item_name_zh, r.item_name_en, r.department_name_zh, r.department_name_en, r.promised_due,
               %(today)s::date - r.promised_due AS days_overdue
        FROM registry_registryentry r JOIN tenants_centre c ON c.id = r.centre_id
        WHERE {OVERDUE_SQL} {{centre}}
        ORDER BY r.promised_due, r.number LIMIT %(limit)s""",
    # The city's per-centre breakdown over the period.
    "centres": f"""
        SELECT c.id AS centre_id, c.division_code, c.name_zh, c.name_en, c.level, g.cases, g.decided, g.on_time
        FROM (SELECT d.centre_id, sum(d.cases)::bigint AS cases, sum(d.decided)::bigint AS decided,
                     sum(d.on_time)::bigint AS on_time
              FROM {DAYS_FROM} WHERE {{rolled_centres}} GROUP BY d.centre_id) g
        JOIN tenants_centre c ON c.id = g.centre_id""",
    "warnings": """
        SELECT w.level, count(*) AS warnings FROM {warning_table} w
        WHERE w.fired_at >= %(start_at)s AND w.fired_at < %(end_at)s {centre_w} GROUP BY w.level""",
}

#: The queries over the period, from the roll-up and the live part (`live_part`).
PERIOD_QUERIES = frozenset({"category", "channel", "week", "on_time", "days", "centres"})
#: The charts timed by the benchmark (the registry's GROUP BY queries).
REGISTRY_QUERIES = ("category", "channel", "week", "on_time", "days", "overdue_by_centre",
                    "overdue_by_department", "overdue_list", "centres")


def _live_where(scope: Scope) -> str:
    # A case's row is written when it is submitted and at each step after: every row submitted since a
    # time has `last_event_at` since then too, so the live part starts on the index `registry_last_event`.
    where = ("r.last_event_at >= %(live_from_at)s AND r.submitted_at >= %(live_from_at)s "
             "AND r.submitted_at < %(end_at)s")
    return where + (" AND r.centre_id = %(centre_id)s" if scope.centre is not None else "")


def _params(scope: Scope, *, limit: int = OVERDUE_LIST_LIMIT) -> dict[str, Any]:
    return {"start_at": scope.start_at, "end_at": scope.end_at, "today": scope.today,
            "start": scope.start, "end": scope.end, "live_from": scope.live_from, "live_from_at": scope.live_from_at,
            "offset": utc_offset_seconds(), "first_week": scope.first_week,
            "decided": DECIDED_STATUSES, "running": RUNNING_STATUSES,
            "centre_id": scope.centre.pk if scope.centre else None, "limit": limit}


def live_statement(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters that fill LIVE_TABLE for `scope` (the page's one read of the registry's rows
    submitted after the roll-up)."""
    sql = (f"CREATE TEMPORARY TABLE {LIVE_TABLE} ON COMMIT DROP AS "
           + ROLLUP_SELECT.format(where=_live_where(scope), days=""))
    return sql, _params(scope)


#: The scope whose live part LIVE_TABLE holds, inside `live_part`.
_live_scope: ContextVar[Scope | None] = ContextVar("dashboard_live_scope", default=None)


@contextmanager
def live_part(scope: Scope) -> Iterator[None]:
    """Within this block the period charts of `scope` read the registry's rows after the roll-up once, in
    the roll-up's shape, from LIVE_TABLE (one transaction; the table is dropped when the block ends). A
    period chart read outside such a block opens one for itself.

    Raises whatever the statements raise (psycopg's errors, as Django's `DatabaseError`)."""
    if _live_scope.get() == scope:
        yield
        return
    sql, params = live_statement(scope)
    with transaction.atomic(), connection.cursor() as cursor:
        # one day's rows or a few: the planner's row estimate (a range on two timestamps) is poor, and JIT
        # compiling the grouping sets cost ~30 ms of a ~50 ms read (this transaction only)
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        token = _live_scope.set(scope)
        try:
            yield
        finally:
            _live_scope.reset(token)
        # Inside a longer transaction (a test's) the table would outlive the block: dropped here. On an
        # error the transaction (or savepoint) is rolled back, and the table with it.
        cursor.execute(f"DROP TABLE {LIVE_TABLE}")


def statement(name: str, scope: Scope, *, limit: int = OVERDUE_LIST_LIMIT) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters of chart `name` for `scope` (the period charts inside `live_part(scope)`)."""
    rolled = "d.day >= %(start)s AND d.day < %(end)s AND d.grain = '{grain}' AND d.centre_id {centre}"
    centre = centre_w = ""
    rolled_centre = "IS NULL"
    if scope.centre is not None:
        centre = "AND r.centre_id = %(centre_id)s"
        centre_w = "AND w.centre_id = %(centre_id)s"
        rolled_centre = "= %(centre_id)s"
    sql = SQL[name].format(
        centre=centre, centre_w=centre_w,
        rolled_item=rolled.format(grain=Grain.ITEM, centre=rolled_centre),
        rolled_channel=rolled.format(grain=Grain.CHANNEL, centre=rolled_centre),
        rolled_total=rolled.format(grain=Grain.TOTAL, centre=rolled_centre),
        rolled_centres=rolled.format(grain=Grain.TOTAL,
                                     centre="IS NOT NULL" if scope.centre is None else rolled_centre),
        warning_table=connection.ops.quote_name(DeadlineWarning._meta.db_table))
    return sql, _params(scope, limit=limit)


def _fetch(name: str, scope: Scope, **kwargs) -> list[dict[str, Any]]:
    sql, params = statement(name, scope, **kwargs)
    with live_part(scope) if name in PERIOD_QUERIES else nullcontext(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [col[0] for col in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- labels ----------------------------------------------------------------------------------------------

def _category_label(code: str) -> str:
    return str(Category(code).label) if code in Category.values else _("Other (local or unlisted items)")


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _avg(total: int | None, count: int) -> float | None:
    return round(total / count, 1) if count and total is not None else None


def _by_category(rows: list[dict]) -> list[tuple[str, dict]]:
    """Rows keyed by category in the catalogue's order; an unknown category is 'other', last."""
    found = {(r["category"] if r["category"] in Category.values else UNKNOWN): r for r in rows}
    return [(code, found[code]) for code in [*Category.values, UNKNOWN] if code in found]


# --- the charts ------------------------------------------------------------------------------------------

def volume_by_category(scope: Scope) -> Chart:
    rows = [{"category": code, "label": _category_label(code), "cases": int(r["cases"])}
            for code, r in _by_category(_fetch("category", scope))]
    return Chart("category", _("Cases by item category"),
                 [("category", _("Category code")), ("label", _("Category")), ("cases", _("Cases"))], rows,
                 {"total": sum(r["cases"] for r in rows)})


def volume_by_channel(scope: Scope) -> Chart:
    found = {r["channel"]: int(r["cases"]) for r in _fetch("channel", scope)}
    order = [*Channel.values, *sorted(set(found) - set(Channel.values))]
    rows = [{"channel": c, "label": str(Channel(c).label) if c in Channel.values else c, "cases": found[c]}
            for c in order if c in found]
    return Chart("channel", _("Cases by channel"),
                 [("channel", _("Channel code")), ("label", _("Channel")), ("cases", _("Cases"))], rows,
                 {"total": sum(found.values())})


def volume_by_week(scope: Scope) -> Chart:
    weeks = scope.weeks()
    found = {weeks[r["week"]]: int(r["cases"]) for r in _fetch("week", scope)}
    rows = [{"week": w, "cases": found.get(w, 0), "partial": w < scope.start or w + dt.timedelta(days=7) > scope.end}
            for w in weeks]
    return Chart("week", _("Cases submitted each week"),
                 [("week", _("Week starting")), ("cases", _("Cases"))], rows,
                 {"total": sum(found.values())})


def on_time(scope: Scope) -> Chart:
    rows: list[dict[str, Any]] = []
    for code, r in _by_category(_fetch("on_time", scope)):
        decided, timely = int(r["decided"] or 0), int(r["on_time"] or 0)
        if decided:
            rows.append({"category": code, "label": _category_label(code), "decided": decided, "on_time": timely,
                         "late": decided - timely, "rate": _rate(timely, decided)})
    decided = sum(r["decided"] for r in rows)
    timely = sum(r["on_time"] for r in rows)
    return Chart("on_time", _("Decided on time"),
                 [("category", _("Category code")), ("label", _("Category")), ("decided", _("Decided")),
                  ("on_time", _("On time")), ("late", _("Late")), ("rate", _("On-time rate (%)"))], rows,
                 {"decided": decided, "on_time": timely, "late": decided - timely, "rate": _rate(timely, decided)})


def days_used(scope: Scope) -> Chart:
    rows = []
    for code, r in _by_category(_fetch("days", scope)):
        n = int(r["decided"] or 0)
        rows.append({"category": code, "label": _category_label(code), "decided": n,
                     "avg_used": _avg(r["used"], n), "avg_promised_allowed": _avg(r["promised_allowed"], n),
                     "avg_legal_allowed": _avg(r["legal_allowed"], n),
                     "avg_promised_limit": _avg(r["promised_limit"], n), "avg_legal_limit": _avg(r["legal_limit"], n)})
    return Chart("days", _("Days used against the limits"),
                 [("category", _("Category code")), ("label", _("Category")), ("decided", _("Decided")),
                  ("avg_used", _("Average calendar days used")),
                  ("avg_promised_allowed", _("Average calendar days the promise allowed")),
                  ("avg_legal_allowed", _("Average calendar days the law allowed")),
                  ("avg_promised_limit", _("Average promised limit (working days)")),
                  ("avg_legal_limit", _("Average legal limit (working days)"))], rows)


def overdue_breakdown(scope: Scope) -> Chart:
    """Overdue now, by centre (city) or by department (a centre)."""
    if scope.centre is None:
        rows = [{"code": r["division_code"], "label": pick(r["name_zh"], r["name_en"]), "cases": int(r["cases"])}
                for r in _fetch("overdue_by_centre", scope)]
        title, code_label, label = _("Overdue now, by centre"), _("Division code"), _("Centre")
    else:
        rows = [{"code": r["department_code"], "label": pick(r["name_zh"], r["name_en"]) or r["department_code"]
                 or _("No department"), "cases": int(r["cases"])} for r in _fetch("overdue_by_department", scope)]
        title, code_label, label = _("Overdue now, by department"), _("Department code"), _("Department")
    rows.sort(key=lambda r: (-r["cases"], r["code"]))
    return Chart("overdue", title, [("code", code_label), ("label", label), ("cases", _("Overdue cases"))], rows,
                 {"total": sum(r["cases"] for r in rows)})


def overdue_list(scope: Scope, *, limit: int = OVERDUE_LIST_LIMIT) -> Chart:
    rows = [{"number": r["number"], "centre_code": r["division_code"], "centre": pick(r["centre_zh"], r["centre_en"]),
             "item_code": r["item_code"], "item": pick(r["item_name_zh"], r["item_name_en"]),
             "department": pick(r["department_name_zh"], r["department_name_en"]), "promised_due": r["promised_due"],
             "days_overdue": int(r["days_overdue"])} for r in _fetch("overdue_list", scope, limit=limit)]
    return Chart("overdue_list", _("Overdue cases"),
                 [("number", _("Case number")), ("centre_code", _("Division code")), ("centre", _("Centre")),
                  ("item_code", _("Item code")), ("item", _("Item")), ("department", _("Department")),
                  ("promised_due", _("Promised due date")), ("days_overdue", _("Days overdue"))], rows)


def centre_breakdown(scope: Scope, overdue: Chart | None = None) -> Chart:
    """The city's per-centre table: cases in the period, decided, on time, rate, and overdue now."""
    overdue = overdue or overdue_breakdown(scope)
    overdue_by_code = {r["code"]: r["cases"] for r in overdue.rows}
    rows = []
    for r in _fetch("centres", scope):
        decided, timely = int(r["decided"]), int(r["on_time"])
        rows.append({"code": r["division_code"], "label": pick(r["name_zh"], r["name_en"]), "level": r["level"],
                     "cases": int(r["cases"]), "decided": decided, "on_time": timely, "rate": _rate(timely, decided),
                     "overdue": overdue_by_code.pop(r["division_code"], 0)})
    for code, cases in overdue_by_code.items():  # overdue cases submitted before the period
        label = next(r["label"] for r in overdue.rows if r["code"] == code)
        rows.append({"code": code, "label": label, "level": "", "cases": 0, "decided": 0, "on_time": 0,
                     "rate": None, "overdue": cases})
    rows.sort(key=lambda r: r["code"])
    return Chart("centres", _("Centres"),
                 [("code", _("Division code")), ("label", _("Centre")), ("cases", _("Cases")),
                  ("decided", _("Decided")), ("on_time", _("On time")), ("rate", _("On-time rate (%)")),
                  ("overdue", _("Overdue now"))], rows)


def warnings_by_level(scope: Scope) -> Chart:
    """Warnings fired in the period, by level (the warnings room's table)."""
    found = {r["level"]: int(r["warnings"]) for r in _fetch("warnings", scope)}
    rows = [{"level": level, "label": str(WarningLevel(level).label), "warnings": found.get(level, 0)}
            for level in WarningLevel.values]
    return Chart("warnings", _("Warnings by level"),
                 [("level", _("Level code")), ("label", _("Level")), ("warnings", _("Warnings"))], rows,
                 {"total": sum(found.values())})


def compression(scope: Scope) -> Chart:
    """Promised against legal limits per category (catalog.reports.compression_report)."""
    report = compression_report(centre=scope.centre, on=scope.today)
    rows = []
    for r in [*report["categories"].values(), report["overall"]]:
        value = r["compression"]
        rows.append({"category": r["category"], "label": pick(r["label_zh"], r["label_en"]), "items": r["items"],
                     "legal_days": r["legal_days"], "promised_days": r["promised_days"],
                     "shorter_pct": round(float(value) * 100, 2) if value is not None else None})
    return Chart("compression", _("Promised against legal time limits"),
                 [("category", _("Category code")), ("label", _("Category")), ("items", _("Items")),
                  ("legal_days", _("Legal limits (working days)")),
                  ("promised_days", _("Promised limits (working days)")), ("shorter_pct", _("Shorter by (%)"))],
                 rows)


CHARTS: dict[str, Callable[[Scope], Chart]] = {
    "category": volume_by_category, "channel": volume_by_channel, "week": volume_by_week, "on_time": on_time,
    "days": days_used, "overdue": overdue_breakdown, "overdue_list": overdue_list, "centres": centre_breakdown,
    "warnings": warnings_by_level, "compression": compression,
}
CITY_ONLY = frozenset({"centres"})



def chart(name: str, scope: Scope) -> Chart | None:
    """One chart by name (for the CSV export); None if there is no such chart for this scope."""
    if name not in CHARTS or (name in CITY_ONLY and scope.centre is not None):
        return None
    if name == "overdue_list":
        return overdue_list(scope, limit=OVERDUE_CSV_LIMIT)
    return CHARTS[name](scope)


def dashboard(scope: Scope) -> dict[str, Chart]:
    """Every chart of the dashboard for `scope`."""
    overdue = overdue_breakdown(scope)
    with live_part(scope):
        charts: dict[str, Chart] = {
            "week": volume_by_week(scope), "category": volume_by_category(scope),
            "channel": volume_by_channel(scope), "on_time": on_time(scope), "days": days_used(scope),
            "overdue": overdue, "overdue_list": overdue_list(scope), "warnings": warnings_by_level(scope),
            "compression": compression(scope)}
        if scope.centre is None:
            charts["centres"] = centre_breakdown(scope, overdue)
    return charts

