"""Staff pages of a centre's cases (mounted at /cases/ on the centre's host): the inbox, a case with
the actions the user may take, a new case at the window, and the printable notice and receipt.

Reads and access go through `cases.selectors` (404 for anyone who is not staff of the centre, and for
another department's case to a department's clerk); every change goes through `cases.services`. The
applicant's ID number and phone are masked; the staff handling the case may reveal them (a POST,
audited, never cached).
"""
from __future__ import annotations

import uuid
from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cases import archive, hooks, personal_data, selectors
from cases.choices import (
    CLOCK_PAUSED,
    CLOCK_RUNNING,
    TERMINAL,
    Action,
    CaseEventKind,
    CaseStatus,
    Channel,
    actions_from,
)
from cases.documents import document_response
from cases.forms import CaseActionForm, CaseNewForm, material_choices
from cases.models import Case, CaseDocument, CaseMaterial
from cases.services import case_submit, case_transition
from catalog.models import Department
from catalog.selectors import centre_catalogue
from common.errors import ApplicationError, ConflictError, ErrorCode
from common.forms import add_service_errors
from common.i18n import pick
from common.idempotency import form_key
from tenants.request import centre_of, user_of
from tenants.selectors import user_department_in


def _material_name(material) -> str:
    return pick(material.name_zh, material.name_en)


# --- the inbox ----------------------------------------------------------------------------------

@login_required
def case_inbox(request: HttpRequest) -> HttpResponse:
    """The centre's cases, most urgent first; filters by status, department and due date."""
    centre = centre_of(request)
    filters = selectors.CaseFilters.from_mapping(request.GET)
    if "department" not in request.GET:  # a clerk's inbox opens on their own department's cases
        filters = replace(filters, department=user_department_in(user=request.user, centre=centre))
    today = timezone.localdate()
    cases = list(selectors.case_list_for(user=request.user, centre=centre, filters=filters,
                                                           today=today))
    departments = [(code, pick(name_zh, name_en))
                   for code, name_zh, name_en in selectors.case_departments_for(user=request.user, centre=centre)]
    return render(request, "cases/inbox.html", {
        "cases": cases, "filters": filters, "departments": departments, "today": today,
        "statuses": CaseStatus.choices, "OPEN": selectors.OPEN, "ALL": selectors.ALL,
        "dues": [(selectors.OVERDUE, _("Overdue")),
                 (selectors.DUE_SOON, _("Due within %(days)s working days") % {"days": selectors.DUE_SOON_WORKDAYS})],
        "CLOCK_PAUSED": CLOCK_PAUSED,
    })


# --- one case -----------------------------------------------------------------------------------

def _action_forms(case: Case, roles: set[str], bound: CaseActionForm | None = None) -> list[CaseActionForm]:
    forms = []
    for transition in actions_from(case.status, roles):
        if bound is not None and bound.transition.action == transition.action:
            forms.append(bound)
        else:
            forms.append(CaseActionForm(case=case, action=transition.action))
    return forms


