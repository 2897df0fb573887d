"""Writes for cases (办件): submission, every transition and the recompute of due dates, each in one
transaction with its event and (where the change causes one) the outbox message; the apps above
follow through the hooks of `cases.hooks` in the same transaction (the registry writes its row, a
joint case follows its leg).

Every service takes the `Centre` explicitly and runs inside its schema: a request on the centre's
host, or `cases.door` for the other apps (which enters the schema itself).
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import documents, hooks
from cases.choices import (
    APPLICANT,
    CLOCK_PAUSED,
    CLOCK_RUNNING,
    ONLINE_DEPTH_MIN,
    TRANSITIONS,
    Action,
    ApplicantKind,
    CaseEventKind,
    CaseStatus,
    Channel,
)
from cases.error_codes import CaseErrorCode
from cases.models import Case, CaseDocument, CaseEvent, CaseIdempotencyKey, CaseMaterial, OneTimeNotice
from cases.outbox import outbox_handler, outbox_publish
from cases.selectors import case_row
from catalog.models import Material
from catalog.selectors import CatalogueEntry, adoption_terms, centre_catalogue
from common import crypto
from common.errors import ApplicationError, ConflictError
from common.idempotency import ClientKey, idempotency_remember, idempotency_replay, request_fingerprint
from common.identity import credit_code_problem, normalise_identifier, normalise_mobile, resident_id_problem
from common.stored_files import files_atomic
from common.uploads import CheckedUpload
from notifications.services import outbox_enqueue
from tenants.addresses import centre_address
from tenants.models import AnyUser, Centre, User
from tenants.schemas import require_schema
from tenants.selectors import user_roles_in
from workcalendar.clock import WorkCalendar, due_dates

_CASE_FIELDS = [f for f in Case._meta.concrete_fields if not f.primary_key]


@dataclass(frozen=True)
class SubmitResult:
    case: Case
    created: bool
    #: The centre's own promised limit for the item (before a green channel's or a bundle's cap).
    adopted_promised_days: int | None = None


@dataclass(frozen=True)
class Applicant:
    """An applicant as checked and stored: the ID number or credit code normalised (NFKC, no spaces or
    hyphens, upper case), the mobile in E.164."""

    kind: str
    name: str
    id_number: str
    phone: str

    def fields(self) -> dict[str, str]:
        return {"applicant_kind": self.kind, "applicant_name": self.name, "applicant_id_number": self.id_number,
                "phone": self.phone}


def _local_day(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


def validate_applicant(*, kind: str, name: str, id_number: str, phone: str) -> Applicant:
    """Check the applicant (the same rules at every door: common.identity). Raises `ApplicationError`
    `case_invalid_applicant` naming each field that is wrong (`extra["fields"]`)."""
    errors: dict[str, list[str]] = {}
    id_number = normalise_identifier(id_number)
    if kind not in ApplicantKind.values:
        errors["applicant_kind"] = [_("Choose a person or an organisation.")]
    elif kind == ApplicantKind.PERSON and (problem := resident_id_problem(id_number)):
        errors["applicant_id_number"] = [problem]
    elif kind == ApplicantKind.ORGANISATION and (problem := credit_code_problem(id_number)):
        errors["applicant_id_number"] = [problem]
    if not (name or "").strip():
        errors["applicant_name"] = [_("The applicant's name is required.")]
    mobile = normalise_mobile(phone)
    if mobile is None:
        errors["phone"] = [_("Not a valid mobile phone number.")]
    if errors:
        raise ApplicationError(_("The applicant's details are not valid: %(fields)s")
                               % {"fields": ", ".join(errors)}, CaseErrorCode.INVALID_APPLICANT,
                               {"fields": errors})
    return Applicant(kind=kind, name=name.strip(), id_number=id_number, phone=mobile or "")


def roles_of(*, user: AnyUser | None, centre: Centre) -> set[str]:
    """The roles a user acts with on a case of `centre` (no user, or an anonymous one: the applicant
    online)."""
    if not isinstance(user, User):
        return {APPLICANT}
    return user_roles_in(user=user, centre=centre)


def may_accept(*, user: AnyUser | None, centre: Centre) -> bool:
    """Whether `user` may accept applications at `centre` (受理): the roles of the accept transition
    there — its window clerks, chief representatives and administrators. The one rule for a case, a
    joint case's legs and the pages that offer an acceptance."""
    return bool(TRANSITIONS[Action.ACCEPT].roles & roles_of(user=user, centre=centre))


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


def _idempotency_scope(centre: Centre) -> str:
    return f"case:{centre.pk}"


