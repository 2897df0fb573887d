"""The assessment room on a centre's site (mounted at /supervision/)."""
from django.urls import path

from supervision.assessment import views

urlpatterns = [
    path("inspections/", views.inspection_list, name="supervision-inspections"),
    path("bulletin/", views.bulletin, name="supervision-bulletin"),
    path("awards/", views.awards, name="supervision-awards"),
    path("scores/", views.scores, name="supervision-scores"),
    path("rules/", views.rules, name="supervision-rules"),
]
