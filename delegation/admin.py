"""Django admin for delegation (on the platform's site): stations and divisions, the agents, problems
and approvals of key projects (inlines on the key-project register's page, `projects.admin`), green
channels with their items. Proxy filings, consents and handovers are read-only here: they are written
by the services (the case, registry and SMS go with them)."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.errors import ConflictError
from delegation.models import (
    AgencyAssignment,
    Consent,
    GreenChannel,
    GreenChannelItem,
    HandoverStep,
    ProjectApproval,
    ProjectProblem,
    ProxyFiling,
    Station,
    StationAgent,
    TownshipDivisions,
)
from delegation.services import station_agent_assign, station_agent_end, station_errors
from projects.admin import key_project_inlines_add


class StationAdminForm(forms.ModelForm):
    """The same checks as `station_create` (a township's station, its code extending the township's)."""

    class Meta:
        model = Station
        fields = ["township", "kind", "name_zh", "name_en", "division_code"]

    def clean(self):
        data = super().clean()
        township = data.get("township")
        if township is not None:
            for field, messages in station_errors(township=township, kind=data.get("kind") or "",
                                                  name_zh=data.get("name_zh") or "",
                                                  division_code=data.get("division_code") or "").items():
                self.add_error(field if field in self.fields else None, messages)
        return data


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    form = StationAdminForm
    list_display = ("division_code", "name_zh", "kind", "township")
    list_filter = ("kind",)
    search_fields = ("division_code", "name_zh", "name_en")
    raw_id_fields = ("township",)


@admin.register(TownshipDivisions)
class TownshipDivisionsAdmin(admin.ModelAdmin):
    list_display = ("township", "villages", "communities")
    raw_id_fields = ("township",)


class StationAgentAdminForm(forms.ModelForm):
    class Meta:
        model = StationAgent
        fields = ["user", "station", "active"]

    def _get_validation_exclusions(self):
        # "One active post per agent" is kept by `station_agent_assign` (it ends the other post), not refused
        # here; a constraint naming an excluded field is not checked by the model's validation.
        return {*super()._get_validation_exclusions(), "user"}


@admin.register(StationAgent)
class StationAgentAdmin(admin.ModelAdmin):
    """Posting an agent goes through `station_agent_assign`: any other post ends and the village-agent
    role at the station's township is granted (filings waiting with the township's clerks pass to the
    agent). Ending a post (untick `active`, or the list's action) goes through `station_agent_end`: the
    agent can no longer act and their open filings pass on, each hand-over in the audit log."""

    form = StationAgentAdminForm
    list_display = ("user", "station", "active", "ended_at")
    list_filter = ("active",)
    readonly_fields = ("ended_at",)
    raw_id_fields = ("user", "station")
    actions = ["end_posts"]

    def save_model(self, request, obj, form, change):
        was_active = change and StationAgent.objects.filter(pk=obj.pk, active=True).exists()
        if change and was_active and not obj.active:
            station_agent_end(post=obj, acting_user=request.user)
            return
        if change and (was_active or not obj.active):
            super().save_model(request, obj, form, change)
            return
        if not obj.active:
            super().save_model(request, obj, form, change)
            return
        post = station_agent_assign(user=obj.user, station=obj.station, acting_user=request.user)
        obj.pk = post.pk

    @admin.action(description=_("End the selected posts (their open filings pass on)"))
    def end_posts(self, request, queryset):
        ended = 0
        for post in queryset.filter(active=True):
            try:
                station_agent_end(post=post, acting_user=request.user)
            except ConflictError as exc:
                self.message_user(request, str(exc), level=messages.WARNING)
            else:
                ended += 1
        self.message_user(request, ngettext("%(count)d post ended.", "%(count)d posts ended.", ended)
                          % {"count": ended})


class AssignmentInline(admin.TabularInline):
    model = AgencyAssignment
    raw_id_fields = ("agent",)
    extra = 0


class ProblemInline(admin.TabularInline):
    model = ProjectProblem
    extra = 0


class ApprovalInline(admin.TabularInline):
    model = ProjectApproval
    raw_id_fields = ("centre",)
    extra = 0


key_project_inlines_add(AssignmentInline, ProblemInline, ApprovalInline)


class GreenChannelItemInline(admin.TabularInline):
    model = GreenChannelItem
    raw_id_fields = ("item",)
    extra = 0


@admin.register(GreenChannel)
class GreenChannelAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "target_count", "starts_on", "ends_on")
    inlines = [GreenChannelItemInline]


class HandoverInline(admin.TabularInline):
    model = HandoverStep
    fields = ("step", "at", "by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ProxyFiling)
class ProxyFilingAdmin(admin.ModelAdmin):
    list_display = ("case_number", "item_code", "resident_name_masked", "agent", "station", "target_centre",
                    "last_step", "filed_at")
    list_filter = ("last_step",)
    search_fields = ("case_number", "item_code")
    inlines = [HandoverInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("resident_name_masked", "item_code", "method", "given_at", "recorded_by", "station")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
