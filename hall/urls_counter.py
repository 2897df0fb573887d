"""URLs of the hall's counter pages (included by hall.urls)."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
