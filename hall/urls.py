"""URLs of a centre's hall (`/hall/` on the centre's host): the kiosk and the ticket's live page, the
screen and its stream, appointments, and the window's caller."""
from django.urls import include, path

app_name = "hall"

urlpatterns = [
    path("", include("hall.urls_kiosk")),
    path("", include("hall.urls_screen")),
    path("", include("hall.urls_appointments")),
    path("", include("hall.urls_counter")),
]
