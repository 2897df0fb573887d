"""Staff pages of a centre's cases (mounted at /cases/ on a centre's host)."""
from django.urls import path

from cases import views

urlpatterns = [
    path("", views.case_inbox, name="cases-inbox"),
    path("new/", views.case_new, name="cases-new"),
    path("<uuid:case_id>/", views.case_detail, name="cases-detail"),
    path("<uuid:case_id>/reveal/", views.case_reveal, name="cases-reveal"),
    path("<uuid:case_id>/receipt/", views.case_receipt, name="cases-receipt"),
    path("<uuid:case_id>/notice/", views.case_notice, name="cases-notice"),
    path("<uuid:case_id>/documents/<uuid:document_id>/", views.case_document, name="cases-document"),
    path("<uuid:case_id>/archive/", views.case_archive, name="cases-archive"),
]
