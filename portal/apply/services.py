"""Writes of online application (网上申报): an application with its files, and the applicant's supplement
answering a one-time notice. Both reach the centre's case only through `cases.door`.

`application_file` is one transaction on one connection (`common.stored_files.files_atomic`): the account's
row locked (one applicant's submissions take turns), the form's token replayed (a double submit answers
with the first case), a second identical application refused while the first is open (found in the
registry), then the case, its documents and their files at the handling centre. Any error leaves no case,
no row and no file.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import door
from common.errors import ApplicationError, ConflictError
from common.idempotency import ClientKey, idempotency_remember, idempotency_replay, request_fingerprint
from common.stored_files import files_atomic
from common.uploads import DOCUMENT_KINDS, CheckedUpload, upload_check
from portal.apply.selectors import Handling, handling_for
from portal.error_codes import PortalErrorCode
from portal.models import Applicant
from registry.models import RegistryEntry
from tenants.models import Centre

#: The idempotency scope of online applications (common.idempotency).
IDEMPOTENCY_SCOPE = "portal_apply"


def material_field(material_id: int) -> str:
    """The form field of a material's file: `material_<catalogue material id>`."""
    return f"material_{material_id}"


def uploads_check(files: dict[int, UploadedFile]) -> list[tuple[int, CheckedUpload]]:
    """Every file checked by its content (`common.uploads.upload_check`: PDF, JPEG or PNG, at most
    `CASE_DOCUMENT_MAX_BYTES`, the name cleaned). Every refusal is collected, one per field
    (`material_<id>`), and raised together (`upload_refused`): nothing is stored."""
    checked: list[tuple[int, CheckedUpload]] = []
    problems: dict[str, list[str]] = {}
    for material_id, upload in files.items():
        field = material_field(material_id)
        try:
            checked.append((material_id, upload_check(upload, kinds=DOCUMENT_KINDS,
                                                      max_bytes=settings.CASE_DOCUMENT_MAX_BYTES, field=field)))
        except ApplicationError as exc:
            problems.update(exc.extra.get("fields") or {field: [str(exc)]})
    if problems:
        raise ApplicationError(_("Some files were refused; nothing was filed. See each material below."),
                               PortalErrorCode.FILES_REFUSED, {"fields": problems})
    return checked


@dataclass(frozen=True)
class Filed:
    """An online application filed (or found again for a double submit: `created` False)."""

    centre: Centre
    case_id: uuid.UUID
    number: str
    created: bool


def handling_check(*, township: Centre | None, item_code: str, on: dt.date) -> Handling:
    """Where the application goes, refused clearly: no township chosen, an item no centre of the township's
    chain accepts (`portal_item_not_offered`), or one the handling centre does not take online
    (`case_item_not_online`)."""
    if township is None:
        raise ApplicationError(_("Choose your township or street first."), PortalErrorCode.TOWNSHIP_REQUIRED,
                               {"fields": {"township": [_("Choose your township or street.")]}})
    handling = handling_for(township=township, item_code=item_code, on=on)
    if handling is None:
        raise ApplicationError(
            _("Item %(code)s is not handled at %(township)s, its district or zone, or the city.")
            % {"code": item_code, "township": township.name}, PortalErrorCode.ITEM_NOT_OFFERED,
            {"fields": {"township": [_("No centre for this township handles the item.")]}})
    door.item_online_check(centre=handling.centre, item_code=item_code, on=on)
    return handling


def application_file(*, applicant: Applicant, township: Centre | None, item_code: str,
                     files: dict[int, UploadedFile], token: str, now: dt.datetime | None = None) -> Filed:
    """File an online application (网上申报) for `item_code` from `township` for the bound `applicant`, with
    one file per material (`files` by catalogue material id). The form's `token` is its idempotency key:
    the same form sent twice files once (the second answer is the first case, `created` False).

    Raises `ApplicationError`: `portal_township_required`, `portal_item_not_offered`, `case_item_not_online`,
    `case_item_not_accepted`, `portal_files_refused` and `upload_refused` (per field `material_<id>`),
    `case_material_file_required`, `case_invalid_applicant`; `ConflictError` `portal_application_open` (409)
    naming the open case of the same item at the same centre; 422 `idempotency_key_reused`."""
    now = now or timezone.now()
    handling = handling_check(township=township, item_code=item_code, on=timezone.localtime(now).date())
    checked = uploads_check(files)
    person = door.applicant_check(kind=applicant.kind, name=applicant.name, id_number=applicant.id_number,
                                  phone=applicant.mobile)
    key = ClientKey(key=f"form:{token}"[:64], user_id=None).bound(applicant_id_number=person.id_number) \
        if token else None
    fingerprint = request_fingerprint({"item": item_code, "centre": handling.centre.pk,
                                       "files": sorted((pk, upload.sha256) for pk, upload in checked)})
    centre = handling.centre
    with files_atomic():
        Applicant.objects.select_for_update().filter(pk=applicant.pk).first()  # one submission at a time
        known = idempotency_replay(scope=IDEMPOTENCY_SCOPE, key=key, fingerprint=fingerprint)
        if known is not None:
            entry = RegistryEntry.objects.get(case_id=known)
            return Filed(centre=centre, case_id=entry.case_id, number=entry.number, created=False)
        open_case = (RegistryEntry.objects.filter(centre=centre, item_code=item_code, is_open=True,
                                                  applicant_hmac=applicant.id_hmac)
                     .order_by("-submitted_at").first())
        if open_case is not None:
            raise ConflictError(
                _("You already have an open application for this item at %(centre)s: case %(number)s. Follow it in "
                  "“My cases”; apply again once it is finished.") % {"centre": centre.name, "number": open_case.number},
                PortalErrorCode.ALREADY_OPEN, {"case_id": str(open_case.case_id), "number": open_case.number})
        result = door.case_file_online(centre=centre, item_code=item_code, applicant=person, uploads=checked, now=now)
        idempotency_remember(scope=IDEMPOTENCY_SCOPE, key=key, fingerprint=fingerprint, result_id=result.case.pk)
    return Filed(centre=centre, case_id=result.case.pk, number=result.case.number, created=True)


def supplement_upload(*, centre: Centre, case_id: uuid.UUID, files: dict[int, UploadedFile],
                      now: dt.datetime | None = None) -> bool:
    """The applicant's files answering the open one-time notice of their case (the caller checked the case is
    theirs): checked, stored; with the last missing one the case takes the SUPPLEMENT step. Returns whether
    it did. Raises `portal_files_refused`/`upload_refused` per field, `case_nothing_to_supplement` (409),
    `case_unknown_material`; an empty form is refused (`portal_files_refused`)."""
    if not files:
        raise ApplicationError(_("Choose a file for at least one missing material."), PortalErrorCode.FILES_REFUSED)
    checked = uploads_check(files)
    _case, supplemented = door.case_supplement_online(centre=centre, case_id=case_id, uploads=checked, now=now)
    return supplemented
