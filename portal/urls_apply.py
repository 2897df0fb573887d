"""URLs of the online service hall: see portal/urls.py. Online application (网上申报): `portal:items`,
`portal:item`, `portal:apply`, `portal:case`, `portal:case-document`."""
from django.urls import path

from portal.apply import views

urlpatterns = [
    path("items/", views.items, name="items"),
    path("items/<str:code>/", views.item, name="item"),
    path("items/<str:code>/apply/", views.apply, name="apply"),
    path("cases/<uuid:case_id>/", views.case, name="case"),
    path("cases/<uuid:case_id>/documents/<uuid:document_id>/", views.case_document, name="case-document"),
]
