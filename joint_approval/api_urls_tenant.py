"""api_urls_tenant of the joint_approval app."""
from django.urls import path  # noqa: F401

urlpatterns: list = []
