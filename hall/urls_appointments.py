"""URLs of the hall's appointments pages and its set-up (included by hall.urls, namespace `hall`)."""
from django.urls import path

from hall import views_appointments, views_setup

urlpatterns = [
    path("appointments/", views_appointments.appointments, name="appointments"),
    path("appointments/book/", views_appointments.book, name="book"),
    path("appointments/booked/", views_appointments.booked, name="booked"),
    path("appointments/manage/", views_appointments.manage, name="manage"),
    path("desk/appointments/", views_appointments.desk_appointments, name="desk_appointments"),
    path("setup/", views_setup.setup, name="setup"),
]
