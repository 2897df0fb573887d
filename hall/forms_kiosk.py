"""Forms of taking a ticket (取号): checking an appointment in at the kiosk, and taking a ticket on a phone
with an SMS code. They only read what was typed; the hall's services normalise it (full-width digits,
spaces) and say what is wrong."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import choice_field


class CheckInForm(forms.Form):
    """An appointment's 8-digit code or the applicant's ID number, as typed on the kiosk's screen."""

    number = forms.CharField(
        label=_("Appointment code or ID number"), max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "class": "kiosk-input",
                                      "autofocus": True}))


class PhoneMobileForm(forms.Form):
    """Step 1 on a phone: the mobile the SMS code goes to."""

    mobile = forms.CharField(
        label=_("Mobile phone number"), max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "class": "big-input"}))


class PhoneTakeForm(forms.Form):
    """Step 2 on a phone: the code received by SMS and the queue (the mobile carried from step 1)."""

    mobile = forms.CharField(max_length=40, widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("Code from the SMS"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "class": "big-input"}))
    queue = forms.ChoiceField(label=_("Queue"), widget=forms.RadioSelect)

    def __init__(self, *args, queues=(), **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "queue").choices = [(q.letter, f"{q.letter} · {q.name_zh} {q.name_en}") for q in queues]
