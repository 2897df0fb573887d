"""Forms of the staff pages: a new case at the window, and one form per lifecycle action.

The forms only shape the input; the rules (valid ID numbers, who may do what, conflicts) are the
services'. Errors a service reports in `ApplicationError.extra["fields"]` are put back on the form
with `common.forms.add_service_errors`.
"""
from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.choices import TRANSITIONS, Action, ApplicantKind
from cases.models import Case, CaseMaterial
from catalog.models import Material
from common.forms import choice_field
from common.i18n import pick


class CaseNewForm(forms.Form):
    """An application taken at the window: the item, the applicant, the materials handed in."""

    item_code = forms.ChoiceField(label=_("Item"))
    applicant_kind = forms.ChoiceField(label=_("Applicant type"), choices=ApplicantKind.choices,
                                       initial=ApplicantKind.PERSON)
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=200)
    applicant_id_number = forms.CharField(
        label=_("ID number / unified social credit code"), max_length=40,
        help_text=_("18 characters: a resident ID for a person, a credit code for an organisation."))
    phone = forms.CharField(label=_("Mobile phone"), max_length=30)
    materials = forms.TypedMultipleChoiceField(label=_("Materials handed in"), coerce=int, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    #: One rendered form files one case: sent twice (a double click, a resend), it answers with that case.
    token = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def __init__(self, *args, adoptions, materials: list[tuple[int, str]] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["token"].initial = uuid.uuid4().hex
        choice_field(self, "item_code").choices = [("", _("Choose an item"))] + [
            (a.item.code, f"{a.item.code} {a.item.current_version.name}") for a in adoptions]
        choice_field(self, "materials").choices = list(materials)


def material_choices(adoption) -> list[tuple[int, str]]:
    """The checklist of `CaseNewForm`: the adopted item's current materials, by position, each named in the
    reader's language and marked optional or for some applicant types only."""


    choices = []
    for m in Material.objects.filter(version=adoption.item.current_version).order_by("position", "pk"):
        label = pick(m.name_zh, m.name_en)
        if not m.required:
            label += " " + str(_("(optional)"))
        if m.applicant_types:
            kinds = ", ".join(str(ApplicantKind(k).label) for k in m.applicant_types if k in ApplicantKind.values)
            label += " " + str(_("(only for: %(kinds)s)")) % {"kinds": kinds}
        choices.append((m.pk, label))
    return choices


class CaseActionForm(forms.Form):
    """One lifecycle action on one case, with the revision the page showed (a later change is a conflict)."""

    action = forms.ChoiceField(choices=Action.choices, widget=forms.HiddenInput)
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Reason / note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    missing = forms.TypedMultipleChoiceField(label=_("Missing materials"), coerce=int, required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, case: Case, action: str, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {"action": action, "revision": case.revision, **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        self.case = case
        self.transition = TRANSITIONS[action]
        self.auto_id = f"id_{action}_%s"
        materials = [m for m in case.materials.all() if m.state != CaseMaterial.State.NOT_NEEDED]
        if action == Action.ISSUE_NOTICE:
            choice_field(self, "missing").choices = [(m.material_id, pick(m.name_zh, m.name_en)) for m in materials]
            self.fields["missing"].help_text = _("Tick every missing material: the notice is given once.")
            self.fields["missing"].initial = [m.material_id for m in materials
                                              if m.state == CaseMaterial.State.MISSING]
        else:
            del self.fields["missing"]
        if self.transition.note_required:
            self.fields["note"].label = _("Reason (required)")
            self.fields["note"].required = True
            self.fields["note"].widget.attrs["required"] = True

    @property
    def label(self) -> str:
        return str(Action(self.transition.action).label)

    @property
    def action_code(self) -> str:
        return str(self.transition.action)

    def clean(self):
        data = super().clean()
        if data.get("action") and data["action"] != self.transition.action:
            raise forms.ValidationError(_("The form does not match the action."))
        if self.transition.action == Action.ISSUE_NOTICE and not data.get("missing"):
            self.add_error("missing", _("Tick the missing materials."))
        return data
