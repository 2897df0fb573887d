"""The electronic archives' downloads on the platform's site (`portal/archive.py`): an applicant's own case
(`portal:case-archive`) and a key project's cases (`portal:project-archive`, staff). Each is a ZIP streamed from
a temporary file, as an attachment, never cached (`never_cache`: `Cache-Control: no-store`)."""
from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseBase
from django.views.decorators.cache import never_cache

from cases import door
from portal.access import identity_required
from portal.archive import project_archive_for
from portal.selectors import my_case_entry


@never_cache
@identity_required
def case_archive(request: HttpRequest, case_id: uuid.UUID) -> HttpResponseBase:
    """One of the applicant's cases as its archive (every file as archival PDF, a summary, the manifest and
    checksums); another person's case, or none, is 404."""
    entry = my_case_entry(applicant=request.applicant, case_id=case_id)  # type: ignore[attr-defined]
    found = door.case_archive(centre=entry.centre, case_id=entry.case_id)
    if found is None:
        raise Http404
    return found.response()


@never_cache
@login_required
def project_archive(request: HttpRequest, project_id: int) -> HttpResponseBase:
    """A key project's archive: a folder per case at the city and its districts (`portal.archive`)."""
    return project_archive_for(user=request.user, project_id=project_id).response()
