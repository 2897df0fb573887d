"""Pages of a centre's site (`<slug>.<platform domain>`)."""
from django.urls import path

from tenants import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
    path("switch/", views.switch_centre, name="switch-centre-pick"),
    path("switch/<slug:slug>/", views.switch_centre, name="switch-centre"),
]
