"""Pages of the dashboards room (监察看板): the city's on the platform's site, a centre's on its own host
(both mounted at /supervision/dashboard/). Who sees which: `selectors.scope_centre_for`. Every figure
comes from the public registry (the hall's from its mirror, `registry.HallVisit`: supervision.dashboards.hall);
every chart has a CSV export with the same numbers.
"""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from common.exports import csv_writer
from supervision.dashboards import charts, selectors
from supervision.dashboards import hall as hall_figures
from supervision.dashboards.selectors import Chart
from tenants.request import centre_or_none


def _scope(request: HttpRequest) -> selectors.Scope:
    centre = selectors.scope_centre_for(user=request.user, centre=centre_or_none(request))
    return selectors.scope_for(centre=centre, period_days=_period(request))


def _period(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("period") or selectors.DEFAULT_PERIOD)
    except ValueError:
        days = selectors.DEFAULT_PERIOD
    return days if days in selectors.PERIODS else selectors.DEFAULT_PERIOD


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{charts.fmt_number(value, 1)}%"


def _svgs(data: dict[str, Chart]) -> dict[str, str]:
    """The SVG of each chart, drawn from the chart's rows (the CSV's rows)."""
    s = charts.Series
    svg: dict[str, str] = {}
    week = data["week"]
    if week.rows:
        svg["week"] = charts.line(week.rows, x="week", y="cases", title=week.title, desc=_(
            "Line chart of the cases submitted each week over the period; %(total)s cases in all.")
            % {"total": charts.fmt_number(week.summary["total"])})
    for key in ("category", "channel"):
        c = data[key]
        if c.rows:
            svg[key] = charts.bars(c.rows, label="label", value="cases", title=c.title, desc=_(
                "Bar chart: %(parts)s.") % {"parts": "; ".join(f"{r['label']} {charts.fmt_number(r['cases'])}"
                                                           for r in c.rows)})
    c = data["on_time"]
    if c.rows:
        svg["on_time"] = charts.stacked(
            c.rows, label="label", title=c.title, note=lambda r: _percent(r["rate"]),
            series=[s("on_time", _("On time"), charts.PALETTE[0]), s("late", _("Late"), charts.PALETTE[1])],
            desc=_("Stacked bars of decided cases on time and late, by category: %(parts)s.") % {
                "parts": "; ".join(f"{r['label']} {_percent(r['rate'])}" for r in c.rows)})
    c = data["days"]
    if c.rows:
        svg["days"] = charts.grouped(
            c.rows, label="label", title=c.title,
            series=[s("avg_used", _("Days used"), charts.PALETTE[0]),
                    s("avg_promised_allowed", _("Days the promise allowed"), charts.PALETTE[1]),
                    s("avg_legal_allowed", _("Days the law allowed"), charts.PALETTE[2])],
            desc=_("Grouped bars, average calendar days from acceptance to decision against the days the promised "
                   "and the legal limits allowed, by category."))
    c = data["overdue"]
    if c.rows:
        rows = c.rows[:selectors.TOP_CENTRES]
        svg["overdue"] = charts.bars(rows, label="label", value="cases", title=c.title, colour=charts.PALETTE[1],
                                     desc=_("Bar chart of the cases overdue now: %(parts)s.") % {
                                         "parts": "; ".join(f"{r['label']} {r['cases']}" for r in rows)})
    c = data["warnings"]
    if c.rows:
        svg["warnings"] = charts.bars(c.rows, label="label", value="warnings", title=c.title, desc=_(
            "Bar chart of the warnings fired in the period, by level: %(parts)s.") % {
                "parts": "; ".join(f"{r['label']} {r['warnings']}" for r in c.rows)})
    c = data["compression"]
    if c.rows:
        svg["compression"] = charts.grouped(
            c.rows, label="label", title=c.title, decimals=0,
            series=[s("legal_days", _("Legal limits (working days)"), charts.PALETTE[2]),
                    s("promised_days", _("Promised limits (working days)"), charts.PALETTE[0])],
            desc=_("Grouped bars of the sums of legal and promised limits per category: %(parts)s.") % {
                "parts": "; ".join(f"{r['label']} {_percent(r['shorter_pct'])}" for r in c.rows)})
    return svg


def _minutes(value: float | None) -> str:
    return "–" if value is None else charts.fmt_number(value, 1)


def _hall_svgs(hall: hall_figures.HallFigures) -> dict[str, str]:
    """The hall's charts: mean wait by hour of the day, tickets a day (a centre); mean wait by centre (the city)."""
    svg: dict[str, str] = {}
    c = hall.charts.get("hall_hour")
    if c is not None and c.rows:
        svg["hall_hour"] = charts.bars(c.rows, label="label", value="wait_mean", title=c.title, fmt=_minutes, desc=_(
            "Bar chart of the mean wait in minutes by the hour the ticket was taken: %(parts)s.") % {
                "parts": "; ".join(f"{r['label']} {_minutes(r['wait_mean'])}" for r in c.rows)})
    c = hall.charts.get("hall_day")
    if c is not None and len(c.rows) > 1 and hall.summary["tickets"]:
        svg["hall_day"] = charts.line(c.rows, x="day", y="tickets", title=c.title, desc=_(
            "Line chart of the hall's tickets each day over the period; %(total)s tickets in all.")
            % {"total": charts.fmt_number(hall.summary["tickets"])})
    c = hall.charts.get("hall_centres")
    if c is not None and c.rows:
        rows = sorted(c.rows, key=lambda r: -(r["wait_mean"] or 0))[:selectors.TOP_CENTRES]
        svg["hall_centres"] = charts.bars(rows, label="label", value="wait_mean", title=_(
            "Hall: mean wait by centre (minutes)"), fmt=_minutes, colour=charts.PALETTE[1], desc=_(
            "Bar chart of the centres with the longest mean wait in minutes: %(parts)s.") % {
                "parts": "; ".join(f"{r['label']} {_minutes(r['wait_mean'])}" for r in rows)})
    return svg


def dashboard(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    data = selectors.dashboard(scope)
    hall = hall_figures.for_scope(scope)
    return render(request, "supervision/dashboard.html", {
        "scope": scope, "charts": data, "svg": _svgs(data), "periods": selectors.PERIODS,
        "is_city": scope.centre is None, "on_time_rate": _percent(data["on_time"].summary["rate"]),
        "hall": hall, "hall_svg": _hall_svgs(hall), "hall_no_show": _percent(hall.summary["no_show_rate"]),
        "hall_long_wait_minutes": int(hall_figures.HALL_LONG_WAIT.total_seconds() // 60),
        "hall_city_days": hall_figures.CITY_DAYS,
    })


def _chart(name: str, scope: selectors.Scope) -> Chart | None:
    if name in hall_figures.CENTRE_CHARTS + hall_figures.CITY_CHARTS:
        wanted = hall_figures.CENTRE_CHARTS if scope.centre is not None else hall_figures.CITY_CHARTS
        return hall_figures.for_scope(scope).charts[name] if name in wanted else None
    return selectors.chart(name, scope)


def chart_csv(request: HttpRequest, name: str) -> HttpResponse:
    scope = _scope(request)
    chart = _chart(name, scope)
    if chart is None:
        raise Http404
    who = scope.centre.slug if scope.centre else "city"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{who}-{name}-{scope.period_days}d-{scope.today}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read UTF-8 (Chinese names)
    writer = csv_writer(response)
    for row in chart.csv_rows():
        writer.writerow(["" if v is None else v for v in row])
    return response
