"""Electronic archives (电子档案) offered on the platform's site: an applicant's own case, and a key project's
cases at both levels (city and district) for the staff who follow the project.

Which cases belong to a key project (`projects.KeyProject`): the legs of its joint cases (`JointCase.project`,
found in the registry by `joint_case_id`: a linked approval's legs at the city and at the project's district or
zone), and the approvals its agents recorded (`delegation.ProjectApproval`) that name a case of this platform
(centre and case number). Each case is read through `cases.door.cases_archive` at its own centre.

Who may download a project's archive (the rules of the key-project pages, joined): platform administrators
and the city centre's staff (the city coordinator: `delegation.selectors.require_city_reader`), the project's
own agents (`delegation`'s key-project page), and the staff of the project's district or zone and of every
centre holding one of its cases (`joint_approval`'s rule for a linked project). Anyone else: 404, as for a
project that does not exist.
"""
from __future__ import annotations

import uuid

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from cases import door
from delegation.models import AgencyAssignment, ProjectApproval
from joint_approval.models import JointCase
from projects.models import KeyProject
from registry.models import RegistryEntry
from tenants.choices import Level
from tenants.models import AnyUser, Centre, User
from tenants.selectors import user_is_platform_admin, user_is_staff_of


def project_case_rows(*, project: KeyProject) -> list[RegistryEntry]:
    """The registry rows of the project's cases at every centre, oldest first: its joint cases' legs and
    the approvals recorded for it that name a case here (by centre and number)."""
    match = Q(joint_case_id__in=JointCase.objects.filter(project=project).values("pk"))
    for centre_id, number in (ProjectApproval.objects.filter(project=project, centre__isnull=False)
                              .exclude(case_number="").values_list("centre_id", "case_number")):
        match |= Q(centre_id=centre_id, number=number)
    return list(RegistryEntry.objects.filter(match).select_related("centre").order_by("submitted_at", "number"))


def may_download_project_archive(*, user: AnyUser, project: KeyProject, rows: list[RegistryEntry]) -> bool:
    """The rule in the module's docstring."""
    if not isinstance(user, User):
        return False
    if user_is_platform_admin(user=user):
        return True
    city = Centre.objects.filter(level=Level.CITY).first()
    centres = {project.centre_id: project.centre, **{row.centre_id: row.centre for row in rows}}
    if city is not None:
        centres[city.pk] = city
    if any(user_is_staff_of(user=user, centre=centre) for centre in centres.values()):
        return True
    return AgencyAssignment.objects.filter(project=project, agent=user).exists()


def project_archive_for(*, user: AnyUser, project_id: int) -> door.Archive:
    """The key project's archive (`cases.door.cases_archive`: a folder per case, its centre's code and the
    case number) for `user`; 404 when the project does not exist or `user` may not have it."""
    project = KeyProject.objects.select_related("centre").filter(pk=project_id).first()
    if project is None:
        raise Http404
    rows = project_case_rows(project=project)
    if not may_download_project_archive(user=user, project=project, rows=rows):
        raise Http404
    about = {"project": {"id": project.pk, "year": project.year, "name_zh": project.name_zh,
                         "name_en": project.name_en, "company_name": project.company_name,
                         "credit_code": project.credit_code,
                         "centre": {"division_code": project.centre.division_code,
                                    "name_zh": project.centre.name_zh, "name_en": project.centre.name_en}}}
    cases: list[tuple[Centre, uuid.UUID]] = [(row.centre, row.case_id) for row in rows]
    return door.cases_archive(cases=cases, about=about,
                              filename=_("key-project-%(id)s-archive.zip") % {"id": project.pk})
