"""Writes for cases: submission and every transition, each in one transaction with its event, the
registry row and (where the change causes one) the outbox message.

Run inside the centre's schema (a request on its host, or `schema_context`); the registry and the
outbox are public tables reached through the same connection, so one transaction covers all.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import phonenumbers
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc

from cases.choices import (
    APPLICANT,
    TRANSITIONS,
    Action,
    ApplicantKind,
    CaseStatus,
    Channel,
)
from cases.error_codes import CaseErrorCode
from cases.models import Case, CaseEvent, CaseMaterial, IdempotencyKey, OneTimeNotice
from common.errors import ApplicationError, ConflictError
from registry.services import registry_add, registry_sync
from tenants.models import Centre, User
from workcalendar.clock import WorkCalendar, due_dates

_CASE_FIELDS = [f for f in Case._meta.concrete_fields if not f.primary_key]


@dataclass(frozen=True)
class SubmitResult:
    case: Case
    created: bool
    #: The centre's own promised limit for the item (before a green channel's or a bundle's cap).
    adopted_promised_days: int | None = None


def _centre() -> Centre:
    """The centre whose schema the connection is in (a request sets the Centre itself; `schema_context`
    in commands and tasks only the schema name, so it is looked up once)."""
    centre = connection.tenant
    if isinstance(centre, Centre):
        return centre
    found = Centre.objects.filter(schema_name=connection.schema_name).first()
    if found is None:
        raise RuntimeError("cases services run inside a centre's schema")
    connection.tenant = found
    return found


def _local_day(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


def validate_applicant(*, kind: str, name: str, id_number: str, phone: str) -> tuple[str, str]:
    """Check the applicant; return the normalised ID number / credit code and E.164-less mobile."""
    errors: dict[str, list[str]] = {}
    id_number = (id_number or "").strip().upper()
    if kind not in ApplicantKind.values:
        errors["applicant_kind"] = [_("Choose a person or an organisation.")]
    elif kind == ApplicantKind.PERSON and not ric.is_valid(id_number):
        errors["applicant_id_number"] = [_("Not a valid resident ID number (18 characters, check digit).")]
    elif kind == ApplicantKind.ORGANISATION and not uscc.is_valid(id_number):
        errors["applicant_id_number"] = [_("Not a valid unified social credit code (18 characters, check "
                                           "character).")]
    if not (name or "").strip():
        errors["applicant_name"] = [_("The applicant's name is required.")]
    normalised_phone = ""
    try:
        parsed = phonenumbers.parse(phone or "", "CN")
        if not phonenumbers.is_valid_number(parsed) or \
                phonenumbers.number_type(parsed) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                          phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
            raise phonenumbers.NumberParseException(0, "not a mobile number")
        normalised_phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        errors["phone"] = [_("Not a valid mobile phone number.")]
    if errors:
        raise ApplicationError(_("The applicant's details are not valid: %(fields)s")
                               % {"fields": ", ".join(errors)}, CaseErrorCode.INVALID_APPLICANT,
                               {"fields": errors})
    return id_number, normalised_phone


def _next_numbers(centre: Centre, day: dt.date, count: int = 1) -> list[str]:
    """`<division code>-<yyyymmdd>-<nnnnn>`, `count` consecutive ones in one atomic statement (the
    counter moves by `count` at once), so two clerks never get the same."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_casenumbercounter (day, last) VALUES (%s, %s) "
            "ON CONFLICT (day) DO UPDATE SET last = cases_casenumbercounter.last + EXCLUDED.last RETURNING last",
            [day, count])
        last = cursor.fetchone()[0]
    return [f"{centre.division_code}-{day:%Y%m%d}-{sequence:05d}" for sequence in range(last - count + 1, last + 1)]


