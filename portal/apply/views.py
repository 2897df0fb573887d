"""Pages of online application (网上申报) on the platform's site, under `/online/`: the items that may be
applied for online (`portal:items`), an item's guide (`portal:item`), the application (`portal:apply`), the
applicant's page of a case (`portal:case`) and its documents (`portal:case-document`). Plain forms, no
script needed; a 360 px phone is the first screen."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cases import door
from cases.choices import ONLINE_DEPTH_MIN, Action, ApplicantKind
from catalog.guidebook import steps_of
from catalog.selectors import version_forms
from common.errors import ApplicationError, ErrorCode
from common.forms import add_service_errors
from common.i18n import pick
from portal.access import identity_required
from portal.apply import selectors, services
from portal.apply.forms import ApplicationForm, SupplementForm
from portal.error_codes import PortalErrorCode
from portal.selectors import my_case_entry
from registry.models import status_label

#: Townships listed at once on the application page (the search narrows them).
TOWNSHIPS_SHOWN = 60
#: Items a page of the online items list shows (`?page=`); a phone scrolls 50 rows in a few flicks.
ITEMS_PAGE_SIZE = 50


def items(request: HttpRequest) -> HttpResponse:
    """Items that may be applied for online, by department, `ITEMS_PAGE_SIZE` a page (`?page=`, out of range
    gives the last page); a search by name, code, keyword or pinyin initials."""
    query = (request.GET.get("q") or "").strip()[:100]
    page = Paginator(selectors.online_items(query=query or None, on=timezone.localdate()),
                     ITEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/items.html", {"q": query, "page_obj": page, "count": page.paginator.count,
                                                 "groups": selectors.items_by_department(list(page.object_list))})


def item(request: HttpRequest, code: str) -> HttpResponse:
    """An item's guide (办事指南) in the online hall: limits, fees, visits, materials, steps, forms to
    download, and "Apply online" when it may be applied for online."""
    found = selectors.item_get(code=code)
    version = found.version
    return render(request, "portal/item.html", {
        "item": found, "version": version, "materials": selectors.item_materials(item=found),
        "steps": steps_of(version), "forms": version_forms(version_id=version.pk),
        "online": version.online_depth >= ONLINE_DEPTH_MIN})


def _materials_for(found, applicant) -> list:
    return [m for m in selectors.item_materials(item=found)
            if not m.applicant_types or applicant.kind in m.applicant_types]


@identity_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """The application: choose the township or street (searchable), see which centre handles the item and
    why, upload each material, file. Identity from the bound account."""
    applicant = request.applicant  # type: ignore[attr-defined]
    found = selectors.item_get(code=code)
    version = found.version
    today = timezone.localdate()
    data = request.POST if request.method == "POST" else None
    township_code = ((data or request.GET).get("township") or "").strip()[:12]
    township = selectors.township_get(code=township_code) if township_code else None
    context: dict = {"item": found, "version": version, "applicant": applicant,
                     "applicant_kind": ApplicantKind(applicant.kind).label if applicant.kind else "",
                     "township": township}
    if township is None:
        query = (request.GET.get("tq") or "").strip()[:50]
        towns = list(selectors.townships(query=query)[:TOWNSHIPS_SHOWN + 1])
        return render(request, "portal/apply_township.html", {
            **context, "tq": query, "townships": towns[:TOWNSHIPS_SHOWN], "more": len(towns) > TOWNSHIPS_SHOWN,
            "unknown": bool(township_code)}, status=404 if township_code else 200)
    try:
        handling = services.handling_check(township=township, item_code=code, on=today)
    except ApplicationError as exc:
        return render(request, "portal/apply_refused.html", {**context, "message": str(exc)},
                      status=exc.http_status)
    materials = _materials_for(found, applicant)
    form = ApplicationForm(data, request.FILES if data is not None else None, materials=materials,
                           initial={"township": township.division_code})
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                filed = services.application_file(applicant=applicant, township=township, item_code=code,
                                                  files=form.material_files(),  # type: ignore[arg-type]
                                                  token=form.cleaned_data.get("token") or "")
            except ApplicationError as exc:
                status = exc.http_status
                if exc.code == ErrorCode.IDEMPOTENCY_KEY_REUSED:
                    form.add_error(None, _("This form has already filed an application. Open the form again to "
                                           "file another."))
                elif exc.code == PortalErrorCode.ALREADY_OPEN:
                    form.add_error(None, str(exc))
                    context["open_case_id"] = exc.extra.get("case_id")
                else:
                    add_service_errors(form, exc)
            else:
                if filed.created:
                    messages.success(request, _("Application %(number)s is filed at %(centre)s. The centre checks it "
                                                "first; you will get an SMS.")
                                     % {"number": filed.number, "centre": filed.centre.name})
                else:
                    messages.info(request, _("Application %(number)s was already filed from this form; nothing more "
                                             "was filed.") % {"number": filed.number})
                return HttpResponseRedirect(reverse("portal:case", args=[filed.case_id]))
        else:
            status = 400
    return render(request, "portal/apply.html", {
        **context, "handling": handling, "form": form, "materials": materials,
        "counter_materials": [m for m in materials if m.delivery != "upload"],
        "max_mb": _max_mb()}, status=status)


#: The steps whose written reason the applicant is shown on their case's page.
REASONED = frozenset({Action.REFUSE, Action.DENY, Action.WITHDRAW})


def _max_mb() -> str:
    return f"{settings.CASE_DOCUMENT_MAX_BYTES / (1024 * 1024):.0f}"


def _applicant_case(request: HttpRequest, case_id: uuid.UUID):
    applicant = request.applicant  # type: ignore[attr-defined]
    entry = my_case_entry(applicant=applicant, case_id=case_id)
    view = door.case_for_applicant(centre=entry.centre, case_id=entry.case_id)
    if view is None:
        raise Http404
    return entry, view


@identity_required
def case(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The applicant's page of one of their cases: status, what to do next, the public history, notices with
    the missing materials (and, while one is open, a file field for each), the documents. Another person's
    case is 404."""
    entry, view = _applicant_case(request, case_id)
    form = SupplementForm(request.POST or None, request.FILES or None,
                          missing=view.open_notice.missing if view.open_notice else [])
    status = 200
    if request.method == "POST":
        if view.open_notice is None:
            messages.error(request, _("This case waits for no materials now."))
            return HttpResponseRedirect(reverse("portal:case", args=[case_id]))
        if form.is_valid():
            try:
                supplemented = services.supplement_upload(centre=entry.centre, case_id=entry.case_id,
                                                          files=form.material_files())  # type: ignore[arg-type]
            except ApplicationError as exc:
                add_service_errors(form, exc)
                status = exc.http_status
            else:
                messages.success(request, _("Every missing material is in: the centre goes on with your case.")
                                 if supplemented else _("Received. Upload the other missing materials too."))
                return HttpResponseRedirect(reverse("portal:case", args=[case_id]))
        else:
            status = 400
    names = {m.material_id: pick(m.name_zh, m.name_en) for m in view.materials}
    answered = {d.material_id for d in view.documents if view.open_notice and d.notice_id == view.open_notice.pk}
    return render(request, "portal/case.html", {
        "entry": entry, "view": view, "case": view.case, "form": form, "case_id": entry.case_id,
        "history": [{"label": status_label(step.get("status", "")), "at": parse_datetime(step.get("at") or ""),
                     "holder": pick(step.get("holder_zh", ""), step.get("holder_en"))} for step in entry.history],
        "notices": [{"notice": n, "missing": [pick(m.get("name_zh", ""), m.get("name_en")) for m in n.missing]}
                    for n in view.notices],
        "documents": [(d, names.get(d.material_id, "")) for d in view.documents],
        "answered": answered, "next_step": selectors.next_step(view.case.status),
        # why the centre refused, denied or withdrew it: the reason the clerk wrote, in the clerk's words
        "reasons": [(e.get_action_display(), e.note) for e in view.events
                    if e.action in REASONED and e.note.strip()]}, status=status)


@identity_required
def case_document(request: HttpRequest, case_id: uuid.UUID, document_id: uuid.UUID) -> FileResponse:
    """One file of the applicant's own case (a material, the receipt, a notice, the decision); 404 for
    anyone else's."""
    entry = my_case_entry(applicant=request.applicant, case_id=case_id)  # type: ignore[attr-defined]
    document = door.case_document_get(centre=entry.centre, case_id=entry.case_id, document_id=document_id)
    if document is None:
        raise Http404
    return door.document_response(document)
