"""Pages of joint approvals on a centre's host (/joint/)."""
from django.urls import path

from joint_approval import views

urlpatterns = [
    path("", views.joint_home, name="joint-home"),
    path("bundles/<slug:code>/", views.bundle_detail, name="joint-bundle"),
    path("cases/", views.joint_case_list, name="joint-cases"),
    path("cases/<uuid:joint_case_id>/", views.joint_case_detail, name="joint-case"),
    path("cases/<uuid:joint_case_id>/receipt/", views.joint_case_receipt, name="joint-case-receipt"),
    path("projects/", views.project_list, name="joint-projects"),
    path("projects/<int:project_id>/", views.project_detail, name="joint-project"),
]
