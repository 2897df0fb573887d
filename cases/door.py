"""The one door into a centre's cases (办件) for the other apps: joint approvals, delegation, the
registry, supervision, the demo. Each function takes the `Centre` explicitly and enters its schema
itself (entering the centre a request is already routed to costs nothing); nothing else outside
`cases` switches schema (the import contract in pyproject.toml keeps it so: other apps may import
`cases.door`, `cases.choices`, `cases.error_codes` and `cases.hooks`, nothing else of `cases`).

What it offers:
- file a case (at the window, online, by proxy, on a green channel): `case_file`;
- file the legs of a joint case, already accepted, at every centre that handles one:
  `legs_file_accepted` (the applicant checked once, `applicant_check`, for all of them);
- take a step on a case from server code (the demo): `case_step`;
- the result collected by proxy (代为取件), when an agent brings it to the resident: `case_collect_by_proxy`;
- recompute due dates after a calendar change: `due_dates_recompute`;
- read what an SMS or a page needs of a case: `applicant_contact`, `applicant_name`;
- the reconcile read: `reconcile_rows`;
- the form of a case taken at the window and its materials checklist, for another app's page that opens one
  (the hall's caller): `CaseNewForm`, `material_choices`;
- who may accept applications at a centre: `may_accept`; which cases a user may read there (departments
  bind): `cases_visible`;
- the online service hall (网上办事大厅): file an online application with its files, `case_file_online`
  (`item_online_check` first, for a clear refusal before any upload is read); the applicant's page of a case,
  `case_for_applicant`, its documents, `case_document_get`; the applicant's supplement answering a one-time
  notice, `case_supplement_online`.
- the centre's outbox (中心发件箱, `cases.outbox`): the public writes a case change owes (the registry's row,
  the applicant's SMS), made in the change's transaction or projected after it commits
  (`CASE_PUBLIC_WRITES`): `outbox_publish` with the topic's `outbox_handler`; `outbox_project` (one centre),
  `outbox_catch_up` (every centre: the beat), `outbox_backlog`, `outbox_waiting` (the metrics).
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from cases import archive, selectors, services
from cases.archive import Archive
from cases.documents import document_response
from cases.error_codes import CaseErrorCode
from cases.forms import CaseNewForm, material_choices
from cases.models import Case, CaseDocument, CaseEvent, CaseMaterial, OneTimeNotice
from cases.outbox import (
    outbox_backlog,
    outbox_catch_up,
    outbox_handler,
    outbox_project,
    outbox_publish,
    outbox_waiting,
)
from cases.services import AcceptedSubmission, Applicant, SubmitResult
from catalog.models import Material
from catalog.selectors import centre_catalogue
from common.errors import ApplicationError
from common.idempotency import ClientKey
from common.uploads import CheckedUpload
from tenants.models import AnyUser, Centre, User
from tenants.schemas import centre_schema

__all__ = ["AcceptedSubmission", "Applicant", "ApplicantCase", "Case", "CaseDocument", "CaseNewForm", "Contact",
           "SubmitResult", "applicant_check", "applicant_contact", "applicant_name", "case_collect_by_proxy",
           "case_document_get", "case_file", "case_file_online", "case_for_applicant", "case_step",
           "case_supplement_online", "cases_visible", "document_response", "due_dates_recompute", "item_online_check",
           "legs_file_accepted", "material_choices", "may_accept", "reconcile_rows"]


def applicant_check(*, kind: str, name: str, id_number: str, phone: str) -> Applicant:
    """The applicant checked and normalised by the rules of every door (`case_invalid_applicant`)."""
    return services.validate_applicant(kind=kind, name=name, id_number=id_number, phone=phone)


def may_accept(*, user: AnyUser | None, centre: Centre) -> bool:
    """Whether `user` may accept applications at `centre` (its window staff)."""
    return services.may_accept(user=user, centre=centre)


def cases_visible(*, user: AnyUser, centre: Centre, case_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `case_ids` held at `centre` `user` may read there (`cases.selectors.case_ids_visible`:
    the centre's staff, a department's clerks their department's cases only)."""
    ids = list(case_ids)
    if not ids:
        return set()
    with centre_schema(centre):
        return selectors.case_ids_visible(user=user, centre=centre, case_ids=ids)


