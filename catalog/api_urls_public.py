"""The master catalogue's API on the platform host (/api/v1/catalogue/)."""
from django.urls import path

from catalog import api

urlpatterns = [
    path("departments/", api.DepartmentListApi.as_view(), name="api-catalogue-departments"),
    path("items/", api.ItemListApi.as_view(), name="api-catalogue-items"),
    path("items/<str:code>/", api.ItemDetailApi.as_view(), name="api-catalogue-item"),
    path("items/<str:code>/versions/", api.VersionCreateApi.as_view(), name="api-catalogue-versions"),
    path("items/<str:code>/versions/<int:number>/publish/", api.VersionPublishApi.as_view(),
         name="api-catalogue-version-publish"),
    path("items/<str:code>/events/", api.EventCreateApi.as_view(), name="api-catalogue-events"),
    path("events/<int:pk>/", api.EventDetailApi.as_view(), name="api-catalogue-event"),
    path("agencies/", api.AgencyListApi.as_view(), name="api-catalogue-agencies"),
    path("agencies/<int:pk>/", api.AgencyDetailApi.as_view(), name="api-catalogue-agency"),
    path("import/", api.ImportApi.as_view(), name="api-catalogue-import"),
    path("imports/<int:pk>/", api.ImportJobApi.as_view(), name="api-catalogue-import-job"),
    path("export.<str:file_format>", api.ExportApi.as_view(), name="api-catalogue-export"),
]
