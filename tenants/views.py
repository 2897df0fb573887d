"""Pages: the platform's centre list and onboarding, a centre's page, sign-in, centre switch, health."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from common.errors import ApplicationError
from tenants import selectors, services
from tenants.choices import Level
from tenants.forms import CentreFileForm, CentreForm
from tenants.importers import read_centre_file
from tenants.middleware import centre_url
from tenants.models import Centre, OnboardingBatch
from tenants.validation import CentreInput

HANDOFF_SALT = "tenants.handoff"
HANDOFF_MAX_AGE = 60


# --- every host ---------------------------------------------------------------------------------

class LoginView(auth_views.LoginView):
    template_name = "tenants/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def switch_centre(request: HttpRequest, slug: str) -> HttpResponse:
    """Go to another of the user's centres, signed in there too (a 60-second signed hand-off)."""
    target = Centre.objects.filter(slug=slug).first()
    if target is None or not (selectors.user_is_platform_admin(user=request.user)
                              or target in selectors.centres_of_user(user=request.user)):
        raise Http404
    token = signing.dumps({"u": request.user.pk, "c": target.slug}, salt=HANDOFF_SALT, compress=True)
    return HttpResponseRedirect(centre_url(request, target.slug, f"/accounts/handoff/?t={token}"))


@never_cache
def handoff(request: HttpRequest) -> HttpResponse:
    try:
        data = signing.loads(request.GET.get("t", ""), salt=HANDOFF_SALT, max_age=HANDOFF_MAX_AGE)
    except signing.BadSignature:
        messages.error(request, _("That sign-in link has expired; please sign in."))
        return redirect("login")
    centre = getattr(request, "centre", None)
    if centre is None or centre.slug != data.get("c"):
        raise Http404
    user = get_object_or_404(get_user_model(), pk=data["u"], is_active=True)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("home")


def health(request: HttpRequest) -> JsonResponse:
    """Database and broker reachable? 200 if both, 503 otherwise."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        from config.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["broker"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks},
                        status=200 if healthy else 503)


# --- the platform's site ------------------------------------------------------------------------

def platform_home(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level") or None
    query = request.GET.get("q") or None
    centres = selectors.centre_list(level=level, query=query)
    return render(request, "tenants/platform_home.html", {
        "centres": centres, "levels": Level.choices, "level": level, "q": query or "",
        "is_platform_admin": selectors.user_is_platform_admin(user=request.user),
    })


def _require_platform_admin(request: HttpRequest) -> None:
    if not selectors.user_is_platform_admin(user=request.user):
        raise Http404


@login_required
def onboard(request: HttpRequest) -> HttpResponse:
    _require_platform_admin(request)
    form = CentreForm(request.POST or None)
    file_form = CentreFileForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.centre_onboard(
                data=CentreInput.from_mapping(data), acting_user=request.user,
                admin_username=data.get("admin_username") or None,
                admin_password_hash=None)
        except ApplicationError as exc:
            for name, problems in exc.extra.get("fields", {}).items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
            if not exc.extra.get("fields"):
                form.add_error(None, str(exc))
        else:
            (messages.success if result.created else messages.info)(request, result.message)
            return redirect("onboard")
    return render(request, "tenants/onboard.html", {"form": form, "file_form": file_form,
                                                    "batches": OnboardingBatch.objects.order_by("-pk")[:10]})


@login_required
@require_POST
def onboard_file(request: HttpRequest) -> HttpResponse:
    _require_platform_admin(request)
    file_form = CentreFileForm(request.POST, request.FILES)
    bad_rows: list[dict] = []
    if file_form.is_valid():
        upload = file_form.cleaned_data["file"]
        try:
            rows = read_centre_file(upload, upload.name)
            batch = services.onboarding_batch_create(file_name=upload.name, rows=rows, acting_user=request.user)
        except ApplicationError as exc:
            file_form.add_error("file", str(exc))
            bad_rows = exc.extra.get("rows", [])
        else:
            return redirect("onboard-batch", batch_id=batch.pk)
    return render(request, "tenants/onboard.html", {
        "form": CentreForm(), "file_form": file_form, "bad_rows": bad_rows,
        "batches": OnboardingBatch.objects.order_by("-pk")[:10]}, status=400)


@login_required
def onboard_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    _require_platform_admin(request)
    batch = get_object_or_404(OnboardingBatch, pk=batch_id)
    template = "tenants/_batch_progress.html" if request.htmx else "tenants/onboard_batch.html"
    return render(request, template, {"batch": batch})


@login_required
@require_POST
def centre_status(request: HttpRequest, code: str) -> HttpResponse:
    _require_platform_admin(request)
    centre = selectors.centre_get(code=code)
    expected = request.POST.get("from", centre.status)
    centre.status = expected  # what the admin saw; the service detects a change in between
    try:
        services.centre_set_status(centre=centre, status=request.POST.get("status", ""), acting_user=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Centre %(code)s updated.") % {"code": code})
    return redirect("platform-home")


# --- a centre's site ----------------------------------------------------------------------------

def centre_home(request: HttpRequest) -> HttpResponse:
    centre: Centre = request.centre
    from windows.models import CentreHeartbeat, Window

    is_staff = request.user.is_authenticated and selectors.user_is_staff_of(user=request.user, centre=centre)
    return render(request, "tenants/centre_home.html", {
        "ancestors": selectors.centre_ancestors(centre=centre),
        "children": selectors.centre_children(centre=centre),
        "windows": Window.objects.filter(is_active=True),
        "heartbeat": CentreHeartbeat.objects.filter(id=1).first(),
        "is_staff": is_staff,
        "roles": selectors.user_roles_in(user=request.user, centre=centre),
    })
