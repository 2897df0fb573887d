"""Reads of the current centre's windows."""
from django.db.models import QuerySet

from windows.models import Window


def window_list() -> QuerySet[Window]:
    return Window.objects.filter(is_active=True).order_by("number")
