"""URLs of the hall's screen pages (included by hall.urls)."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
