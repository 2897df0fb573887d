"""Administrators enter later years' holiday schedules and centres' closure days here."""
from django.contrib import admin

from workcalendar.clock import WorkCalendar
from workcalendar.models import CentreClosure, ScheduleDay, ScheduleYear
from workcalendar.services import closure_changed, schedule_changed


class ScheduleDayInline(admin.TabularInline):
    model = ScheduleDay
    extra = 5


@admin.register(ScheduleYear)
class ScheduleYearAdmin(admin.ModelAdmin):
    list_display = ("year", "entered_by", "updated_at")
    inlines = [ScheduleDayInline]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        request._calendar_before = WorkCalendar.for_centre(None)  # the calendar before this save
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        schedule_changed(year=form.instance.year, before=getattr(request, "_calendar_before", None)
                         or WorkCalendar.for_centre(None))


@admin.register(CentreClosure)
class CentreClosureAdmin(admin.ModelAdmin):
    list_display = ("centre", "date", "reason")
    list_filter = ("date",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        closure_changed(closure=obj)
