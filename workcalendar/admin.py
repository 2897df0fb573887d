"""Administrators enter later years' holiday schedules and centres' closure days here. Every save is in
the audit log and announces the days it changed, as the services do."""
from django.contrib import admin

from tenants.audit import audit_record
from tenants.choices import AuditKind, AuditTarget
from workcalendar.clock import WorkCalendar
from workcalendar.models import CentreClosure, ScheduleDay, ScheduleYear
from workcalendar.services import closure_add, closure_changed, schedule_changed


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

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        schedule = form.instance
        audit_record(kind=AuditKind.SCHEDULE_ENTERED, actor=request.user, target_type=AuditTarget.SCHEDULE_YEAR,
                     target_id=schedule.year, target_label=str(schedule.year),
                     after={"holidays": schedule.days.filter(is_workday=False).count(),
                            "workdays": schedule.days.filter(is_workday=True).count()})
        schedule_changed(year=schedule.year, before=getattr(request, "_calendar_before", None)
                         or WorkCalendar.for_centre(None))


@admin.register(CentreClosure)
class CentreClosureAdmin(admin.ModelAdmin):
    list_display = ("centre", "date", "reason")
    list_filter = ("date",)

    def save_model(self, request, obj, form, change):
        if not change:  # a new closure day: the service (audit log, the days announced)
            obj.pk = closure_add(centre=obj.centre, date=obj.date, reason=obj.reason, acting_user=request.user).pk
            return
        super().save_model(request, obj, form, change)
        audit_record(kind=AuditKind.CLOSURE_SET, actor=request.user, centre=obj.centre,
                     target_type=AuditTarget.CLOSURE, target_id=obj.pk, target_label=str(obj.date),
                     after={"date": obj.date, "reason": obj.reason})
        closure_changed(closure=obj)
