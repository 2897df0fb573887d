from django.urls import path

from tenants import api

urlpatterns = [
    path("auth/token/", api.SignInTokenApi.as_view(), name="api-token"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("centres/", api.CentreListApi.as_view(), name="api-centres"),
    path("centres/<str:code>/", api.CentreDetailApi.as_view(), name="api-centre"),
    path("centres/<str:code>/status/", api.CentreStatusApi.as_view(), name="api-centre-status"),
]
