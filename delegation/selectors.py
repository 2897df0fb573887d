"""Reads of delegation and who may see them. Missing and forbidden look alike (404).

The agent's workbench reads the case's state from the public registry (a correlated subquery on its
unique `case_id` per row), so a filing's status is never a stale copy.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from cases import door
from cases.choices import DECIDED, TERMINAL
from catalog.models import Material
from common.i18n import pick
from delegation.choices import RESULT_STATUSES, HandoverStepKind
from delegation.models import (
    AgencyAssignment,
    Consent,
    GreenChannel,
    HandoverStep,
    ProjectApproval,
    ProjectProblem,
    ProxyFiling,
    Station,
    StationAgent,
)
from projects.models import KeyProject
from projects.selectors import key_project_list
from registry.models import RegistryEntry
from tenants.choices import Level
from tenants.models import AnyUser, Centre, User
from tenants.selectors import user_is_platform_admin, user_is_staff_of, user_roles_in
from workcalendar.clock import WorkCalendar

#: Rows on one page of the workbench (a small page for a weak connection).
PAGE_SIZE = 20

#: The workbench's views.
ALL = "all"
CARRY = "carry"      # materials received from the resident, to hand to the centre
DUE = "due"          # open cases by their promised due date
DELIVER = "deliver"  # decided or refused: collect the result at the centre, or bring it to the resident
VIEWS = (ALL, CARRY, DUE, DELIVER)


def agent_post_for(*, user: AnyUser, centre: Centre | None) -> StationAgent:
    """The user's station at this township (404 for anyone who is not an active agent here)."""
    if centre is None or not user.is_authenticated:
        raise Http404
    post = (StationAgent.objects.select_related("station").filter(user=user, active=True, station__township=centre)
            .first())
    if post is None:
        raise Http404
    return post


def ended_post_for(*, user: AnyUser, centre: Centre | None) -> StationAgent | None:
    """The user's latest post at this township that has ended, when they hold no post here now (what
    an agent whose post ended is told instead of a workbench)."""
    if centre is None or not user.is_authenticated:
        return None
    qs = StationAgent.objects.select_related("station").filter(user=user, station__township=centre)
    if qs.filter(active=True).exists():
        return None
    return qs.filter(active=False).order_by("-ended_at", "-pk").first()


def held_filings_for(*, centre: Centre) -> list[ProxyFiling]:
    """The township's filings waiting for an agent (their agent's post ended and the station has no
    other): the township clerks' queue, oldest first, with the case's status from the registry."""
    return list(ProxyFiling.objects.filter(station__township=centre, agent__isnull=True)
                .select_related("station", "target_centre")
                .annotate(case_status=_registry("status"), promised_due=_registry("promised_due"))
                .order_by("filed_at", "pk"))


def held_filing_get(*, centre: Centre, filing_id: uuid.UUID | str) -> ProxyFiling:
    """One filing of the township's clerks' queue (404 otherwise)."""
    filing = ProxyFiling.objects.filter(station__township=centre, agent__isnull=True, pk=filing_id).first()
    if filing is None:
        raise Http404
    return filing


def filing_for_acting(*, user: AnyUser, centre: Centre | None, filing_id: uuid.UUID | str) -> ProxyFiling:
    """A filing of this township that `user` may try to act on: one they carry, one waiting with the
    township's clerks (its staff), or one of a station where they were posted (the service then tells an
    agent whose post ended why not). 404 for anything else."""
    if centre is None or not user.is_authenticated:
        raise Http404
    filing = ProxyFiling.objects.filter(pk=filing_id, station__township=centre).first()
    if filing is None:
        raise Http404
    if filing.agent_id == user.pk or StationAgent.objects.filter(user=user, station_id=filing.station_id).exists():
        return filing
    if filing.agent_id is None and user_is_staff_of(user=user, centre=centre):
        return filing
    raise Http404


def _registry(field: str) -> Subquery:
    return Subquery(RegistryEntry.objects.filter(case_id=OuterRef("case_id")).values(field)[:1])


