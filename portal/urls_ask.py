"""URLs of the online service hall: see portal/urls.py."""
from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
