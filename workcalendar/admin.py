"""Administrators enter later years' holiday schedules and centres' closure days here. Every save and
every deletion goes in the audit log (with what was there before) and announces the days it
changed, as the services do (the cases counting across them move)."""
from django.contrib import admin

from tenants.audit import audit_record
from tenants.choices import AuditKind, AuditTarget
from workcalendar.clock import WorkCalendar
from workcalendar.models import CentreClosure, ScheduleDay, ScheduleYear
from workcalendar.services import (
    closure_add,
    closure_change,
    closure_remove,
    schedule_changed,
    schedule_counts,
    schedule_remove,
)


class ScheduleDayInline(admin.TabularInline):
    model = ScheduleDay
    extra = 5


@admin.register(ScheduleYear)
class ScheduleYearAdmin(admin.ModelAdmin):
    list_display = ("year", "entered_by", "updated_at")
    inlines = [ScheduleDayInline]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        request._calendar_before = WorkCalendar.for_centre(None)  # the calendar before this save
        existing = ScheduleYear.objects.filter(pk=object_id).first() if object_id else None
        request._schedule_before = schedule_counts(existing) if existing is not None else None
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        schedule = form.instance
        audit_record(kind=AuditKind.SCHEDULE_ENTERED, actor=request.user, target_type=AuditTarget.SCHEDULE_YEAR,
                     target_id=schedule.year, target_label=str(schedule.year),
                     before=getattr(request, "_schedule_before", None), after=schedule_counts(schedule))
        schedule_changed(year=schedule.year, before=getattr(request, "_calendar_before", None)
                         or WorkCalendar.for_centre(None))

    def delete_model(self, request, obj):
        schedule_remove(schedule=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for schedule in queryset:
            schedule_remove(schedule=schedule, acting_user=request.user)


@admin.register(CentreClosure)
class CentreClosureAdmin(admin.ModelAdmin):
    list_display = ("centre", "date", "reason")
    list_filter = ("date",)

    def save_model(self, request, obj, form, change):
        if change:
            closure_change(closure=obj, date=obj.date, reason=obj.reason, acting_user=request.user)
        else:
            obj.pk = closure_add(centre=obj.centre, date=obj.date, reason=obj.reason, acting_user=request.user).pk

    def delete_model(self, request, obj):
        closure_remove(closure=obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for closure in queryset:
            closure_remove(closure=closure, acting_user=request.user)
