"""The door into a centre's windows (服务窗口) for the other apps (supervision's assessment, the demo):
each function takes the `Centre` and enters its schema itself (tenants.schemas)."""
from __future__ import annotations

from collections.abc import Iterable

from tenants.models import Centre
from tenants.schemas import centre_schema
from windows.models import Window


def window_names(*, centre: Centre) -> dict[str, str]:
    """The centre's active windows: number → Chinese name."""
    with centre_schema(centre):
        return dict(Window.objects.filter(is_active=True).values_list("number", "name_zh"))


def windows_ensure(*, centre: Centre, windows: Iterable[tuple[str, str, str, str]]) -> int:
    """Make sure the centre has these windows — (number, name_zh, name_en, department) — leaving those
    it has alone (the demo's). Returns how many were created."""
    created = 0
    with centre_schema(centre):
        for number, name_zh, name_en, department in windows:
            _window, made = Window.objects.get_or_create(number=number, defaults={
                "name_zh": name_zh, "name_en": name_en, "department": department})
            created += int(made)
    return created
