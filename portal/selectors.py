"""What the online service hall reads (public schema only: the registry and the joint cases, never a loop
over centres' schemas). "My cases" is one indexed read of `registry.RegistryEntry` by the account's
`id_hmac` (the registry's `applicant_hmac`) and one of `joint_approval.JointCase`."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from joint_approval.models import JointCase
from portal.models import Applicant
from registry.models import RegistryEntry


@dataclass(frozen=True)
class MyCases:
    """An applicant's cases: single cases (window, online, proxy, joint legs) and joint cases."""

    cases: list[RegistryEntry]
    joint: list[JointCase]


def my_cases(*, applicant: Applicant, open_only: bool = False, limit: int = 500) -> MyCases:
    """Every case filed under the account's bound ID at any centre, newest first (at most `limit`), and its
    joint cases. Empty for an account without a real name."""
    if not applicant.is_bound:
        return MyCases(cases=[], joint=[])
    entries = (RegistryEntry.objects.filter(applicant_hmac=applicant.id_hmac).select_related("centre")
               .order_by("-submitted_at"))
    joint: QuerySet[JointCase] = (JointCase.objects.filter(applicant_hmac=applicant.id_hmac)
                                  .select_related("accepting_centre").order_by("-accepted_at"))
    if open_only:
        entries = entries.filter(is_open=True)
    return MyCases(cases=list(entries[:limit]), joint=list(joint[:limit]))


def my_case_entry(*, applicant: Applicant, case_id: uuid.UUID | str) -> RegistryEntry:
    """The registry row of one of the applicant's cases; another person's case (or none) is 404."""
    entry = (RegistryEntry.objects.select_related("centre")
             .filter(case_id=case_id, applicant_hmac=applicant.id_hmac).first()) if applicant.is_bound else None
    if entry is None:
        raise Http404
    return entry


def my_joint_case(*, applicant: Applicant, joint_id: uuid.UUID | str) -> JointCase:
    """One of the applicant's joint cases; another's is 404."""
    joint = (JointCase.objects.select_related("accepting_centre")
             .filter(pk=joint_id, applicant_hmac=applicant.id_hmac).first()) if applicant.is_bound else None
    if joint is None:
        raise Http404
    return joint
