"""URLs of the hall's appointments pages (included by hall.urls)."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
