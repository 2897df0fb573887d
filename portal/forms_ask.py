"""The online service hall's forms for questions, appointments and ratings."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.forms import choice_field
from hall.selectors import Slot
from hall.views_appointments import parse_slot, slot_choices
from registry.models import RegistryEntry
from supervision.reviews.choices import InquiryKind
from tenants.models import Centre


class AskForm(forms.Form):
    """A question, complaint or letter from the account: the centre (from a searchable list), the kind,
    optionally an item or one of the account's cases, the subject and the text (the name and contact are
    the account's)."""

    centre = forms.ModelChoiceField(label=gettext_lazy("Centre"), queryset=Centre.objects.none(),
                                    to_field_name="slug", empty_label=gettext_lazy("Choose a centre"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=InquiryKind.choices, widget=forms.RadioSelect,
                             initial=InquiryKind.CONSULTATION)
    case = forms.ChoiceField(label=gettext_lazy("About one of your cases (optional)"), required=False)
    item_code = forms.CharField(label=gettext_lazy("About an item: its code (optional)"), max_length=32,
                                required=False)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, centres: QuerySet[Centre], cases: list[RegistryEntry], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        centre_field = self.fields["centre"]
        assert isinstance(centre_field, forms.ModelChoiceField)  # noqa: S101 - declared above
        centre_field.queryset = centres
        choice_field(self, "case").choices = [("", _("None"))] + [
            (str(e.case_id), f"{e.number} · {e.item_name} · {e.centre.name}") for e in cases]
        if not cases:
            del self.fields["case"]


class SlotForm(forms.Form):
    """A day and a time among the queue's free slots (a select grouped by day: no script needed)."""

    slot = forms.ChoiceField(label=gettext_lazy("Day and time"))
    #: The chosen slot's day and start, once the form is valid.
    day: dt.date
    starts_at: dt.time

    def __init__(self, *args, slots: list[Slot], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "slot").choices = slot_choices(slots, self.data.get("slot", "") if self.is_bound else "")

    def clean_slot(self) -> str:
        parsed = parse_slot(self.cleaned_data["slot"])
        if parsed is None:
            raise ValidationError(_("Choose a day and time."))
        self.day, self.starts_at = parsed
        return self.cleaned_data["slot"]
