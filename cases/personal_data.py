"""Personal data by need (个人信息按需查看): an applicant's full ID number and phone, revealed on purpose to
the staff who handle the case, each time written to the audit log.

Everywhere else (the inbox, the case page, the API, receipts, SMS console lines) those values are
masked with `common.identity.mask_id_number` / `mask_phone`. Who may reveal is
`cases.selectors.may_reveal` (the case's department's clerks and chief representatives, general clerks).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.error_codes import CaseErrorCode
from cases.models import Case
from cases.selectors import may_reveal
from common.errors import ApplicationError
from common.identity import mask_id_number, mask_phone
from tenants.audit import audit_record
from tenants.choices import AuditKind, AuditTarget
from tenants.models import Centre, User


@dataclass(frozen=True)
class ApplicantIdentifiers:
    """An applicant's ID number and phone as shown: masked for everyone on staff (`**************1004`,
    `138****5678`), or in full as stored once revealed (ID number normalised, phone E.164)."""

    id_number: str
    phone: str


def masked_applicant(case: Case) -> ApplicantIdentifiers:
    """The case's applicant's ID number and phone, masked (the one way pages, the API and exports show them)."""
    return ApplicantIdentifiers(id_number=mask_id_number(case.applicant_id_number), phone=mask_phone(case.phone))


def case_personal_data_reveal(*, centre: Centre, case: Case, acting_user: User,
                              now: dt.datetime | None = None) -> ApplicantIdentifiers:
    """Reveal the full ID number and phone of `case`'s applicant to `acting_user` and write
    `AuditKind.PERSONAL_DATA_REVEALED` (target: the case, labelled with its number; the values themselves
    are never written to the log).

    Raises `ApplicationError` 403 `case_role_not_allowed` for anyone who does not handle the case
    (administrators, supervisors, another department's clerks: they see masked values only). The caller
    has already read the case through `cases.selectors.case_get_for` (404 for anyone who may not see it).
    """
    if not may_reveal(user=acting_user, centre=centre, case=case):
        raise ApplicationError(
            _("Only the staff handling case %(number)s may see the applicant's full ID number and phone.")
            % {"number": case.number}, CaseErrorCode.ROLE_NOT_ALLOWED, http_status=403)
    with transaction.atomic():
        audit_record(kind=AuditKind.PERSONAL_DATA_REVEALED, actor=acting_user, centre=centre,
                     target_type=AuditTarget.CASE, target_id=str(case.pk), target_label=case.number,
                     at=now or timezone.now())
    return ApplicantIdentifiers(id_number=case.applicant_id_number, phone=case.phone)