def case_submit(
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
    """Submit an application for an item `centre` has adopted (inside its schema). With an idempotency
    key (common.idempotency), the same key and request again return the case it made (`created`
    False) and a different request under that key is refused (422 `idempotency_key_reused`).

    A case on a green channel carries the programme's code and its compressed limit
    (`promised_cap_days`, applied at acceptance); `waived_material_ids` are materials the applicant is
    not asked for (waived by the programme): they are listed as not needed.

    Raises `ApplicationError`: `case_item_not_accepted`, `case_invalid_applicant`,
    `case_unknown_material`."""
    require_schema(centre)
    now = now or timezone.now()
    id_number = normalise_identifier(applicant_id_number)
    fingerprint = request_fingerprint({
        "item": item_code, "kind": applicant_kind, "name": (applicant_name or "").strip(), "id": id_number,
        "phone": normalise_mobile(phone) or phone, "channel": channel,
        "materials": sorted(provided_material_ids or []), "on_behalf_of": on_behalf_of, "green": green_channel,
        "cap": promised_cap_days, "waived": sorted(waived_material_ids or [])})
    key = idempotency_key.bound(applicant_id_number=id_number) if idempotency_key else None
    scope = _idempotency_scope(centre)
    known = idempotency_replay(scope=scope, key=key, fingerprint=fingerprint, store=CaseIdempotencyKey)
    if known is not None:
        return SubmitResult(case=Case.objects.get(pk=known), created=False)

    _check_channel(channel)
    adoption = _adoptions(centre, [item_code], now)[item_code]
    applicant = validate_applicant(kind=applicant_kind, name=applicant_name, id_number=id_number, phone=phone)
    materials = list(Material.objects.filter(version_id=adoption.item.current_version_id))
    provided, waived = _check_materials(materials, provided_material_ids, waived_material_ids)
    try:
        with transaction.atomic():
            case = _build_case(adoption=adoption, number=_next_numbers(centre, _local_day(now))[0],
                               channel=channel, acting_user=acting_user, on_behalf_of=on_behalf_of, now=now,
                               green_channel=green_channel, promised_cap_days=promised_cap_days,
                               applicant=applicant)
            case.save(force_insert=True)
            CaseMaterial.objects.bulk_create(_checklist(case, materials, provided, waived))
            _event(case, kind=CaseEventKind.SUBMIT, from_status="", acting_user=acting_user, now=now,
                   on_behalf_of=on_behalf_of)
            idempotency_remember(scope=scope, key=key, fingerprint=fingerprint, result_id=case.pk,
                                 store=CaseIdempotencyKey)
            hooks.cases_filed.send(hooks.CasesFiled(centre=centre, cases=[case], now=now))
    except IntegrityError:
        # The same key twice at once: the other request made the case; answer with it.
        known = (idempotency_replay(scope=scope, key=key, fingerprint=fingerprint, store=CaseIdempotencyKey)
                 if key else None)
        if known is None:
            raise
        return SubmitResult(case=Case.objects.get(pk=known), created=False)
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
    centre: Centre,
    submissions: list[AcceptedSubmission],
    applicant: Applicant,
    channel: str,
    acting_user: User | None,
    authority: str,
    joint_case_id: uuid.UUID | None = None,
    materials: dict[int, list[Material]] | None = None,
    read_adoptions: dict[str, CatalogueEntry] | None = None,
    now: dt.datetime | None = None,
) -> list[SubmitResult]:
    """Several cases of one (already checked) applicant at `centre`, submitted already accepted on
    `authority` (server code only: one acceptance for all the legs of a joint case, 一站受理 — 同步办理): in
    one transaction and a fixed number of statements whatever the number of cases (the adoptions,
    materials, calendar and numbers read once; cases, checklists, both events of each case and the
    registry rows written in one statement each). The terms frozen are those the submission finds, the
    same rule as the accept transition's; the acting clerk is the responsible clerk where they may
    accept at this centre, else the centre names its own. An item this centre does not accept, or an
    unknown material, refuses them all (`ApplicationError` with `extra["item_code"]`). `materials`: the
    items' current versions' materials by version id, when the caller has read them already;
    `read_adoptions`: this centre's adoptions by item code (`adoptions_of`), likewise."""
    require_schema(centre)
    now = now or timezone.now()
    today = _local_day(now)
    _check_channel(channel)
    adoptions = _adoptions(centre, [s.item_code for s in submissions], now, found=read_adoptions)
    versions = {a.item.current_version_id for a in adoptions.values()}
    by_version: dict[int, list[Material]] = {}
    if materials is not None and versions <= materials.keys():
        by_version = {version: materials[version] for version in versions}
    else:
        for material in Material.objects.filter(version__in=versions):
            by_version.setdefault(material.version_id, []).append(material)
    checked = [_check_materials(by_version.get(adoptions[s.item_code].item.current_version_id, []),
                                s.provided_material_ids, s.waived_material_ids, item_code=s.item_code)
               for s in submissions]
    calendar = WorkCalendar.for_centre(centre.pk)
    handler = acting_user.pk if acting_user is not None and may_accept(user=acting_user, centre=centre) else None
    # no savepoint inside the caller's transaction (a joint acceptance's): a refusal rolls all of it back
    with transaction.atomic(savepoint=False):
        numbers = _next_numbers(centre, today, len(submissions))
        cases, lines, events = [], [], []
        for submission, number, (provided, waived) in zip(submissions, numbers, checked, strict=True):
            adoption = adoptions[submission.item_code]
            case = _build_case(adoption=adoption, number=number, channel=channel,
                               acting_user=acting_user, now=now, joint_case_id=joint_case_id,
                               promised_cap_days=submission.promised_cap_days, applicant=applicant)
            case.status, case.accepted_on, case.handler_id = CaseStatus.ACCEPTED, today, handler
            case.promised_limit_days = _capped(adoption.promised_days, submission.promised_cap_days)
            _set_due_dates(case, calendar)
            cases.append(case)
            lines += _checklist(case, by_version.get(adoption.item.current_version_id, []), provided, waived)
            events += [_event(case, kind=CaseEventKind.SUBMIT, from_status="", acting_user=acting_user, now=now,
                              to_status=CaseStatus.SUBMITTED, save=False),
                       _event(case, kind=CaseEventKind.ACCEPT, from_status=CaseStatus.SUBMITTED,
                              acting_user=acting_user, now=now, note=authority, save=False)]
        Case.objects.bulk_create(cases)
        CaseMaterial.objects.bulk_create(lines)
        CaseEvent.objects.bulk_create(events)
        hooks.cases_filed.send(hooks.CasesFiled(centre=centre, cases=cases, now=now, accepted=True))
    return [SubmitResult(case=case, created=True, adopted_promised_days=adoptions[s.item_code].promised_days)
            for case, s in zip(cases, submissions, strict=True)]


