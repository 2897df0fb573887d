"""Catalogue pages: the master catalogue on the platform's site, a centre's catalogue, service guides,
adoption (认领) and the printable guide book on a centre's site. Thin: reads go through
`catalog.selectors` (and `catalog.reports`), writes through `catalog.services`."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from catalog import importers, reports, selectors, services
from catalog.choices import Category, EventKind, VersionStatus
from catalog.forms import AdoptForm, CatalogueFileForm, FormFileForm, LocalTermsForm
from catalog.guidebook import guidebook_pdf, materials_of, steps_of
from catalog.models import FormFile, Item, ItemVersion
from common.errors import ApplicationError
from common.forms import add_service_errors
from common.i18n import pick
from tenants.choices import Level
from tenants.models import Centre
from tenants.request import centre_of, centre_or_none, user_of

#: Items on one page of the master catalogue and of a centre's (the city's 160 items are four pages).
ITEMS_PAGE_SIZE = 50


def _choice(request: HttpRequest, name: str, values) -> str | None:
    value = request.GET.get(name) or None
    return value if value in values else None


def _query(request: HttpRequest) -> str | None:
    return (request.GET.get("q") or "").strip()[:100] or None


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# --- the platform's site: the master catalogue -------------------------------------------------------

def _require_catalogue_admin(request: HttpRequest) -> None:
    if not selectors.user_is_catalogue_admin(user=request.user):
        raise Http404


@login_required
def catalogue_import(request: HttpRequest) -> HttpResponse:
    """Upload a catalogue file (catalogue administrators): a small one is imported at once, a large one
    goes to the worker and its progress page; a refused file lists its first problems."""
    _require_catalogue_admin(request)
    form = CatalogueFileForm(request.POST or None, request.FILES or None)
    problems: dict = {}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if importers.import_in_background(upload, upload.name):
                job = importers.catalogue_import_queue(stream=upload, file_name=upload.name,
                                                       acting_user=user_of(request))
                return redirect("catalog-import-job", job_id=job.pk)
            items = importers.catalogue_import(stream=upload, file_name=upload.name, acting_user=user_of(request))
        except ApplicationError as exc:
            form.add_error("file", str(exc.extra.get("summary") or exc.message))
            problems = {"rows": exc.extra.get("rows", []), "count": exc.extra.get("problem_count", 0)}
        else:
            messages.success(request, _("%(count)d items imported.") % {"count": len(items)})
            return redirect("catalog-home")
    return render(request, "catalog/import.html", {"form": form, "problems": problems, "may_import": True},
                  status=400 if request.method == "POST" else 200)


@never_cache
@vary_on_headers("HX-Request")
@login_required
def catalogue_import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A large import's progress; htmx polls the fragment until the worker is done."""
    job = selectors.catalogue_import_get_for(user=request.user, job_id=job_id)
    template = "catalog/_import_progress.html" if getattr(request, "htmx", False) else "catalog/import_job.html"
    return render(request, template, {"job": job, "may_import": True})


def browse(request: HttpRequest) -> HttpResponse:
    """The master catalogue, `ITEMS_PAGE_SIZE` a page (`?page=`): search by name, code, department, keyword or
    pinyin initials; filters (a plain GET form)."""
    query = _query(request)
    category = _choice(request, "category", Category.values)
    level = _choice(request, "level", Level.values)
    departments = list(selectors.department_list())
    department = _choice(request, "department", {d.code for d in departments})
    items = selectors.item_search(query=query, category=category, department_code=department, level=level)
    page = Paginator(items, ITEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/browse.html", {
        "page_obj": page, "items": page.object_list, "q": query or "", "category": category, "level": level,
        "department": department, "categories": Category.choices, "levels": Level.choices, "departments": departments,
        "may_import": selectors.user_is_catalogue_admin(user=request.user),
    })


