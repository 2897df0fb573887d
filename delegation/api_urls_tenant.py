"""The delegation API on a centre's host (/api/v1/delegation/)."""
from django.urls import path

from delegation import api

urlpatterns = [
    path("consent-codes/", api.ConsentCodeApi.as_view(), name="api-delegation-consent-codes"),
    path("filings/", api.FilingListApi.as_view(), name="api-delegation-filings"),
    path("filings/<uuid:filing_id>/", api.FilingDetailApi.as_view(), name="api-delegation-filing"),
    path("filings/<uuid:filing_id>/handover/", api.HandoverApi.as_view(), name="api-delegation-handover"),
]
