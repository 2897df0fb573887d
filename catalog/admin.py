"""Django admin for the catalogue: a window on the data, writes that matter go through services.

Published and archived versions are read-only (the database refuses edits anyway); a draft is
edited here and published with the "publish" action (catalog.services.version_publish). Lifecycle
events are recorded through the API (catalog.services.event_record, which propagates them), so here
they are read-only.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from catalog import services
from catalog.choices import VersionStatus
from catalog.models import (
    Adoption,
    Agency,
    CatalogueNotice,
    Department,
    Item,
    ItemVersion,
    LifecycleEvent,
    Material,
)
from common.errors import ApplicationError
from common.glyphs import printable_field_errors


class PrintedTextForm(forms.ModelForm):
    """Refuses, on the field that holds it, text the guide book cannot print (common.glyphs: the rule
    the services apply to the same fields)."""

    printed_fields: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned.get(name) for name in self.printed_fields if name in cleaned}
        labels = {name: self.fields[name].label for name in values}
        for name, problems in printable_field_errors(values, labels).items():
            for problem in problems:
                self.add_error(name, problem)
        return cleaned


def _printed(*fields: str) -> type[PrintedTextForm]:
    return type("PrintedForm", (PrintedTextForm,), {"printed_fields": fields})


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    form = _printed("name_zh", "name_en", "phone", "address")
    list_display = ("code", "name_zh", "name_en", "phone")
    search_fields = ("code", "name_zh", "name_en")


class ItemVersionInline(admin.TabularInline):
    """The item's versions, read-only here (edit a draft on its own page)."""

    model = ItemVersion
    fields = ("number", "status", "effective_from", "name_zh", "legal_limit_days", "promised_limit_days")
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("code", "__str__", "department", "category", "kind", "owner_centre", "removed_on")
    list_filter = ("category", "kind", "item_type", "department")
    search_fields = ("code", "search_text")
    raw_id_fields = ("parent", "owner_centre", "current_version")
    readonly_fields = ("current_version", "removed_on", "search_text")
    inlines = [ItemVersionInline]


class MaterialInline(admin.TabularInline):
    model = Material
    form = _printed(*services.PRINTED_MATERIAL_FIELDS)
    extra = 0

    def _editable(self, obj) -> bool:
        return obj is None or obj.status == VersionStatus.DRAFT

    def has_add_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(ItemVersion)
class ItemVersionAdmin(admin.ModelAdmin):
    form = _printed(*services.PRINTED_CONTENT_FIELDS)
    list_display = ("__str__", "name_zh", "status", "effective_from", "legal_limit_days", "promised_limit_days")
    list_filter = ("status",)
    search_fields = ("item__code", "name_zh", "name_en")
    raw_id_fields = ("item",)
    readonly_fields = ("status",)
    inlines = [MaterialInline]
    actions = ["publish"]

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False  # shown read-only: a published version is never edited in place
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status != VersionStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("Publish the selected drafts"))
    def publish(self, request, queryset):
        for version in queryset.filter(status=VersionStatus.DRAFT):
            try:
                services.version_publish(version=version, acting_user=request.user)
            except ApplicationError as exc:
                self.message_user(request, str(exc), messages.ERROR)


@admin.register(Adoption)
class AdoptionAdmin(admin.ModelAdmin):
    form = _printed(*services.PRINTED_ADOPTION_FIELDS)
    list_display = ("centre", "item", "promised_limit_days", "window", "starts_on", "ends_on", "end_event")
    list_filter = ("ends_on",)
    search_fields = ("item__code", "centre__name_zh", "centre__division_code")
    raw_id_fields = ("centre", "item", "end_event")
    readonly_fields = ("end_event",)


@admin.register(LifecycleEvent)
class LifecycleEventAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "effective_on", "propagated_at", "centres_reached")
    list_filter = ("kind",)
    search_fields = ("item__code", "reason")
    readonly_fields = ("kind", "item", "merged_into", "reason", "effective_on", "created_by", "propagated_at",
                       "centres_reached")

    def has_add_permission(self, request) -> bool:
        return False  # recorded through the API, which propagates them

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CatalogueNotice)
class CatalogueNoticeAdmin(admin.ModelAdmin):
    list_display = ("centre", "message_zh", "created_at", "read_at")
    search_fields = ("message_zh", "message_en", "centre__name_zh")
    raw_id_fields = ("centre", "event")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "contact", "address")
    search_fields = ("name_zh", "name_en")
    filter_horizontal = ("items",)