def _annotated(user: AnyUser) -> QuerySet[ProxyFiling]:
    if not isinstance(user, User):
        return ProxyFiling.objects.none()
    return ProxyFiling.objects.filter(agent=user).annotate(
        case_status=_registry("status"), promised_due=_registry("promised_due"))


def _view_q(view: str) -> Q:
    if view == CARRY:
        return Q(last_step=HandoverStepKind.RECEIVED_FROM_RESIDENT)
    if view == DUE:
        return Q(promised_due__isnull=False) & ~Q(case_status__in=[*TERMINAL, *DECIDED])
    if view == DELIVER:
        return Q(case_status__in=RESULT_STATUSES, last_step__in=[HandoverStepKind.HANDED_TO_CENTRE,
                                                          HandoverStepKind.RESULT_RECEIVED])
    return Q()


def workbench_counts(*, user: AnyUser) -> dict[str, int]:
    """How many filings each view holds: one query."""
    return _annotated(user).aggregate(**{view: Count("pk", filter=_view_q(view)) for view in VIEWS})


def filing_page_for(*, user: AnyUser, view: str, page: int) -> list[ProxyFiling]:
    """One page of the agent's own filings in a view: one query, whatever the number of filings."""
    qs = _annotated(user).filter(_view_q(view))
    qs = qs.order_by(F("promised_due").asc(), "filed_at") if view == DUE else qs.order_by("-filed_at")
    start = (max(page, 1) - 1) * PAGE_SIZE
    return list(qs.only("id", "case_number", "item_name_zh", "item_name_en", "resident_name_masked", "last_step",
                        "last_step_at", "filed_at", "target_centre_id")[start:start + PAGE_SIZE])


def filing_get_for(*, user: AnyUser, filing_id: uuid.UUID | str) -> ProxyFiling:
    """One of the agent's own filings with its handover log (404 for anyone else's)."""
    if not user.is_authenticated:
        raise Http404
    filing = (_annotated(user).select_related("target_centre", "station", "consent")
              .prefetch_related(Prefetch("handovers", queryset=HandoverStep.objects.order_by("at", "pk")))
              .filter(pk=filing_id).first())
    if filing is None:
        raise Http404
    return filing


def consent_scan_for(*, user: AnyUser, centre: Centre | None, consent_id: int) -> Consent:
    """A consent with its scan, for the agent who recorded it or whose filing it is, or for a user who may
    read the filing's case at `centre` (the centre that holds it: its clerks); 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404
    consent = Consent.objects.select_related("filing").filter(pk=consent_id).exclude(scan="").first()
    if consent is None:
        raise Http404
    filing = getattr(consent, "filing", None)
    if consent.recorded_by_id == user.pk or (filing is not None and filing.agent_id == user.pk):
        return consent
    if (filing is None or centre is None or filing.target_centre_id != centre.pk
            or not door.cases_visible(user=user, centre=centre, case_ids=[filing.case_id])):
        raise Http404
    return consent


def filing_of_case(*, centre: Centre, case_id: uuid.UUID) -> ProxyFiling | None:
    """The proxy filing of a case held at `centre` (None if it was not filed by proxy), with its consent,
    agent, station and handover log (who logged each step)."""
    return (ProxyFiling.objects.select_related("consent", "agent", "station")
            .prefetch_related(Prefetch("handovers", queryset=HandoverStep.objects.select_related("by")
                                       .order_by("at", "pk")))
            .filter(target_centre=centre, case_id=case_id).first())


def filing_list_for(*, user: AnyUser, view: str = ALL) -> QuerySet[ProxyFiling]:
    """The agent's own filings in a view (the API paginates it)."""
    qs = _annotated(user).filter(_view_q(view if view in VIEWS else ALL)).select_related("target_centre")
    return qs.order_by(F("promised_due").asc(), "filed_at") if view == DUE else qs.order_by("-filed_at")