def _check_channel(channel: str) -> None:
    if channel not in Channel.values:
        raise ApplicationError(_("Unknown channel “%(value)s”.") % {"value": channel}, CaseErrorCode.INVALID_APPLICANT,
                               {"fields": {"channel": [channel]}})


def adoptions_of(*, centres: list[Centre], item_codes: list[str],
                 now: dt.datetime) -> dict[int, dict[str, CatalogueEntry]]:
    """Centre id → item code → the centre's adoption of that item on `now`'s local day, with its effective
    limits (catalog.selectors.centre_catalogue), for these centres and items: one query."""
    found: dict[int, dict[str, CatalogueEntry]] = {}
    for adoption in centre_catalogue(centre=centres, on=_local_day(now)).filter(item__code__in=item_codes):
        found.setdefault(adoption.centre_id, {})[adoption.item.code] = adoption
    return found


def _adoptions(centre: Centre, item_codes: list[str], now: dt.datetime,
               found: dict[str, CatalogueEntry] | None = None) -> dict:
    """The centre's adoptions of these items today (one query, unless `found` has them read), each with its
    effective limits; an item it does not accept is refused by name."""
    if found is None:
        catalogue = centre_catalogue(centre=centre, on=_local_day(now))
        found = {a.item.code: a for a in (catalogue.filter(item__code=item_codes[0]) if len(item_codes) == 1
                                          else catalogue.filter(item__code__in=item_codes))}
    for code in item_codes:
        if code not in found:
            raise ApplicationError(
                _("This centre does not accept item %(code)s: it has not adopted it, or the item was removed.")
                % {"code": code}, CaseErrorCode.ITEM_NOT_ACCEPTED, {"fields": {"item_code": [code]}, "item_code": code})
    return found


def _check_materials(materials: list[Material], provided_ids: list[int] | None, waived_ids: list[int] | None,
                     item_code: str = "") -> tuple[set[int], set[int]]:
    provided, waived = set(provided_ids or []), set(waived_ids or [])
    unknown = (provided | waived) - {m.pk for m in materials}
    if unknown:
        raise ApplicationError(_("Unknown materials for this item: %(ids)s.")
                               % {"ids": ", ".join(map(str, sorted(unknown)))}, CaseErrorCode.UNKNOWN_MATERIAL,
                               {"fields": {"materials": sorted(unknown)}, "item_code": item_code})
    return provided, waived


def _build_case(*, adoption, number: str, channel: str, acting_user: User | None, now: dt.datetime,
                applicant: Applicant, on_behalf_of: str = "", joint_case_id: uuid.UUID | None = None,
                green_channel: str = "", promised_cap_days: int | None = None) -> Case:
    """A submitted case with the adoption's item version, department, window and limits frozen on it."""
    department = adoption.item.department
    version = adoption.item.current_version
    return Case(
        number=number, item_id=adoption.item_id, item_version_id=version.pk, item_code=adoption.item.code,
        item_name_zh=version.name_zh, item_name_en=version.name_en, department_code=department.code,
        department_name_zh=adoption.department_name or department.name_zh, department_name_en=department.name_en,
        window=adoption.window, legal_limit_days=adoption.legal_days, promised_limit_days=adoption.promised_days,
        channel=channel, submitted_at=now, on_behalf_of=on_behalf_of,
        submitted_by_id=acting_user.pk if acting_user is not None and acting_user.is_authenticated else None,
        joint_case_id=joint_case_id, green_channel=green_channel, promised_cap_days=promised_cap_days,
        **applicant.fields())


def _checklist(case: Case, materials: Iterable[Material], provided: set[int], waived: set[int]) -> list[CaseMaterial]:
    """The case's materials: not needed (another applicant type's, or waived), provided or missing."""
    return [CaseMaterial(case=case, material_id=m.pk, name_zh=m.name_zh, name_en=m.name_en, required=m.required,
                         state=(CaseMaterial.State.NOT_NEEDED if m.applicant_types and case.applicant_kind
                                not in m.applicant_types or m.pk in waived
                                else CaseMaterial.State.PROVIDED if m.pk in provided
                                else CaseMaterial.State.MISSING))
            for m in materials]


