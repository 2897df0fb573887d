"""The dashboards room, on the platform's site (the city's dashboard) and on a centre's host (its own),
mounted at /supervision/dashboard/ by both URL confs."""
from django.urls import path

from supervision.dashboards import views

urlpatterns = [
    path("", views.dashboard, name="supervision-dashboard"),
    path("<slug:name>.csv", views.chart_csv, name="supervision-dashboard-csv"),
]
