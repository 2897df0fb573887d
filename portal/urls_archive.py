"""URLs of the online service hall: see portal/urls.py. Electronic archives (电子档案): `portal/views_archive.py`."""
from django.urls import path

from portal import views_archive

urlpatterns = [
    path("cases/<uuid:case_id>/archive/", views_archive.case_archive, name="case-archive"),
    path("projects/<int:project_id>/archive/", views_archive.project_archive, name="project-archive"),
]
