"""The public progress lookup (mounted at /progress/ on every host)."""
from django.urls import path

from registry import views

urlpatterns = [
    path("", views.progress, name="progress"),
    path("api/", views.ProgressApi.as_view(), name="progress-api"),
    path("receipt/<str:token>/", views.progress_joint_receipt, name="progress-joint-receipt"),
]
