"""Administrators enter later years' holiday schedules and centres' closure days here."""
from django.contrib import admin
from django.db import transaction

from workcalendar.models import CentreClosure, ScheduleDay, ScheduleYear
from workcalendar.services import _queue_recompute


class ScheduleDayInline(admin.TabularInline):
    model = ScheduleDay
    extra = 5


@admin.register(ScheduleYear)
class ScheduleYearAdmin(admin.ModelAdmin):
    list_display = ("year", "entered_by", "updated_at")
    inlines = [ScheduleDayInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        transaction.on_commit(lambda: _queue_recompute(None))


@admin.register(CentreClosure)
class CentreClosureAdmin(admin.ModelAdmin):
    list_display = ("centre", "date", "reason")
    list_filter = ("date",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: _queue_recompute(obj.centre_id))
