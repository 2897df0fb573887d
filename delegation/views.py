"""Delegation pages.

On a centre's host (/delegation/):
- the agent's workbench, made for a cheap phone on a weak connection: a 360 px page of its own
  (no site stylesheet, no script, a few hundred bytes of inline CSS), 20 rows a page, one plain
  `<form method=post>` per row for the next handover step. It is rendered without the site's
  context processors (they would add a query for the centre switcher): at most 5 queries whatever
  the number of filings — session, user, the agent's station, the views' counts, the page;
- a new filing for a resident (item, resident, consent, materials received), the filing with its
  handover log;
- green channels for the centre's staff: the open programmes and a case at the window flagged for one.

On the platform's host: station coverage (per district or zone, per township), the year's
key-project agency report and a green channel's report (the city's staff), both also as CSV.
"""
from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cases.choices import DECIDED, ApplicantKind, CaseStatus
from catalog.models import Material
from catalog.selectors import adoption_get, centre_catalogue, handling_chain
from common.errors import ApplicationError, ConflictError, ErrorCode
from common.exports import csv_writer
from common.forms import add_service_errors
from common.i18n import pick
from common.idempotency import form_key
from delegation import selectors
from delegation.choices import RESULT_STATUSES, HandoverStepKind, next_step
from delegation.consent import CODE_VALID_MINUTES, consent_code_send, consent_draft_for, consent_scan_attach
from delegation.forms import GreenCaseForm, HandoverForm, ProxyFilingForm, StationAgentNewForm, StationPostForm
from delegation.models import ConsentDraft, GreenChannel, Station
from delegation.services import (
    ConsentGiven,
    green_channel_case_submit,
    green_channel_item_for,
    handover_log,
    new_form_token,
    proxy_filing_file,
    proxy_filing_target,
    station_agent_create,
    station_agent_post,
    station_post_end,
)
from tenants.choices import Level
from tenants.middleware import centre_url
from tenants.models import Centre, User
from tenants.request import centre_of, centre_or_none, require_centre_staff, user_of
from tenants.selectors import user_is_platform_admin, user_is_staff_of
from tenants.staff import staff_check_manager, staff_list