def case_file(
    *,
    centre: Centre,
    item_code: str,
    applicant_kind: str,
    applicant_name: str,
    applicant_id_number: str,
    phone: str,
    channel: str,
    acting_user: User | None,
    provided_material_ids: list[int] | None = None,
    on_behalf_of: str = "",
    idempotency_key: ClientKey | None = None,
    now: dt.datetime | None = None,
    green_channel: str = "",
    promised_cap_days: int | None = None,
    waived_material_ids: list[int] | None = None,
) -> SubmitResult:
    """File one case at `centre` (`cases.services.case_submit`, inside its schema): same arguments,
    same errors."""
    with centre_schema(centre):
        return services.case_submit(
            centre=centre, item_code=item_code, applicant_kind=applicant_kind, applicant_name=applicant_name,
            applicant_id_number=applicant_id_number, phone=phone, channel=channel, acting_user=acting_user,
            provided_material_ids=provided_material_ids, on_behalf_of=on_behalf_of,
            idempotency_key=idempotency_key, now=now, green_channel=green_channel,
            promised_cap_days=promised_cap_days, waived_material_ids=waived_material_ids)


def legs_file_accepted(*, legs: list[tuple[Centre, list[AcceptedSubmission]]], applicant: Applicant, channel: str,
                       acting_user: User | None, authority: str, joint_case_id: uuid.UUID | None,
                       materials: dict[int, list[Material]] | None = None,
                       now: dt.datetime | None = None) -> list[list[SubmitResult]]:
    """File the legs of a joint case at their centres, submitted already accepted on `authority`
    (`cases.services.cases_submit_accepted` once per centre, inside its schema; one switch per centre):
    the results in the order of `legs`. `materials`: the items' current versions' materials by version
    id, if the caller has read them (else each centre reads its own). A centre that refuses raises its
    `ApplicationError` with `extra["centre_id"]` added; run it inside the caller's transaction so that
    the legs already filed elsewhere roll back with it."""
    now = now or timezone.now()
    # every centre's adoptions of its legs' items in one read (the catalogue is public)
    adoptions = services.adoptions_of(
        centres=[centre for centre, _submissions in legs],
        item_codes=sorted({s.item_code for _centre, submissions in legs for s in submissions}), now=now)
    results: list[list[SubmitResult]] = []
    for centre, submissions in legs:
        with centre_schema(centre):
            try:
                results.append(services.cases_submit_accepted(
                    centre=centre, submissions=submissions, applicant=applicant, channel=channel,
                    acting_user=acting_user, authority=authority, joint_case_id=joint_case_id, materials=materials,
                    read_adoptions=adoptions.get(centre.pk, {}), now=now))
            except ApplicationError as error:
                error.extra = {**error.extra, "centre_id": centre.pk}
                raise
    return results


def case_step(*, centre: Centre, case_id: uuid.UUID, action: str, acting_user: User | None, note: str = "",
              missing_material_ids: list[int] | None = None, now: dt.datetime | None = None,
              on_authority_of: str = "") -> Case:
    """Take one step of the lifecycle on a case of `centre` from server code (the demo, a joint
    acceptance): `cases.services.case_transition`, with the case read inside the schema."""
    with centre_schema(centre):
        case = Case.objects.get(pk=case_id)
        return services.case_transition(centre=centre, case=case, action=action, acting_user=acting_user,
                                        note=note, missing_material_ids=missing_material_ids, now=now,
                                        on_authority_of=on_authority_of)


def case_collect_by_proxy(*, centre: Centre, case_id: uuid.UUID, agent: User, note: str, holder: tuple[str, str],
                          now: dt.datetime | None = None) -> Case | None:
    """The result of case `case_id` of `centre` collected by proxy by `agent` (`note` on the case's event,
    `holder` (zh, en) named by the public history): `cases.services.case_collect_by_proxy`, inside the
    centre's schema. None when there was nothing to collect (already collected, refused, withdrawn)."""
    with centre_schema(centre):
        return services.case_collect_by_proxy(centre=centre, case_id=case_id, agent=agent, note=note,
                                              holder=holder, now=now)