def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One master item: its current version in full, its place in the hierarchy, its history."""
    item = selectors.item_get(code=code, master_only=True)
    version = item.version
    return render(request, "catalog/item_detail.html", {
        "item": item, "version": version,
        "materials": materials_of(version),
        "forms": selectors.version_forms(version_id=version.pk),
        "steps": steps_of(version),
        "children": list(item.children.all()),
        "versions": list(item.versions.all()),
        "may_edit_forms": selectors.user_is_catalogue_admin(user=request.user),
        "events": list(item.events.all()),
        "agencies": list(item.agencies.all()),
        "levels": [Level(lv).label for lv in item.levels if lv in Level.values],
    })


def agencies(request: HttpRequest) -> HttpResponse:
    """The directory of third-party service agencies (中介服务机构) and the items they serve."""
    rows = selectors.agency_list()
    return render(request, "catalog/agencies.html", {"agencies": rows})


def compression_report(request: HttpRequest) -> HttpResponse:
    """How much shorter the promised limits are than the legal ones, per category and overall: city-wide on
    the platform's site, the centre's own (with its local promises) on a centre's site."""
    centre = centre_or_none(request)
    rows = []
    report = reports.compression_report(centre=centre)
    for row in [*report["categories"].values(), report["overall"]]:
        compression = row["compression"]
        rows.append({**row, "label": pick(row["label_zh"], row["label_en"]),
                     "is_overall": row is report["overall"],
                     "bar": max(0, min(100, round(float(compression) * 100))) if compression is not None else 0})
    return render(request, "catalog/report_compression.html", {"rows": rows})


def change_report(request: HttpRequest) -> HttpResponse:
    """What changed in the catalogue in a year: items added, taken over, removed and why."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or this_year)
    except ValueError:
        year = this_year
    year = min(max(year, 2000), this_year + 1)
    report = reports.change_report(year=year)
    return render(request, "catalog/report_changes.html", {
        "report": report, "year": year,
        "years": sorted(set(reports.change_years(this_year=this_year)) | {year}, reverse=True),
        "sentence": reports.change_sentence(report, language=get_language() or "zh") if report else "",
        "kinds": [(EventKind(kind).label, report[str(kind)]) for kind in EventKind.values] if report else [],
    })


@login_required
def version_forms(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """Catalogue administrators: a version's forms and samples (表单, 样表); on a draft, add one or take one
    off; a published or archived version's are shown, never changed."""
    _require_catalogue_admin(request)
    version = (ItemVersion.objects.select_related("item").filter(item__code=code, number=number).first())
    if version is None:
        raise Http404
    form = FormFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        remove = request.POST.get("remove")
        try:
            if remove:
                target = FormFile.objects.filter(pk=int(remove) if remove.isdigit() else 0, version=version).first()
                if target is not None:
                    services.form_remove(form=target, acting_user=user_of(request))
                    messages.success(request, _("Removed %(name)s.") % {"name": target.name})
                return redirect("catalog-version-forms", code=code, number=number)
            if form.is_valid():
                data = form.cleaned_data
                added = services.form_add(version=version, kind=data["kind"], name_zh=data["name_zh"],
                                          name_en=data["name_en"], upload=data["file"],
                                          acting_user=user_of(request))
                messages.success(request, _("Added %(name)s.") % {"name": added.name})
                return redirect("catalog-version-forms", code=code, number=number)
        except ApplicationError as exc:
            if remove:
                messages.error(request, str(exc))
                return redirect("catalog-version-forms", code=code, number=number)
            add_service_errors(form, exc)
            version.refresh_from_db()
    return render(request, "catalog/version_forms.html", {
        "item": version.item, "version": version, "forms": selectors.version_forms(version_id=version.pk),
        "form": form, "editable": version.status == VersionStatus.DRAFT,
    }, status=400 if request.method == "POST" else 200)


