"""API of a centre's hall (`/api/v1/hall/` on the centre's host), for kiosks, screens and hardware callers."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
