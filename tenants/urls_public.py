"""Pages of the platform's own site (the bare platform domain)."""
from django.urls import path

from tenants import staff_views, views

urlpatterns = [
    path("", views.platform_home, name="home"),
    path("", views.platform_home, name="platform-home"),
    path("onboard/", views.onboard, name="onboard"),
    path("onboard/file/", views.onboard_file, name="onboard-file"),
    path("onboard/batches/<int:batch_id>/", views.onboard_batch, name="onboard-batch"),
    path("centres/<str:code>/status/", views.centre_status, name="centre-status"),
    path("centres/<str:code>/admins/", staff_views.centre_admins_page, name="centre-admins"),
    path("accounts/password/", staff_views.password_change, name="password-change"),
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
    path("sign-ins/locked/", views.locked_sign_ins, name="locked-sign-ins"),
    path("switch/", views.switch_centre, name="switch-centre-pick"),
    path("switch/<slug:slug>/", views.switch_centre, name="switch-centre"),
]
