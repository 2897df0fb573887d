"""api_urls_public of the delegation app."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
