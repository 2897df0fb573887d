from django.urls import path

from windows import api

urlpatterns = [
    path("windows/", api.WindowListApi.as_view(), name="api-windows"),
]
