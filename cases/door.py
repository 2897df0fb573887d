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
  bind): `cases_visible`.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from cases import archive, selectors, services
from cases.archive import Archive
from cases.forms import CaseNewForm, material_choices
from cases.models import Case
from cases.services import AcceptedSubmission, Applicant, SubmitResult
from catalog.models import Material
from common.errors import ApplicationError
from common.idempotency import ClientKey
from tenants.models import AnyUser, Centre, User
from tenants.schemas import centre_schema

__all__ = ["AcceptedSubmission", "Applicant", "Case", "CaseNewForm", "Contact", "SubmitResult", "applicant_check",
           "applicant_contact", "applicant_name", "case_collect_by_proxy", "case_file", "case_step", "cases_visible",
           "due_dates_recompute", "legs_file_accepted", "material_choices", "may_accept", "reconcile_rows"]


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
    results: list[list[SubmitResult]] = []
    for centre, submissions in legs:
        with centre_schema(centre):
            try:
                results.append(services.cases_submit_accepted(
                    centre=centre, submissions=submissions, applicant=applicant, channel=channel,
                    acting_user=acting_user, authority=authority, joint_case_id=joint_case_id, materials=materials,
                    now=now))
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
