from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from tenants import api

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("centre/", api.CurrentCentreApi.as_view(), name="api-current-centre"),
]
