"""A centre's catalogue API on the centre's host (/api/v1/catalogue/)."""
from django.urls import path

from catalog import api

urlpatterns = [
    path("items/", api.CentreCatalogueApi.as_view(), name="api-centre-catalogue"),
    path("items/<str:code>/", api.GuideApi.as_view(), name="api-centre-guide"),
    path("items/<str:code>/adopt/", api.AdoptApi.as_view(), name="api-centre-adopt"),
    path("items/<str:code>/adoption/", api.AdoptionUpdateApi.as_view(), name="api-centre-adoption"),
    path("adopt-all/", api.AdoptAllApi.as_view(), name="api-centre-adopt-all"),
    path("notices/", api.NoticeListApi.as_view(), name="api-centre-notices"),
    path("departments/", api.DepartmentListApi.as_view(), name="api-centre-departments"),
    path("agencies/", api.AgencyListApi.as_view(), name="api-centre-agencies"),
    path("agencies/<int:pk>/", api.AgencyDetailApi.as_view(), name="api-centre-agency"),
]