def _event(case: Case, *, kind: str, from_status: str, acting_user: User | None, now: dt.datetime,
           note: str = "", on_behalf_of: str = "", to_status: str | None = None, save: bool = True) -> CaseEvent:
    user = acting_user if acting_user is not None and acting_user.is_authenticated else None
    event = CaseEvent(
        case=case, action=kind, from_status=from_status, to_status=to_status or case.status,
        acting_user_id=user.pk if user is not None else None,
        acting_name=user.name_zh if user is not None else (_("system") if kind == CaseEventKind.DUE_RECOMPUTED
                                                         else _("applicant")),
        on_behalf_of=on_behalf_of, note=note, at=now)
    if save:
        event.save(force_insert=True)
    return event


# --- the clock: one rule for both due dates -------------------------------------------------------

def _capped(promised_days: int, cap: int | None) -> int:
    """The promised limit under a cap (a green channel's or a bundle's compressed limit)."""
    return min(promised_days, cap) if cap else promised_days


def _set_due_dates(case: Case, calendar: WorkCalendar) -> None:
    """Both due dates of an accepted case from its centre's calendar (`workcalendar.clock.due_dates`)."""
    if case.accepted_on is None:
        raise ValueError(f"case {case.number} has no due dates before it is accepted")
    promised, legal = due_dates(calendar=calendar, accepted_on=case.accepted_on,
                                promised_days=case.promised_limit_days, legal_days=case.legal_limit_days,
                                paused_workdays=case.paused_workdays)
    case.promised_due, case.promised_due_provisional = promised.date, promised.provisional
    case.legal_due, case.legal_due_provisional = legal.date, legal.provisional


# --- transitions ---------------------------------------------------------------------------------

def case_transition(
    *,
    centre: Centre,
    case: Case,
    action: str,
    acting_user: User | None,
    note: str = "",
    missing_material_ids: list[int] | None = None,
    expected_revision: int | None = None,
    now: dt.datetime | None = None,
    on_authority_of: str = "",
    public_holder: tuple[str, str] | None = None,
) -> Case:
    """Apply one transition of the lifecycle to `case` of `centre` (inside its schema). Two clerks at
    once: the row lock makes them take turns; the second finds the case moved on and gets a 409
    `case_conflict` — a race lost, not a finding (when the case already is where the step would take it,
    the message says so, with who took it and when). Nothing is half-written.

    Out-of-process handling — a role not allowed to take the step (403 `case_role_not_allowed`), or a
    step tried from the very state the caller saw that does not allow it (409
    `case_transition_not_allowed`, a step skipped) — is announced on `hooks.step_refused` whatever the
    door (a page, the API, server code), and the change is refused.

    `expected_revision` is the revision the caller saw (else the one of the `case` passed in).
    `on_authority_of` is for server code only: a step taken on another centre's authority (a joint
    acceptance at one centre accepting the legs at the others, 一站受理) skips the role check and
    records the authority in the event's note. `public_holder` (zh, en): who the public history names
    for this step instead of the department (a result collected by proxy: the agent)."""
    require_schema(centre)
    now = now or timezone.now()
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ApplicationError(_("Unknown action “%(value)s”.") % {"value": action},
                               CaseErrorCode.TRANSITION_NOT_ALLOWED)
    roles = set(transition.roles) if on_authority_of else roles_of(user=acting_user, centre=centre)
    note = note or on_authority_of
    if not transition.roles & roles:
        hooks.step_refused.send(hooks.StepRefused(centre=centre, case=case, kind=hooks.WRONG_ROLE, action=action,
                                                  acting_user=acting_user, now=now))
        raise ApplicationError(_("Your role may not “%(action)s” a case.") % {"action": Action(action).label},
                               CaseErrorCode.ROLE_NOT_ALLOWED, {"roles": sorted(transition.roles)}, http_status=403)
    if transition.note_required and not note.strip():
        raise ApplicationError(_("A reason is required to %(action)s.") % {"action": Action(action).label},
                               CaseErrorCode.NOTE_REQUIRED, {"fields": {"note": [_("This field is required.")]}})
    seen = case.revision if expected_revision is None else expected_revision
    skipped: Case | None = None
    try:
        with files_atomic():
            locked = case_row(case_id=case.pk, for_update=True)
            if locked is None:
                raise Case.DoesNotExist
            target = transition.target_for(accepted=locked.accepted_on is not None)
            if locked.status == target:  # someone took this very step first: not a step skipped
                raise _already_done(locked)
            if locked.revision != seen:
                raise ConflictError(
                    _("Case %(number)s was changed by someone else (now: %(status)s). Reload and try again.")
                    % {"number": locked.number, "status": locked.get_status_display()},
                    CaseErrorCode.CONFLICT, {"status": locked.status, "revision": locked.revision})
            if locked.status not in transition.sources:
                skipped = locked
                raise ConflictError(_("Case %(number)s is %(status)s: it cannot be “%(action)s” now.")
                                    % {"number": locked.number, "status": locked.get_status_display(),
                                       "action": Action(action).label},
                                    CaseErrorCode.TRANSITION_NOT_ALLOWED, {"status": locked.status})
            before = locked.status
            snapshot = {f.attname: getattr(locked, f.attname) for f in _CASE_FIELDS}
            locked.status = target
            _APPLY[action](locked, centre=centre, today=_local_day(now), now=now, acting_user=acting_user,
                           missing_material_ids=missing_material_ids or [], note=note,
                           on_authority_of=on_authority_of)
            _issue_documents(locked, centre=centre, action=action, acting_user=acting_user, note=note, now=now)
            locked.revision += 1
            changed = [name for name, value in snapshot.items() if getattr(locked, name) != value]
            locked.save(update_fields=[*changed, "updated_at"])
            _event(locked, kind=action, from_status=before, acting_user=acting_user, now=now, note=note)
            hooks.case_changed.send(hooks.CaseChanged(centre=centre, case=locked, kind=action, from_status=before,
                                                      now=now, note=note, holder=public_holder))
    except ConflictError:
        if skipped is not None:  # tried from the state the caller saw: a step skipped
            hooks.step_refused.send(hooks.StepRefused(centre=centre, case=skipped, kind=hooks.STEP_SKIPPED,
                                                      action=action, acting_user=acting_user, now=now))
        raise
    return locked


