"""The outbox page on the platform's site."""
from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("templates/", views.message_templates, name="message-templates"),
]
