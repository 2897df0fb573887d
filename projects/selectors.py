"""Reads of the key-project register.

The register is a public list of organisations' projects; who may see a project on a page is decided
by the service showing it (`delegation.selectors`: the city's staff and the project's agents;
`joint_approval.selectors`: the project's district or zone and the city), which starts from these.
"""
from __future__ import annotations

from django.db.models import QuerySet

from projects.models import KeyProject
from tenants.models import Centre


def key_project_list(*, year: int | None = None, centre: Centre | None = None) -> QuerySet[KeyProject]:
    """The register (a year's list, a district's or zone's projects), each with its centre."""
    qs = KeyProject.objects.select_related("centre")
    if year is not None:
        qs = qs.filter(year=year)
    if centre is not None:
        qs = qs.filter(centre=centre)
    return qs


def key_project_find(*, year: int, name_zh: str) -> KeyProject | None:
    """The project of that year and name, if it is on the register."""
    return key_project_list(year=year).filter(name_zh=(name_zh or "").strip()).first()
