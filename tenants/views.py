"""Pages: the platform's centre list and onboarding, sign-in (with the second factor and lockouts), centre
switch, the audit log (page and CSV)."""
from __future__ import annotations

from base64 import b32encode
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, get_random_string
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_otp import login as otp_login

from common.errors import ApplicationError
from common.exports import csv_writer
from common.forms import add_service_errors
from common.qr import qr_svg
from tenants import selectors, services, signin
from tenants.audit import SYSTEM_ACTOR
from tenants.choices import AuditKind, AuditTarget, CentreStatus, Level, Role
from tenants.forms import (
    AuditFilterForm,
    CentreFileForm,
    CentreForm,
    CentreStatusForm,
    LoginForm,
    SecondFactorCodeForm,
)
from tenants.importers import read_centre_file
from tenants.middleware import centre_url, host_url, platform_url
from tenants.models import AuditEvent, Centre, OnboardingBatch
from tenants.request import centre_or_none, user_of
from tenants.validation import CentreInput

HANDOFF_SALT = "tenants.handoff"
HANDOFF_STATE_KEY = "tenants.handoff_state"


# --- every host ---------------------------------------------------------------------------------

class LoginView(auth_views.LoginView):
    """Sign-in: password, then the 6-digit code for users with two-step sign-in on. Failed passwords are
    counted per account and per address (django-axes); a locked-out sign-in gets 429 and a message."""

    template_name = "tenants/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Where to land with no `next` (`signin.landing_url`: a village agent's workbench, else home)."""
        return signin.landing_url(user=self.request.user, centre=centre_or_none(self.request))

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        if form.otp_device is not None:
            otp_login(self.request, form.otp_device)
        return response


class LogoutView(auth_views.LogoutView):
    pass


def _may_enter(user, centre: Centre) -> bool:
    return selectors.user_is_platform_admin(user=user) or bool(selectors.user_roles_in(user=user, centre=centre))


