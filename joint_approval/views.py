"""Pages of joint approvals, on a centre's host (/joint/) and on the platform's (the city's overview).

- The bundle catalogue and the picker: choose the optional items (dynamic combination), see the
  merged materials list (each material once; documents another leg produces are not asked), the
  fees in all and the time saved, and — for the centre's window staff — accept.
- A joint case: every leg's holder (centre, department), status, due date and outcome; a leg links
  to its case page only on its own centre's host, where it can be acted on.
- The linked projects (the key-project register's projects in the linked approval) and a project's page
  (accepted at the city or the project's zone).

Reads and access go through `joint_approval.selectors`; the acceptance through the service.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases import door
from cases.choices import CaseEventKind, CaseStatus
from common.errors import ApplicationError, ErrorCode
from common.forms import add_service_errors
from common.i18n import is_english, pick
from common.idempotency import ClientKey, form_key
from joint_approval import selectors
from joint_approval.choices import JointStatus, LegLevel
from joint_approval.forms import JointAcceptForm
from joint_approval.models import JointCase
from joint_approval.services import (
    AcceptResult,
    Checklist,
    LegSpec,
    bundle_legs,
    joint_case_accept,
    legs_promised_days,
    merged_checklist,
    project_legs,
    resolve_centres,
    time_saved,
)
from registry.selectors import joint_progress_of
from registry.views import joint_receipt_context
from tenants.choices import Level
from tenants.models import Centre
from tenants.request import centre_or_none, user_of


def _status_label(status: str) -> str:
    return str(CaseStatus(status).label) if status in CaseStatus.values else status


# --- the catalogue and the picker ---------------------------------------------------------------

def joint_home(request: HttpRequest) -> HttpResponse:
    """The joint-service catalogue; for staff, the joint cases and linked projects they follow."""
    centre = centre_or_none(request)
    bundles = list(selectors.bundle_list())
    cases = projects = None
    if selectors.follows_joint_cases(user=request.user, centre=centre):
        cases = list(selectors.joint_case_list_for(user=request.user, centre=centre)[:10])
        projects = selectors.project_list_for(user=request.user, centre=centre).count()
    stats = None
    if centre is None and cases is not None:
        stats = _overview(request)
    return render(request, "joint_approval/home.html", {
        "bundles": bundles, "cases": cases, "project_count": projects, "stats": stats})


def _overview(request: HttpRequest) -> dict:
    qs = selectors.joint_cases_visible(user=request.user, centre=None)
    figures = qs.aggregate(total=Count("pk"), running=Count("pk", filter=Q(status=JointStatus.RUNNING)),
                           joined=Count("pk", filter=~Q(status=JointStatus.RUNNING)),
                           sequential=Sum("sequential_days"), parallel=Sum("parallel_days"),
                           actual=Avg("actual_workdays"))
    per_bundle = [{**row, "name": pick(row["bundle__name_zh"], row["bundle__name_en"])}
                  for row in qs.filter(bundle__isnull=False).values("bundle__name_zh", "bundle__name_en").annotate(
                      n=Count("pk"), sequential=Avg("sequential_days"), parallel=Avg("parallel_days"),
                      actual=Avg("actual_workdays")).order_by("-n")]
    return {**figures, "per_bundle": per_bundle,
            "linked": qs.filter(project__isnull=False).count()}


def _leg_rows(legs: list[LegSpec]) -> list[dict]:
    """The legs as shown, each with its own promised limit at its centre (`legs_promised_days`)."""
    promised = legs_promised_days(legs)
    rows = []
    for leg in legs:
        version = leg.item.current_version
        rows.append({"position": leg.position, "item": leg.item,
                     "name": pick(version.name_zh, version.name_en) if version else leg.item.code,
                     "department": pick(leg.item.department.name_zh, leg.item.department.name_en),
                     "centre": leg.centre, "level": LegLevel(leg.level).label, "required": leg.required,
                     "promised": promised[leg.position],
                     "fee": version.fee_yuan if version else Decimal(0),
                     "produces": pick(leg.produces_zh, leg.produces_en)})
    return rows


def _material_choices(checklist: Checklist) -> list[tuple[str, str]]:
    choices = []
    for line in checklist.asked():
        label = pick(line.name_zh, line.name_en)
        if line.shared():
            label += " " + _("(one copy for legs %(legs)s)") % {"legs": ", ".join(map(str, line.legs))}
        if not line.required:
            label += " " + _("(optional)")
        choices.append((line.key, label))
    return choices


def _produced_rows(checklist: Checklist, legs: list[LegSpec]) -> list[dict]:
    names = {leg.position: pick(leg.item.version.name_zh, leg.item.version.name_en) for leg in legs}
    return [{"name": pick(line.name_zh, line.name_en), "by": line.produced_by, "by_name": names[line.produced_by],
             "legs": [p for p in line.legs if p != line.produced_by]}
            for line in checklist.produced() if line.produced_by is not None]


def _form_key(request: HttpRequest, form: JointAcceptForm) -> ClientKey | None:
    """The idempotency key of one rendered acceptance form (its clerk's): sent twice, it answers with
    the joint case the first sending made."""
    return form_key(request, form.cleaned_data.get("token"))


def _accept_failed(form: JointAcceptForm, exc: ApplicationError) -> None:
    if exc.code == ErrorCode.IDEMPOTENCY_KEY_REUSED:
        form.add_error(None, _("This form has already accepted a joint case. Open the page again to accept "
                               "another."))
    else:
        add_service_errors(form, exc)


def _accepted(request: HttpRequest, result: AcceptResult) -> HttpResponse:
    joint = result.joint_case
    if result.created:
        messages.success(request, _("Joint case %(number)s accepted: %(legs)d legs started at once.")
                         % {"number": joint.number, "legs": joint.legs.count()})
    else:
        messages.info(request, _("This form was sent twice: joint case %(number)s was accepted once.")
                      % {"number": joint.number})
    return redirect("joint-case", joint_case_id=joint.pk)


def _int_list(values: list[str]) -> list[int]:
    """The item ids among `values`; anything else (e.g. "²", which `isdigit` lets through) is ignored."""
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except ValueError:
            continue
    return ids


def bundle_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Pick the bundle's optional items, see the merged checklist once, fees and limits; accept."""
    bundle = selectors.bundle_get(code=code)
    centre = centre_or_none(request)
    staff = centre is not None and door.may_accept(user=request.user, centre=centre)
    rows = list(bundle.items.all())
    optional = [(row.item_id, pick(row.item.current_version.name_zh, row.item.current_version.name_en))
                for row in rows if not row.required and row.item.current_version]
    data = request.POST if request.method == "POST" else None
    if data is not None:
        chosen = _int_list(data.getlist("items"))
    elif "items" in request.GET or request.GET.get("picked"):
        chosen = _int_list(request.GET.getlist("items"))
    else:
        chosen = [pk for pk, _label in optional]
    status = 200
    try:
        legs = bundle_legs(bundle=bundle, chosen_item_ids=chosen)
    except ApplicationError as exc:
        messages.error(request, str(exc))
        legs = bundle_legs(bundle=bundle, chosen_item_ids=[])
        status = 400
    if centre is not None:
        resolve_centres(legs=legs, accepting=centre, project=None)
    checklist = merged_checklist(legs)
    form = JointAcceptForm(data if data is not None and "accept" in data else None, optional=optional,
                           materials=_material_choices(checklist),
                           initial={"items": chosen, "materials": []})
    if data is not None and "accept" in data:
        if not staff:
            raise Http404
        if form.is_valid():
            clean = form.cleaned_data
            try:
                result = joint_case_accept(
                    accepting_centre=centre, acting_user=user_of(request), bundle=bundle,  # type: ignore[arg-type]
                    chosen_item_ids=chosen, provided_keys=clean["materials"],
                    applicant_kind=clean["applicant_kind"], applicant_name=clean["applicant_name"],
                    applicant_id_number=clean["applicant_id_number"], phone=clean["phone"],
                    idempotency_key=_form_key(request, form))  # type: ignore[arg-type]
            except ApplicationError as exc:
                _accept_failed(form, exc)
                status = exc.http_status
            else:
                return _accepted(request, result)
        else:
            status = 400
    elif data is not None:
        form = JointAcceptForm(None, optional=optional, materials=_material_choices(checklist),
                               initial={"items": chosen, "materials": data.getlist("materials"),
                                        **{k: data.get(k, "") for k in ("applicant_kind", "applicant_name",
                                                                        "applicant_id_number", "phone")}})
    leg_rows = _leg_rows(legs)
    time = time_saved(leg_days=[row["promised"] for row in leg_rows], cap=bundle.promised_days)
    return render(request, "joint_approval/bundle.html", {
        "bundle": bundle, "legs": leg_rows, "form": form, "staff": staff, "optional": optional, "chosen": chosen,
        "produced": _produced_rows(checklist, legs), "asked": _material_choices(checklist),
        "fee_total": sum((row["fee"] for row in leg_rows), Decimal(0)), "sequential": time.sequential,
        "parallel": time.parallel, "saved": time.saved,
    }, status=status)


def _event_label(kind: str) -> str:
    return {"accepted": _("Accepted: every leg started"), "leg": _("A leg moved"),
            "joined": _("Joined: every leg decided")}.get(kind, kind)


def _event_note(event, leg_count: int) -> str:
    """An event's note in the reader's language: a leg's step by its action's label (the service keeps
    the action's code), the acceptance by its number of legs; a denial's reason as written."""
    if event.kind == "accepted":
        return ngettext("%(legs)d leg started at once", "%(legs)d legs started at once", leg_count) % {
            "legs": leg_count}
    if event.kind == "leg" and event.note in CaseEventKind.values:
        return str(CaseEventKind(event.note).label)
    return event.note


def _joint_status_label(status: str) -> str:
    return str(JointStatus(status).label) if status in JointStatus.values else status


# --- joint cases --------------------------------------------------------------------------------

@login_required
def joint_case_list(request: HttpRequest) -> HttpResponse:
    centre = centre_or_none(request)
    status = request.GET.get("status", "")
    status = status if status in JointStatus.values else ""
    if not selectors.follows_joint_cases(user=request.user, centre=centre):
        raise Http404
    cases = list(selectors.joint_case_list_for(user=request.user, centre=centre, status=status)[:200])
    return render(request, "joint_approval/cases.html", {"cases": cases, "status": status,
                                                         "statuses": JointStatus.choices})


def _applicant_here(joint: JointCase, centre: Centre | None, visible: set[uuid.UUID]) -> str:
    """The applicant's name from a leg held here that the user may read (the public joint case keeps none)."""
    if centre is None:
        return ""
    return door.applicant_name(centre=centre, case_ids=[leg.case_id for leg in joint.legs.all()
                                                        if leg.centre_id == centre.pk and leg.case_id in visible])


@login_required
def joint_case_detail(request: HttpRequest, joint_case_id: uuid.UUID) -> HttpResponse:
    """A joint case with every leg's holder and status; links to the legs held at this centre."""
    centre = centre_or_none(request)
    joint = selectors.joint_case_get_for(user=request.user, centre=centre, joint_case_id=joint_case_id)
    produces_en = selectors.produces_en_of(joint) if is_english() else {}
    # Departments bind: a leg here links to its case only for those who may read it (cases.door).
    visible = door.cases_visible(user=request.user, centre=centre, case_ids=[
        leg.case_id for leg in joint.legs.all() if leg.centre_id == centre.pk]) if centre is not None else set()
    legs = []
    for leg in joint.legs.all():
        legs.append({
            "leg": leg, "centre": leg.centre.name, "status": _status_label(leg.status),
            "produces": pick(leg.produces_zh, produces_en.get(leg.item_id, "")) if leg.produces_zh else "",
            "url": reverse("cases-detail", args=[leg.case_id])
            if selectors.leg_link_allowed(leg=leg, centre=centre) and leg.case_id in visible else "",
            "own": centre is not None and leg.centre_id == centre.pk})
    reasons = [{**r, "item": pick(r.get("item_zh", ""), r.get("item_en", "")),
                "centre": pick(r.get("centre_zh", ""), r.get("centre_en", ""))} for r in joint.denial_reasons]
    return render(request, "joint_approval/case.html", {
        "joint": joint, "legs": legs, "reasons": reasons, "applicant": _applicant_here(joint, centre, visible),
        "events": [(e, _event_label(e.kind), _joint_status_label(e.status) if e.kind != "leg"
                    else _status_label(e.status), _event_note(e, len(legs))) for e in joint.events.all()],
        "own_legs": sum(1 for row in legs if row["own"])})


@login_required
def joint_case_receipt(request: HttpRequest, joint_case_id: uuid.UUID) -> HttpResponse:
    """The joint case's acceptance receipt (联办受理回执), printable: every leg with its centre, department,
    item, promised due date and own number (`registry.views.joint_receipt_context`, the sheet the
    applicant also prints from the progress lookup), and the applicant's name from a leg held here that
    the reader may see. Whoever sees the joint case may print it."""
    centre = centre_or_none(request)
    joint = selectors.joint_case_get_for(user=request.user, centre=centre, joint_case_id=joint_case_id)
    found = joint_progress_of(number=joint.number)
    if found is None:
        raise Http404
    visible = door.cases_visible(user=request.user, centre=centre, case_ids=[
        leg.case_id for leg in joint.legs.all() if leg.centre_id == centre.pk]) if centre is not None else set()
    return render(request, "registry/joint_receipt.html", {
        **joint_receipt_context(found), "applicant": _applicant_here(joint, centre, visible),
        "back_url": reverse("joint-case", args=[joint.pk]), "back_label": _("Back to the joint case")})


# --- linked projects ----------------------------------------------------------------------------

@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    centre = centre_or_none(request)
    if not selectors.follows_joint_cases(user=request.user, centre=centre):
        raise Http404
    projects = list(selectors.project_list_for(user=request.user, centre=centre))
    return render(request, "joint_approval/projects.html", {"projects": projects})


@login_required
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    """A linked project: its items by level, its joint cases with both centres' legs, and (at the
    city or the project's zone, for window staff) the one-stop acceptance — offered while none of
    the project's joint cases runs: accepted at one centre, the other does not start every leg again."""
    centre = centre_or_none(request)
    project = selectors.project_get_for(user=request.user, centre=centre, project_id=project_id)
    legs = project_legs(project=project)
    accepts_here = (centre is not None and door.may_accept(user=request.user, centre=centre)
                    and (centre.pk == project.centre_id or centre.level == Level.CITY))
    resolve_centres(legs=legs, accepting=centre or project.centre, project=project)
    checklist = merged_checklist(legs)
    data = request.POST if request.method == "POST" else None
    form = JointAcceptForm(data, materials=_material_choices(checklist), with_items=False,
                           initial={"applicant_name": project.company_name, "applicant_id_number": project.credit_code})
    status = 200
    running = selectors.project_running_joint_case(project=project)
    if data is not None:
        if not accepts_here:
            raise Http404
        if form.is_valid():
            # A project whose joint case runs is refused by the service, under the project's lock (409).
            clean = form.cleaned_data
            try:
                result = joint_case_accept(
                    accepting_centre=centre, acting_user=user_of(request), project=project,  # type: ignore[arg-type]
                    provided_keys=clean["materials"], applicant_kind=clean["applicant_kind"],
                    applicant_name=clean["applicant_name"], applicant_id_number=clean["applicant_id_number"],
                    phone=clean["phone"], idempotency_key=_form_key(request, form))  # type: ignore[arg-type]
            except ApplicationError as exc:
                _accept_failed(form, exc)
                status = exc.http_status
            else:
                return _accepted(request, result)
        else:
            status = 400
    joints = [{"joint": joint, "legs": [{"leg": leg, "centre": leg.centre.name, "status": _status_label(leg.status)}
                                        for leg in joint.legs.all()]}
              for joint in project.joint_cases.select_related("accepting_centre").prefetch_related("legs__centre")
              .order_by("-accepted_at")]
    return render(request, "joint_approval/project.html", {
        "project": project, "legs": _leg_rows(legs), "joints": joints, "form": form, "accepts_here": accepts_here,
        "running": running,
        "produced": _produced_rows(checklist, legs)}, status=status)

