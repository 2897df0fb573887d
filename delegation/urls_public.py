"""Delegation pages on the platform's host (/delegation/)."""
from django.urls import path

from delegation import views

urlpatterns = [
    path("stations/", views.coverage, name="delegation-coverage"),
    path("key-projects/", views.key_projects, name="delegation-key-projects"),
    path("key-projects/report.csv", views.key_projects_csv, name="delegation-key-projects-csv"),
    path("key-projects/<int:project_id>/", views.key_project_detail, name="delegation-key-project"),
    path("green/", views.green_reports, name="delegation-green-reports"),
    path("green/<slug:code>/", views.green_report, name="delegation-green-report"),
]