def _already_done(case: Case) -> ConflictError:
    """The conflict for a step someone else has just taken: the case is already where it would go."""
    last = case.events.filter(to_status=case.status).order_by("-at", "-pk").first()
    who = ""
    if last is not None:
        parts = (last.acting_name, last.note, timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M"))
        who = " (" + "; ".join(part for part in parts if part) + ")"
    return ConflictError(
        _("Case %(number)s was changed by someone else: it is already “%(status)s”%(who)s. Nothing more to do.")
        % {"number": case.number, "status": case.get_status_display(), "who": who},
        CaseErrorCode.CONFLICT, {"status": case.status, "revision": case.revision})


def case_collect_by_proxy(*, centre: Centre, case_id: uuid.UUID, agent: User, note: str,
                          holder: tuple[str, str], now: dt.datetime | None = None) -> Case | None:
    """The result collected by proxy (代为取件): the agent who filed the case for the resident has brought
    them the result, which is the collection. The case moves `result_ready` → `collected` with the agent
    as the acting user and `note` (who, from which station) on its event; the public history names
    `holder` (zh, en). On the proxy filing's authority (the caller checked the agent's post), not a role here.

    Returns the case collected, or None when there is nothing to collect (already collected, e.g. by a
    clerk handing the result to the agent; refused or withdrawn). The case row is locked first: an agent
    and a clerk at once, exactly one collects. Raises `ApplicationError` (409 `case_transition_not_allowed`)
    when the centre has not marked the result ready (or the case is not decided)."""
    require_schema(centre)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case_id)
        if locked.status in (CaseStatus.COLLECTED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN):
            return None
        if locked.status != CaseStatus.RESULT_READY:
            raise ApplicationError(
                _("The centre has not marked the result of case %(number)s ready (it is %(status)s): it cannot be "
                  "delivered yet.") % {"number": locked.number, "status": locked.get_status_display()},
                CaseErrorCode.TRANSITION_NOT_ALLOWED, {"status": locked.status}, http_status=409)
        return case_transition(centre=centre, case=locked, action=Action.COLLECT, acting_user=agent, note=note,
                               on_authority_of=note, public_holder=holder, now=now)


def case_due_dates_recompute(*, centre: Centre, case_ids: Iterable[uuid.UUID], reason: str,
                             now: dt.datetime | None = None) -> int:
    """Recompute the due dates of these cases of `centre` whose clock runs or is paused (a decided case's
    clock has stopped: its dates stay as they were) on its calendar as it is now (a holiday schedule
    entered or corrected, a closure day): each case whose dates move is saved with
    a new revision and a `due_recomputed` event (`reason` as its note), and announced on
    `hooks.case_changed` (the registry row and a joint case follow). Inside the centre's schema, one
    transaction, rows locked. Returns how many cases changed."""
    require_schema(centre)
    now = now or timezone.now()
    calendar = WorkCalendar.for_centre(centre.pk)
    changed = 0
    with transaction.atomic():
        for case in (Case.objects.select_for_update()
                     .filter(pk__in=list(case_ids), accepted_on__isnull=False, status__in=CLOCK_RUNNING | CLOCK_PAUSED)
                     .order_by("pk")):
            before = (case.promised_due, case.legal_due, case.promised_due_provisional, case.legal_due_provisional)
            _set_due_dates(case, calendar)
            after = (case.promised_due, case.legal_due, case.promised_due_provisional, case.legal_due_provisional)
            if after == before:
                continue
            case.revision += 1
            case.save(update_fields=["promised_due", "legal_due", "promised_due_provisional",
                                     "legal_due_provisional", "revision", "updated_at"])
            _event(case, kind=CaseEventKind.DUE_RECOMPUTED, from_status=case.status, acting_user=None, now=now,
                   note=_recompute_note(reason, before, after))
            hooks.case_changed.send(hooks.CaseChanged(centre=centre, case=case, kind=CaseEventKind.DUE_RECOMPUTED,
                                                      from_status=case.status, now=now))
            changed += 1
    return changed


