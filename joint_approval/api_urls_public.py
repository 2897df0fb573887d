"""The joint-approvals API on the platform's host (/api/v1/joint/): the catalogue, and the city's
read-only view of joint cases and linked projects (acceptance happens on a centre's host)."""
from django.urls import path

from joint_approval import api

urlpatterns = [
    path("bundles/", api.BundleListApi.as_view(), name="api-joint-bundles"),
    path("bundles/<slug:code>/", api.BundleDetailApi.as_view(), name="api-joint-bundle"),
    path("cases/", api.JointCaseListApi.as_view(), name="api-joint-cases"),
    path("cases/<uuid:joint_case_id>/", api.JointCaseDetailApi.as_view(), name="api-joint-case"),
    path("projects/", api.ProjectListApi.as_view(), name="api-joint-projects"),
    path("projects/<int:project_id>/", api.ProjectDetailApi.as_view(), name="api-joint-project"),
]
