"""The online application's forms: one file field per material, and the supplement's."""
from __future__ import annotations

import uuid

from django import forms

from catalog.models import Material
from common.i18n import pick
from portal.apply.services import material_field

#: What the file inputs accept (a hint to the browser; the content decides: `common.uploads`).
ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


def _file_field(label: str, *, required: bool, help_text: str = "") -> forms.FileField:
    return forms.FileField(label=label, required=required, help_text=help_text,
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))


class ApplicationForm(forms.Form):
    """An online application: the township (chosen on the page before), a one-time token, and a file for
    each material delivered by upload (required ones required)."""

    township = forms.CharField(widget=forms.HiddenInput, max_length=12)
    token = forms.CharField(widget=forms.HiddenInput, max_length=32, required=False)

    def __init__(self, *args, materials: list[Material], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["token"].initial = uuid.uuid4().hex
        self.materials = materials
        for material in materials:
            if material.delivery != "upload":
                continue
            self.fields[material_field(material.pk)] = _file_field(
                pick(material.name_zh, material.name_en), required=False, help_text=material.note)

    def material_files(self) -> dict[int, object]:
        return {m.pk: self.cleaned_data[material_field(m.pk)] for m in self.materials
                if self.cleaned_data.get(material_field(m.pk))}

    def file_fields(self) -> list[tuple[forms.BoundField, Material]]:
        """(the file field, its material) for each material delivered by upload, in the catalogue's order."""
        return [(self[material_field(m.pk)], m) for m in self.materials if material_field(m.pk) in self.fields]


class SupplementForm(forms.Form):
    """The files a one-time notice asks for: one field per missing material."""

    def __init__(self, *args, missing: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.missing = missing
        for line in missing:
            self.fields[material_field(line["id"])] = _file_field(
                pick(line.get("name_zh", ""), line.get("name_en")), required=False)

    def material_files(self) -> dict[int, object]:
        return {line["id"]: self.cleaned_data[material_field(line["id"])] for line in self.missing
                if self.cleaned_data.get(material_field(line["id"]))}

    def file_fields(self) -> list[tuple[forms.BoundField, dict]]:
        """(the file field, its line of the notice: id, name_zh, name_en) in the notice's order."""
        return [(self[material_field(line["id"])], line) for line in self.missing]
