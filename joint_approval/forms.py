"""The acceptance form of a joint case: the optional items chosen, the merged checklist's materials
handed in (each once), and the applicant. The rules are the services'. A hidden token makes the
same form sent twice accept once (the service's idempotency key)."""
from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.choices import ApplicantKind
from common.forms import choice_field


class JointAcceptForm(forms.Form):
    items = forms.TypedMultipleChoiceField(label=_("Optional items to run in parallel"), coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    materials = forms.MultipleChoiceField(label=_("Materials handed in (each once)"), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    applicant_kind = forms.ChoiceField(label=_("Applicant type"), choices=ApplicantKind.choices,
                                       initial=ApplicantKind.ORGANISATION)
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=200)
    applicant_id_number = forms.CharField(
        label=_("ID number / unified social credit code"), max_length=40,
        help_text=_("18 characters: a resident ID for a person, a credit code for an organisation."))
    phone = forms.CharField(label=_("Mobile phone"), max_length=30)
    #: One per rendered form: the same form sent twice (a double click, a resend) accepts once.
    token = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def __init__(self, *args, optional: list[tuple[int, str]] = (), materials: list[tuple[str, str]] = (),  # type: ignore[assignment]
                 with_items: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].initial = uuid.uuid4().hex
        choice_field(self, "items").choices = list(optional)
        choice_field(self, "materials").choices = list(materials)
        if not with_items or not optional:
            del self.fields["items"]
