"""Forms of the catalogue pages. They only parse input: the rules (a local promise never above the
legal limit, what a centre may adopt) are the services'; their errors are put back on these forms."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.choices import FormKind
from common.errors import ApplicationError


class LocalTermsForm(forms.Form):
    """What a centre sets for an item it exercises: its own promise, window and handling department."""

    promised_limit_days = forms.IntegerField(
        label=_("Local promised limit (working days)"), min_value=0, required=False,
        help_text=_("Empty: the master catalogue's promise. Never above the legal limit."))
    window = forms.CharField(label=_("Window"), max_length=40, required=False)
    department_name = forms.CharField(label=_("Handling department"), max_length=100, required=False)

    def add_service_error(self, exc: ApplicationError) -> None:
        """Show a service's error on the fields it names, or on the whole form."""
        fields = exc.extra.get("fields") or {}
        for name, problems in fields.items():
            for problem in problems:
                self.add_error(name if name in self.fields else None, problem)
        self.add_error(None, str(exc))


class AdoptForm(LocalTermsForm):
    item = forms.CharField(label=_("Item code"), max_length=32, widget=forms.HiddenInput)



class CatalogueFileForm(forms.Form):
    """A catalogue file to import (the layout of the export: `catalog.importers`)."""

    file = forms.FileField(label=_("CSV or Excel file of items"),
                           help_text=_("The columns of the catalogue export; download one to start from."))


class FormFileForm(forms.Form):
    """A blank form or filled-in sample (表单, 样表) to attach to a draft version: what it is, its names, its file
    (the file's rules are `common.uploads`'; the service puts its errors back on `file`)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=FormKind.choices)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=300, required=False)
    file = forms.FileField(label=_("File"), help_text=_("PDF, Word (.docx), Excel (.xlsx), JPEG or PNG."))
