"""The delegation API on the platform's host (/api/v1/delegation/)."""
from django.urls import path

from delegation import api

urlpatterns = [
    path("coverage/", api.CoverageApi.as_view(), name="api-delegation-coverage"),
    path("key-projects/report/", api.KeyProjectReportApi.as_view(), name="api-delegation-key-projects"),
    path("green-channels/<slug:code>/report/", api.GreenChannelReportApi.as_view(),
         name="api-delegation-green-report"),
]
