"""The one-row read used by the HTTP benchmark: one `windows.Window` by primary key, as JSON.

Served twice by `run.py`: through the project's own middleware stack (centre routing picks the
schema from the Host header) and by a plain Django stack with the schema fixed in the
connection's `search_path`. Same view, same queries, same database.
"""
from django.http import JsonResponse

from windows.models import Window

FIELDS = ("id", "number", "name_zh", "name_en", "department", "is_active")


def window_detail(_request, pk: int):
    row = Window.objects.filter(pk=pk).values(*FIELDS).first()
    if row is None:
        return JsonResponse({"code": "not_found", "message": "no such window"}, status=404)
    return JsonResponse(row)
