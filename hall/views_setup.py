"""The hall's set-up page (大厅设置) for a centre's administrators: its queues (letter, names, windows,
departments or items, hours, tickets a day, appointment slots, expected service time) and its devices
(kiosks, the screen, rating pads and callers: registered with a secret key shown once, retired).

The centre's other staff get 403 (they know the page exists); anyone else 404.
"""
from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.selectors import centre_catalogue, department_list
from hall import selectors, services
from hall.choices import DeviceKind
from hall.models import Queue
from tenants.request import require_centre_staff, user_of
from tenants.selectors import user_is_centre_admin
from windows.models import Window
from windows.selectors import window_list


#: Where each kind of device is pointed (its key in the path where the page takes one).
class WindowChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Window) -> str:  # type: ignore[override]
        return f"{obj.number} {obj.name_zh}"


class QueueForm(forms.Form):
    """A queue as `hall.services.queue_save` takes it (its own `ValidationError`s land on these fields)."""

    letter = forms.CharField(label=gettext_lazy("Letter"), max_length=4,
                             help_text=gettext_lazy("One or two capital letters, e.g. A."))
    name_zh = forms.CharField(label=gettext_lazy("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=150)
    windows = WindowChoices(label=gettext_lazy("Windows that call from it"), queryset=Window.objects.none(),
                            required=False, widget=forms.CheckboxSelectMultiple)
    department_codes = forms.MultipleChoiceField(label=gettext_lazy("Departments served"), required=False,
                                                 widget=forms.CheckboxSelectMultiple)
    item_codes = forms.CharField(
        label=gettext_lazy("Items served"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Item codes, one a line or separated by commas. With no departments and no items "
                               "the queue serves every item."))
    opens_at = forms.TimeField(label=gettext_lazy("Opens at"), widget=forms.TimeInput(attrs={"type": "time"},
                                                                                     format="%H:%M"))
    closes_at = forms.TimeField(label=gettext_lazy("Closes at"), widget=forms.TimeInput(attrs={"type": "time"},
                                                                                       format="%H:%M"))
    daily_tickets = forms.IntegerField(label=gettext_lazy("Tickets a day"))
    slot_minutes = forms.IntegerField(label=gettext_lazy("Appointment slot (minutes)"))
    slot_capacity = forms.IntegerField(label=gettext_lazy("Appointments per slot"))
    service_minutes = forms.IntegerField(label=gettext_lazy("Expected service time (minutes)"))

    def __init__(self, *args, centre, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.centre = centre
        windows = self.fields["windows"]
        assert isinstance(windows, WindowChoices)  # noqa: S101 - declared above
        windows.queryset = window_list()
        departments = self.fields["department_codes"]
        assert isinstance(departments, forms.MultipleChoiceField)  # noqa: S101 - declared above
        departments.choices = [(d.code, f"{d.code} {d.name}") for d in department_list()]

    def clean_item_codes(self) -> list[str]:
        codes = [code for code in re.split(r"[\s,，、]+", self.cleaned_data["item_codes"] or "") if code]
        known = set(centre_catalogue(centre=self.centre).filter(item__code__in=codes)
                    .values_list("item__code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise ValidationError(_("Not in this centre's catalogue: %(codes)s") % {"codes": ", ".join(unknown)})
        return codes

    @classmethod
    def initial_of(cls, queue: Queue | None) -> dict:
        if queue is None:
            return {"opens_at": dt.time(9), "closes_at": dt.time(17), "daily_tickets": 200, "slot_minutes": 30,
                    "slot_capacity": 4, "service_minutes": 10}
        return {"letter": queue.letter, "name_zh": queue.name_zh, "name_en": queue.name_en,
                "windows": list(queue.windows.all()), "department_codes": queue.department_codes,
                "item_codes": "\n".join(queue.item_codes), "opens_at": queue.opens_at, "closes_at": queue.closes_at,
                "daily_tickets": queue.daily_tickets, "slot_minutes": queue.slot_minutes,
                "slot_capacity": queue.slot_capacity, "service_minutes": queue.service_minutes}


class DeviceForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=DeviceKind.choices)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           help_text=gettext_lazy("Where it stands, e.g. “Kiosk by the entrance”."))
    window = forms.ModelChoiceField(label=gettext_lazy("Window"), queryset=Window.objects.none(), required=False,
                                    help_text=gettext_lazy("A rating pad or a caller belongs to a window."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        window = self.fields["window"]
        assert isinstance(window, forms.ModelChoiceField)  # noqa: S101 - declared above
        window.queryset = window_list()


def add_validation_errors(form: forms.Form, error: ValidationError) -> None:
    """A model's `ValidationError` on the form's fields of the same names (others above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, problems in error.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


def setup(request: HttpRequest) -> HttpResponse:
    """List and edit the queues (`?queue=<id>` edits one, `?queue=new` adds one); register, list and
    retire the devices (a new device's key and address are shown once, on the answer to its registration)."""
    centre = require_centre_staff(request)
    user = user_of(request)
    if not user_is_centre_admin(user=user, centre=centre):
        raise PermissionDenied
    action = request.POST.get("action", "") if request.method == "POST" else ""
    editing_id = request.GET.get("queue", "")
    editing = selectors.queue_get(editing_id)
    queue_form = None
    if editing is not None or editing_id == "new" or action == "queue":
        queue_form = QueueForm(request.POST if action == "queue" else None, centre=centre,
                               initial=QueueForm.initial_of(editing))
    if action == "queue" and queue_form is not None and queue_form.is_valid():
        data = queue_form.cleaned_data
        try:
            queue = services.queue_save(
                queue=editing, letter=data["letter"], name_zh=data["name_zh"], name_en=data["name_en"],
                window_ids=[w.pk for w in data["windows"]], department_codes=data["department_codes"],
                item_codes=data["item_codes"], opens_at=data["opens_at"], closes_at=data["closes_at"],
                daily_tickets=data["daily_tickets"], slot_minutes=data["slot_minutes"],
                slot_capacity=data["slot_capacity"], service_minutes=data["service_minutes"])
        except ValidationError as error:
            add_validation_errors(queue_form, error)
        else:
            messages.success(request, _("Queue %(letter)s is saved.") % {"letter": queue.letter})
            return redirect("hall:setup")
    device_form = DeviceForm(request.POST if action == "device" else None)
    new_device = None
    if action == "device" and device_form.is_valid():
        data = device_form.cleaned_data
        try:
            device, key = services.device_register(kind=data["kind"], name=data["name"], window=data["window"],
                                                   acting_user=user)
        except ValidationError as error:
            add_validation_errors(device_form, error)
        else:
            path = selectors.device_page(kind=device.kind, key=key)
            new_device = {"device": device, "key": key,
                          "url": request.build_absolute_uri(path) if path else ""}
            device_form = DeviceForm()
    if action == "retire":
        retiring = selectors.device_get(request.POST.get("device"))
        if retiring is not None:
            services.device_retire(device=retiring, acting_user=user)
            messages.success(request, _("%(device)s is retired: its key no longer works.") % {"device": retiring})
        return redirect("hall:setup")
    queues = selectors.queues_all()
    devices = selectors.devices_list()
    return render(request, "hall/setup_page.html", {
        "queues": queues, "devices": devices, "queue_form": queue_form, "editing": editing,
        "device_form": device_form, "new_device": new_device, "now": timezone.now()})