def _recompute_note(reason: str, before: tuple, after: tuple) -> str:
    """The event's note: why, and each date that moved, in Chinese (an event's note is kept as written,
    and the platform's first language is Chinese; the event's kind is shown in the reader's language)."""
    moved = [f"{label}{old} → {new}" for label, old, new in (("承诺办结日期 ", before[0], after[0]),
                                                              ("法定办结日期 ", before[1], after[1])) if old != new]
    return "；".join([reason, *moved]) if moved else reason


# --- what each transition does besides the status ------------------------------------------------

def _accept(case: Case, *, centre: Centre, today: dt.date, acting_user: User | None = None,
            on_authority_of: str = "", **_kw) -> None:
    """Freeze the item version and both limits as they are at acceptance; start the clock."""
    terms = adoption_terms(centre_id=centre.pk, item_id=case.item_id, on=today)
    if terms is None:
        raise ApplicationError(_("This centre no longer accepts item %(code)s (removed from %(date)s).")
                               % {"code": case.item_code, "date": today}, CaseErrorCode.ITEM_NOT_ACCEPTED)
    case.item_version_id = terms.version_id
    case.item_name_zh, case.item_name_en = terms.name_zh, terms.name_en
    case.legal_limit_days = terms.legal_days
    case.promised_limit_days = _capped(terms.promised_days, case.promised_cap_days)
    case.accepted_on = today
    # Accepted on another centre's authority: the handling centre names its own responsible clerk.
    case.handler_id = None if on_authority_of or acting_user is None else acting_user.pk
    _set_due_dates(case, WorkCalendar.for_centre(centre.pk))
    if not on_authority_of and case.joint_case_id is None:  # a joint case's applicant gets the joint receipt
        _tell_applicant(case, centre=centre, milestone="accepted", template_key="case_accepted",
                        due=case.promised_due.isoformat() if case.promised_due else "")


def _issue_notice(case: Case, *, centre: Centre, today: dt.date, acting_user: User | None,
                  missing_material_ids: list[int], note: str, **_kw) -> None:
    """The one-time notice (一次性告知): every missing material listed once, the clock paused, and the
    applicant told each of them by name."""
    checklist = {m.material_id: m for m in case.materials.all()}
    unknown = [pk for pk in missing_material_ids if pk not in checklist]
    if not missing_material_ids or unknown:
        raise ApplicationError(
            _("A one-time notice lists every missing material, from the case's checklist.")
            if not unknown else _("Unknown materials for this case: %(ids)s.") % {"ids": ", ".join(map(str, unknown))},
            CaseErrorCode.UNKNOWN_MATERIAL, {"fields": {"missing_material_ids": unknown or [_("Required.")]}})
    CaseMaterial.objects.filter(case=case, material_id__in=missing_material_ids).update(
        state=CaseMaterial.State.MISSING)
    notice = OneTimeNotice.objects.create(
        case=case, note=note, issued_on=today, issued_by_id=acting_user.pk if acting_user is not None else None,
        missing=[{"id": pk, "name_zh": checklist[pk].name_zh, "name_en": checklist[pk].name_en}
                 for pk in missing_material_ids])
    if case.accepted_on is not None:  # at the pre-check, before acceptance, there is no clock to pause
        case.paused_since = today
    _tell_applicant(case, centre=centre, milestone=f"notice:{notice.pk}", template_key="case_notice",
                    missing_zh="、".join(m["name_zh"] for m in notice.missing),
                    missing_en="; ".join(m["name_en"] or m["name_zh"] for m in notice.missing))


def _supplement(case: Case, *, centre: Centre, today: dt.date, **_kw) -> None:
    """The notice is resolved and its materials provided. An accepted case's clock resumes (both due dates
    move by the working days it was paused); a case never accepted is back at the pre-check (the
    transition map's `target_unaccepted`), with no clock yet."""
    notice = OneTimeNotice.objects.get(case=case, resolved_on__isnull=True)
    notice.resolved_on = today
    notice.save(update_fields=["resolved_on"])
    CaseMaterial.objects.filter(case=case, material_id__in=[m["id"] for m in notice.missing]).update(
        state=CaseMaterial.State.PROVIDED)
    if case.accepted_on is None:
        return
    calendar = WorkCalendar.for_centre(centre.pk)
    paused, _guessed = calendar.workdays_between(case.paused_since, today) if case.paused_since else (0, False)
    case.paused_workdays += paused
    case.paused_since = None
    _set_due_dates(case, calendar)


def _decide(case: Case, *, now: dt.datetime, **_kw) -> None:
    case.decided_at = now


#: The result SMS by how the case came in (a joint case's leg, like a window case: collected at its window).
RESULT_TEMPLATES: dict[str, str] = {Channel.ONLINE: "case_result_ready_online",
                                    Channel.PROXY: "case_result_ready_proxy"}