def form_download(request: HttpRequest, form_id: int) -> FileResponse:
    """A form or sample, on every host (public documents): sent as an attachment under its cleaned name
    (RFC 5987 for a Chinese name), its content type as stored, never sniffed; never from MEDIA_URL."""
    form = selectors.form_get_for_download(user=request.user, form_id=form_id)
    try:
        stream = default_storage.open(form.stored_name, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(stream, as_attachment=True, filename=form.file_name, content_type=form.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Length"] = str(form.size)
    response["Cache-Control"] = "public, max-age=86400" if form.version.status != VersionStatus.DRAFT else "private"
    return response


# --- a centre's site ---------------------------------------------------------------------------------

def centre_catalogue(request: HttpRequest) -> HttpResponse:
    """The centre's catalogue (its adoptions and local items), `ITEMS_PAGE_SIZE` a page, with its notices."""
    centre = centre_of(request)
    query = _query(request)
    category = _choice(request, "category", Category.values)
    page = Paginator(selectors.centre_catalogue(centre=centre, query=query, category=category),
                     ITEMS_PAGE_SIZE).get_page(request.GET.get("page"))
    notices = list(selectors.notices_of(centre=centre)[:10])
    return render(request, "catalog/centre_catalogue.html", {
        "page_obj": page, "adoptions": page.object_list, "q": query or "", "category": category,
        "categories": Category.choices, "notices": notices,
        "may_adopt": selectors.user_may_adopt(user=request.user, centre=centre),
    })


def service_guide(request: HttpRequest, code: str) -> HttpResponse:
    """The public service guide (办事指南) of one item at this centre; 404 if the centre does not exercise it."""
    centre = centre_of(request)
    adoption = selectors.adoption_get(centre=centre, item_code=code)
    item = adoption.item
    version = item.version
    return render(request, "catalog/service_guide.html", {
        "adoption": adoption, "item": item, "version": version,
        "materials": materials_of(version),
        "forms": selectors.version_forms(version_id=version.pk),
        "steps": steps_of(version),
        "agencies": list(item.agencies.all()),
        "may_adopt": selectors.user_may_adopt(user=request.user, centre=centre),
    })


def _require_adopter(request: HttpRequest) -> Centre:
    centre = centre_of(request)
    if not selectors.user_may_adopt(user=request.user, centre=centre):
        raise Http404
    return centre


def _adoptable(centre: Centre, query: str | None, today: dt.date):
    """Master items of the centre's level it has not adopted; a township only what its district adopted."""
    return selectors.adoptable_items(centre=centre, on=today, query=query)


def adopt(request: HttpRequest) -> HttpResponse:
    """Centre administrators: the items the centre may adopt; adopt one, with local terms, or all."""
    centre = _require_adopter(request)
    today = timezone.localdate()
    query = _query(request)
    form = AdoptForm(request.POST or None)
    failed = None
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            item = Item.objects.select_related("current_version").filter(code=data["item"]).first()
            if item is None or item.current_version is None:
                form.add_error(None, _("There is no item %(code)s in the catalogue.") % {"code": data["item"]})
            else:
                try:
                    result = services.adoption_create(
                        centre=centre, item=item, acting_user=user_of(request),
                        promised_limit_days=data["promised_limit_days"], window=data["window"],
                        department_name=data["department_name"], today=today)
                except ApplicationError as exc:
                    form.add_service_error(exc)
                else:
                    name = item.current_version.name
                    if result.created:
                        messages.success(request, _("Adopted %(code)s %(name)s.") % {"code": item.code,
                                                                                      "name": name})
                    else:
                        messages.info(request, _("%(code)s %(name)s was adopted already.")
                                      % {"code": item.code, "name": name})
                    return redirect(_safe_next(request, reverse("catalog-adopt")))
        failed = form.data.get("item")
    items = list(_adoptable(centre, query, today))
    return render(request, "catalog/adopt.html", {
        "items": items, "q": query or "", "form": form, "failed": failed,
        "blank_form": AdoptForm(), "is_township": centre.level == Level.TOWNSHIP,
    }, status=400 if request.method == "POST" else 200)


@require_POST
def adopt_all(request: HttpRequest) -> HttpResponse:
    centre = _require_adopter(request)
    count = services.adoption_adopt_all(centre=centre, acting_user=user_of(request))
    if count:
        messages.success(request, _("Adopted %(count)d items of this centre's level.") % {"count": count})
    else:
        messages.info(request, _("There was nothing left to adopt."))
    return redirect("catalog-home")


def adoption_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Centre administrators: the centre's own promised limit, window and department for one item."""
    centre = _require_adopter(request)
    adoption = selectors.adoption_get(centre=centre, item_code=code)
    initial = {"promised_limit_days": adoption.promised_limit_days, "window": adoption.window,
               "department_name": adoption.department_name}
    form = LocalTermsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.adoption_update(adoption=adoption, acting_user=user_of(request),
                                     promised_limit_days=data["promised_limit_days"], window=data["window"],
                                     department_name=data["department_name"])
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Saved the local terms of %(code)s.") % {"code": code})
            return redirect("catalog-guide", code=code)
    return render(request, "catalog/adoption_edit.html", {
        "adoption": adoption, "item": adoption.item, "version": adoption.item.current_version, "form": form,
    }, status=400 if request.method == "POST" else 200)


def guidebook(request: HttpRequest) -> HttpResponse:
    """The centre's whole catalogue as a printable guide book (审批清单), PDF."""
    centre = centre_of(request)
    adoptions = selectors.centre_catalogue(centre=centre).prefetch_related("item__current_version__materials")
    today = timezone.localdate()
    response = HttpResponse(guidebook_pdf(centre=centre, adoptions=adoptions, today=today),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="guidebook-{centre.slug}-{today:%Y%m%d}.pdf"'
    return response
