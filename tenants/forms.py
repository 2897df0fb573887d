"""Forms for the onboarding pages (validation itself is the service's)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.choices import Level


class CentreForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    code = forms.CharField(label=_("Division code"), max_length=9)
    slug = forms.CharField(label=_("Address label (slug)"), max_length=40)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=150)
    parent_code = forms.CharField(label=_("Parent centre's division code"), max_length=9, required=False)
    admin_username = forms.CharField(label=_("Centre administrator's user name (optional)"),
                                     max_length=150, required=False)


class CentreFileForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel file of centres"),
                           help_text=_("Columns: level, code, slug, name_zh, name_en, parent_code."))
