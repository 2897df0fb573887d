"""Pages of a centre's site (`<slug>.<platform domain>`)."""
from django.urls import path

from tenants import staff_views, views

urlpatterns = [
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
    path("staff/", staff_views.staff_page, name="staff"),
    path("staff/import/", staff_views.staff_import, name="staff-import"),
    path("staff/template.xlsx", staff_views.staff_template, name="staff-template"),
    path("staff/<int:user_id>/", staff_views.staff_person, name="staff-person"),
    path("accounts/password/", staff_views.password_change, name="password-change"),
    path("switch/", views.switch_centre, name="switch-centre-pick"),
    path("switch/<slug:slug>/", views.switch_centre, name="switch-centre"),
]
