"""URLs of the hall's screen pages (included by hall.urls): the big screen and its live stream."""
from django.urls import path

from hall import views_screen

urlpatterns: list = [
    path("screen/", views_screen.screen, name="screen"),
    path("stream/", views_screen.stream, name="stream"),
]
