"""The cases API on a centre's host (/api/v1/cases/)."""
from django.urls import path

from cases import api

urlpatterns = [
    path("", api.CaseListApi.as_view(), name="api-cases"),
    path("<uuid:case_id>/", api.CaseDetailApi.as_view(), name="api-case"),
    path("<uuid:case_id>/reveal/", api.CaseRevealApi.as_view(), name="api-case-reveal"),
    path("<uuid:case_id>/transitions/", api.CaseTransitionApi.as_view(), name="api-case-transitions"),
]