@login_required
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """A case: applicant (ID masked), item and frozen version, limits, due dates, checklist, history,
    the open one-time notice, and a form for each action this user may take now."""
    centre = centre_of(request)
    case = selectors.case_get_for(user=request.user, centre=centre, case_id=case_id)
    roles = selectors.case_roles_for(user=user_of(request), centre=centre, case=case)
    bound: CaseActionForm | None = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in Action.values:
            messages.error(request, _("Unknown action."))
            return redirect("cases-detail", case_id=case.pk)
        offered = action in {t.action for t in actions_from(case.status, roles)}
        if not offered:
            # Not offered to this user now (a tampered or stale form): no form to correct, the service
            # decides — a role not allowed or a step skipped is refused there and supervision hears of it.
            try:
                selectors.case_act_check(user=request.user, centre=centre, case=case, action=action)
                case_transition(centre=centre, case=case, action=action, acting_user=user_of(request),
                                note=request.POST.get("note", "")[:2000],
                                missing_material_ids=[int(v) for v in request.POST.getlist("missing")
                                                      if v.isdigit()] or None,
                                expected_revision=_int_or_none(request.POST.get("revision")))
            except ApplicationError as exc:
                messages.error(request, str(exc))
                status = exc.http_status
            else:
                messages.success(request, _("%(action)s: done.") % {"action": Action(action).label})
                return redirect("cases-detail", case_id=case.pk)
        else:
            bound = CaseActionForm(request.POST, case=case, action=action)
            if bound.is_valid():
                try:
                    case_transition(centre=centre, case=case, action=action, acting_user=user_of(request),
                                    note=bound.cleaned_data.get("note") or "",
                                    missing_material_ids=bound.cleaned_data.get("missing") or None,
                                    expected_revision=bound.cleaned_data["revision"])
                except ConflictError as exc:
                    messages.error(request, str(exc))
                    status = 409
                    bound = None
                except ApplicationError as exc:
                    add_service_errors(bound, exc, aliases={"missing_material_ids": "missing"})
                    status = exc.http_status
                else:
                    messages.success(request, _("%(action)s: done.") % {"action": Action(action).label})
                    return redirect("cases-detail", case_id=case.pk)
            else:
                status = 400
        if status == 409:
            case = selectors.case_get_for(user=request.user, centre=centre, case_id=case_id)
    return _detail_page(request, case, roles, bound, status)


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _detail_page(request: HttpRequest, case: Case, roles: set[str], bound: CaseActionForm | None,
                 status: int, revealed: personal_data.ApplicantIdentifiers | None = None) -> HttpResponse:
    materials = [(m, _material_name(m)) for m in case.materials.all()]
    notice = selectors.open_notice(case)
    page = hooks.CasePage(centre=centre_of(request), case=case, user=user_of(request))
    hooks.case_page.send(page)  # what the apps above add (a proxy filing's consent and handover log)
    return render(request, "cases/detail.html", {
        "case": case, "applicant": revealed or personal_data.masked_applicant(case), "revealed": revealed is not None,
        "may_reveal": selectors.may_reveal(user=request.user, centre=centre_of(request), case=case),
        "materials": materials,
        "events": [(e, _event_label(e.action), _status_label(e.to_status)) for e in case.events.all()],
        "notice": notice,
        "notice_missing": [pick(m.get("name_zh", ""), m.get("name_en")) for m in (notice.missing if notice else [])],
        "has_notice": bool(list(case.notices.all())),
        "action_forms": _action_forms(case, roles, bound),
        "clock_running": case.status in CLOCK_RUNNING, "clock_paused": case.status in CLOCK_PAUSED,
        "closed": case.status in TERMINAL, "sections": page.sections,
        "documents": _documents_listed(case),
    }, status=status)


def _documents_listed(case: Case) -> list[tuple[CaseDocument, str]]:
    """The case's files for the pre-check (预审): each with what it answers (a material's name, a notice)."""
    names = {m.material_id: _material_name(m) for m in case.materials.all()}
    return [(d, names.get(d.material_id, "") if d.material_id is not None else "")
            for d in case.documents.order_by("uploaded_at", "pk")]


@login_required
def case_document(request: HttpRequest, case_id: uuid.UUID, document_id: uuid.UUID) -> FileResponse:
    """One file of a case, for who may see the case here (`cases.selectors.case_get_for`: 404 otherwise)."""
    centre = centre_of(request)
    case = selectors.case_get_for(user=request.user, centre=centre, case_id=case_id, detail=False)
    document = CaseDocument.objects.filter(case=case, pk=document_id).first()
    if document is None:
        raise Http404
    return document_response(document)