def _result_ready(case: Case, *, centre: Centre, **_kw) -> None:
    """The applicant is told the result is ready, in the words that fit the channel: collect it at the
    window, see it online (and collect the paper), or wait for the agent who brings it (代办)."""
    extra = {"place_zh": f"{centre.name_zh}{case.window and f' {case.window} 号窗口' or ''}",
             "place_en": f"{centre.name_en}{case.window and f', window {case.window}' or ''}"}
    if case.channel == Channel.PROXY:
        carrier = _proxy_carrier(case, centre=centre)
        extra |= {"agent_zh": carrier.name_zh, "agent_en": carrier.name_en}
    _tell_applicant(case, centre=centre, milestone="result_ready",
                    template_key=RESULT_TEMPLATES.get(case.channel, "case_result_ready"), **extra)


def _proxy_carrier(case: Case, *, centre: Centre) -> hooks.ProxyCarrier:
    """Who brings a proxy filing's result to the resident: the agent who filed it, unless a listener of
    `hooks.proxy_carrier` names another."""
    agent = User.objects.filter(pk=case.submitted_by_id).first() if case.submitted_by_id else None
    carrier = hooks.ProxyCarrier(centre=centre, case=case)
    if agent is not None:
        carrier.name_zh, carrier.name_en = agent.name_zh, agent.name_en
    hooks.proxy_carrier.send(carrier)
    return carrier


def _tell_applicant(case: Case, *, centre: Centre, milestone: str, template_key: str, **extra: str) -> None:
    """Queue the applicant's SMS of a milestone (in the change's transaction; once per case and
    `milestone`): the centre, the case number and item in both languages, and the absolute address of the
    centre's progress lookup with the case number filled in (`tenants.addresses.centre_address`), with
    `extra` placeholders."""
    outbox_publish(centre=centre, topic=SMS_TOPIC, case_id=case.id, payload={
        "dedupe_key": f"case:{case.id}:{milestone}", "to": crypto.encrypt(case.phone), "template_key": template_key,
        "context": {
            "centre_zh": centre.name_zh, "centre_en": centre.name_en, "number": case.number,
            "item_zh": case.item_name_zh, "item_en": case.item_name_en or case.item_name_zh,
            "lookup_url": centre_address(slug=centre.slug, path=f"/progress/?number={case.number}"), **extra}})


SMS_TOPIC = "cases.sms"


@outbox_handler(SMS_TOPIC)
def _sms_queue(centre: Centre, payload: dict, _outbox_id: int | None) -> None:
    """An applicant's SMS into the platform's SMS outbox (once per dedupe key: a row projected twice is
    queued once). The number travels sealed (`common.crypto`) through the centre's outbox."""
    outbox_enqueue(dedupe_key=payload["dedupe_key"], to=crypto.decrypt(payload["to"]),
                   template_key=payload["template_key"], centre_id=centre.pk, context=payload["context"])


def _issue_documents(case: Case, *, centre: Centre, action: str, acting_user: User | None, note: str,
                     now: dt.datetime) -> None:
    """The PDF the step issues, stored as the case's document in the step's transaction (online cases:
    `cases.documents.DOCUMENT_CHANNELS`): the acceptance receipt, the one-time notice, the decision."""
    if case.channel not in documents.DOCUMENT_CHANNELS:
        return
    user_id = acting_user.pk if acting_user is not None and acting_user.is_authenticated else None
    if action == Action.ACCEPT:
        documents.receipt_issue(centre=centre, case=case, now=now, acting_user_id=user_id)
    elif action == Action.ISSUE_NOTICE:
        notice = OneTimeNotice.objects.filter(case=case, resolved_on__isnull=True).latest("pk")
        documents.notice_issue(centre=centre, case=case, notice=notice, now=now, acting_user_id=user_id)
    elif action in (Action.APPROVE, Action.DENY):
        documents.decision_issue(centre=centre, case=case, approved=action == Action.APPROVE, reason=note, now=now,
                                 acting_user_id=user_id)


def _close(case: Case, *, now: dt.datetime, **_kw) -> None:
    case.closed_at = now
    case.paused_since = None


def _nothing(_case: Case, **_kw) -> None:
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


#: Cases rewritten per statement by `personal_data_reencrypt`.
REENCRYPT_CHUNK = 2000


def personal_data_reencrypt(*, centre: Centre) -> int:
    """Rewrite every case of `centre` with its ID number and phone encrypted under the newest key of
    GOVSERVICE_DATA_KEYS (key rotation; also encrypts any value still in clear text). The caller is in
    the centre's schema (`manage.py reencrypt_personal_data` enters each). Returns the number of cases.
    Each chunk is its own transaction, so cases filed meanwhile are not blocked for long; running it
    twice is harmless. A value no key in force opens raises `common.crypto.UndecryptableError`."""
    require_schema(centre)
    done = 0
    last = None
    while True:
        rows = Case.objects.only("pk", "applicant_id_number", "phone").order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        with transaction.atomic():
            chunk = list(rows.select_for_update()[:REENCRYPT_CHUNK])
            if not chunk:
                return done
            Case.objects.bulk_update(chunk, ["applicant_id_number", "phone"])
        done += len(chunk)
        last = chunk[-1].pk


