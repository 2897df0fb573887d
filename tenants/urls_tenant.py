"""Pages of a centre's site (`<slug>.<platform domain>`)."""
from django.urls import path

from tenants import views

urlpatterns = [
    path("switch/", views.switch_centre, name="switch-centre-pick"),
    path("switch/<slug:slug>/", views.switch_centre, name="switch-centre"),
]
