"""URLs of the online service hall for questions, appointments and ratings: see portal/urls.py."""
from django.urls import path

from portal import views_ask

urlpatterns = [
    path("ask/", views_ask.ask, name="ask"),
    path("questions/", views_ask.my_questions, name="my-questions"),
    path("questions/<int:pk>/", views_ask.question, name="question"),
    path("items/<str:code>/book/", views_ask.book, name="book"),
    path("appointments/", views_ask.my_appointments, name="my-appointments"),
    path("appointments/<uuid:appointment_id>/cancel/", views_ask.appointment_cancel, name="appointment-cancel"),
    path("cases/<uuid:case_id>/rate/", views_ask.case_rate, name="case-rate"),
]
