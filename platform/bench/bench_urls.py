"""URL conf of the HTTP benchmark (tenant URL conf when routed; root URL conf when plain)."""
from bench_views import window_detail
from django.urls import path

urlpatterns = [
    path("bench/window/<int:pk>", window_detail, name="bench-window"),
]