@login_required
def switch_centre(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Go to another of the user's centres, signed in there too, by a single-use hand-off (60 seconds).

    Session cookies belong to one host, so the user is carried over by a signed token. The token may be
    used once (a nonce kept server-side) and only by the browser that asked: first the target host
    puts a random `state` in this browser's session there (`handoff_begin`) and sends it back here; the
    token names the user, the target centre, the user's session hash (a changed password voids it), the
    language, the verified second-factor device (if any), the nonce and the state's hash.
    """
    slug = slug or request.GET.get("slug", "")
    target = Centre.objects.filter(slug=slug).first()
    if target is None or not _may_enter(request.user, target):
        raise Http404
    state = request.GET.get("state", "")
    if not state:
        here = centre_or_none(request)
        return HttpResponseRedirect(centre_url(request, target.slug, "/accounts/handoff/begin/?" + urlencode(
            {"from": here.slug if here is not None else ""})))
    user = user_of(request)
    device = getattr(user, "otp_device", None)
    token = signing.dumps({"u": user.pk, "c": target.slug, "h": user.get_session_auth_hash(),
                           "l": translation.get_language(), "n": signin.handoff_issue(state=state),
                           "d": device.persistent_id if device is not None else ""},
                          salt=HANDOFF_SALT, compress=True)
    return HttpResponseRedirect(centre_url(request, target.slug, f"/accounts/handoff/?t={token}"))


@never_cache
def handoff_begin(request: HttpRequest) -> HttpResponse:
    """The target host's first half of `switch_centre`: a random state in this browser's session here, sent
    back to the host the user switches from (a centre named by `from`, or the platform's site)."""
    centre = centre_or_none(request)
    if centre is None:
        raise Http404
    origin = request.GET.get("from", "")
    if origin and not Centre.objects.filter(slug=origin).exists():
        raise Http404
    state = get_random_string(43)
    request.session[HANDOFF_STATE_KEY] = state
    back = f"/switch/{centre.slug}/?" + urlencode({"state": state})
    return HttpResponseRedirect(centre_url(request, origin, back) if origin
                                else platform_url(request).rstrip("/") + back)


def _handoff_refused(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("That sign-in link has expired or was already used; please sign in."))
    return redirect("login")


@never_cache
def handoff(request: HttpRequest) -> HttpResponse:
    """The target host's last half of `switch_centre`: check the token, use its nonce up, sign the user in.

    Refused (to the sign-in page) when expired, used before or opened in another browser (its session
    here has not the state); a browser signed in here as someone else is not switched.
    """
    try:
        data = signing.loads(request.GET.get("t", ""), salt=HANDOFF_SALT, max_age=settings.HANDOFF_MAX_AGE)
    except signing.BadSignature:
        return _handoff_refused(request)
    centre = centre_or_none(request)
    if centre is None or centre.slug != data.get("c"):
        raise Http404
    if request.user.is_authenticated and request.user.pk != data.get("u"):
        messages.error(request, _("You are signed in here as someone else; sign out first."))
        return redirect("home")
    if not signin.handoff_consume(nonce=data.get("n", ""), state=request.session.pop(HANDOFF_STATE_KEY, "")):
        return _handoff_refused(request)
    user = get_object_or_404(get_user_model(), pk=data.get("u"), is_active=True)
    if not constant_time_compare(user.get_session_auth_hash(), data.get("h", "")) \
            or not _may_enter(user, centre):
        raise Http404
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    device = signin.confirmed_device_of(user=user)
    if device is not None and data.get("d") == device.persistent_id:
        otp_login(request, device)  # verified on the other host: no second code
    response = redirect("home")
    language = data.get("l")
    if language and translation.check_for_language(language):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language,
                            max_age=settings.LANGUAGE_COOKIE_AGE, path=settings.LANGUAGE_COOKIE_PATH,
                            domain=settings.LANGUAGE_COOKIE_DOMAIN, secure=settings.LANGUAGE_COOKIE_SECURE,
                            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                            samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return response


# --- two-step sign-in (两步验证) and lockouts ---------------------------------------------------------

@never_cache
@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Turn two-step sign-in on (scan the QR code, confirm a code) or off (a current code), for administrators
    and staff; platform administrators are sent here first when it is required of them."""
    user = user_of(request)
    if not signin.user_may_use_second_factor(user=user):
        raise Http404
    device = signin.confirmed_device_of(user=user)
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if device is None:
                device = signin.second_factor_confirm(user=user, code=form.cleaned_data["code"])
                otp_login(request, device)
                messages.success(request, _("Two-step sign-in is on."))
            else:
                signin.second_factor_remove(user=user, code=form.cleaned_data["code"])
                messages.success(request, _("Two-step sign-in is off."))
        except ApplicationError as exc:
            form.add_error("code", str(exc))
        else:
            return redirect("second-factor")
    context: dict[str, Any] = {"form": form, "enabled": device is not None,
                               "required": signin.second_factor_required(user=user)}
    if device is None:
        pending = signin.second_factor_pending_device(user=user)
        context.update(qr=qr_svg(pending.config_url), secret=_base32(pending.bin_key))
    return render(request, "tenants/second_factor.html", context, status=400 if form.errors else 200)


def _base32(key: bytes) -> str:
    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


@login_required
def locked_sign_ins(request: HttpRequest) -> HttpResponse:
    """Accounts and addresses locked out after failed passwords, with an Unlock button (platform
    administrators, on the platform's site)."""
    _require_platform_admin(request)
    if request.method == "POST":
        try:
            signin.lockout_lift(username=request.POST.get("username", "").strip(),
                                ip_address=request.POST.get("ip_address", "").strip(),
                                acting_user=user_of(request))
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Unlocked; they may sign in again."))
        return redirect("locked-sign-ins")
    return render(request, "tenants/locked_sign_ins.html", {"locked": signin.locked_sign_ins()})


# --- the platform's site ------------------------------------------------------------------------

def with_urls(request: HttpRequest, centres) -> list[Centre]:
    """The centres, each with `url`: its page on its own host."""
    centres = list(centres)
    for c in centres:
        c.url = centre_url(request, c.slug)
    return centres


#: Centres on one page of the platform home (Xi'an's 200 are four pages; a district's fit on one).
CENTRES_PAGE_SIZE = 50


def platform_home(request: HttpRequest) -> HttpResponse:
    """Every centre with its level, parent and status, `CENTRES_PAGE_SIZE` a page (`?page=`); filters (a
    plain GET form) by level, district (a district or zone and the townships under it), status and text."""
    level = request.GET.get("level") or None
    status = request.GET.get("status") or None
    query = (request.GET.get("q") or "").strip() or None
    districts = list(selectors.district_list())
    district = request.GET.get("district") or None
    district = district if district in {d.division_code for d in districts} else None
    centres = selectors.centre_list(level=level if level in Level.values else None,
                                    status=status if status in CentreStatus.values else None,
                                    district_code=district, query=query)
    page = Paginator(centres, CENTRES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tenants/platform_home.html", {
        "page_obj": page, "centres": with_urls(request, page.object_list), "levels": Level.choices,
        "level": level, "districts": districts, "district": district,
        "statuses": CentreStatus.choices, "status": status, "q": query or "",
        "is_platform_admin": selectors.user_is_platform_admin(user=request.user),
    })


def _require_platform_admin(request: HttpRequest) -> None:
    if not selectors.user_is_platform_admin(user=request.user):
        raise Http404


def _onboard_page(request: HttpRequest, *, form: CentreForm, file_form: CentreFileForm,
                  bad_rows: list[dict] | None = None, status: int = 200) -> HttpResponse:
    labels = {name: field.label for name, field in CentreForm.base_fields.items()}
    rows = [{"row": row.get("row"), "code": row.get("code"),
             "problems": [(labels.get(name, name), problems)
                          for name, problems in row.get("fields", {}).items()]}
            for row in bad_rows or []]
    return render(request, "tenants/onboard.html", {
        "form": form, "file_form": file_form, "bad_rows": rows,
        "batches": OnboardingBatch.objects.order_by("-pk")[:10]}, status=status)


@login_required
def onboard(request: HttpRequest) -> HttpResponse:
    """Onboard one centre from the form (platform administrators only)."""
    _require_platform_admin(request)
    form = CentreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        password = data.get("admin_password")
        try:
            result = services.centre_onboard(
                data=CentreInput.from_mapping(data), acting_user=user_of(request),
                admin_username=data.get("admin_username") or None,
                admin_password_hash=make_password(password) if password else None,
                admin_full_name=data.get("admin_full_name") or "",
                admin_full_name_en=data.get("admin_full_name_en") or "")
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            (messages.success if result.created else messages.info)(
                request, result.message_at(centre_url(request, result.centre.slug, "")))
            if not result.created and data.get("admin_username"):
                messages.info(request, _("To appoint its administrator, open “Administrators” beside it in the "
                                         "list of centres."))
                return redirect("centre-admins", code=result.centre.division_code)
            return redirect("onboard")
    return _onboard_page(request, form=form, file_form=CentreFileForm(),
                         status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def onboard_file(request: HttpRequest) -> HttpResponse:
    """Check a whole CSV/XLSX file; every bad row is listed and nothing imported, else queue it."""
    _require_platform_admin(request)
    file_form = CentreFileForm(request.POST, request.FILES)
    bad_rows: list[dict] = []
    if file_form.is_valid():
        upload = file_form.cleaned_data["file"]
        try:
            rows = read_centre_file(upload, upload.name)
            if not rows:
                raise ApplicationError(_("The file has a header but no centres."))
            batch = services.onboarding_batch_create(file_name=upload.name, rows=rows,
                                                     acting_user=user_of(request))
        except ApplicationError as exc:
            file_form.add_error("file", str(exc))
            bad_rows = exc.extra.get("rows", [])
        else:
            return redirect("onboard-batch", batch_id=batch.pk)
    return _onboard_page(request, form=CentreForm(), file_form=file_form, bad_rows=bad_rows, status=400)


@never_cache
@vary_on_headers("HX-Request")
@login_required
def onboard_batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A file import's progress; htmx polls the fragment until the worker is done."""
    _require_platform_admin(request)
    batch = get_object_or_404(OnboardingBatch, pk=batch_id)
    template = "tenants/_batch_progress.html" if getattr(request, "htmx", False) else "tenants/onboard_batch.html"
    return render(request, template, {"batch": batch})


@login_required
def centre_status(request: HttpRequest, code: str) -> HttpResponse:
    """Suspend or resume a centre, after a page that says what that stops and what keeps running and
    asks for the reason (required to suspend). The city centre cannot be suspended."""
    _require_platform_admin(request)
    centre = selectors.centre_get(code=code)
    seen = request.POST.get("from", centre.status) if request.method == "POST" else centre.status
    target: str = CentreStatus.SUSPENDED if seen == CentreStatus.READY else CentreStatus.READY
    if request.method == "POST":
        target = request.POST.get("status", "")
    suspending = target == CentreStatus.SUSPENDED
    form = CentreStatusForm(request.POST or None, reason_required=suspending)
    refusal = ""
    if suspending:
        try:
            services.centre_check_suspendable(centre=centre)
        except ApplicationError as exc:
            refusal = str(exc)
    if request.method == "POST" and form.is_valid():
        centre.status = seen  # what the admin saw; a change since is a conflict
        try:
            services.centre_set_status(centre=centre, status=target, reason=form.cleaned_data["reason"],
                                       acting_user=user_of(request))
        except ApplicationError as exc:
            centre.refresh_from_db()
            if "reason" in (exc.extra.get("fields") or {}):
                form.add_error("reason", str(exc))
            else:
                form.add_error(None, str(exc))
        else:
            done = (_("Centre %(code)s suspended.") if suspending else _("Centre %(code)s resumed."))
            messages.success(request, done % {"code": code})
            return redirect("platform-home")
    return render(request, "tenants/centre_status.html", {
        "shown": centre, "seen": seen, "target": target, "suspending": suspending, "form": form,
        "refusal": refusal, "impact": selectors.centre_impact_of(centre=centre),
        "addresses": [host_url(request, d.domain) for d in centre.domains.order_by("-is_primary", "domain")],
    }, status=400 if request.method == "POST" else 200)


# --- the audit log (操作日志), on the platform's site and on a centre's host --------------------------

#: The most rows one CSV export holds (the newest); a note at the end says when there were more.
AUDIT_EXPORT_MAX_ROWS = 50_000
AUDIT_PAGE_SIZE = 50

#: The model whose field names an entry's before/after use, by target type (names looked up, not imported:
#: tenants sits below catalog, workcalendar and windows).
_TARGET_MODELS: dict[str, str] = {
    AuditTarget.CENTRE: "tenants.Centre", AuditTarget.MEMBERSHIP: "tenants.Membership",
    AuditTarget.USER: "tenants.User", AuditTarget.ITEM: "catalog.ItemVersion",  # an item's first version
    AuditTarget.ITEM_VERSION: "catalog.ItemVersion", AuditTarget.ADOPTION: "catalog.Adoption",
    AuditTarget.SCHEDULE_YEAR: "workcalendar.ScheduleYear", AuditTarget.CLOSURE: "workcalendar.CentreClosure",
    AuditTarget.WINDOW: "windows.Window",
}

#: Names of what an entry records that is not a field of the target's model.
_EXTRA_LABELS = {
    "admin": gettext_lazy("Centre administrator"),
    "ip_address": gettext_lazy("Client address"),
    "parent": gettext_lazy("Parent centre"),
    "department": gettext_lazy("Department"),
    "levels": gettext_lazy("Levels that exercise it"),
    "count": gettext_lazy("Items adopted"),
    "holidays": gettext_lazy("Holidays"),
    "workdays": gettext_lazy("Weekend workdays"),
    "operator": gettext_lazy("Operator"),
    "starts_on": gettext_lazy("Starts on"),
    "ends_on": gettext_lazy("Ends on"),
    "status": gettext_lazy("Status"),
    "effective_from": gettext_lazy("Effective from"),
}


def _field(target_type: str, name: str) -> Any:
    label = _TARGET_MODELS.get(target_type)
    if label is None:
        return None
    try:
        return apps.get_model(label)._meta.get_field(name)
    except (LookupError, FieldDoesNotExist):
        return None


def _value(field: Any, name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return ", ".join(_value(field, name, v) for v in value) or "—"
    if name in ("level", "levels") and value in Level.values:
        return str(Level(value).label)
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    return str(choices.get(value, value))


def audit_changes_display(event: AuditEvent) -> list[tuple[str, str, str]]:
    """What changed, readable: (what, before, after) for each field, in the viewer's language."""
    before, after = event.before or {}, event.after or {}
    rows = []
    for name in dict.fromkeys([*before, *after]):
        field = _field(event.target_type, name)
        label = _EXTRA_LABELS.get(name) or (field.verbose_name if field is not None else name)
        rows.append((str(capfirst(label)), _value(field, name, before.get(name)) if name in before else "",
                     _value(field, name, after.get(name))))
    return rows


def _actor(event: AuditEvent) -> str:
    if event.actor_id is None and event.actor_name == SYSTEM_ACTOR:
        return str(_("System"))
    full_name = event.actor.display_name if event.actor is not None and event.actor.full_name else ""
    return f"{full_name} ({event.actor_name})" if full_name else event.actor_name


def _target(event: AuditEvent) -> str:
    label = event.target_label
    if event.target_type == AuditTarget.MEMBERSHIP:
        username, _sep, role = label.partition(" · ")
        if role in Role.values:
            label = f"{username} · {Role(role).label}"
    kind = event.get_target_type_display() if event.target_type else ""
    return f"{kind} {label}".strip() or "—"


def _row(event: AuditEvent) -> dict:
    return {
        "at": timezone.localtime(event.at),
        "kind": event.kind,
        "kind_label": AuditKind(event.kind).label if event.kind in AuditKind.values else event.kind,
        "actor": _actor(event),
        "centre_code": event.centre_code,
        "centre": event.centre.name if event.centre is not None else "",
        "target": _target(event),
        "changes": audit_changes_display(event),
        "note": event.note,
    }


def _audit_scope(request: HttpRequest) -> tuple[Centre | None, AuditFilterForm]:
    centre = centre_or_none(request)
    return centre, AuditFilterForm(request.GET or None, with_centre=centre is None)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, 50 a page: every centre's for platform administrators on the platform's
    site, one centre's for its administrators on its host; anyone else 404."""
    centre, form = _audit_scope(request)
    events = selectors.audit_events_for(user=request.user, centre=centre, filters=form.filters())
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tenants/audit_log.html", {
        "form": form, "page_obj": page, "rows": [_row(e) for e in page.object_list],
        "all_centres": centre is None,
    })


def _newest_first_in_chunks(events: QuerySet[AuditEvent], size: int = 2000) -> Iterator[AuditEvent]:
    """`events` (ordered newest first) a chunk at a time, each chunk starting after the last row of the one
    before: bounded memory without a server-side cursor (which PgBouncer's transaction pooling refuses)."""
    last: AuditEvent | None = None
    while True:
        chunk = events if last is None else events.filter(Q(at__lt=last.at) | Q(at=last.at, id__lt=last.pk))
        rows = list(chunk[:size])
        yield from rows
        if len(rows) < size:
            return
        last = rows[-1]


@login_required
def audit_export(request: HttpRequest) -> HttpResponse:
    """The same filtered list as CSV (UTF-8 with a BOM, so Excel in Chinese reads it): the newest
    AUDIT_EXPORT_MAX_ROWS entries at most, and a last line saying so when there were more."""
    centre, form = _audit_scope(request)
    events = selectors.audit_events_for(user=request.user, centre=centre, filters=form.filters())
    who = centre.slug if centre is not None else "platform"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{who}-{timezone.localdate():%Y%m%d}.csv"'
    response.write("\ufeff")
    writer = csv_writer(response)
    writer.writerow([pgettext("audit log", "Time"), _("Kind"), _("Actor"), _("Division code"), _("Centre"),
                     pgettext("audit log", "Target"), _("What changed"), _("Note")])
    for count, event in enumerate(_newest_first_in_chunks(events), start=1):
        if count > AUDIT_EXPORT_MAX_ROWS:
            writer.writerow([_("Only the newest %(count)d entries are included; narrow the filters to export "
                               "the rest.") % {"count": AUDIT_EXPORT_MAX_ROWS}])
            break
        row = _row(event)
        changes = "; ".join(f"{what}: {old} → {new}" if old else f"{what}: {new}" for what, old, new in row["changes"])
        writer.writerow([
            f"{row['at']:%Y-%m-%d %H:%M:%S}", row["kind_label"], row["actor"], row["centre_code"], row["centre"],
            row["target"], changes, row["note"]])
    return response
