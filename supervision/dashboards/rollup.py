"""The dashboards' daily roll-up (监察看板日汇总): `DashboardDay` rows recomputed from the case registry.

A run (the beat's `supervision.dashboard_rollup`, once a day after midnight; or `manage.py dashboard_rollup`)
recomputes, whole, every day that may have changed since the previous run, in one transaction:
- the days after the previous run's `through` up to yesterday (not rolled up yet);
- the submission days of the registry rows written since the previous run started (`last_event_at` at or
  after its `started_at` less `LATE_WRITE_MARGIN`, found by the index `registry_last_event`): a case
  submitted on day 1 and decided on day 3 makes the run after day 3 recompute day 1.
The first run, or `rebuild=True`, recomputes every day before today.

Reading a day's rows takes one pass over the registry (no index on `submitted_at`: the registry's writes
should not pay for one); the rows are grouped by GROUPING SETS into the six breakdowns the charts read.
Pages read the days up to `through` from here and the later ones (today, and yesterday until the run)
live from the registry (supervision.dashboards.selectors). Until the next run, a day already rolled up
keeps the figures it had then: a decision taken today on a case submitted earlier shows on the pages
from the next run on.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from supervision.dashboards.models import DashboardDay, DashboardRollupRun, Grain
from supervision.dashboards.selectors import (
    DAY_COLUMNS,
    DECIDED_STATUSES,
    ROLLUP_SELECT,
    SUBMISSION_DAY,
    local_midnight,
    utc_offset_seconds,
)

#: Registry rows written this long before the previous run started are looked at again (a write whose
#: transaction was still open then, or the registry fed late from a centre's outbox).
LATE_WRITE_MARGIN = dt.timedelta(hours=1)
#: The run's work_mem (SET LOCAL).
ROLLUP_WORK_MEM = "256MB"
#: pg_advisory_xact_lock key: one run at a time.
LOCK_KEY = 0x5D_A5_B0_A2

TABLE = DashboardDay._meta.db_table

# One pass over the rows of the days wanted (selectors.ROLLUP_SELECT); {where} bounds `submitted_at` (and picks
# the days).
ROLLUP_SQL = f"""
    INSERT INTO {TABLE} ({", ".join(DAY_COLUMNS)})
    {ROLLUP_SELECT}
    -- written in the order the pages read them: a chart's rows (one breakdown, one centre or all, a range
    -- of days) sit on a few pages, not one page in each of thousands
    ORDER BY 2, 3 NULLS FIRST, 1, 4, 5"""

CHANGED_DAYS_SQL = f"""
    SELECT DISTINCT {SUBMISSION_DAY} FROM registry_registryentry r
    WHERE r.last_event_at >= %(since)s AND r.submitted_at < %(today_at)s"""


@dataclass(frozen=True)
class RollupResult:
    """What a run did: the days recomputed, rows written, complete through which day, seconds taken."""

    days: int
    rows: int
    through: dt.date
    rebuild: bool
    seconds: float


def _params() -> dict:
    return {"offset": utc_offset_seconds(), "decided": DECIDED_STATUSES}


def _recompute(days: list[dt.date] | None, today: dt.date) -> int:
    """Delete and write again the rows of `days` (None: every day before `today`); the rows written."""
    with connection.cursor() as cursor:
        if days is None:
            cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608 - the table name is ours
            cursor.execute(ROLLUP_SQL.format(where="r.submitted_at < %(today_at)s", days=""),
                           {**_params(), "today_at": local_midnight(today)})
            return cursor.rowcount
        if not days:
            return 0
        cursor.execute(f"DELETE FROM {TABLE} WHERE day = ANY(%(days)s)", {"days": days})  # noqa: S608
        cursor.execute(ROLLUP_SQL.format(where="r.submitted_at >= %(from_at)s AND r.submitted_at < %(to_at)s",
                                         days="WHERE r.day = ANY(%(days)s)"),
                       {**_params(), "days": days, "from_at": local_midnight(min(days)),
                        "to_at": local_midnight(max(days) + dt.timedelta(days=1))})
        return cursor.rowcount


def days_to_recompute(*, last: DashboardRollupRun, today: dt.date) -> list[dt.date]:
    """The days a run after `last` recomputes (before `today`): those not rolled up yet, and the
    submission days of the registry rows written since `last` started (less the margin)."""
    days = {last.through + dt.timedelta(days=i) for i in range(1, (today - last.through).days)}
    with connection.cursor() as cursor:
        cursor.execute(CHANGED_DAYS_SQL, {"offset": utc_offset_seconds(), "since": last.started_at - LATE_WRITE_MARGIN,
                                          "today_at": local_midnight(today)})
        days.update(row[0] for row in cursor.fetchall())
    return sorted(days)


@transaction.atomic
def dashboard_rollup(*, now: dt.datetime | None = None, rebuild: bool = False) -> RollupResult:
    """Bring the roll-up up to yesterday (local date of `now`, default the current time), as the module
    docstring says; one run at a time (a second waits for the first). Logged as a `DashboardRollupRun`."""
    now = now or timezone.now()
    started = time.perf_counter()
    today = timezone.localdate(now)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        # The grouping sets of a full rebuild hold ~3 million groups at 10 million registry rows: room to
        # hash them in memory rather than spill (this transaction only).
        cursor.execute(f"SET LOCAL work_mem = '{ROLLUP_WORK_MEM}'")
    last = None if rebuild else DashboardRollupRun.objects.order_by("-started_at", "-id").first()
    if last is None:
        rows, days = _recompute(None, today), DashboardDay.objects.filter(grain=Grain.TOTAL, centre=None).count()
    else:
        wanted = days_to_recompute(last=last, today=today)
        rows, days = _recompute(wanted, today), len(wanted)
    through = today - dt.timedelta(days=1)
    DashboardRollupRun.objects.create(started_at=now, finished_at=timezone.now(), through=through, days=days,
                                      rows=rows, rebuild=last is None)
    return RollupResult(days=days, rows=rows, through=through, rebuild=last is None,
                        seconds=round(time.perf_counter() - started, 3))

