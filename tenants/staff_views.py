"""Pages of a centre's staff (人员管理, on the centre's host, for its administrators), the platform's
appointment of a centre's administrators, and the password change a temporary password asks for.

Strangers find nothing (404: `require_centre_staff`); the centre's staff without the administrator's role
are refused (403). The rules themselves are `tenants.staff`'s.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from common.errors import ApplicationError
from common.forms import add_service_errors
from tenants import selectors, signin, staff
from tenants.choices import Role
from tenants.forms import AdminAppointForm, StaffCreateForm, StaffDepartmentForm, StaffFileForm, StaffRoleForm
from tenants.importers import read_staff_file, staff_template_xlsx
from tenants.middleware import centre_url
from tenants.models import Centre, User
from tenants.request import centre_or_none, require_centre_staff, user_of


def _managed_centre(request: HttpRequest) -> Centre:
    """The host's centre when the signed-in user manages its staff: 404 for strangers, 403 for its staff
    without the administrator's role."""
    centre = require_centre_staff(request)
    staff.staff_check_manager(actor=request.user, centre=centre)
    return centre


def _list_page(request: HttpRequest, centre: Centre, *, form: StaffCreateForm | None = None,
               file_form: StaffFileForm | None = None, bad_rows: list[dict] | None = None,
               status: int = 200) -> HttpResponse:
    departments = staff.departments()
    roles = staff.grantable_roles(actor=request.user, centre=centre)
    labels = {"username": _("User name"), "full_name": _("Full name"), "full_name_en": _("Full name (English)"),
              "mobile": _("Mobile phone"), "role": _("Role"), "department_code": _("Department")}
    return render(request, "tenants/staff_list.html", {
        "members": staff.staff_list(centre=centre), "departments": departments,
        "form": form or StaffCreateForm(roles=roles, departments=departments),
        "file_form": file_form or StaffFileForm(),
        "bad_rows": [{"row": row.get("row"), "username": row.get("username", ""),
                      "problems": [(labels.get(name, name), problems)
                                   for name, problems in row.get("fields", {}).items()]}
                     for row in bad_rows or []],
    }, status=status)


@never_cache
@login_required
def staff_page(request: HttpRequest) -> HttpResponse:
    """The centre's staff: everyone with a role here, and the form that adds one (the temporary password
    is shown once, on the page that answers)."""
    centre = _managed_centre(request)
    if request.method != "POST":
        return _list_page(request, centre)
    actor = user_of(request)
    departments = staff.departments()
    form = StaffCreateForm(request.POST, roles=staff.grantable_roles(actor=actor, centre=centre),
                           departments=departments)
    if form.is_valid():
        try:
            made = staff.staff_create(centre=centre, acting_user=actor,
                                      data=staff.StaffInput.from_mapping(form.cleaned_data))
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            return _passwords_page(request, centre, [made], created=True)
    return _list_page(request, centre, form=form, status=400)


def _passwords_page(request: HttpRequest, centre: Centre, made: list[staff.NewStaff], *, created: bool) -> HttpResponse:
    return render(request, "tenants/staff_passwords.html", {
        "made": made, "created": created, "sign_in_url": centre_url(request, centre.slug, "/accounts/login/"),
        "at": timezone.localtime()})


@never_cache
@login_required
@require_POST
def staff_import(request: HttpRequest) -> HttpResponse:
    """Add the people of a CSV/XLSX sheet: every row checked first, every bad one listed, none added
    unless all are good; the temporary passwords are shown once."""
    centre = _managed_centre(request)
    file_form = StaffFileForm(request.POST, request.FILES)
    bad_rows: list[dict] = []
    if file_form.is_valid():
        upload = file_form.cleaned_data["file"]
        try:
            rows = read_staff_file(upload, upload.name)
            made = staff.staff_bulk_create(centre=centre, rows=rows, acting_user=user_of(request),
                                           file_name=upload.name)
        except ApplicationError as exc:
            file_form.add_error("file", str(exc))
            bad_rows = exc.extra.get("rows", [])
        else:
            return _passwords_page(request, centre, made, created=True)
    return _list_page(request, centre, file_form=file_form, bad_rows=bad_rows, status=400)


