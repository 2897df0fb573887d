"""The city's supervision dashboard on the platform's site (mounted at /supervision/dashboard/)."""
from django.urls import path

from supervision import views_dashboards

urlpatterns = [
    path("", views_dashboards.dashboard, name="supervision-dashboard"),
    path("<slug:name>.csv", views_dashboards.chart_csv, name="supervision-dashboard-csv"),
]
