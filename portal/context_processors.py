"""Template context of the online service hall: the signed-in applicant's account (or None)."""
from __future__ import annotations

from django.http import HttpRequest

from portal.access import applicant_of


def applicant(request: HttpRequest) -> dict:
    """`portal_applicant` for the portal's pages (read only under /online/, where the portal's nav is drawn)."""
    if not request.path.startswith("/online/"):
        return {}
    return {"portal_applicant": applicant_of(request)}
