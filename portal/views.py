"""The online service hall's pages (网上办事大厅) on the platform's site (`/online/`): the home, signing in
with an SMS code, binding a real name, the account (export, erasure) and "my cases". Every core step
works without scripts (plain forms), on a 360 px phone, and in the large-text mode (适老化)."""
from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.choices import CaseStatus
from common.client import client_address
from common.errors import ApplicationError
from common.forms import add_service_errors
from common.identity import mask_id_number, mask_phone, normalise_mobile
from portal import selectors, services
from portal.access import (
    applicant_of,
    applicant_required,
    identity_required,
    safe_next,
    sign_in_session,
    sign_out_session,
)
from portal.forms import IdentityForm, SignInForm
from portal.selectors_ask import my_appointments, my_questions
from tenants.audit import audit_record
from tenants.choices import AuditKind, AuditTarget

#: The large-text mode's cookie (a year): the page's type and controls grow; no script needed.
LARGE_TEXT_COOKIE = "portal_large_text"


def home(request: HttpRequest) -> HttpResponse:
    """The online service hall's front page: what can be done here, and the applicant's open cases."""
    applicant = applicant_of(request)
    mine = selectors.my_cases(applicant=applicant, open_only=True, limit=5) if applicant else None
    return render(request, "portal/home.html", {"applicant": applicant, "mine": mine})