def due_dates_recompute(*, centre: Centre, case_ids: Iterable[uuid.UUID], reason: str,
                        now: dt.datetime | None = None) -> int:
    """Recompute these cases' due dates after a calendar change (`case_due_dates_recompute`): each
    case whose dates move gets a new revision, an event and its registry row. Returns how many moved."""
    with centre_schema(centre):
        return services.case_due_dates_recompute(centre=centre, case_ids=case_ids, reason=reason, now=now)


@dataclass(frozen=True)
class Contact:
    """What an SMS to the applicant needs: the mobile (E.164) and the name."""

    phone: str
    name: str


def applicant_contact(*, centre: Centre, case_id: uuid.UUID) -> Contact | None:
    """The applicant's mobile and name on case `case_id` of `centre` (None if there is no such case).
    Personal data stays in the centre's schema: read it when the message is written, keep no copy."""
    with centre_schema(centre):
        row = Case.objects.filter(pk=case_id).values_list("phone", "applicant_name").first()
    return Contact(phone=row[0], name=row[1]) if row else None


def applicant_name(*, centre: Centre, case_ids: Iterable[uuid.UUID]) -> str:
    """The applicant's name on the first of these cases held at `centre` ("" if none is)."""
    ids = list(case_ids)
    if not ids:
        return ""
    with centre_schema(centre):
        return Case.objects.filter(pk__in=ids).values_list("applicant_name", flat=True).first() or ""


#: What the reconcile compares between a case and its registry row.
RECONCILED = ("number", "status", "promised_due", "legal_due", "promised_due_provisional",
              "legal_due_provisional", "item_code")


def reconcile_rows(*, centre: Centre) -> dict[uuid.UUID, dict]:
    """Every case of `centre` as `{case id: {field: value}}` for the fields in `RECONCILED`."""
    with centre_schema(centre):
        return {row["id"]: row for row in Case.objects.values("id", *RECONCILED)}


def personal_data_reencrypt(*, centre: Centre) -> int:
    """Rewrite `centre`'s cases with the applicants' ID numbers and phones under the newest data key
    (key rotation, `manage.py reencrypt_personal_data`); the number of cases."""
    with centre_schema(centre):
        return services.personal_data_reencrypt(centre=centre)


# --- the online service hall (网上办事大厅): an application with its files, the applicant's own page ------

def case_file_online(*, centre: Centre, item_code: str, applicant: Applicant,
                     uploads: list[tuple[int, CheckedUpload]], now: dt.datetime | None = None) -> SubmitResult:
    """File an online application (网上申报) at `centre` with its material files
    (`cases.services.case_submit_online`, inside its schema): the case, its documents and their files in
    one transaction, nothing left behind on an error. `applicant` from `applicant_check`."""
    with centre_schema(centre):
        return services.case_submit_online(centre=centre, item_code=item_code, applicant=applicant, uploads=uploads,
                                           now=now)


def item_online_check(*, centre: Centre, item_code: str, on: dt.date | None = None) -> None:
    """Whether `centre` takes applications for `item_code` online today: raises `ApplicationError`
    `case_item_not_accepted` (not adopted there, or removed) or `case_item_not_online` (online depth below
    3); returns None when it does. Reads the public catalogue only."""
    adoption = centre_catalogue(centre=centre, on=on).filter(item__code=item_code).first()
    if adoption is None:
        raise ApplicationError(
            _("This centre does not accept item %(code)s: it has not adopted it, or the item was removed.")
            % {"code": item_code}, CaseErrorCode.ITEM_NOT_ACCEPTED, {"fields": {"item_code": [item_code]}})
    services.item_online_check(adoption=adoption)


@dataclass(frozen=True)
class ApplicantCase:
    """What the applicant's own page shows of a case (their own: the caller checked it through the
    registry): the case, its checklist, public history, notices (newest first), the open one, and the
    documents — the current materials and those the centre issued (replaced uploads left out)."""

    case: Case
    materials: list[CaseMaterial]
    events: list[CaseEvent]
    notices: list[OneTimeNotice]
    open_notice: OneTimeNotice | None
    documents: list[CaseDocument]


