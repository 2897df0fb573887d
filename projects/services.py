"""Writes of the key-project register: one service, used by every side that puts a project on it (the
key-project agency service, the linked approval, the admin, the demo).

The rules of a key project are checked here and nowhere else (`key_project_problems`): named, in a
district or a development zone, the company's unified social credit code read as typed (full-width
characters, spaces and hyphens folded by `common.identity.normalise_identifier`) and valid.
"""
from __future__ import annotations

from django.utils.translation import gettext as _

from common.errors import ApplicationError, ConflictError
from common.identity import credit_code_problem, normalise_identifier
from projects.error_codes import ProjectErrorCode
from projects.models import KeyProject
from tenants.choices import Level
from tenants.models import Centre

#: The levels of centre a key project is in.
PROJECT_LEVELS = frozenset({Level.DISTRICT, Level.ZONE})


def key_project_problems(*, name_zh: str, company_name: str, credit_code: str,
                         centre: Centre | None) -> dict[str, list[str]]:
    """What is wrong with a key project's facts (field → messages in the user's language); empty when it
    may be registered. `credit_code` is read as typed (normalised here). The admin's form asks too."""
    errors: dict[str, list[str]] = {}
    if not (name_zh or "").strip():
        errors["name_zh"] = [_("Name the project.")]
    if not (company_name or "").strip():
        errors["company_name"] = [_("Name the company that builds it.")]
    if problem := credit_code_problem(normalise_identifier(credit_code)):
        errors["credit_code"] = [problem]
    if centre is None or centre.level not in PROJECT_LEVELS:
        errors["centre"] = [_("A key project is located in a district or a development zone.")]
    return errors


def key_project_register(*, year: int, name_zh: str, company_name: str, credit_code: str, centre: Centre,
                         name_en: str = "") -> KeyProject:
    """Put a key project on the register, or find it there: a project is its year and Chinese name, so the
    same project registered again (by either service) is the same row, returned as it is.

    Raises `ApplicationError` `project_invalid` with the field errors (`extra["fields"]`), and
    `ConflictError` `project_registered_otherwise` (409) when the year's list has the name in another
    district or zone, or for a company with another credit code: nothing is changed."""
    errors = key_project_problems(name_zh=name_zh, company_name=company_name, credit_code=credit_code,
                                  centre=centre)
    if errors:
        raise ApplicationError(_("The key project cannot be registered: %(fields)s") % {"fields": ", ".join(errors)},
                               ProjectErrorCode.INVALID, {"fields": errors})
    code = normalise_identifier(credit_code)
    # two registrations at once: the unique (year, name) makes the second find the first's row
    project, created = KeyProject.objects.select_related("centre").get_or_create(
        year=year, name_zh=name_zh.strip(), defaults={
            "name_en": (name_en or "").strip(), "company_name": company_name.strip(), "credit_code": code,
            "centre": centre})
    if created or (project.centre_id == centre.pk and project.credit_code == code):
        return project
    differs: dict[str, list[str]] = {}
    if project.centre_id != centre.pk:
        differs["centre"] = [_("Registered in %(centre)s.") % {"centre": project.centre.name}]
    if project.credit_code != code:
        differs["credit_code"] = [_("Registered for %(company)s (%(code)s).")
                                  % {"company": project.company_name, "code": project.credit_code}]
    raise ConflictError(
        _("“%(name)s” is already on the %(year)s list, in %(centre)s for %(company)s (%(code)s): a project is "
          "registered once.") % {"name": project.name_zh, "year": project.year, "centre": project.centre.name,
                                 "company": project.company_name, "code": project.credit_code},
        ProjectErrorCode.REGISTERED_OTHERWISE, {"project": project.pk, "fields": differs})
