"""The online service hall's forms: the sign-in (mobile, then the SMS code) and the real name."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.choices import ApplicantKind


class SignInForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile phone"), max_length=32,
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    code = forms.CharField(label=_("SMS code"), max_length=12, required=False,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class IdentityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Applicant type"), choices=ApplicantKind.choices, initial=ApplicantKind.PERSON,
                             widget=forms.RadioSelect)
    name = forms.CharField(label=_("Name (person) or organisation name"), max_length=200,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_number = forms.CharField(label=_("Resident ID number or unified social credit code"), max_length=40)
    legal_representative = forms.CharField(label=_("Legal representative (organisations only)"), max_length=100,
                                           required=False)