def case_for_applicant(*, centre: Centre, case_id: uuid.UUID) -> ApplicantCase | None:
    """Case `case_id` of `centre` for its applicant's page (None if there is no such case). Read in the
    centre's schema; every list evaluated there."""
    with centre_schema(centre):
        case = Case.objects.filter(pk=case_id).first()
        if case is None:
            return None
        notices = list(case.notices.order_by("-issued_on", "-pk"))
        return ApplicantCase(
            case=case, materials=list(case.materials.all()), events=list(case.events.order_by("at", "pk")),
            notices=notices, open_notice=next((n for n in notices if n.resolved_on is None), None),
            documents=list(case.documents.filter(replaced_at__isnull=True).order_by("uploaded_at", "pk")))


def case_document_get(*, centre: Centre, case_id: uuid.UUID, document_id: uuid.UUID) -> CaseDocument | None:
    """Document `document_id` of case `case_id` of `centre` (None if it is not that case's). The caller has
    checked who asks (the applicant through the registry); open its file with `document.file.open()`."""
    with centre_schema(centre):
        return CaseDocument.objects.filter(pk=document_id, case_id=case_id).first()


def case_supplement_online(*, centre: Centre, case_id: uuid.UUID, uploads: list[tuple[int, CheckedUpload]],
                           now: dt.datetime | None = None) -> tuple[Case, bool]:
    """The applicant's files answering the open one-time notice of case `case_id` of `centre`
    (`cases.services.case_supplement_online`, inside its schema): stored; with the last one, the
    SUPPLEMENT step as the applicant. Returns (case, supplemented)."""
    with centre_schema(centre):
        return services.case_supplement_online(centre=centre, case_id=case_id, uploads=uploads, now=now)


# --- the electronic archive (电子档案) of a case, or of several cases at several centres (a key project's), as
# one ZIP: `cases.archive` ------------------------------------------------------------------------------

__all__ += ["Archive", "case_archive", "cases_archive"]


def case_archive(*, centre: Centre, case_id: uuid.UUID, now: dt.datetime | None = None) -> Archive | None:
    """Case `case_id` of `centre` as one ZIP (`cases.archive`: every document as archival PDF, the summary,
    `manifest.json`, `SHA256SUMS`), in an anonymous temporary file the caller sends and closes; None if
    the centre has no such case. Access is the caller's to check (the applicant's own case, staff)."""
    with centre_schema(centre):
        case = Case.objects.filter(pk=case_id).first()
        if case is None:
            return None
        return archive.case_archive(centre=centre, case=case, now=now)


def cases_archive(*, cases: Iterable[tuple[Centre, uuid.UUID]], filename: str, about: dict,
                  now: dt.datetime | None = None) -> Archive:
    """Several cases, each held at its centre (a key project's, at the city and its districts), as one ZIP:
    a folder per case (as `case_archive`), read centre by centre (one schema switch each), then the top
    `manifest.json` (`about` merged in, and every case with its folder, or `found` false for a case its
    centre no longer has) and a `SHA256SUMS` over every file. `filename`: the download's name."""
    now = now or timezone.now()
    wanted = list(dict.fromkeys(cases))
    by_centre: dict[int, list[uuid.UUID]] = {}
    centres = {}
    for centre, case_id in wanted:
        by_centre.setdefault(centre.pk, []).append(case_id)
        centres[centre.pk] = centre
    spool, zipped = archive.new_zip()
    try:
        done: dict[uuid.UUID, archive.CaseArchive] = {}
        for centre_id, ids in by_centre.items():
            centre = centres[centre_id]
            with centre_schema(centre):
                for case in Case.objects.filter(pk__in=ids).order_by("submitted_at", "number"):
                    done[case.pk] = archive.case_archive_write(
                        centre=centre, case=case, archive=zipped, now=now,
                        folder=archive.case_folder(centre, case.number, case.pk))
        archive.index_write(archive=zipped, about=about, now=now,
                            written=[(centre, case_id, done.get(case_id)) for centre, case_id in wanted])
        return archive.finish(spool, zipped, filename)
    except BaseException:
        spool.close()
        raise


# --- the centre's outbox: a case write's public rows (cases.outbox) ----------------------------------------

__all__ += ["outbox_backlog", "outbox_catch_up", "outbox_handler", "outbox_project", "outbox_publish",
            "outbox_waiting"]