def _lite(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """Render an agent's page without the site's context processors (no query behind the page)."""
    context = {**context, "csrf_token": get_token(request), "path": request.get_full_path(),
               "user_name": str(request.user), "centre": centre_or_none(request),
               "messages": messages.get_messages(request),
               "csp_nonce": request.csp_nonce}  # type: ignore[attr-defined]  # the page's one <style> block (django-csp)
    return HttpResponse(loader.get_template(template).render(context), status=status)


def _status_label(status: str | None) -> str:
    return str(CaseStatus(status).label) if status in CaseStatus.values else "—"


def _decorate(filing) -> None:
    filing.item_name = pick(filing.item_name_zh, filing.item_name_en)
    filing.status_label = _status_label(filing.case_status)
    filing.decided = filing.case_status in DECIDED
    step = next_step(filing.last_step)
    filing.next_step = step
    filing.next_label = HandoverStepKind(step).label if step else ""
    filing.waiting = step == HandoverStepKind.RESULT_RECEIVED and filing.case_status not in RESULT_STATUSES
    filing.last_label = HandoverStepKind(filing.last_step).label if filing.last_step else ""


# --- the agent's workbench (a centre's host) ---------------------------------------------------------

@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """My filings, what is due, results to deliver; one tap logs a handover."""
    centre = centre_or_none(request)
    try:
        post = selectors.agent_post_for(user=request.user, centre=centre)
    except Http404:
        if centre is not None and user_is_staff_of(user=request.user, centre=centre):
            return redirect("delegation-held" if selectors.held_filings_for(centre=centre) else "delegation-green")
        ended = selectors.ended_post_for(user=request.user, centre=centre)
        if ended is None:
            raise
        return _lite(request, "delegation/post_ended.html", {
            "post": ended, "station_name": pick(ended.station.name_zh, ended.station.name_en)}, status=403)
    view = request.GET.get("view") or selectors.ALL
    view = view if view in selectors.VIEWS else selectors.ALL
    try:
        page = max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        page = 1
    counts = selectors.workbench_counts(user=request.user)
    page = min(page, max(-(-counts[view] // selectors.PAGE_SIZE), 1))  # past the end (or absurd): the last page
    filings = selectors.filing_page_for(user=request.user, view=view, page=page)
    for filing in filings:
        _decorate(filing)
    labels = {selectors.ALL: _("My filings"), selectors.CARRY: _("To hand in"), selectors.DUE: _("Due"),
              selectors.DELIVER: _("Results to deliver")}
    return _lite(request, "delegation/workbench.html", {
        "station": post.station, "station_name": pick(post.station.name_zh, post.station.name_en),
        "filings": filings, "view": view, "page": page,
        "tabs": [(v, labels[v], counts[v]) for v in selectors.VIEWS],
        "has_next": counts[view] > page * selectors.PAGE_SIZE, "has_previous": page > 1,
        "today": timezone.localdate(),
    })


def _material_choices(adoption) -> list[tuple[int, str]]:
    return [(m.pk, pick(m.name_zh, m.name_en)) for m in
            Material.objects.filter(version_id=adoption.item.current_version_id).order_by("position", "pk")]


def _item_groups(township: Centre, query: str) -> list[tuple[str, str, list[dict]]]:
    """Every item the agent may file for, grouped by the level that handles it: the township's own, its
    district's (or zone's), the city's — each item once, under the lowest level that exercises it (where
    `proxy_filing_target` files it). With a search, the matching items in the same groups. One query per
    level. Returns [(level, heading, [{code, name}])], empty groups left out."""
    chain = handling_chain(township=township)
    seen: set[str] = set()
    groups = []
    for centre in chain:
        rows = []
        for adoption in centre_catalogue(centre=centre, query=query or None):
            if adoption.item.code in seen or adoption.item.current_version is None:
                continue
            seen.add(adoption.item.code)
            version = adoption.item.version
            rows.append({"code": adoption.item.code, "name": pick(version.name_zh, version.name_en)})
        if rows:
            groups.append((centre.level, _("%(level)s: %(centre)s") % {"level": centre.get_level_display(),
                                                                       "centre": centre.name}, rows))
    return groups


@login_required
def filing_new(request: HttpRequest) -> HttpResponse:
    """A filing for a resident: pick the item (search), then the resident, the consent, the materials."""
    centre = centre_or_none(request)
    post = selectors.agent_post_for(user=request.user, centre=centre)
    township = Centre.objects.select_related("parent__parent").get(pk=post.station.township_id)
    data = request.POST if request.method == "POST" else None
    code = ((data or request.GET).get("item_code") or "").strip()
    if not code:
        query = (request.GET.get("q") or "").strip()
        return _lite(request, "delegation/filing_pick.html", {
            "groups": _item_groups(township, query), "q": query,
            "station_name": pick(post.station.name_zh, post.station.name_en)})
    try:
        target, adoption = proxy_filing_target(township=township, item_code=code, on=timezone.localdate())
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("delegation-new")
    form = ProxyFilingForm(data, request.FILES if data is not None else None,
                           material_choices=_material_choices(adoption), initial={
                               "item_code": code, "token": new_form_token(),
                               "consent_given_at": timezone.localtime().replace(second=0, microsecond=0)})
    status = 200
    draft = None
    if data is not None:
        agent = user_of(request)
        token = (data.get("token") or "").strip()
        upload = request.FILES.get("consent_scan")
        sending = "send_code" in data
        if token and (upload is not None or sending):
            draft = consent_draft_for(agent=agent, station=post.station, token=token)
        elif token:
            draft = ConsentDraft.objects.filter(agent=agent, token=token[:64]).first()
        scan_error = None
        if draft is not None and upload is not None:
            try:
                consent_scan_attach(draft=draft, upload=upload, file_name=upload.name or "")
            except ApplicationError as exc:
                scan_error = exc
        if sending and draft is not None:
            # "Send the code": nothing is filed; the page comes back with all that was typed and the code field
            form = ProxyFilingForm(material_choices=_material_choices(adoption), initial={
                **{name: data.get(name) for name in form.fields if name not in ("materials", "consent_scan")},
                "materials": [int(v) for v in data.getlist("materials") if v.isdigit()]})
            if scan_error is not None:
                messages.error(request, str(scan_error))
                status = 400
            try:
                draft = consent_code_send(draft=draft, phone=data.get("phone") or "")
            except ApplicationError as exc:
                messages.error(request, str(exc))
                status = 400
            else:
                messages.info(request, _("A code was sent to %(phone)s by SMS (valid %(minutes)d minutes). Type the "
                                         "code the resident reads to you, then file the case.")
                              % {"phone": draft.code_phone_masked, "minutes": CODE_VALID_MINUTES})
        elif form.is_valid() and scan_error is None:
            clean = form.cleaned_data
            try:
                filing, created = proxy_filing_file(
                    agent=agent, station=post.station, item_code=code, resident_name=clean["resident_name"],
                    resident_id_number=clean["resident_id_number"], phone=clean["phone"],
                    consent=ConsentGiven(method=clean["consent_method"], given_at=clean["consent_given_at"],
                                         evidence=clean["consent_evidence"], draft=draft, sms_code=clean["sms_code"]),
                    provided_material_ids=clean["materials"], note=clean["note"],
                    idempotency_key=form_key(request, clean["token"]))
            except ApplicationError as exc:
                if exc.code == ErrorCode.IDEMPOTENCY_KEY_REUSED:
                    form.add_error(None, _("This form has already filed a case. Open a new form to file another."))
                else:
                    add_service_errors(form, exc, aliases={"applicant_name": "resident_name",
                                                           "applicant_id_number": "resident_id_number"})
                status = exc.http_status
                draft = ConsentDraft.objects.filter(pk=draft.pk).first() if draft is not None else None
            else:
                if created:
                    messages.success(request, _("Case %(number)s filed at %(centre)s. The resident gets an SMS.")
                                     % {"number": filing.case_number, "centre": filing.target_centre.name})
                return redirect("delegation-filing", filing_id=filing.pk)
        else:
            if scan_error is not None:
                add_service_errors(form, scan_error)
            status = 400
    version = adoption.item.version
    return _lite(request, "delegation/filing_new.html", {
        "form": form, "item_code": code, "item_name": pick(version.name_zh, version.name_en),
        "target": target.name, "station_name": pick(post.station.name_zh, post.station.name_en),
        "draft": draft, "code_minutes": CODE_VALID_MINUTES}, status=status)


@login_required
def filing_detail(request: HttpRequest, filing_id: uuid.UUID) -> HttpResponse:
    """One of the agent's filings: where it is, the consent, the handover log, the next step."""
    filing = selectors.filing_get_for(user=request.user, filing_id=filing_id)
    _decorate(filing)
    return _lite(request, "delegation/filing_detail.html", {
        "filing": filing, "steps": [(h, HandoverStepKind(h.step).label) for h in filing.handovers.all()],
        "consent_method": filing.consent.get_method_display(), "target": filing.target_centre.name,
        "station_name": pick(filing.station.name_zh, filing.station.name_en)})


@login_required
def consent_scan(request: HttpRequest, consent_id: int) -> FileResponse:
    """The scan or photo of a consent's signed form: for the agent who recorded it and for the staff who
    may read the filing's case at this centre (the township's clerk); 404 for anyone else."""
    consent = selectors.consent_scan_for(user=request.user, centre=centre_or_none(request), consent_id=consent_id)
    response = FileResponse(consent.scan.open("rb"),
                            content_type=consent.scan_content_type or "application/octet-stream")
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def filing_handover(request: HttpRequest, filing_id: uuid.UUID) -> HttpResponse:
    """The one-tap handover (POST): log the step, back to where the agent was."""
    if request.method != "POST":
        return redirect("delegation-filing", filing_id=filing_id)
    filing = selectors.filing_for_acting(user=request.user, centre=centre_or_none(request), filing_id=filing_id)
    form = HandoverForm(request.POST)
    back = request.POST.get("next") or ""
    if not back.startswith("/delegation/"):
        back = (reverse("delegation-filing", kwargs={"filing_id": filing.pk}) if filing.agent_id == request.user.pk
                else reverse("delegation-workbench"))
    if not form.is_valid():
        messages.error(request, _("Unknown handover step."))
        return redirect(back)
    try:
        handover_log(filing=filing, step=form.cleaned_data["step"], acting_user=user_of(request),
                     note=form.cleaned_data["note"])
    except (ConflictError, ApplicationError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(number)s: %(step)s. The resident gets an SMS.")
                         % {"number": filing.case_number, "step": HandoverStepKind(form.cleaned_data["step"]).label})
    return redirect(back)


# --- green channels at a centre (its staff) -------------------------------------------------------------

def _require_staff(request: HttpRequest) -> Centre:
    centre = centre_of(request)
    if not user_is_staff_of(user=request.user, centre=centre):
        raise Http404
    return centre


@login_required
def held_list(request: HttpRequest) -> HttpResponse:
    """The township clerks' queue of proxy filings waiting for an agent (the agent's post ended and the
    station has no other): they carry them (one tap logs a handover) until an agent is posted there."""
    centre = _require_staff(request)
    filings = selectors.held_filings_for(centre=centre)
    for filing in filings:
        _decorate(filing)
    return render(request, "delegation/held.html", {
        "filings": [(f, pick(f.station.name_zh, f.station.name_en)) for f in filings]})


@login_required
def green_list(request: HttpRequest) -> HttpResponse:
    """The open green channels and their items (those this centre has adopted can be filed here)."""
    centre = _require_staff(request)
    today = timezone.localdate()
    adopted = set(centre_catalogue(centre=centre, on=today).values_list("item__code", flat=True))
    channels = []
    for channel in selectors.green_channels_open(on=today):
        rows = [(entry, pick(version.name_zh, version.name_en) if version else entry.item.code,
                 entry.item.code in adopted,
                 selectors.waived_names(waived=entry.waived_materials, materials=version.materials.all() if version
                                        else []))
                for entry in channel.items.all() for version in [entry.item.current_version]]
        channels.append((channel, pick(channel.name_zh, channel.name_en), rows))
    return render(request, "delegation/green_list.html", {"channels": channels})


@login_required
def green_case_new(request: HttpRequest, code: str) -> HttpResponse:
    """A case at the window on a green channel: simplified materials (waived ones not asked for) and
    the programme's shorter promised limit, applied at acceptance."""
    centre = _require_staff(request)
    channel = selectors.green_channel_get(code=code)
    item_code = (request.POST.get("item_code") or request.GET.get("item_code") or "").strip()
    try:
        entry = green_channel_item_for(code=code, item_code=item_code, on=timezone.localdate())
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("delegation-green")
    adoption = adoption_get(centre=centre, item_code=item_code)
    waived = set(entry.waived_materials)
    materials = list(Material.objects.filter(version_id=adoption.item.current_version_id).order_by("position", "pk"))
    choices = [(m.pk, pick(m.name_zh, m.name_en)) for m in materials if m.name_zh not in waived]
    waived_names = selectors.waived_names(waived=[m.name_zh for m in materials if m.name_zh in waived],
                                          materials=materials)
    form = GreenCaseForm(request.POST or None, material_choices=choices)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            clean = form.cleaned_data
            try:
                result = green_channel_case_submit(
                    centre=centre, code=code, item_code=item_code, applicant_kind=clean["applicant_kind"],
                    applicant_name=clean["applicant_name"], applicant_id_number=clean["applicant_id_number"],
                    phone=clean["phone"], acting_user=user_of(request), provided_material_ids=clean["materials"],
                    idempotency_key=form_key(request, clean.get("token")))
            except ApplicationError as exc:
                if exc.code == ErrorCode.IDEMPOTENCY_KEY_REUSED:
                    form.add_error(None, _("This form has already filed a case. Open a new form to file another."))
                else:
                    add_service_errors(form, exc)
                status = exc.http_status
            else:
                if result.created:
                    messages.success(request, _("Case %(number)s filed on the green channel “%(channel)s”.")
                                     % {"number": result.case.number,
                                        "channel": pick(channel.name_zh, channel.name_en)})
                else:
                    messages.info(request, _("Case %(number)s was already filed from this form; nothing more was "
                                             "filed.") % {"number": result.case.number})
                return redirect("cases-detail", case_id=result.case.pk)
        else:
            status = 400
    version = adoption.item.version
    return render(request, "delegation/green_case_new.html", {
        "form": form, "channel": channel, "channel_name": pick(channel.name_zh, channel.name_en), "entry": entry,
        "item_code": item_code, "item_name": pick(version.name_zh, version.name_en), "waived": waived_names,
        "promised_days": adoption.promised_limit_days or version.promised_limit_days,
        "ApplicantKind": ApplicantKind}, status=status)


# --- the township's stations and their agents (its administrators) -----------------------------------

def _township_admin(request: HttpRequest) -> Centre:
    """The host's township when the signed-in user administers it: 404 for strangers (other centres'
    administrators included) and at a centre that is not a township, 403 for its staff who are not."""
    centre = require_centre_staff(request)
    staff_check_manager(actor=request.user, centre=centre)
    if centre.level != Level.TOWNSHIP:
        raise Http404
    return centre


@never_cache
@login_required
def stations(request: HttpRequest) -> HttpResponse:
    """The township's stations with each one's agents in post (20 a page, a search by name, code or agent):
    post an agent, end a post."""
    township = _township_admin(request)
    query = (request.GET.get("q") or "").strip()[:50]
    page = Paginator(selectors.township_stations(township=township, query=query),
                     selectors.STATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "delegation/stations.html", {
        "page": page, "q": query, "held": len(selectors.held_filings_for(centre=township)),
        "rows": [(station, pick(station.name_zh, station.name_en)) for station in page.object_list]})


def _people(township: Centre, actor) -> list[tuple[int, str]]:
    """Who may be posted: the township's active people the administrator acts on (`tenants.staff`)."""
    mine = user_is_platform_admin(user=actor)
    return [(m.user.pk, f"{m.user.display_name} ({m.user.get_username()})")
            for m in staff_list(centre=township)
            if m.user.is_active and not m.user.is_superuser and (mine or not m.elsewhere)]


@never_cache
@login_required
def station_post(request: HttpRequest, station_id: int) -> HttpResponse:
    """Post an agent at a station: one of the township's people, or a new person (shown their temporary
    password once)."""
    township = _township_admin(request)
    station = selectors.township_station_get(township=township, station_id=station_id)
    actor = user_of(request)
    people = _people(township, actor)
    action = request.POST.get("action") if request.method == "POST" else None
    pick_form = StationPostForm(request.POST if action == "pick" else None, people=people)
    new_form = StationAgentNewForm(request.POST if action == "create" else None)
    station_name = pick(station.name_zh, station.name_en)
    status = 200
    try:
        if action == "pick" and pick_form.is_valid():
            user = User.objects.get(pk=pick_form.cleaned_data["user"])
            station_agent_post(station=station, user=user, acting_user=actor)
            messages.success(request, _("%(agent)s is now the agent of %(station)s.")
                             % {"agent": user.display_name, "station": station_name})
            return redirect(f"{reverse('delegation-stations')}?q={station.division_code}")
        if action == "create" and new_form.is_valid():
            made = station_agent_create(station=station, acting_user=actor, **new_form.cleaned_data)
            return render(request, "delegation/station_password.html", {
                "made": made, "station_name": station_name,
                "sign_in_url": centre_url(request, township.slug, "/accounts/login/")})
    except ApplicationError as exc:
        add_service_errors(pick_form if action == "pick" else new_form, exc)
    if action is not None:
        status = 400
    return render(request, "delegation/station_post.html", {
        "station": station, "station_name": station_name, "pick_form": pick_form, "new_form": new_form,
        "posts": list(station.agents.filter(active=True).select_related("user"))}, status=status)


@never_cache
@login_required
def station_end(request: HttpRequest, station_id: int, post_id: int) -> HttpResponse:
    """End a post, after a confirmation that says how many open filings pass on and to whom."""
    township = _township_admin(request)
    station = selectors.township_station_get(township=township, station_id=station_id)
    station_name = pick(station.name_zh, station.name_en)
    back = f"{reverse('delegation-stations')}?q={station.division_code}"
    try:
        post = selectors.station_post_get(station=station, post_id=post_id)
    except Http404:
        if request.method != "POST":
            raise
        messages.error(request, _("This post has already ended."))
        return redirect(back)
    if request.method == "POST":
        try:
            station_post_end(post=post, acting_user=user_of(request))
        except ConflictError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The post of %(agent)s at %(station)s has ended.")
                             % {"agent": post.user.display_name, "station": station_name})
        return redirect(back)
    successor = selectors.station_successor(post=post)
    return render(request, "delegation/station_end.html", {
        "post": post, "station_name": station_name, "open": selectors.open_filings_of(post=post),
        "successor": successor, "back": back})


# --- the platform's host -------------------------------------------------------------------------------

def coverage(request: HttpRequest) -> HttpResponse:
    """Stations ÷ villages and communities, per district or zone (or per township of one)."""
    district, rows = selectors.coverage_for(district_code=(request.GET.get("district") or "").strip())
    rows = [r for r in rows if r.villages or r.communities or r.village_stations or r.community_stations] or rows
    return render(request, "delegation/coverage.html", {
        "rows": [(r, pick(r.name_zh, r.name_en)) for r in rows], "total": selectors.coverage_total(rows),
        "district": district, "stations": Station.objects.count() if district is None else None})


def _year(request: HttpRequest) -> int:
    years = selectors.key_project_years()
    try:
        return int(request.GET.get("year") or (years[0] if years else timezone.localdate().year))
    except ValueError as exc:
        raise Http404 from exc


@login_required
def key_projects(request: HttpRequest) -> HttpResponse:
    """The year's key-project agency report: projects, agents and levels, problems solved, approvals."""
    selectors.require_city_reader(user=request.user)
    year = _year(request)
    projects = selectors.key_project_report(year=year)
    totals = selectors.key_project_totals(projects)
    return render(request, "delegation/key_projects.html", {
        "year": year, "years": selectors.key_project_years(), "projects": projects, "totals": totals})


@login_required
def key_project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    """A key project: its agents and levels, the problem log, the approvals finished."""
    project = selectors.key_project_get_for(user=request.user, project_id=project_id)
    return render(request, "delegation/key_project.html", {"project": project, "name": project.name})


@login_required
def key_projects_csv(request: HttpRequest) -> HttpResponse:
    selectors.require_city_reader(user=request.user)
    year = _year(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="key-projects-{year}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM
    writer = csv_writer(response)
    writer.writerow([_("Project"), _("Company"), _("Unified social credit code"), _("District or zone"),
                     _("Agents"), _("Problems raised"), _("Problems solved"), _("Approvals finished")])
    projects = selectors.key_project_report(year=year)
    for p in projects:
        writer.writerow([p.name_zh, p.company_name, p.credit_code, p.centre.name_zh,
                         "; ".join(f"{a.agent} ({a.get_level_display()})" for a in p.assignments.all()),
                         p.problems_raised or 0, p.problems_solved or 0, p.approvals_finished or 0])
    totals = selectors.key_project_totals(projects)
    writer.writerow([_("Total"), "", "", "", "", totals["problems_raised"], totals["problems_solved"],
                     totals["approvals_finished"]])
    return response


@login_required
def green_report(request: HttpRequest, code: str) -> HttpResponse:
    """A programme's targets, progress (cases filed and finished) and average working days used."""
    selectors.require_city_reader(user=request.user)
    report = selectors.green_channel_report(channel=selectors.green_channel_get(code=code))
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="green-channel-{code}.csv"'
        response.write("\ufeff")
        writer = csv_writer(response)
        writer.writerow([_("Item code"), _("Item"), _("Usual limit"), _("Compressed limit"), _("Cases filed"),
                         _("Cases finished"), _("Average working days used")])
        for row in report.items:
            writer.writerow([row.item_code, row.item_name_zh, row.usual_days or "", row.cap_days, row.filed,
                             row.finished, row.average_days if row.average_days is not None else ""])
        return response
    return render(request, "delegation/green_report.html", {
        "report": report, "channel_name": pick(report.channel.name_zh, report.channel.name_en),
        "unit": pick(report.channel.target_unit_zh, report.channel.target_unit_en)})


@login_required
def green_reports(request: HttpRequest) -> HttpResponse:
    """The programmes, for the city's staff."""
    selectors.require_city_reader(user=request.user)
    channels = [(c, pick(c.name_zh, c.name_en)) for c in GreenChannel.objects.order_by("-starts_on", "code")]
    return render(request, "delegation/green_reports.html", {"channels": channels})
