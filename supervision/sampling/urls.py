"""The sampling room on a centre's site (mounted at /supervision/)."""
from django.urls import path

from supervision.sampling import views

urlpatterns = [
    path("samples/", views.sample_list, name="supervision-samples"),
    path("samples/<int:pk>/", views.sample_detail, name="supervision-sample"),
    path("samples/cases/<int:pk>/", views.sample_case_record, name="supervision-sample-case"),
]
