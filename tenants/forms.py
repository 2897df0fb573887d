"""Forms for sign-in (with the second factor), the onboarding pages (validation of a centre itself is the
service's), the audit log's filters and a centre's staff."""
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from common.forms import choice_field
from tenants.choices import STATUS_REASON_MAX_LENGTH, AuditKind, Level, Role
from tenants.models import Centre
from tenants.selectors import AuditFilters
from tenants.signin import confirmed_device_of, second_factor_problem


class LoginForm(AuthenticationForm):
    """User name and password, and the authenticator app's 6-digit code when the user has turned two-step
    sign-in on (the code is checked only after the password is right). `otp_device` is the device used."""

    otp_token = forms.CharField(
        label=_("Code from your authenticator app"), required=False, max_length=8,
        help_text=_("Only if you have turned on two-step sign-in."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        self.otp_device = device = confirmed_device_of(user=user) if user is not None else None
        if device is not None:
            code = self.cleaned_data.get("otp_token") or ""
            if not code:
                raise forms.ValidationError(_("Enter the 6-digit code from your authenticator app."),
                                            code="otp_required")
            if (problem := second_factor_problem(device=device, code=code)) is not None:
                raise forms.ValidationError(problem, code="otp_invalid")
        return cleaned


class SecondFactorCodeForm(forms.Form):
    code = forms.CharField(label=_("Code from your authenticator app"), max_length=8,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class CentreForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    code = forms.CharField(label=_("Division code"), max_length=9,
                           help_text=_("6 digits; 9 digits for a township or street."))
    slug = forms.CharField(label=_("Address label (slug)"), max_length=40,
                           help_text=_("Lower-case letters, digits and hyphens: the centre's address "
                                       "becomes <slug>.<platform domain>."))
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=150)
    parent_code = forms.CharField(label=_("Parent centre's division code"), max_length=9, required=False,
                                  help_text=_("Empty only for the city centre."))
    admin_username = forms.CharField(label=_("Centre administrator's user name (optional)"),
                                     max_length=150, required=False)
    admin_password = forms.CharField(
        label=_("Centre administrator's password"), required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Needed with a new administrator's user name; an existing user keeps their password."))
    admin_full_name = forms.CharField(label=_("Centre administrator's name (Chinese)"), max_length=100,
                                      required=False,
                                      help_text=_("Empty: the centre's Chinese name followed by 管理员."))
    admin_full_name_en = forms.CharField(label=_("Centre administrator's name (English)"), max_length=100,
                                         required=False,
                                         help_text=_("Shown on English pages. Empty: the centre's English name "
                                                     "followed by “administrator”."))

    def clean(self):
        data = super().clean()
        password = data.get("admin_password")
        if password and not data.get("admin_username"):
            self.add_error("admin_password", _("Give the administrator's user name too."))
        elif data.get("admin_username") and not password and not get_user_model().objects.filter(
                username=data["admin_username"]).exists():
            self.add_error("admin_password", _("A new administrator needs a password."))
        elif password:
            try:
                validate_password(password)
            except forms.ValidationError as exc:
                self.add_error("admin_password", exc)
        return data


class CentreStatusForm(forms.Form):
    """The confirmation of a suspension or a resumption: the reason (whether one is needed is the
    service's rule, `centre_set_status`; `required` here only marks the field for the browser)."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=STATUS_REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, reason_required: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if reason_required:
            self.fields["reason"].widget.attrs["required"] = True
            self.fields["reason"].help_text = _("Required. It goes into the audit log.")
        else:
            self.fields["reason"].help_text = _("Optional. It goes into the audit log.")


class CentreFileForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel file of centres"),
                           help_text=_("Columns: level, code, slug, name_zh, name_en, parent_code."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Unsupported file type: upload a .csv or .xlsx file."))
        return upload  # its size and rows: limited where it is read (common.tables)


class AuditFilterForm(forms.Form):
    """The audit log's filters (a GET form). On a centre's host there is no centre filter."""

    kind = forms.ChoiceField(label=_("Kind"), required=False)
    centre = forms.ChoiceField(label=_("Centre"), required=False)
    actor = forms.CharField(label=_("Actor (user name)"), max_length=150, required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, with_centre: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "kind").choices = [("", _("All kinds")), *AuditKind.choices]
        if with_centre:
            centres = Centre.objects.order_by("division_code").only("division_code", "name_zh", "name_en")
            choice_field(self, "centre").choices = [("", _("All centres"))] + [
                (c.division_code, f"{c.division_code} {c.name}") for c in centres]
        else:
            del self.fields["centre"]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> AuditFilters:
        """What was valid of the input (an invalid field filters nothing and shows its error)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return AuditFilters(kind=data.get("kind") or "", centre_code=data.get("centre") or "",
                            actor=(data.get("actor") or "").strip(), date_from=data.get("date_from"),
                            date_to=data.get("date_to"))


# --- a centre's staff (tenants.staff checks the values; these only collect them) ---------------------

def _role_choices(roles: list[str], *, empty: bool = True) -> list[tuple[str, str]]:
    """The roles to offer, after an empty "choose a role" first: nothing is preselected, so a form sent
    as it came makes no administrator."""
    return ([("", str(_("— choose a role —")))] if empty else []) + [(role, str(Role(role).label)) for role in roles]


def _department_choices(departments: dict[str, str], *, empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [(code, f"{code} {name}") for code, name in departments.items()]


class NewPersonForm(forms.Form):
    """A new person's user name, names and mobile (checked by `tenants.staff.staff_input_check`)."""

    username = forms.CharField(label=_("User name"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "off"}))
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    full_name_en = forms.CharField(label=_("Full name (English)"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)


class StaffCreateForm(NewPersonForm):
    """A new person of the centre's staff, with one role and (for a window clerk) a department."""

    role = forms.ChoiceField(label=_("Role"))
    department_code = forms.ChoiceField(label=_("Department"), required=False,
                                        help_text=_("For a window clerk: the department whose cases they handle."))

    def __init__(self, *args, roles: list[str], departments: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "role").choices = _role_choices(roles)
        choice_field(self, "department_code").choices = _department_choices(
            departments, empty=str(_("Every department (general window)")))


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    department_code = forms.ChoiceField(label=_("Department"), required=False)

    def __init__(self, *args, roles: list[str], departments: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "role").choices = _role_choices(roles)
        choice_field(self, "department_code").choices = _department_choices(
            departments, empty=str(_("Every department (general window)")))


class StaffDepartmentForm(forms.Form):
    department_code = forms.ChoiceField(label=_("Department"), required=False)

    def __init__(self, *args, departments: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "department_code").choices = _department_choices(
            departments, empty=str(_("Every department (general window)")))


class StaffFileForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel file of staff"),
                           help_text=_("Columns: username, full_name, role, full_name_en, mobile, department_code. "
                                       "A CSV may be UTF-8 or GB18030."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Unsupported file type: upload a .csv or .xlsx file."))
        return upload


class AdminAppointForm(forms.Form):
    """A platform administrator appoints a centre's administrator: an existing user by user name, or a new
    one (then the full name is needed)."""

    username = forms.CharField(label=_("User name"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "off"}))
    full_name = forms.CharField(label=_("Full name"), max_length=100, required=False,
                                help_text=_("Needed for a new user; an existing user keeps theirs."))
    full_name_en = forms.CharField(label=_("Full name (English)"), max_length=100, required=False)
    mobile = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
