"""The warnings room on a centre's site (mounted at /supervision/)."""
from django.urls import path

from supervision.warnings import views

urlpatterns = [
    path("warnings/", views.warning_inbox, name="supervision-warnings"),
    path("warnings/<int:pk>/acknowledge/", views.warning_acknowledge, name="supervision-warning-ack"),
    path("findings/", views.finding_list, name="supervision-findings"),
]
