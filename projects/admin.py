"""Django admin of the key-project register (on the platform's site).

The register's page is the one place a project's facts are edited; the services that work for the
project add what they record about it as inlines (`key_project_inlines_add`, called from their own
admin modules), so the register imports none of them.
"""
from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.utils.translation import gettext_lazy as _

from common.identity import normalise_identifier
from projects.models import KeyProject
from projects.services import key_project_problems


class KeyProjectAdminForm(forms.ModelForm):
    """The register's own checks (`key_project_problems`); the credit code is stored as the service
    stores it (full-width characters, spaces and hyphens folded)."""

    credit_code = forms.CharField(label=_("unified social credit code"), max_length=40)

    class Meta:
        model = KeyProject
        fields = ["year", "name_zh", "name_en", "company_name", "credit_code", "centre"]

    def clean_credit_code(self) -> str:
        return normalise_identifier(self.cleaned_data.get("credit_code"))

    def clean(self):
        data = super().clean()
        for field, messages in key_project_problems(
                name_zh=data.get("name_zh") or "", company_name=data.get("company_name") or "",
                credit_code=data.get("credit_code") or "", centre=data.get("centre")).items():
            if field not in self.errors:
                self.add_error(field if field in self.fields else None, messages)
        return data


@admin.register(KeyProject)
class KeyProjectAdmin(admin.ModelAdmin):
    form = KeyProjectAdminForm
    list_display = ("year", "name_zh", "company_name", "credit_code", "centre")
    list_filter = ("year",)
    search_fields = ("name_zh", "name_en", "company_name", "credit_code")
    raw_id_fields = ("centre",)
    #: the services' own, added by `key_project_inlines_add`
    inlines: ClassVar[tuple[type[InlineModelAdmin], ...]] = ()


def key_project_inlines_add(*inlines: type[InlineModelAdmin]) -> None:
    """Show another app's records of a project on the register's page (e.g. delegation's agents,
    problems and approvals)."""
    KeyProjectAdmin.inlines = (*KeyProjectAdmin.inlines, *inlines)
