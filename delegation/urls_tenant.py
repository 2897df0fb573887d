"""Delegation pages on a centre's host (/delegation/)."""
from django.urls import path

from delegation import views

urlpatterns = [
    path("", views.workbench, name="delegation-workbench"),
    path("new/", views.filing_new, name="delegation-new"),
    path("filings/<uuid:filing_id>/", views.filing_detail, name="delegation-filing"),
    path("filings/<uuid:filing_id>/handover/", views.filing_handover, name="delegation-handover"),
    path("held/", views.held_list, name="delegation-held"),
    path("consents/<int:consent_id>/scan/", views.consent_scan, name="delegation-consent-scan"),
    path("stations/", views.stations, name="delegation-stations"),
    path("stations/<int:station_id>/post/", views.station_post, name="delegation-station-post"),
    path("stations/<int:station_id>/posts/<int:post_id>/end/", views.station_end, name="delegation-station-end"),
    path("green/", views.green_list, name="delegation-green"),
    path("green/<slug:code>/new/", views.green_case_new, name="delegation-green-new"),
]
