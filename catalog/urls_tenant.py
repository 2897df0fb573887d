"""A centre's catalogue on its own site (mounted at /catalogue/)."""
from django.urls import path

from catalog import views

urlpatterns = [
    path("", views.centre_catalogue, name="catalog-home"),
    path("adopt/", views.adopt, name="catalog-adopt"),
    path("adopt/all/", views.adopt_all, name="catalog-adopt-all"),
    path("report/", views.compression_report, name="catalog-report"),
    path("guidebook.pdf", views.guidebook, name="catalog-guidebook"),
    path("<str:code>/", views.service_guide, name="catalog-guide"),
    path("<str:code>/edit/", views.adoption_edit, name="catalog-edit"),
]