# --- coverage ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CoverageRow:
    code: str
    name_zh: str
    name_en: str
    village_stations: int
    villages: int
    community_stations: int
    communities: int

    @staticmethod
    def _percent(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def village_coverage(self) -> float | None:
        return self._percent(self.village_stations, self.villages)

    @property
    def community_coverage(self) -> float | None:
        return self._percent(self.community_stations, self.communities)

    @property
    def coverage(self) -> float | None:
        return self._percent(self.village_stations + self.community_stations, self.villages + self.communities)


_COVERAGE_SQL = """
SELECT {key}.division_code, {key}.name_zh, {key}.name_en,
       COALESCE(SUM(s.village_stations), 0)::int, COALESCE(SUM(d.villages), 0)::int,
       COALESCE(SUM(s.community_stations), 0)::int, COALESCE(SUM(d.communities), 0)::int
FROM tenants_centre t
JOIN tenants_centre p ON p.id = t.parent_id
LEFT JOIN delegation_townshipdivisions d ON d.township_id = t.id
LEFT JOIN (SELECT township_id, COUNT(*) FILTER (WHERE kind = 'village') AS village_stations,
                  COUNT(*) FILTER (WHERE kind = 'community') AS community_stations
           FROM delegation_station GROUP BY township_id) s ON s.township_id = t.id
WHERE t.level = %s {where}
GROUP BY {key}.id, {key}.division_code, {key}.name_zh, {key}.name_en
ORDER BY {key}.division_code
"""


def coverage_by_district() -> list[CoverageRow]:
    """Stations ÷ villages (and communities) per district or zone, over its townships: one statement."""
    with connection.cursor() as cursor:
        cursor.execute(_COVERAGE_SQL.format(key="p", where=""), [Level.TOWNSHIP])
        return [CoverageRow(*row) for row in cursor.fetchall()]


def coverage_by_township(*, district: Centre) -> list[CoverageRow]:
    """The same per township of one district or zone: one statement."""
    with connection.cursor() as cursor:
        cursor.execute(_COVERAGE_SQL.format(key="t", where="AND t.parent_id = %s"), [Level.TOWNSHIP, district.pk])
        return [CoverageRow(*row) for row in cursor.fetchall()]


def coverage_for(*, district_code: str = "") -> tuple[Centre | None, list[CoverageRow]]:
    """Coverage per district or zone, or (with `district_code`) per township of that one: 404 when no
    district or zone has the code."""
    if not district_code:
        return None, coverage_by_district()
    district = Centre.objects.filter(division_code=district_code, level__in=[Level.DISTRICT, Level.ZONE]).first()
    if district is None:
        raise Http404
    return district, coverage_by_township(district=district)


def coverage_total(rows: list[CoverageRow]) -> CoverageRow:
    return CoverageRow("", "合计", "Total", *(sum(getattr(r, f) for r in rows) for f in (
        "village_stations", "villages", "community_stations", "communities")))


# --- the city's reports -------------------------------------------------------------------------------------

def require_city_reader(*, user: AnyUser) -> None:
    """The city's reports (key projects, green channels): the city centre's staff, platform admins."""
    if not user.is_authenticated:
        raise Http404
    if user_is_platform_admin(user=user):
        return
    city = Centre.objects.filter(level=Level.CITY).first()
    if not user_roles_in(user=user, centre=city):
        raise Http404


def _agency_records(model: type[AgencyAssignment | ProjectProblem | ProjectApproval],
                    extra: Q | None = None) -> QuerySet:
    """A project's records of one kind (the outer query's project)."""
    qs = model.objects.filter(project=OuterRef("pk"))
    return qs.filter(extra) if extra is not None else qs


def agency_projects(*, year: int | None = None) -> QuerySet[KeyProject]:
    """The register's projects under the agency service: those with an agent assigned, a problem or an
    approval recorded (the register holds the city's other key projects too, e.g. the linked ones)."""
    return key_project_list(year=year).filter(
        Exists(_agency_records(AgencyAssignment)) | Exists(_agency_records(ProjectProblem))
        | Exists(_agency_records(ProjectApproval)))


class AgencyCounts(TypedDict):
    """What the agency report counts per project."""

    problems_raised: int | None
    problems_solved: int | None
    approvals_finished: int | None


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    #: A project of the agency report, with its counts (`AgencyCounts`).
    AgencyReportRow: TypeAlias = WithAnnotations[KeyProject, AgencyCounts]
else:
    AgencyReportRow = KeyProject


def key_project_report(*, year: int) -> list[AgencyReportRow]:
    """The year's key projects under the agency service, each with its agents, problems raised and solved,
    approvals finished: one query for the counts (subqueries per project), one for the agents."""

    def count(model: type[ProjectProblem | ProjectApproval], extra: Q | None = None) -> Subquery:
        return Subquery(_agency_records(model, extra).order_by().values("project").annotate(n=Count("pk"))
                        .values("n")[:1])

    return list(agency_projects(year=year).annotate(
        problems_raised=count(ProjectProblem), problems_solved=count(ProjectProblem, Q(resolved_on__isnull=False)),
        approvals_finished=count(ProjectApproval),
    ).prefetch_related(Prefetch("assignments", queryset=AgencyAssignment.objects.select_related("agent")))
        .order_by("name_zh"))


def key_project_totals(projects: list[AgencyReportRow]) -> dict[str, int]:
    """The report's totals (the seed's form: projects, problems solved, approvals finished)."""

    def total(name: str) -> int:
        return sum(int(getattr(p, name, 0) or 0) for p in projects)

    return {"projects": len(projects), "problems_solved": total("problems_solved"),
            "problems_raised": total("problems_raised"), "approvals_finished": total("approvals_finished")}


def key_project_get_for(*, user: AnyUser, project_id: int) -> KeyProject:
    """One key project under the agency service with its agents, problem log and approvals: for the city's
    staff and the project's own agents (404 for anyone else, and for a project the service has no record of)."""
    project = (agency_projects().prefetch_related(
        Prefetch("assignments", queryset=AgencyAssignment.objects.select_related("agent")),
        Prefetch("problems", queryset=ProjectProblem.objects.order_by("raised_on", "pk")),
        Prefetch("approvals", queryset=ProjectApproval.objects.select_related("centre").order_by("finished_on", "pk")))
        .filter(pk=project_id).first())
    if project is None or not user.is_authenticated:
        raise Http404
    if not any(a.agent_id == user.pk for a in project.assignments.all()):
        require_city_reader(user=user)
    return project


def key_project_years() -> list[int]:
    """The years with projects under the agency service, the latest first."""
    return list(agency_projects().order_by("-year").values_list("year", flat=True).distinct())


@dataclass
class GreenItemReport:
    item_code: str
    item_name_zh: str
    item_name_en: str
    usual_days: int | None
    cap_days: int
    filed: int = 0
    finished: int = 0
    days_used: list[int] | None = None

    @property
    def name(self) -> str:
        return pick(self.item_name_zh, self.item_name_en)

    @property
    def average_days(self) -> float | None:
        return round(sum(self.days_used) / len(self.days_used), 2) if self.days_used else None


@dataclass
class GreenReport:
    channel: GreenChannel
    items: list[GreenItemReport]

    @property
    def filed(self) -> int:
        return sum(i.filed for i in self.items)

    @property
    def finished(self) -> int:
        return sum(i.finished for i in self.items)

    @property
    def average_days(self) -> float | None:
        days = [d for i in self.items for d in (i.days_used or [])]
        return round(sum(days) / len(days), 2) if days else None

    @property
    def progress(self) -> float:
        return round(100 * self.finished / self.channel.target_count, 1) if self.channel.target_count else 0.0


def _decided_on(history: list[dict]) -> dt.date | None:
    for step in history:
        if step.get("status") in ("approved", "denied"):
            at = dt.datetime.fromisoformat(step["at"])
            # the day in the centre's time: a decision at 00:12 in Xi'an is 16:12 UTC the day before
            return timezone.localtime(at).date() if timezone.is_aware(at) else at.date()
    return None


def green_channel_get(*, code: str) -> GreenChannel:
    channel = GreenChannel.objects.filter(code=code).first()
    if channel is None:
        raise Http404
    return channel


def green_channel_report(*, channel: GreenChannel) -> GreenReport:
    """Targets and progress of a programme from the registry: cases filed and finished per item, and
    the working days used from acceptance to decision (the centre's calendar, pauses taken off)."""
    entries = {e.item.code: GreenItemReport(e.item.code, e.item.current_version.name_zh if e.item.current_version
                                            else e.item.code,
                                            e.item.current_version.name_en if e.item.current_version else "",
                                            e.usual_days, e.promised_cap_days, days_used=[])
               for e in channel.items.select_related("item__current_version").order_by("item__code")}
    calendars: dict[int, WorkCalendar] = {}
    rows = RegistryEntry.objects.filter(green_channel=channel.code).values_list(
        "centre_id", "item_code", "item_name_zh", "item_name_en", "status", "accepted_on", "paused_workdays",
        "history")
    for centre_id, item_code, name_zh, name_en, status, accepted_on, paused, history in rows:
        report = entries.setdefault(item_code, GreenItemReport(item_code, name_zh, name_en, None, 0, days_used=[]))
        report.filed += 1
        if status in DECIDED:
            report.finished += 1
            decided = _decided_on(history)
            if accepted_on and decided:
                calendar = calendars.get(centre_id) or calendars.setdefault(centre_id,
                                                                            WorkCalendar.for_centre(centre_id))
                used, _guessed = calendar.workdays_between(accepted_on, decided)
                report.days_used.append(max(used - paused, 0))  # type: ignore[union-attr]
    return GreenReport(channel=channel, items=list(entries.values()))


def green_channels_open(*, on: dt.date) -> QuerySet[GreenChannel]:
    """The programmes open on `on`, with their items' current versions and materials (for `waived_names`)."""
    return (GreenChannel.objects.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
            .prefetch_related("items__item__current_version__materials"))


def waived_names(*, waived: list[str], materials: Iterable[Material]) -> list[str]:
    """A green channel's waived materials (kept by their Chinese names) in the reader's language: the
    item's material of that name gives the English; a name the item no longer lists stays as kept."""
    english = {m.name_zh: m.name_en for m in materials}
    return [pick(name, english.get(name)) for name in waived]


# --- the township's stations page (its administrators) ------------------------------------------------

#: Stations on one page of the township's stations page.
STATIONS_PAGE_SIZE = 20


def township_stations(*, township: Centre, query: str = "") -> QuerySet[Station]:
    """The township's stations by division code, each with its agents in post (`posts`, longest serving
    first); with a `query`, those whose name (either language) or code contains it, or whose agent's
    user name or name does."""
    qs = Station.objects.filter(township=township)
    if query:
        qs = qs.filter(Q(name_zh__icontains=query) | Q(name_en__icontains=query) | Q(division_code__contains=query)
                       | Q(agents__active=True, agents__user__username__icontains=query)
                       | Q(agents__active=True, agents__user__full_name__icontains=query)).distinct()
    posts = StationAgent.objects.filter(active=True).select_related("user").order_by("created_at", "pk")
    return qs.prefetch_related(Prefetch("agents", queryset=posts, to_attr="posts")).order_by("division_code")


def township_station_get(*, township: Centre, station_id: int) -> Station:
    """One of the township's stations (404 otherwise)."""
    station = Station.objects.select_related("township").filter(township=township, pk=station_id).first()
    if station is None:
        raise Http404
    return station


def station_post_get(*, station: Station, post_id: int) -> StationAgent:
    """A post in force at `station` (404 otherwise: ended, or another station's)."""
    post = (StationAgent.objects.select_related("user", "station__township")
            .filter(station=station, pk=post_id, active=True).first())
    if post is None:
        raise Http404
    return post


def open_filings_of(*, post: StationAgent) -> int:
    """How many of the post's filings are open (not yet delivered to the resident): what ending it passes on."""
    return (ProxyFiling.objects.filter(agent_id=post.user_id, station_id=post.station_id)
            .exclude(last_step=HandoverStepKind.DELIVERED_TO_RESIDENT).count())


def station_successor(*, post: StationAgent) -> StationAgent | None:
    """The station's other agent in post who would take the post's filings (the longest serving)."""
    return (StationAgent.objects.filter(station_id=post.station_id, active=True).exclude(user_id=post.user_id)
            .select_related("user").order_by("created_at", "pk").first())
