"""URLs of taking a ticket (included by hall.urls, namespace `hall`): the kiosk, a ticket's live page and
receipt, taking a ticket on a phone."""
from django.urls import path

from hall import views_kiosk

urlpatterns: list = [
    path("kiosk/<str:key>/", views_kiosk.kiosk, name="kiosk"),
    path("t/<str:token>/", views_kiosk.ticket, name="ticket"),
    path("t/<str:token>/print/", views_kiosk.ticket_print, name="ticket_print"),
    path("phone/", views_kiosk.phone, name="phone"),
]
