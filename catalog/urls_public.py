"""The master catalogue on the platform's site (mounted at /catalogue/)."""
from django.urls import path

from catalog import views

urlpatterns = [
    path("", views.browse, name="catalog-home"),
    path("items/<str:code>/", views.item_detail, name="catalog-item"),
    path("items/<str:code>/v<int:number>/forms/", views.version_forms, name="catalog-version-forms"),
    path("agencies/", views.agencies, name="catalog-agencies"),
    path("report/", views.compression_report, name="catalog-report"),
    path("changes/", views.change_report, name="catalog-changes"),
    path("import/", views.catalogue_import, name="catalog-import"),
    path("imports/<int:job_id>/", views.catalogue_import_job, name="catalog-import-job"),
]
