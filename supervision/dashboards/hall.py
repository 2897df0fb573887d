"""The hall's figures (大厅 排队数据) on the supervision dashboards and in the daily bulletin: how long
people waited and were served, who did not come, how many tickets a day, and who is waiting too long
now.

Read from the public mirror `registry.HallVisit` (one row per ticket of every centre, written in the
ticket's transaction by the hall), never from a centre's schema, and never through `hall` (supervision
may not import it). One statement per dashboard: a centre's breakdowns (per queue, window, clerk, hour
of the day and day) come from one GROUP BY GROUPING SETS, with the people waiting too long now appended
(UNION ALL); the city's per-centre table, and the bulletin's hall line, from one GROUP BY centre (the
city's total added up from it). The SQL is kept in `SQL` so that platform/bench/hall_figures_bench.py times the
very statements the pages run.

Definitions (the page says them too), all times in minutes:
- *Wait* (等候时长): called_at − taken_at, over the tickets called in the period (a transferred ticket's
  wait runs to its last call: the hall clears its call when it is transferred).
- *Service* (办理时长): finished_at − started_at, over the tickets served.
- *Mean* and *p90*: the average and the 90th percentile (PostgreSQL `percentile_cont(0.9)`: 9 in 10
  people waited no longer). The city's totals have a mean but no p90 (each centre's line has both); the
  city's section covers the last `CITY_DAYS` days of the period.
- *No-show rate* (过号率): tickets marked "did not come" over the tickets called.
- *Waited over 30 minutes*: from taking the ticket to its call (or to its cancellation, or to now for a
  ticket still waiting) more than `HALL_LONG_WAIT`.
- *Waiting too long now*: today's tickets still waiting, taken more than `HALL_LONG_WAIT` ago; *flagged*
  once the long-wait sweep (supervision.warnings.services.hall_long_wait_sweep) has told the centre's
  chief representatives.
- The hour of the day is the local hour (Asia/Shanghai) the ticket was taken.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from common.i18n import pick
from supervision.dashboards.selectors import Chart, Scope
from supervision.warnings.choices import HALL_LONG_WAIT
from tenants.models import Centre, User

#: The people waiting too long now listed on a centre's dashboard (the longest first).
WAITING_LIST_LIMIT = 50
#: The city's hall section covers the period's last days only: each centre's p90 sorts its tickets, and 200
#: centres' 300 tickets a day over 90 days took seconds (docs/benchmarks.md, "The hall (issue 15)").
CITY_DAYS = 7
#: The charts of the hall section, by key (the CSV exports' names).
CENTRE_CHARTS = ("hall_queue", "hall_window", "hall_clerk", "hall_hour", "hall_day")
CITY_CHARTS = ("hall_centres",)

_WAIT = "date_part('epoch', v.called_at - v.taken_at)"
_SERVICE = "date_part('epoch', v.finished_at - v.started_at)"
_LONG = ("coalesce(v.called_at, v.finished_at, %(now)s::timestamptz) - v.taken_at > %(long_wait)s::interval")
_WAITING_LONG = ("v.status = 'waiting' AND v.day = %(today)s AND v.taken_at <= %(now)s::timestamptz - "
                 "%(long_wait)s::interval")
_HOUR = "(floor((date_part('epoch', v.taken_at) + %(offset)s) / 3600)::int %% 24)"
_FIGURES = f"""
       count(*) AS tickets,
       count(*) FILTER (WHERE v.called_at IS NOT NULL) AS called,
       count(*) FILTER (WHERE v.status = 'no_show') AS no_shows,
       count(*) FILTER (WHERE v.status = 'done') AS served,
       avg({_WAIT}) AS wait_mean,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY {_WAIT}) AS wait_p90,
       avg({_SERVICE}) AS service_mean,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY {_SERVICE}) AS service_p90,
       count(*) FILTER (WHERE {_LONG}) AS long_waits,
       count(*) FILTER (WHERE {_WAITING_LONG}) AS waiting_long,
       count(*) FILTER (WHERE {_WAITING_LONG} AND v.long_wait_flagged_at IS NOT NULL) AS flagged"""
_PERIOD = "v.day >= %(start)s AND v.day < %(end)s"

SQL: dict[str, str] = {
    # A centre: every breakdown in one pass (GROUPING() tells the sets apart: 0 = grouped by it), then
    # the clerks' names, then today's long waiters (set 'waiting'; `key` is the ticket, `since` when taken).
    "centre": f"""
        WITH g AS (
            SELECT GROUPING(v.queue_letter, v.window_number, v.clerk_id, v.hour, v.day) AS bits,
                   v.queue_letter, v.window_number, v.clerk_id, v.hour, v.day, {_FIGURES}
              FROM (SELECT v.*, {_HOUR} AS hour FROM registry_hallvisit v
                     WHERE v.centre_id = %(centre_id)s AND {_PERIOD}) v
             GROUP BY GROUPING SETS ((), (v.queue_letter), (v.window_number), (v.clerk_id), (v.hour), (v.day))
        )
        SELECT g.*, u.username, u.full_name, u.full_name_en, NULL::text AS code, NULL::timestamptz AS since,
               NULL::timestamptz AS flagged_at
          FROM g LEFT JOIN tenants_user u ON u.id = g.clerk_id AND g.bits = 27
        UNION ALL
        (SELECT -1, v.queue_letter, '', NULL, NULL, v.day, 1, 0, 0, 0, NULL, NULL, NULL, NULL, 0, 1,
                (v.long_wait_flagged_at IS NOT NULL)::int, NULL, NULL, NULL, v.code, v.taken_at,
                v.long_wait_flagged_at
           FROM registry_hallvisit v
          WHERE v.centre_id = %(centre_id)s AND {_WAITING_LONG}
          ORDER BY v.taken_at LIMIT %(limit)s)""",
    # The city (or one centre's bulletin line): a line per centre, with the sums the city's total is added up
    # from (a city-wide percentile would sort every ticket of the period once more: measured, it doubled the
    # time, docs/benchmarks.md).
    "centres": f"""
        WITH g AS (
            SELECT v.centre_id, {_FIGURES}, sum({_WAIT}) AS wait_sum, sum({_SERVICE}) AS service_sum,
                   count({_SERVICE}) AS service_n
              FROM registry_hallvisit v
             WHERE {_PERIOD} {{centre}}
             GROUP BY v.centre_id
        )
        SELECT g.*, c.division_code, c.name_zh, c.name_en, c.level
          FROM g JOIN tenants_centre c ON c.id = g.centre_id""",
}

#: GROUPING(queue, window, clerk, hour, day): the bit of the set a row belongs to is 0.
_SETS = {31: "all", 15: "queue", 23: "window", 27: "clerk", 29: "hour", 30: "day", -1: "waiting"}


def statement(name: str, *, centre: Centre | None, start: dt.date, end: dt.date, today: dt.date,
              now: dt.datetime) -> tuple[str, dict[str, Any]]:
    """The SQL and parameters of `name` ('centre' or 'centres') for tickets of days [start, end)."""
    sql = SQL[name].format(centre="AND v.centre_id = %(centre_id)s" if centre is not None else "")
    offset = timezone.localtime(now).utcoffset() or dt.timedelta(0)
    return sql, {"centre_id": centre.pk if centre is not None else None, "start": start, "end": end, "today": today,
                 "now": now, "long_wait": HALL_LONG_WAIT, "offset": int(offset.total_seconds()),
                 "limit": WAITING_LIST_LIMIT}


def _fetch(name: str, **kwargs) -> list[dict[str, Any]]:
    sql, params = statement(name, **kwargs)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [col[0] for col in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- figures -----------------------------------------------------------------------------------------

def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    """A row's figures as a chief reads them: minutes (one decimal) and percentages."""
    called, no_shows = int(row["called"]), int(row["no_shows"])
    return {"tickets": int(row["tickets"]), "called": called, "served": int(row["served"]), "no_shows": no_shows,
            "no_show_rate": _rate(no_shows, called), "wait_mean": _minutes(row["wait_mean"]),
            "wait_p90": _minutes(row["wait_p90"]), "service_mean": _minutes(row["service_mean"]),
            "service_p90": _minutes(row["service_p90"]), "long_waits": int(row["long_waits"]),
            "waiting_long": int(row["waiting_long"]), "flagged": int(row["flagged"])}