@never_cache
@require_POST
@login_required
def case_reveal(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The case page with the applicant's full ID number and phone, for the staff handling the case (a
    POST, written to the audit log; the answer is not cached and the values are not kept anywhere)."""
    centre = centre_of(request)
    case = selectors.case_get_for(user=request.user, centre=centre, case_id=case_id)
    try:
        revealed = personal_data.case_personal_data_reveal(centre=centre, case=case, acting_user=user_of(request))
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("cases-detail", case_id=case.pk)
    roles = selectors.case_roles_for(user=user_of(request), centre=centre, case=case)
    return _detail_page(request, case, roles, None, 200, revealed=revealed)


def _event_label(kind: str) -> str:
    return str(CaseEventKind(kind).label) if kind in CaseEventKind.values else kind


def _status_label(status: str) -> str:
    return str(CaseStatus(status).label) if status in CaseStatus.values else status


# --- a new case at the window -------------------------------------------------------------------

@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    """File an application at the window: choose the item (its materials then appear), the applicant,
    the materials handed in. Invalid details are shown on the form; nothing is saved."""
    centre = centre_of(request)
    selectors.require_case_staff(user=request.user, centre=centre)
    adoptions = list(centre_catalogue(centre=centre))
    by_code = {a.item.code: a for a in adoptions}
    data = request.POST if request.method == "POST" else None
    code = (data or request.GET).get("item_code", "")
    adoption = by_code.get(code)
    materials = material_choices(adoption) if adoption else []
    form = CaseNewForm(data, adoptions=adoptions, materials=materials,
                       initial={"item_code": code} if adoption else None)
    status = 200
    if data is not None and adoption is not None:
        if form.is_valid():
            clean = form.cleaned_data
            token = clean.get("token") or ""
            try:
                result = case_submit(centre=centre, item_code=clean["item_code"],
                                     applicant_kind=clean["applicant_kind"], applicant_name=clean["applicant_name"],
                                     applicant_id_number=clean["applicant_id_number"], phone=clean["phone"],
                                     channel=Channel.WINDOW, acting_user=user_of(request),
                                     provided_material_ids=clean["materials"], idempotency_key=form_key(request, token))
            except ApplicationError as exc:
                if exc.code == ErrorCode.IDEMPOTENCY_KEY_REUSED:
                    form.add_error(None, _("This form has already filed a case. Open a new form to file another."))
                else:
                    add_service_errors(form, exc)
            else:
                if result.created:
                    messages.success(request, _("Case %(number)s filed.") % {"number": result.case.number})
                else:
                    messages.info(request, _("Case %(number)s was already filed from this form; nothing more was "
                                             "filed.") % {"number": result.case.number})
                scope = selectors.case_department_scope(user=request.user, centre=centre)
                if scope is not None and scope != result.case.department_code:
                    # Filed at the window for another department: its staff take it from here.
                    messages.info(request, _("Case %(number)s belongs to %(department)s; its staff take it from "
                                             "here.") % {"number": result.case.number,
                                                         "department": result.case.department_name})
                    return redirect("cases-inbox")
                return redirect("cases-detail", case_id=result.case.pk)
        status = 400
    elif data is not None:
        form.is_valid()
        status = 400
    return render(request, "cases/new.html", {"form": form, "adoption": adoption, "has_item": adoption is not None},
                  status=status)


# --- printable pages ----------------------------------------------------------------------------

def _print_context(request: HttpRequest, case: Case) -> dict:
    department = Department.objects.filter(code=case.department_code).first() if case.department_code else None
    centre = centre_of(request)
    return {"case": case, "today": timezone.localdate(),
            "address": centre.address or (department.address if department is not None else ""),
            "department_phone": centre.phone or (department.phone if department is not None else "")}


@login_required
def case_receipt(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The acceptance receipt (受理回执): the materials accepted and the promised due date."""
    centre = centre_of(request)
    case = selectors.case_get_for(user=request.user, centre=centre, case_id=case_id)
    if case.accepted_on is None:
        raise Http404
    accepted = [_material_name(m) for m in case.materials.all() if m.state == CaseMaterial.State.PROVIDED]
    return render(request, "cases/receipt.html", {**_print_context(request, case), "accepted": accepted})


@login_required
def case_notice(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The one-time notice (一次性告知书): every missing material, listed once."""
    centre = centre_of(request)
    case = selectors.case_get_for(user=request.user, centre=centre, case_id=case_id)
    notice = selectors.latest_notice(case)
    if notice is None:
        raise Http404
    missing = [pick(m.get("name_zh", ""), m.get("name_en")) for m in notice.missing]
    return render(request, "cases/notice.html", {**_print_context(request, case), "notice": notice,
                                                 "missing": missing})


# --- the electronic archive ---------------------------------------------------------------------

@never_cache
@login_required
def case_archive(request: HttpRequest, case_id: uuid.UUID) -> HttpResponseBase:
    """The case's electronic archive (电子档案) as one ZIP (`cases.archive`), for those who may read the case."""
    centre = centre_of(request)
    case = selectors.case_get_for(user=request.user, centre=centre, case_id=case_id)
    return archive.case_archive(centre=centre, case=case).response()
