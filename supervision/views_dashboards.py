"""Supervision dashboards (监察看板): the city's on the platform's site, a centre's on its own host.

Who sees what: the city dashboard (all centres, with a per-centre breakdown) is for the city
coordinator (anyone with a role in the city centre) and platform administrators; a centre's dashboard
is for its staff (`tenants.selectors.user_is_staff_of`). Everyone else gets 404, like a page that
does not exist. Every figure comes from `supervision.dashboards` (the public registry); every chart
has a CSV export with the same numbers.
"""
from __future__ import annotations

import csv

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from supervision import charts, dashboards
from tenants.choices import Level
from tenants.models import Centre
from tenants.selectors import user_is_platform_admin, user_is_staff_of, user_roles_in


def _scope_centre(request: HttpRequest) -> Centre | None:
    """The centre the dashboard covers (None: all, on the platform's site), if the user may see it; else 404."""
    user = request.user
    centre: Centre | None = getattr(request, "centre", None)
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


def _period(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("period") or dashboards.DEFAULT_PERIOD)
    except ValueError:
        days = dashboards.DEFAULT_PERIOD
    return days if days in dashboards.PERIODS else dashboards.DEFAULT_PERIOD


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{charts.fmt_number(value, 1)}%"


def _svgs(data: dict[str, dashboards.Chart | None]) -> dict[str, str]:
    """The SVG of each chart, drawn from the chart's rows (the CSV's rows)."""
    s = charts.Series
    svg: dict[str, str] = {}
    week = data["week"]
    if week and week.rows:
        svg["week"] = charts.line(week.rows, x="week", y="cases", title=week.title, desc=_(
            "Line chart of the cases submitted each week over the period; %(total)s cases in all.")
            % {"total": charts.fmt_number(week.summary["total"])})
    for key in ("category", "channel"):
        c = data[key]
        if c and c.rows:
            svg[key] = charts.bars(c.rows, label="label", value="cases", title=c.title, desc=_(
                "Bar chart: %(parts)s.") % {"parts": "; ".join(f"{r['label']} {charts.fmt_number(r['cases'])}"
                                                           for r in c.rows)})
    c = data["on_time"]
    if c and c.rows:
        svg["on_time"] = charts.stacked(
            c.rows, label="label", title=c.title, note=lambda r: _percent(r["rate"]),
            series=[s("on_time", _("On time"), charts.PALETTE[0]), s("late", _("Late"), charts.PALETTE[1])],
            desc=_("Stacked bars of decided cases on time and late, by category: %(parts)s.") % {
                "parts": "; ".join(f"{r['label']} {_percent(r['rate'])}" for r in c.rows)})
    c = data["days"]
    if c and c.rows:
        svg["days"] = charts.grouped(
            c.rows, label="label", title=c.title,
            series=[s("avg_used", _("Days used"), charts.PALETTE[0]),
                    s("avg_promised_allowed", _("Days the promise allowed"), charts.PALETTE[1]),
                    s("avg_legal_allowed", _("Days the law allowed"), charts.PALETTE[2])],
            desc=_("Grouped bars, average calendar days from acceptance to decision against the days the promised "
                   "and the legal limits allowed, by category."))
    c = data["overdue"]
    if c and c.rows:
        rows = c.rows[:dashboards.TOP_CENTRES]
        svg["overdue"] = charts.bars(rows, label="label", value="cases", title=c.title, colour=charts.PALETTE[1],
                                     desc=_("Bar chart of the cases overdue now: %(parts)s.") % {
                                         "parts": "; ".join(f"{r['label']} {r['cases']}" for r in rows)})
    c = data["warnings"]
    if c and c.rows:
        svg["warnings"] = charts.bars(c.rows, label="label", value="warnings", title=c.title, desc=_(
            "Bar chart of the warnings fired in the period, by level: %(parts)s.") % {
                "parts": "; ".join(f"{r['label']} {r['warnings']}" for r in c.rows)})
    c = data["compression"]
    if c and c.rows:
        svg["compression"] = charts.grouped(
            c.rows, label="label", title=c.title, decimals=0,
            series=[s("legal_days", _("Legal limits (working days)"), charts.PALETTE[2]),
                    s("promised_days", _("Promised limits (working days)"), charts.PALETTE[0])],
            desc=_("Grouped bars of the sums of legal and promised limits per category: %(parts)s.") % {
                "parts": "; ".join(f"{r['label']} {_percent(r['shorter_pct'])}" for r in c.rows)})
    return svg


def dashboard(request: HttpRequest) -> HttpResponse:
    centre = _scope_centre(request)
    scope = dashboards.scope_for(centre=centre, period_days=_period(request))
    data = dashboards.dashboard(scope)
    return render(request, "supervision/dashboard.html", {
        "scope": scope, "charts": data, "svg": _svgs(data), "periods": dashboards.PERIODS,
        "is_city": centre is None, "warnings_available": data["warnings"] is not None,
        "on_time_rate": _percent(data["on_time"].summary["rate"]) if data["on_time"] else "–",
    })


def chart_csv(request: HttpRequest, name: str) -> HttpResponse:
    centre = _scope_centre(request)
    scope = dashboards.scope_for(centre=centre, period_days=_period(request))
    chart = dashboards.chart(name, scope)
    if chart is None:
        raise Http404
    who = centre.slug if centre else "city"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{who}-{name}-{scope.period_days}d-{scope.today}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read UTF-8 (Chinese names)
    writer = csv.writer(response)
    for row in chart.csv_rows():
        writer.writerow(["" if v is None else v for v in row])
    return response
