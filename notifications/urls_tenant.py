"""The message templates' preview on a centre's site (its administrators)."""
from django.urls import path

from notifications import views

urlpatterns = [
    path("templates/", views.message_templates, name="message-templates"),
]