def sign_in(request: HttpRequest) -> HttpResponse:
    """Sign in with a mobile and an SMS code: "Send the code" posts the mobile; "Sign in" posts both."""
    form = SignInForm(request.POST or None)
    code_sent = False
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        try:
            if "send" in request.POST:
                services.sign_in_code_send(mobile=mobile, address=client_address(request))
                code_sent = True
                mobile = normalise_mobile(mobile) or mobile
                messages.success(request, _("A code was sent by SMS to %(mobile)s. It is valid for %(minutes)d "
                                            "minutes.") % {"mobile": mask_phone(mobile),
                                                           "minutes": settings.PORTAL_CODE_VALID_MINUTES})
                form = SignInForm(initial={"mobile": mobile[3:] if mobile.startswith("+86") else mobile})
            else:
                applicant = services.sign_in(mobile=mobile, code=form.cleaned_data["code"])
                sign_in_session(request, applicant)
                default = reverse("portal:my-cases") if applicant.is_bound else reverse("portal:identity")
                return HttpResponseRedirect(safe_next(request, default))
        except ApplicationError as exc:
            add_service_errors(form, exc)
            code_sent = "send" not in request.POST
    status = 400 if form.errors else 200
    return render(request, "portal/sign_in.html", {"form": form, "code_sent": code_sent,
                                                   "next": safe_next(request, "")}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    sign_out_session(request)
    messages.success(request, _("You have signed out."))
    return HttpResponseRedirect(reverse("portal:home"))


@applicant_required
def identity(request: HttpRequest) -> HttpResponse:
    """Bind a real name (实名认证) once: a person's name and resident ID, or an organisation's credit code."""
    applicant = request.applicant  # type: ignore[attr-defined]
    if applicant.is_bound:
        return HttpResponseRedirect(safe_next(request, reverse("portal:account")))
    form = IdentityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.identity_bind(applicant=applicant, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_errors(form, exc, aliases={"applicant_name": "name", "applicant_id_number": "id_number",
                                                   "applicant_kind": "kind"})
        else:
            messages.success(request, _("Your real name is bound: every case filed under it, at any centre, is "
                                        "now in “My cases”."))
            return HttpResponseRedirect(safe_next(request, reverse("portal:my-cases")))
    return render(request, "portal/identity.html", {"form": form, "next": safe_next(request, "")},
                  status=400 if form.errors else 200)


@applicant_required
def account(request: HttpRequest) -> HttpResponse:
    """The account: the mobile and the real name (masked), export, erasure."""
    applicant = request.applicant  # type: ignore[attr-defined]
    return render(request, "portal/account.html", {
        "applicant": applicant, "mobile_masked": mask_phone(applicant.mobile),
        "id_masked": mask_id_number(applicant.id_number) if applicant.id_number else ""})


@applicant_required
def account_export(request: HttpRequest) -> HttpResponse:
    """The applicant's data (个人信息副本, PIPL art. 45) as JSON: the account, every case of theirs in the
    registry (centre, number, item, channel, status, dates, public history), their joint cases, their
    questions with the answers and their appointments. Audited."""
    applicant = request.applicant  # type: ignore[attr-defined]
    mine = selectors.my_cases(applicant=applicant, limit=100_000)
    data = {
        "account": {"mobile": applicant.mobile, "kind": applicant.kind, "name": applicant.name,
                    "id_number": applicant.id_number, "legal_representative": applicant.legal_representative,
                    "bound_at": applicant.bound_at.isoformat() if applicant.bound_at else None,
                    "created_at": applicant.created_at.isoformat()},
        "cases": [{"centre": e.centre.name_zh, "number": e.number, "item_code": e.item_code, "item": e.item_name_zh,
                   "channel": e.channel, "status": e.status, "submitted_at": e.submitted_at.isoformat(),
                   "accepted_on": e.accepted_on.isoformat() if e.accepted_on else None,
                   "promised_due": e.promised_due.isoformat() if e.promised_due else None,
                   "history": e.history} for e in mine.cases],
        "joint_cases": [{"number": j.number, "title": j.title_zh, "status": j.status,
                         "accepted_on": j.accepted_on.isoformat()} for j in mine.joint],
        "questions": [{"centre": q.centre.name_zh, "kind": q.kind, "subject": q.subject, "text": q.body,
                       "item_code": q.item_code, "case_number": q.case_number,
                       "received_on": q.received_on.isoformat(), "answer": q.answer,
                       "answered_at": q.answered_at.isoformat() if q.answered_at else None}
                      for q in my_questions(applicant=applicant).select_related("centre")],
        "appointments": [{"centre": a.centre.name_zh, "code": a.facts.code, "item_code": a.facts.item_code,
                          "item": a.facts.item_name_zh, "day": a.facts.day.isoformat(),
                          "starts_at": a.facts.starts_at.isoformat(), "ends_at": a.facts.ends_at.isoformat()}
                         for a in my_appointments(applicant=applicant, limit=10_000)],
        "exported_at": timezone.now().isoformat(),
    }
    audit_record(kind=AuditKind.APPLICANT_EXPORTED, actor=None, target_type=AuditTarget.APPLICANT,
                 target_id=applicant.pk, target_label=f"applicant {applicant.pk}")
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@applicant_required
def account_erase(request: HttpRequest) -> HttpResponse:
    """Erase the account after a confirmation page (the cases stay with their centres)."""
    applicant = request.applicant  # type: ignore[attr-defined]
    if request.method == "POST" and request.POST.get("confirm") == "erase":
        services.applicant_erase(applicant=applicant)
        sign_out_session(request)
        messages.success(request, _("Your account is erased. Your cases stay with the centres that hold them; "
                                    "follow them with the case number at the progress lookup."))
        return HttpResponseRedirect(reverse("portal:home"))
    open_count = len(selectors.my_cases(applicant=applicant, open_only=True).cases)
    return render(request, "portal/erase.html", {"open_count": open_count})


@identity_required
def my_cases(request: HttpRequest) -> HttpResponse:
    """My cases (我的办件): every case under the bound ID at every centre, and the joint cases."""
    applicant = request.applicant  # type: ignore[attr-defined]
    mine = selectors.my_cases(applicant=applicant)
    waiting = [e for e in mine.cases if e.status == CaseStatus.AWAITING_SUPPLEMENT]
    return render(request, "portal/my_cases.html", {"mine": mine, "waiting": waiting})


@require_POST
def large_text(request: HttpRequest) -> HttpResponse:
    """Turn the large-text mode (大字版) on or off, then back to the page."""
    response = HttpResponseRedirect(safe_next(request, reverse("portal:home")))
    if request.POST.get("on") == "1":
        response.set_cookie(LARGE_TEXT_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax")
    else:
        response.delete_cookie(LARGE_TEXT_COOKIE)
    return response