# --- online: an application with its files, and the applicant's supplement ------------------------------

def item_online_check(*, adoption) -> None:
    """Refuse an item whose version is not applied for online (`online_depth` below `ONLINE_DEPTH_MIN`):
    `case_item_not_online`."""
    version = adoption.item.current_version
    if version is None or version.online_depth < ONLINE_DEPTH_MIN:
        raise ApplicationError(
            _("Item %(code)s cannot be applied for online: apply at the centre's window, or book a visit.")
            % {"code": adoption.item.code}, CaseErrorCode.ITEM_NOT_ONLINE,
            {"fields": {"item_code": [adoption.item.code]}, "item_code": adoption.item.code})


def case_submit_online(
    *,
    centre: Centre,
    item_code: str,
    applicant: Applicant,
    uploads: list[tuple[int, CheckedUpload]],
    now: dt.datetime | None = None,
) -> SubmitResult:
    """An online application (网上申报) at `centre` (inside its schema): the case (channel online, no
    acting user: the applicant) and one `CaseDocument` per uploaded material file, in one transaction —
    an error anywhere leaves no case, no row and no file (`files_atomic`). `uploads`: (catalogue material
    id, checked file); every required material of the applicant's type delivered by upload needs one.

    Raises `ApplicationError`: `case_item_not_accepted`, `case_item_not_online`, `case_invalid_applicant`,
    `case_unknown_material`, `case_material_file_required` (naming each material's field `material_<id>`)."""
    require_schema(centre)
    now = now or timezone.now()
    adoption = _adoptions(centre, [item_code], now)[item_code]
    item_online_check(adoption=adoption)
    materials = list(Material.objects.filter(version_id=adoption.item.current_version_id))
    given = {material_id for material_id, _upload in uploads}
    _check_materials(materials, sorted(given), None, item_code=item_code)
    lacking = [m for m in materials if m.required and m.delivery == "upload" and m.pk not in given
               and (not m.applicant_types or applicant.kind in m.applicant_types)]
    if lacking:
        raise ApplicationError(
            _("Upload every required material: %(names)s.") % {"names": "、".join(m.name for m in lacking)},
            CaseErrorCode.MATERIAL_FILE_REQUIRED,
            {"fields": {f"material_{m.pk}": [_("Upload this material.")] for m in lacking}})
    with files_atomic():
        result = case_submit(centre=centre, item_code=item_code, applicant_kind=applicant.kind,
                             applicant_name=applicant.name, applicant_id_number=applicant.id_number,
                             phone=applicant.phone, channel=Channel.ONLINE, acting_user=None,
                             provided_material_ids=sorted(given), now=now)
        for material_id, upload in uploads:
            documents.material_store(centre=centre, case=result.case, upload=upload, material_id=material_id, now=now)
    return result


def case_supplement_online(*, centre: Centre, case_id: uuid.UUID, uploads: list[tuple[int, CheckedUpload]],
                           now: dt.datetime | None = None) -> tuple[Case, bool]:
    """The applicant answers the open one-time notice online (补正): each file is stored as the material it
    answers (`notice` set); once every material the notice lists has its file, the case takes the
    SUPPLEMENT step as the applicant (back to the pre-check if never accepted; the clock resumes if it
    was). One transaction, the case row locked; files deleted if it fails. Returns (case, supplemented).

    Raises `ApplicationError`: `case_nothing_to_supplement` (409: no open notice), `case_unknown_material`
    (a material the notice does not list)."""
    require_schema(centre)
    now = now or timezone.now()
    with files_atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        notice = OneTimeNotice.objects.filter(case=case, resolved_on__isnull=True).first()
        if case.status != CaseStatus.AWAITING_SUPPLEMENT or notice is None:
            raise ApplicationError(_("Case %(number)s waits for no materials now (it is %(status)s).")
                                   % {"number": case.number, "status": case.get_status_display()},
                                   CaseErrorCode.NOTHING_TO_SUPPLEMENT, {"status": case.status}, http_status=409)
        wanted = [m["id"] for m in notice.missing]
        unknown = sorted({material_id for material_id, _upload in uploads} - set(wanted))
        if unknown:
            raise ApplicationError(_("Unknown materials for this case: %(ids)s.")
                                   % {"ids": ", ".join(map(str, unknown))},
                                   CaseErrorCode.UNKNOWN_MATERIAL, {"fields": {"materials": unknown}})
        for material_id, upload in uploads:
            documents.material_store(centre=centre, case=case, upload=upload, material_id=material_id, now=now,
                                     notice=notice)
        answered = set(CaseDocument.objects.filter(case=case, notice=notice, kind=CaseDocument.Kind.MATERIAL)
                       .values_list("material_id", flat=True))
        if not set(wanted) <= answered:
            return case, False
        return case_transition(centre=centre, case=case, action=Action.SUPPLEMENT, acting_user=None, now=now), True