def _columns(first: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [*first, ("tickets", _("Tickets")), ("wait_mean", _("Mean wait (min)")),
            ("wait_p90", _("Wait, 9 in 10 within (min)")), ("service_mean", _("Mean service (min)")),
            ("service_p90", _("Service, 9 in 10 within (min)")), ("no_show_rate", _("No-show rate (%)")),
            ("long_waits", _("Waited over 30 minutes"))]


@dataclass
class WaitingTicket:
    """A ticket waiting too long now: its code, queue, when it was taken, minutes waited, and when the
    chief representatives were told (None: not yet)."""

    code: str
    queue_letter: str
    since: dt.datetime
    minutes: int
    flagged_at: dt.datetime | None


@dataclass
class HallFigures:
    """The hall's figures for the tickets of days [start, end): the totals, the tables (charts) and, on a
    centre's dashboard, the people waiting too long now. The city's totals have no p90 (None)."""

    start: dt.date
    end: dt.date
    summary: dict[str, Any]
    charts: dict[str, Chart]
    waiting: list[WaitingTicket] = field(default_factory=list)

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def has_tickets(self) -> bool:
        return bool(self.summary["tickets"] or self.summary["waiting_long"])


def _empty() -> dict[str, Any]:
    return _figures({"tickets": 0, "called": 0, "served": 0, "no_shows": 0, "wait_mean": None, "wait_p90": None,
                     "service_mean": None, "service_p90": None, "long_waits": 0, "waiting_long": 0, "flagged": 0})


def centre_figures(*, centre: Centre, start: dt.date, end: dt.date, today: dt.date,
                   now: dt.datetime | None = None) -> HallFigures:
    """One centre's hall over the days [start, end): totals, and per queue, window, clerk (by name), hour
    of the day and day; today's long waiters. One query."""
    now = now or timezone.now()
    by_set: dict[str, list[dict[str, Any]]] = {name: [] for name in _SETS.values()}
    for row in _fetch("centre", centre=centre, start=start, end=end, today=today, now=now):
        by_set[_SETS[row["bits"]]].append(row)
    summary = _figures(by_set["all"][0]) if by_set["all"] else _empty()
    summary["waiting_long"], summary["flagged"] = (len(by_set["waiting"]),
                                                   sum(1 for r in by_set["waiting"] if r["flagged_at"]))
    queues = sorted(({"queue": r["queue_letter"], **_figures(r)} for r in by_set["queue"]), key=lambda r: r["queue"])
    windows = sorted(({"window": r["window_number"], **_figures(r)} for r in by_set["window"] if r["window_number"]),
                     key=lambda r: (len(r["window"]), r["window"]))
    clerks = []
    for r in by_set["clerk"]:
        if r["clerk_id"] is None:
            continue
        name = (User(username=r["username"], full_name=r["full_name"] or "", full_name_en=r["full_name_en"] or "")
                .display_name if r["username"] else f"#{r['clerk_id']}")
        clerks.append({"clerk_id": r["clerk_id"], "clerk": name, **_figures(r)})
    clerks.sort(key=lambda r: (r["clerk"], r["clerk_id"]))
    hours = sorted(({"hour": r["hour"], "label": f"{r['hour']:02d}:00", **_figures(r)} for r in by_set["hour"]),
                   key=lambda r: r["hour"])
    found_days = {r["day"]: _figures(r) for r in by_set["day"]}
    days = [{"day": start + dt.timedelta(days=i), **found_days.get(start + dt.timedelta(days=i), _empty())}
            for i in range((end - start).days)]
    waiting = [WaitingTicket(code=r["code"], queue_letter=r["queue_letter"], since=r["since"],
                             minutes=int((now - r["since"]).total_seconds() // 60), flagged_at=r["flagged_at"])
               for r in by_set["waiting"]]
    charts = {
        "hall_queue": Chart("hall_queue", _("Hall: waiting and service by queue"),
                            _columns([("queue", _("Queue"))]), queues),
        "hall_window": Chart("hall_window", _("Hall: waiting and service by window"),
                             _columns([("window", _("Window"))]), windows),
        "hall_clerk": Chart("hall_clerk", _("Hall: waiting and service by clerk"),
                            [("clerk_id", _("User id")), *_columns([("clerk", _("Clerk"))])], clerks),
        "hall_hour": Chart("hall_hour", _("Hall: waiting by hour of the day"),
                           [("hour", _("Hour")), *_columns([("label", _("Taken at"))])], hours),
        "hall_day": Chart("hall_day", _("Hall: tickets a day"),
                          [("day", _("Day")), ("tickets", _("Tickets")), ("no_shows", _("No-shows")),
                           ("wait_mean", _("Mean wait (min)")), ("long_waits", _("Waited over 30 minutes"))], days),
    }
    return HallFigures(start=start, end=end, summary=summary, charts=charts, waiting=waiting)


def centres_figures(*, start: dt.date, end: dt.date, today: dt.date, centre: Centre | None = None,
                    now: dt.datetime | None = None) -> HallFigures:
    """Every centre's hall over the days [start, end) (or one centre's: the bulletin's line), a line per
    centre with tickets and the city's total. One query."""
    now = now or timezone.now()
    found = _fetch("centres", centre=centre, start=start, end=end, today=today, now=now)
    rows = sorted(({"code": r["division_code"], "label": pick(r["name_zh"], r["name_en"]), "level": r["level"],
                    **_figures(r)} for r in found), key=lambda r: r["code"])
    total = {key: sum(int(r[key]) for r in found) for key in
             ("tickets", "called", "served", "no_shows", "long_waits", "waiting_long", "flagged", "service_n")}
    summary = _figures({**total, "wait_p90": None, "service_p90": None,
                        "wait_mean": (sum(r["wait_sum"] or 0 for r in found) / total["called"]
                                      if total["called"] else None),
                        "service_mean": (sum(r["service_sum"] or 0 for r in found) / total["service_n"]
                                         if total["service_n"] else None)})
    chart = Chart("hall_centres", _("Hall: centres"),
                  [("code", _("Division code")), *_columns([("label", _("Centre"))]),
                   ("waiting_long", _("Waiting over 30 minutes now"))], rows)
    return HallFigures(start=start, end=end, summary=summary, charts={"hall_centres": chart})


def for_scope(scope: Scope, *, now: dt.datetime | None = None) -> HallFigures:
    """The hall section of a dashboard: a centre's breakdowns over the period, or the city's line per
    centre over the period's last `CITY_DAYS` days at most (every centre's tickets: 60,000 a day)."""
    if scope.centre is None:
        start = max(scope.start, scope.today - dt.timedelta(days=CITY_DAYS - 1))
        return centres_figures(start=start, end=scope.end, today=scope.today, now=now)
    return centre_figures(centre=scope.centre, start=scope.start, end=scope.end, today=scope.today, now=now)


def day_line(*, day: dt.date, centre: Centre | None, now: dt.datetime | None = None) -> HallFigures:
    """The daily bulletin's hall line: the day's tickets, mean wait, no-show rate and waits over 30
    minutes, of one centre or of every centre (a line each). One query."""
    return centres_figures(start=day, end=day + dt.timedelta(days=1), today=timezone.localdate(), centre=centre,
                           now=now)
