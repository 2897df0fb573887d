from django.urls import path

from tenants import api

urlpatterns = [
    path("auth/token/", api.SignInTokenApi.as_view(), name="api-token"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("centre/", api.CurrentCentreApi.as_view(), name="api-current-centre"),
]