def request_fingerprint(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def case_submit(
    *,
    item_code: str,
    applicant_kind: str,
    applicant_name: str,
    applicant_id_number: str,
    phone: str,
    channel: str,
    acting_user: User | None,
    provided_material_ids: list[int] | None = None,
    on_behalf_of: str = "",
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
    green_channel: str = "",
    promised_cap_days: int | None = None,
    waived_material_ids: list[int] | None = None,
) -> SubmitResult:
    """Submit an application for an item this centre has adopted. With an idempotency key, the same
    key again returns the case it made (and refuses a different request under that key).

    A case on a green channel carries the programme's code and its compressed limit
    (`promised_cap_days`, applied at acceptance); `waived_material_ids` are materials the applicant is
    not asked for (waived by the programme): they are listed as not needed."""
    from catalog.models import Material

    centre = _centre()
    now = now or timezone.now()
    fingerprint = request_fingerprint({"item": item_code, "kind": applicant_kind, "name": applicant_name,
                                       "id": applicant_id_number, "phone": phone, "channel": channel,
                                       "materials": sorted(provided_material_ids or []),
                                       "on_behalf_of": on_behalf_of, "green": green_channel, "cap": promised_cap_days,
                                       "waived": sorted(waived_material_ids or [])})
    if idempotency_key:
        known = IdempotencyKey.objects.select_related("case").filter(key=idempotency_key).first()
        if known is not None:
            return _replay(known, fingerprint)

    _check_channel(channel)
    adoption = _adoptions(centre, [item_code], now)[item_code]
    id_number, phone = validate_applicant(kind=applicant_kind, name=applicant_name, id_number=applicant_id_number,
                                          phone=phone)
    materials = list(Material.objects.filter(version=adoption.item.current_version))
    provided, waived = _check_materials(materials, provided_material_ids, waived_material_ids)
    applicant = {"applicant_kind": applicant_kind, "applicant_name": applicant_name.strip(),
                 "applicant_id_number": id_number, "phone": phone}
    try:
        with transaction.atomic():
            case = _build_case(centre=centre, adoption=adoption, number=_next_numbers(centre, _local_day(now))[0],
                               channel=channel, acting_user=acting_user, on_behalf_of=on_behalf_of, now=now,
                               green_channel=green_channel, promised_cap_days=promised_cap_days, **applicant)
            case.save(force_insert=True)
            CaseMaterial.objects.bulk_create(_checklist(case, materials, provided, waived))
            _event(case, action="submit", from_status="", acting_user=acting_user, now=now,
                   on_behalf_of=on_behalf_of)
            registry_sync(case=case, centre_id=centre.pk, event_status=case.status, holder_zh=centre.name_zh,
                          holder_en=centre.name_en, now=now, created=True)
            if idempotency_key:
                IdempotencyKey.objects.create(key=idempotency_key, case=case, request_hash=fingerprint)
    except IntegrityError:
        # Two requests with the same key at once: the other one made the case; answer with it.
        known = IdempotencyKey.objects.select_related("case").filter(key=idempotency_key).first() \
            if idempotency_key else None
        if known is None:
            raise
        return _replay(known, fingerprint)
    return SubmitResult(case=case, created=True, adopted_promised_days=adoption.promised_days)


@dataclass(frozen=True)
class AcceptedSubmission:
    """One case of `cases_submit_accepted`: the item, the materials handed in and those not asked for."""

    item_code: str
    provided_material_ids: list[int] = field(default_factory=list)
    waived_material_ids: list[int] = field(default_factory=list)
    promised_cap_days: int | None = None


def cases_submit_accepted(
    *,
    submissions: list[AcceptedSubmission],
    applicant_kind: str,
    applicant_name: str,
    applicant_id_number: str,
    phone: str,
    channel: str,
    acting_user: User | None,
    authority: str,
    joint_case_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> list[SubmitResult]:
    """Several cases of one applicant at this centre, submitted already accepted on `authority` (server
    code only: one acceptance for all the legs of a joint case, 一站受理 — 同步办理): in one transaction and
    a fixed number of statements whatever the number of cases (the adoptions, materials, calendar and
    numbers read once; cases, checklists, both events of each case and the registry rows written in one
    statement each). The terms frozen are those the submission finds, the same rule as the accept
    transition's; the acting clerk is the responsible clerk where they are this centre's staff, else the
    centre names its own. An item this centre does not accept, or an unknown material, refuses them all."""
    from catalog.models import Material

    centre = _centre()
    now = now or timezone.now()
    today = _local_day(now)
    _check_channel(channel)
    adoptions = _adoptions(centre, [s.item_code for s in submissions], now)
    id_number, phone = validate_applicant(kind=applicant_kind, name=applicant_name, id_number=applicant_id_number,
                                          phone=phone)
    by_version: dict[int, list] = {}
    for material in Material.objects.filter(version__in={a.item.current_version_id for a in adoptions.values()}):
        by_version.setdefault(material.version_id, []).append(material)
    checked = [_check_materials(by_version.get(adoptions[s.item_code].item.current_version_id, []),
                                s.provided_material_ids, s.waived_material_ids, item_code=s.item_code)
               for s in submissions]
    calendar = WorkCalendar.for_centre(centre.pk)
    handler = getattr(acting_user, "pk", None) \
        if TRANSITIONS[Action.ACCEPT].roles & roles_of(user=acting_user, centre=centre) else None
    applicant = {"applicant_kind": applicant_kind, "applicant_name": applicant_name.strip(),
                 "applicant_id_number": id_number, "phone": phone}
    with transaction.atomic():
        numbers = _next_numbers(centre, today, len(submissions))
        cases, lines, events = [], [], []
        for submission, number, (provided, waived) in zip(submissions, numbers, checked, strict=True):
            adoption = adoptions[submission.item_code]
            case = _build_case(centre=centre, adoption=adoption, number=number, channel=channel,
                               acting_user=acting_user, now=now, joint_case_id=joint_case_id,
                               promised_cap_days=submission.promised_cap_days, **applicant)
            promised_days = min(adoption.promised_days, submission.promised_cap_days or adoption.promised_days)
            promised = calendar.add_workdays(today, promised_days)
            legal = calendar.add_workdays(today, adoption.legal_days)
            case.status, case.accepted_on, case.handler_id = CaseStatus.ACCEPTED, today, handler
            case.promised_limit_days, case.promised_due, case.legal_due = promised_days, promised.date, legal.date
            case.due_provisional = promised.provisional or legal.provisional
            cases.append(case)
            lines += _checklist(case, by_version.get(adoption.item.current_version_id, []), provided, waived)
            events += [_event(case, action="submit", from_status="", acting_user=acting_user, now=now,
                              to_status=CaseStatus.SUBMITTED, save=False),
                       _event(case, action=Action.ACCEPT, from_status=CaseStatus.SUBMITTED, acting_user=acting_user,
                              now=now, note=authority, save=False)]
        Case.objects.bulk_create(cases)
        CaseMaterial.objects.bulk_create(lines)
        CaseEvent.objects.bulk_create(events)
        registry_add(cases=cases, centre_id=centre.pk, now=now, steps=lambda case: [
            (CaseStatus.SUBMITTED, centre.name_zh, centre.name_en),
            (CaseStatus.ACCEPTED, case.department_name_zh or centre.name_zh,
             case.department_name_en or centre.name_en)])
    return [SubmitResult(case=case, created=True, adopted_promised_days=adoptions[s.item_code].promised_days)
            for case, s in zip(cases, submissions, strict=True)]


def _check_channel(channel: str) -> None:
    if channel not in Channel.values:
        raise ApplicationError(_("Unknown channel “%(value)s”.") % {"value": channel}, CaseErrorCode.INVALID_APPLICANT,
                               {"fields": {"channel": [channel]}})


def _adoptions(centre: Centre, item_codes: list[str], now: dt.datetime) -> dict:
    """The centre's adoptions of these items today (one query), each with its effective limits; an item
    it does not accept is refused by name."""
    from catalog.selectors import centre_catalogue

    catalogue = centre_catalogue(centre=centre, on=_local_day(now))
    found = {a.item.code: a for a in (catalogue.filter(item__code=item_codes[0]) if len(item_codes) == 1
                                      else catalogue.filter(item__code__in=item_codes))}
    for code in item_codes:
        if code not in found:
            raise ApplicationError(
                _("This centre does not accept item %(code)s: it has not adopted it, or the item was removed.")
                % {"code": code}, CaseErrorCode.ITEM_NOT_ACCEPTED, {"fields": {"item_code": [code]}, "item_code": code})
    return found


def _check_materials(materials: list, provided_ids: list[int] | None, waived_ids: list[int] | None,
                     item_code: str = "") -> tuple[set[int], set[int]]:
    provided, waived = set(provided_ids or []), set(waived_ids or [])
    unknown = (provided | waived) - {m.pk for m in materials}
    if unknown:
        raise ApplicationError(_("Unknown materials for this item: %(ids)s.")
                               % {"ids": ", ".join(map(str, sorted(unknown)))}, CaseErrorCode.UNKNOWN_MATERIAL,
                               {"fields": {"materials": sorted(unknown)}, "item_code": item_code})
    return provided, waived


def _build_case(*, centre: Centre, adoption, number: str, channel: str, acting_user: User | None, now: dt.datetime,
                on_behalf_of: str = "", joint_case_id: uuid.UUID | None = None, green_channel: str = "",
                promised_cap_days: int | None = None, **applicant) -> Case:
    """A submitted case with the adoption's item version, department, window and limits frozen on it."""
    department = adoption.item.department
    version = adoption.item.current_version
    return Case(
        number=number, item_id=adoption.item_id, item_version_id=version.pk, item_code=adoption.item.code,
        item_name_zh=version.name_zh, item_name_en=version.name_en, department_code=department.code,
        department_name_zh=adoption.department_name or department.name_zh, department_name_en=department.name_en,
        window=adoption.window, legal_limit_days=adoption.legal_days, promised_limit_days=adoption.promised_days,
        channel=channel, submitted_at=now, on_behalf_of=on_behalf_of, submitted_by_id=getattr(acting_user, "pk", None),
        joint_case_id=joint_case_id, green_channel=green_channel, promised_cap_days=promised_cap_days, **applicant)


def _checklist(case: Case, materials: list, provided: set[int], waived: set[int]) -> list[CaseMaterial]:
    """The case's materials: not needed (another applicant type's, or waived), provided or missing."""
    return [CaseMaterial(case=case, material_id=m.pk, name_zh=m.name_zh, name_en=m.name_en, required=m.required,
                         state=(CaseMaterial.State.NOT_NEEDED if m.applicant_types and case.applicant_kind
                                not in m.applicant_types or m.pk in waived
                                else CaseMaterial.State.PROVIDED if m.pk in provided
                                else CaseMaterial.State.MISSING))
            for m in materials]


def _replay(known: IdempotencyKey, fingerprint: str) -> SubmitResult:
    if known.request_hash != fingerprint:
        raise ApplicationError(_("This Idempotency-Key was already used for a different application."),
                               CaseErrorCode.IDEMPOTENCY_MISMATCH, http_status=422)
    return SubmitResult(case=known.case, created=False)


def _event(case: Case, *, action: str, from_status: str, acting_user: User | None, now: dt.datetime,
           note: str = "", on_behalf_of: str = "", to_status: str | None = None, save: bool = True) -> CaseEvent:
    event = CaseEvent(
        case=case, action=action, from_status=from_status, to_status=to_status or case.status,
        acting_user_id=getattr(acting_user, "pk", None),
        acting_name=(str(acting_user) if acting_user is not None else _("applicant")),
        on_behalf_of=on_behalf_of, note=note, at=now)
    if save:
        event.save(force_insert=True)
    return event


def roles_of(*, user: User | None, centre: Centre) -> set[str]:
    """The roles a user acts with on a case of `centre` (no user: the applicant online)."""
    if user is None or not user.is_authenticated:
        return {APPLICANT}
    from tenants.selectors import user_roles_in

    return user_roles_in(user=user, centre=centre)


def case_transition(
    *,
    case: Case,
    action: str,
    acting_user: User | None,
    note: str = "",
    missing_material_ids: list[int] | None = None,
    expected_revision: int | None = None,
    now: dt.datetime | None = None,
    on_authority_of: str = "",
) -> Case:
    """Apply one transition of the lifecycle. Two clerks at once: the row lock makes them take turns,
    and the second finds the case moved on and gets a conflict error; nothing is half-written.

    `on_authority_of` is for server code only: a step taken on another centre's authority (a joint
    acceptance at one centre accepting the legs at the others, 一站受理) skips the role check here and
    records the authority in the event's note."""
    centre = _centre()
    now = now or timezone.now()
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ApplicationError(_("Unknown action “%(value)s”.") % {"value": action},
                               CaseErrorCode.TRANSITION_NOT_ALLOWED)
    roles = set(transition.roles) if on_authority_of else roles_of(user=acting_user, centre=centre)
    note = note or on_authority_of
    if not transition.roles & roles:
        _out_of_process(centre=centre, case=case, kind="wrong_role", action=action, acting_user=acting_user)
        raise ApplicationError(_("Your role may not “%(action)s” a case.") % {"action": Action(action).label},
                               CaseErrorCode.ROLE_NOT_ALLOWED, {"roles": sorted(transition.roles)}, http_status=403)
    if transition.note_required and not note.strip():
        raise ApplicationError(_("A reason is required to %(action)s.") % {"action": Action(action).label},
                               CaseErrorCode.NOTE_REQUIRED, {"fields": {"note": [_("This field is required.")]}})

    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if expected_revision is not None and locked.revision != expected_revision:
                raise ConflictError(
                    _("Case %(number)s was changed by someone else (now: %(status)s). Reload and try again.")
                    % {"number": locked.number, "status": locked.get_status_display()},
                    CaseErrorCode.CONFLICT, {"status": locked.status, "revision": locked.revision})
            if locked.status not in transition.sources:
                raise ConflictError(_("Case %(number)s is %(status)s: it cannot be “%(action)s” now.")
                                    % {"number": locked.number, "status": locked.get_status_display(),
                                       "action": Action(action).label},
                                    CaseErrorCode.TRANSITION_NOT_ALLOWED, {"status": locked.status})
            before = locked.status
            snapshot = {f.attname: getattr(locked, f.attname) for f in _CASE_FIELDS}
            locked.status = transition.target
            today = _local_day(now)
            _APPLY[action](locked, centre=centre, today=today, now=now, acting_user=acting_user,
                           missing_material_ids=missing_material_ids or [], note=note,
                           on_authority_of=on_authority_of)
            locked.revision += 1
            changed = [name for name, value in snapshot.items() if getattr(locked, name) != value]
            locked.save(update_fields=[*changed, "updated_at"])
            _event(locked, action=action, from_status=before, acting_user=acting_user, now=now, note=note)
            registry_sync(case=locked, centre_id=centre.pk, event_status=locked.status,
                          holder_zh=locked.department_name_zh or centre.name_zh,
                          holder_en=locked.department_name_en or centre.name_en, now=now)
            if locked.joint_case_id is not None:
                # A leg of a joint case: the joint case follows (its row locked, in this transaction).
                from joint_approval.services import joint_case_leg_changed

                joint_case_leg_changed(case=locked, centre=centre, action=action, now=now)
    except ConflictError as error:
        # Tried from a state the caller had seen (not a race lost to another clerk): a step skipped.
        if error.code == CaseErrorCode.TRANSITION_NOT_ALLOWED and expected_revision in (None, case.revision):
            _out_of_process(centre=centre, case=case, kind="step_skipped", action=action, acting_user=acting_user)
        raise
    return locked


def _out_of_process(*, centre: Centre, case: Case, kind: str, action: str, acting_user: User | None) -> None:
    """Supervision records out-of-process handling (its own statement, outside the refused change)."""
    from supervision.services import finding_record

    finding_record(centre=centre, case=case, kind=kind, action=action, acting_user=acting_user)


# --- what each transition does besides the status ------------------------------------------------

def _recompute_due(case: Case, centre: Centre) -> None:
    promised, legal = due_dates(centre_id=centre.pk, accepted_on=case.accepted_on,
                                promised_days=case.promised_limit_days, legal_days=case.legal_limit_days,
                                paused_workdays=case.paused_workdays)
    case.promised_due, case.legal_due = promised.date, legal.date
    case.due_provisional = promised.provisional or legal.provisional


def _accept(case: Case, *, centre: Centre, today: dt.date, acting_user: User | None = None,
            on_authority_of: str = "", **_kw) -> None:
    """Freeze the item version and both limits as they are at acceptance; start the clock."""
    from catalog.selectors import adoption_terms

    terms = adoption_terms(centre_id=centre.pk, item_id=case.item_id, on=today)
    if terms is None:
        raise ApplicationError(_("This centre no longer accepts item %(code)s (removed from %(date)s).")
                               % {"code": case.item_code, "date": today}, CaseErrorCode.ITEM_NOT_ACCEPTED)
    case.item_version_id = terms.version_id
    case.item_name_zh, case.item_name_en = terms.name_zh, terms.name_en
    case.legal_limit_days, case.promised_limit_days = terms.legal_days, terms.promised_days
    if case.promised_cap_days:
        case.promised_limit_days = min(case.promised_limit_days, case.promised_cap_days)
    case.accepted_on = today
    # Accepted on another centre's authority: the handling centre names its own responsible clerk.
    case.handler_id = None if on_authority_of else getattr(acting_user, "pk", None)
    _recompute_due(case, centre)


def _issue_notice(case: Case, *, today: dt.date, acting_user: User | None, missing_material_ids: list[int],
                  note: str, **_kw) -> None:
    checklist = {m.material_id: m for m in case.materials.all()}
    unknown = [pk for pk in missing_material_ids if pk not in checklist]
    if not missing_material_ids or unknown:
        raise ApplicationError(
            _("A one-time notice lists every missing material, from the case's checklist.")
            if not unknown else _("Unknown materials for this case: %(ids)s.") % {"ids": ", ".join(map(str, unknown))},
            CaseErrorCode.UNKNOWN_MATERIAL, {"fields": {"missing_material_ids": unknown or [_("Required.")]}})
    CaseMaterial.objects.filter(case=case, material_id__in=missing_material_ids).update(
        state=CaseMaterial.State.MISSING)
    OneTimeNotice.objects.create(
        case=case, note=note, issued_on=today, issued_by_id=getattr(acting_user, "pk", None),
        missing=[{"id": pk, "name_zh": checklist[pk].name_zh, "name_en": checklist[pk].name_en}
                 for pk in missing_material_ids])
    case.paused_since = today


def _supplement(case: Case, *, centre: Centre, today: dt.date, **_kw) -> None:
    """The clock resumes; both due dates move by the working days it was paused."""
    notice = OneTimeNotice.objects.get(case=case, resolved_on__isnull=True)
    paused, _guessed = WorkCalendar.for_centre(centre.pk).workdays_between(case.paused_since, today)
    case.paused_workdays += paused
    case.paused_since = None
    notice.resolved_on = today
    notice.save(update_fields=["resolved_on"])
    CaseMaterial.objects.filter(case=case, material_id__in=[m["id"] for m in notice.missing]).update(
        state=CaseMaterial.State.PROVIDED)
    _recompute_due(case, centre)


def _decide(case: Case, *, now: dt.datetime, **_kw) -> None:
    case.decided_at = now


def _result_ready(case: Case, *, centre: Centre, **_kw) -> None:
    from notifications.services import outbox_enqueue

    place_zh = f"{centre.name_zh}{case.window and f' {case.window} 号窗口' or ''}"
    place_en = f"{centre.name_en}{case.window and f', window {case.window}' or ''}"
    outbox_enqueue(dedupe_key=f"case:{case.id}:result_ready", to=case.phone, template_key="case_result_ready",
                   centre_id=centre.pk, context={
                       "centre_zh": centre.name_zh, "centre_en": centre.name_en, "number": case.number,
                       "item_zh": case.item_name_zh, "item_en": case.item_name_en, "place_zh": place_zh,
                       "place_en": place_en, "lookup_url": "/progress/"})


def _close(case: Case, *, now: dt.datetime, **_kw) -> None:
    case.closed_at = now
    case.paused_since = None


def _nothing(case: Case, **_kw) -> None:
    return None


_APPLY: dict[str, Callable[..., None]] = {
    Action.ACCEPT: _accept,
    Action.REFUSE: _close,
    Action.ISSUE_NOTICE: _issue_notice,
    Action.SUPPLEMENT: _supplement,
    Action.START_REVIEW: _nothing,
    Action.APPROVE: _decide,
    Action.DENY: _decide,
    Action.RESULT_READY: _result_ready,
    Action.COLLECT: _close,
    Action.WITHDRAW: _close,
}
assert set(_APPLY) == set(TRANSITIONS), "every transition has its effect"  # noqa: S101
