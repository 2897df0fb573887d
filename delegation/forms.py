"""Forms of the delegation pages: they shape input; the rules are the services'."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.choices import ApplicantKind
from common.forms import choice_field
from delegation.choices import ConsentMethod
from delegation.services import new_form_token
from tenants.forms import NewPersonForm


class ProxyFilingForm(forms.Form):
    """A filing for a resident: who, with their consent (how and when given), and what they handed over."""

    item_code = forms.CharField(widget=forms.HiddenInput, max_length=32)
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    resident_name = forms.CharField(label=_("Resident's name"), max_length=200)
    resident_id_number = forms.CharField(label=_("Resident's ID number"), max_length=40,
                                         widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    phone = forms.CharField(label=_("Resident's mobile (for the SMS)"), max_length=30,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    #: Nothing preselected: the agent says how the resident consented, and gives that method's evidence.
    consent_method = forms.ChoiceField(label=_("How the resident gave consent"), choices=ConsentMethod.choices,
                                       widget=forms.RadioSelect,
                                       error_messages={"required": _("Choose how the resident gave consent.")})
    consent_given_at = forms.DateTimeField(label=_("Consent given at"), input_formats=["%Y-%m-%dT%H:%M"],
                                           widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                      format="%Y-%m-%dT%H:%M"))
    consent_scan = forms.FileField(
        label=_("Photo or scan of the signed form (JPEG, PNG or PDF)"), required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}))
    consent_evidence = forms.CharField(label=_("The call recording's reference"), max_length=100, required=False)
    sms_code = forms.CharField(label=_("Code the resident received"), max_length=8, required=False,
                               widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                             "pattern": "[0-9]*"}))
    materials = forms.TypedMultipleChoiceField(label=_("Materials received"), coerce=int, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, material_choices: list[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "materials").choices = material_choices or []


class HandoverForm(forms.Form):
    step = forms.CharField(max_length=24)
    note = forms.CharField(max_length=300, required=False)


class GreenCaseForm(forms.Form):
    """A case at the window flagged for a green channel."""

    applicant_kind = forms.ChoiceField(label=_("Applicant type"), choices=ApplicantKind.choices,
                                       initial=ApplicantKind.ORGANISATION)
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=200)
    applicant_id_number = forms.CharField(label=_("ID number or unified social credit code"), max_length=40)
    phone = forms.CharField(label=_("Mobile phone"), max_length=30)
    materials = forms.TypedMultipleChoiceField(label=_("Materials handed in"), coerce=int, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    #: One rendered form files one case: sent twice (a double click, a resend), it answers with that case.
    token = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def __init__(self, *args, material_choices: list[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "materials").choices = material_choices or []
        self.fields["token"].initial = new_form_token()


class StationPostForm(forms.Form):
    """Post one of the township's people at a station."""

    user = forms.TypedChoiceField(label=_("Person to post"), coerce=int)

    def __init__(self, *args, people: list[tuple[int, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "user").choices = [("", "—"), *(people or [])]


class StationAgentNewForm(NewPersonForm):
    """A new person, posted at a station with a temporary password."""