@login_required
def staff_template(request: HttpRequest) -> HttpResponse:
    """The Excel template of a sheet of staff, with the role and department codes on its second sheet."""
    _managed_centre(request)
    response = HttpResponse(staff_template_xlsx(departments=staff.departments()),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="staff-template.xlsx"'
    return response


@never_cache
@login_required
def staff_person(request: HttpRequest, user_id: int) -> HttpResponse:
    """One person of the centre's staff: grant and revoke roles, set the department, give a temporary
    password, deactivate or reactivate. Each change is one POST with `action`."""
    centre = _managed_centre(request)
    actor = user_of(request)
    member = staff.staff_member(centre=centre, user_id=user_id)
    departments = staff.departments()
    roles = staff.grantable_roles(actor=actor, centre=centre)
    role_form = StaffRoleForm(roles=roles, departments=departments)
    department_form = StaffDepartmentForm(departments=departments,
                                          initial={"department_code": member.department_code})
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        user = member.user
        try:
            if action == "grant":
                role_form = StaffRoleForm(request.POST, roles=roles, departments=departments)
                if role_form.is_valid():
                    staff.staff_grant(centre=centre, user=user, role=role_form.cleaned_data["role"],
                                      department_code=role_form.cleaned_data["department_code"], acting_user=actor)
                    messages.success(request, _("Role granted."))
                    return redirect("staff-person", user_id=user_id)
            elif action == "revoke":
                staff.staff_revoke(centre=centre, user=user, role=request.POST.get("role", ""), acting_user=actor)
                messages.success(request, _("Role revoked."))
                return redirect("staff-person", user_id=user_id)
            elif action == "department":
                department_form = StaffDepartmentForm(request.POST, departments=departments)
                if department_form.is_valid():
                    staff.staff_set_department(centre=centre, user=user, acting_user=actor,
                                               department_code=department_form.cleaned_data["department_code"])
                    messages.success(request, _("Department set."))
                    return redirect("staff-person", user_id=user_id)
            elif action == "reset":
                password = staff.staff_reset_password(centre=centre, user=user, acting_user=actor)
                return _passwords_page(request, centre, [staff.NewStaff(user=user, password=password)],
                                       created=False)
            elif action in ("deactivate", "reactivate"):
                staff.staff_set_active(centre=centre, user=user, active=action == "reactivate", acting_user=actor)
                messages.success(request, _("User deactivated.") if action == "deactivate"
                                 else _("User reactivated."))
                return redirect("staff-person", user_id=user_id)
            else:
                error = _("Unknown action.")
        except ApplicationError as exc:
            error = str(exc)
        member = staff.staff_member(centre=centre, user_id=user_id)
    return render(request, "tenants/staff_person.html", {
        "member": member, "role_form": role_form, "department_form": department_form, "error": error,
        "departments": departments, "is_self": member.user.pk == actor.pk,
    }, status=400 if request.method == "POST" else 200)


# --- the platform appoints a centre's administrators --------------------------------------------------

@never_cache
@login_required
def centre_admins_page(request: HttpRequest, code: str) -> HttpResponse:
    """A centre's administrators and the form that appoints one (platform administrators, on the
    platform's site): an existing user by user name, or a new one with a temporary password."""
    if not selectors.user_is_platform_admin(user=request.user):
        raise Http404
    centre = selectors.centre_get(code=code)
    form = AdminAppointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = staff.centre_admin_appoint(centre=centre, username=data["username"],
                                                full_name=data["full_name"], full_name_en=data["full_name_en"],
                                                mobile=data["mobile"], acting_user=user_of(request))
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            if isinstance(result, staff.NewStaff):
                return _passwords_page(request, centre, [result], created=True)
            messages.success(request, _("%(user)s is now an administrator of %(centre)s.") % {
                "user": data["username"], "centre": centre.name})
            return redirect("centre-admins", code=code)
    return render(request, "tenants/centre_admins.html", {
        "shown": centre, "admins": staff.centre_admins(centre=centre), "form": form,
        "admin_role": Role.CENTRE_ADMIN.label,
    }, status=400 if request.method == "POST" else 200)


# --- the first sign-in with a temporary password ------------------------------------------------------

@never_cache
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Choose one's own password (asked for after a temporary one: `User.must_change_password`); then on
    to work (where a sign-in lands: `signin.landing_url`)."""
    user: User = user_of(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        staff.password_changed(user=user)
        messages.success(request, _("Your password is changed."))
        return redirect(signin.landing_url(user=user, centre=centre_or_none(request)))  # an agent: the workbench
    return render(request, "tenants/password_change.html", {
        "form": form, "required": user.must_change_password}, status=400 if form.errors else 200)
