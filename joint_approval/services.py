"""Writes of joint approvals: one acceptance that starts every leg (并联审批, 一站受理), and the join
that follows each leg's transitions.

`joint_case_accept` runs in one transaction over several schemas (one connection): the joint case,
then the legs filed through the cases' door (`cases.door.legs_file_accepted`: each centre's legs in
its schema, submitted and accepted on the joint acceptance's authority, with their registry rows),
then their mirrors here. A leg that cannot start raises an error naming it, and everything — other
centres' cases and registry rows included — is rolled back.

`joint_case_leg_changed` listens on `cases.hooks.case_changed` (connected in the app's `ready`) inside
the leg's transaction: it locks the joint case row first, so two legs decided at the same moment take
turns and the second sees the first's decision.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import door
from cases.choices import CLOCK_PAUSED, Action, Channel
from cases.door import AcceptedSubmission
from cases.hooks import CaseChanged, case_changed
from catalog.models import Item, Material
from catalog.selectors import centre_catalogue
from common.errors import ApplicationError, ConflictError
from common.idempotency import ClientKey, idempotency_remember, idempotency_replay, request_fingerprint
from common.identity import JOINT_CASE_PREFIX, identity_hmac
from joint_approval.choices import JointStatus, LegLevel
from joint_approval.error_codes import JointErrorCode
from joint_approval.models import (
    Bundle,
    BundleItem,
    JointCase,
    JointCaseEvent,
    JointLeg,
    LinkedProject,
    LinkedProjectItem,
)
from notifications.services import outbox_enqueue
from projects.models import KeyProject
from projects.services import key_project_register
from tenants.addresses import centre_address
from tenants.choices import Level
from tenants.models import Centre, User
from workcalendar.clock import WorkCalendar

#: The idempotency scope of joint acceptances (common.idempotency).
IDEMPOTENCY_SCOPE = "joint_case"

#: A leg's outcome once decided (or ended); empty while it runs.
OUTCOMES: dict[str, str] = {Action.APPROVE: "approved", Action.DENY: "denied", Action.REFUSE: "refused",
            Action.WITHDRAW: "withdrawn"}


def _local_day(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


# --- what the legs are ---------------------------------------------------------------------------

@dataclass
class LegSpec:
    """One leg to start: the item, the level that handles it, the document it produces."""

    position: int
    item: Item  # with current_version and department loaded
    level: str
    required: bool = True
    produces_zh: str = ""
    produces_en: str = ""
    centre: Centre | None = None


def bundle_legs(*, bundle: Bundle, chosen_item_ids: list[int] | None = None) -> list[LegSpec]:
    """The bundle's required items plus the optional ones chosen (dynamic combination); `None`
    chooses every item. An item that is not the bundle's is refused. The bundle's items are read once
    (not again when `selectors.bundle_get` has read them with it)."""
    prefetch_related_objects([bundle], Prefetch("items", queryset=BundleItem.objects.select_related(
        "item__current_version", "item__department").order_by("position", "pk")))
    rows = list(bundle.items.all())
    known = {row.item_id for row in rows}
    chosen = set(known if chosen_item_ids is None else chosen_item_ids)
    unknown = chosen - known
    if unknown:
        raise ApplicationError(_("These items are not in the bundle “%(bundle)s”: %(ids)s.")
                               % {"bundle": bundle.name, "ids": ", ".join(map(str, sorted(unknown)))},
                               JointErrorCode.UNKNOWN_ITEM, {"fields": {"item_ids": sorted(unknown)}})
    legs = [LegSpec(position=0, item=row.item, level=row.level, required=row.required, produces_zh=row.produces_zh,
                    produces_en=row.produces_en) for row in rows if row.required or row.item_id in chosen]
    for position, leg in enumerate(legs, start=1):
        leg.position = position
    return legs


def project_legs(*, project: KeyProject) -> list[LegSpec]:
    """A linked project's legs: its items by level, in their order."""
    rows = project.linked_items.select_related("item__current_version", "item__department").order_by("position", "pk")
    return [LegSpec(position=i, item=row.item, level=row.level, produces_zh=row.produces_zh,
                    produces_en=row.produces_en) for i, row in enumerate(rows, start=1)]


# --- the merged checklist (materials submitted once) ---------------------------------------------

_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


def material_key(name: str) -> str:
    """The name a material is recognised by across items: full-width forms folded (NFKC), case,
    spaces and punctuation dropped. The catalogue has no shared material id, so 申请表 and
    “申请表 ” are one material; 营业执照复印件 and 营业执照 are not."""
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", name or "")).lower()


@dataclass
class MaterialLine:
    """One line of the merged checklist: asked once, shared by every leg that lists it."""

    key: str
    name_zh: str
    name_en: str
    required: bool
    applicant_types: list[str]
    #: leg position → that leg's catalogue material id
    material_ids: dict[int, int] = field(default_factory=dict)
    #: the leg that produces this document (the others do not ask for it), or None
    produced_by: int | None = None

    @property
    def legs(self) -> list[int]:
        return sorted(self.material_ids)

    @property
    def asked(self) -> bool:
        """The applicant is asked for it: some leg needs it that does not get it from another leg."""
        return self.produced_by is None or self.produced_by in self.material_ids

    def shared(self) -> bool:
        return len(self.material_ids) > 1


@dataclass
class Checklist:
    lines: list[MaterialLine]

    def asked(self) -> list[MaterialLine]:
        return [line for line in self.lines if line.asked]

    def produced(self) -> list[MaterialLine]:
        return [line for line in self.lines if not line.asked]

    def for_leg(self, position: int, provided_keys: set[str]) -> tuple[list[int], list[int]]:
        """(provided material ids, waived material ids) of one leg."""
        provided, waived = [], []
        for line in self.lines:
            material_id = line.material_ids.get(position)
            if material_id is None:
                continue
            if line.produced_by is not None and line.produced_by != position:
                waived.append(material_id)
            elif line.key in provided_keys:
                provided.append(material_id)
        return provided, waived


def leg_materials(legs: list[LegSpec]) -> dict[int, list[Material]]:
    """The legs' items' current versions' materials, by version id (every version listed, one query)."""
    by_version: dict[int, list[Material]] = {leg.item.current_version_id: [] for leg in legs
                                             if leg.item.current_version_id is not None}
    for material in Material.objects.filter(version_id__in=by_version).order_by("position", "pk"):
        by_version[material.version_id].append(material)
    return by_version


def merged_checklist(legs: list[LegSpec], materials: dict[int, list[Material]] | None = None) -> Checklist:
    """The materials of the chosen legs, each asked once: keyed by `material_key`; a material that
    another chosen leg produces (its `produces` is contained in the material's name, e.g. 营业执照 in
    营业执照或统一社会信用代码证书) is waived on every leg but the producer and shown as produced.
    `materials`: `leg_materials(legs)` when the caller has it already."""
    materials = materials if materials is not None else leg_materials(legs)
    version_ids = {leg.item.version.pk: leg.position for leg in legs}
    by_key: dict[str, MaterialLine] = {}
    materials_in_order = sorted((m for version in version_ids for m in materials.get(version, [])),
                                key=lambda m: (version_ids[m.version_id], m.position, m.pk))
    for material in materials_in_order:
        position = version_ids[material.version_id]
        key = material_key(material.name_zh)
        line = by_key.get(key)
        if line is None:
            line = by_key[key] = MaterialLine(key=key, name_zh=material.name_zh, name_en=material.name_en,
                                              required=material.required,
                                              applicant_types=list(material.applicant_types or []))
        else:
            line.required = line.required or material.required
            # needed by every applicant if any leg needs it from everyone
            if not material.applicant_types:
                line.applicant_types = []
        line.material_ids.setdefault(position, material.pk)
    producers = [(material_key(leg.produces_zh), leg.position) for leg in legs if leg.produces_zh]
    for line in by_key.values():
        for produced, position in producers:
            if produced and produced in line.key and set(line.material_ids) != {position}:
                line.produced_by = position
                break
    return Checklist(lines=list(by_key.values()))  # in the order of the legs, then of each item's list


# --- acceptance ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AcceptResult:
    """The joint case, whether this call made it (False: an idempotent replay), and the legs it wrote (in
    order, each with its centre; empty for a replay)."""

    joint_case: JointCase
    created: bool
    legs: tuple[JointLeg, ...] = ()


def city_centre() -> Centre:
    centre = Centre.objects.filter(level=Level.CITY).first()
    if centre is None:
        raise ApplicationError(_("There is no city centre to handle the city's items."), JointErrorCode.NO_CENTRE)
    return centre


def _next_number(centre: Centre, day: dt.date) -> str:
    """`J<division code>-<yyyymmdd>-<nnnn>`, one atomic statement (two acceptances never collide); the
    counter is the accepting centre's, so other centres' acceptances don't wait for it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO public.joint_approval_jointcasecounter (centre_id, day, last) VALUES (%s, %s, 1) "
            "ON CONFLICT (centre_id, day) DO UPDATE SET last = public.joint_approval_jointcasecounter.last + 1 "
            "RETURNING last",
            [centre.pk, day])
        sequence = cursor.fetchone()[0]
    return f"{JOINT_CASE_PREFIX}{centre.division_code}-{day:%Y%m%d}-{sequence:04d}"


def resolve_centres(*, legs: list[LegSpec], accepting: Centre, project: KeyProject | None,
                    city: Centre | None = None) -> None:
    """Each leg's centre: the city centre for a city-level item, else the project's zone or district
    (a linked project) or the accepting centre (a bundle)."""
    if city is None and any(leg.level == LegLevel.CITY for leg in legs):
        city = city_centre()
    local = project.centre if project is not None else accepting
    for leg in legs:
        leg.centre = city if leg.level == LegLevel.CITY else local


@dataclass(frozen=True)
class TimeSaved:
    """What running the legs at once saves, in working days: one after another (串联) is the sum of
    each leg's own promised limit at the centre that handles it (a district's shorter promise
    included); in parallel (并联) the longest leg under the bundle's compressed limit."""

    sequential: int
    parallel: int

    @property
    def saved(self) -> int:
        return max(self.sequential - self.parallel, 0)


def time_saved(*, leg_days: Iterable[int], cap: int | None) -> TimeSaved:
    """The one computation of one-after-another, in-parallel and saved days: the bundle page, the API
    and the joint case accepted all call it (`leg_days`: each leg's own promised limit, before the cap)."""
    days = list(leg_days)
    parallel = max((min(d, cap) if cap else d for d in days), default=0)
    return TimeSaved(sequential=max(sum(days), parallel), parallel=parallel)


def legs_promised_days(legs: list[LegSpec], *, on: dt.date | None = None) -> dict[int, int]:
    """Each leg's own promised limit by position: the adoption's at the leg's centre (what the case
    will be accepted with, a centre's shorter promise included), or the master version's where the
    leg has no centre yet (the public catalogue) or its centre has not adopted the item. One query."""
    centres = {leg.centre.pk: leg.centre for leg in legs if leg.centre is not None}
    adopted: dict[tuple[int, int], int] = {}
    if centres:
        rows = (centre_catalogue(centre=list(centres.values()), on=on)
                .filter(item__in=[leg.item.pk for leg in legs]).values_list("centre_id", "item_id", "promised_days"))
        adopted = {(centre_id, item_id): days for centre_id, item_id, days in rows}
    days = {}
    for leg in legs:
        version = leg.item.current_version
        master = version.promised_limit_days if version is not None else 0
        days[leg.position] = adopted.get((leg.centre.pk, leg.item.pk), master) if leg.centre is not None else master
    return days


def joint_case_accept(
    *,
    accepting_centre: Centre,
    acting_user: User,
    applicant_kind: str,
    applicant_name: str,
    applicant_id_number: str,
    phone: str,
    bundle: Bundle | None = None,
    project: KeyProject | None = None,
    chosen_item_ids: list[int] | None = None,
    provided_keys: list[str] | None = None,
    idempotency_key: ClientKey | None = None,
    now: dt.datetime | None = None,
) -> AcceptResult:
    """Accept a joint case at `accepting_centre`: one leg per item of the bundle (its required
    items and the optional ones chosen) or of the linked project, each submitted and accepted at
    the centre that handles it, materials asked once (`provided_keys`: the merged checklist's keys
    handed in). With an idempotency key (common.idempotency), the same request again returns the
    joint case it made; a different request under that key is refused (422 `idempotency_key_reused`).

    Raises `ApplicationError`: `joint_not_staff` (403: only the centre's window staff accept),
    `joint_wrong_centre` (a project is accepted at the city or its own zone), `joint_no_items`,
    `joint_unknown_item`, `case_invalid_applicant`, `joint_leg_failed` (a leg could not start: nothing
    was accepted), and `ConflictError` `joint_project_running` (409)."""
    now = now or timezone.now()
    if (bundle is None) == (project is None):
        raise ApplicationError(_("Choose a bundle or a linked project."), JointErrorCode.NO_ITEMS)
    if not door.may_accept(user=acting_user, centre=accepting_centre):
        raise ApplicationError(_("Only the window staff of %(centre)s accept joint cases there.")
                               % {"centre": accepting_centre.name}, JointErrorCode.NOT_STAFF, http_status=403)
    city = city_centre()
    if project is not None and accepting_centre.pk not in (project.centre_id, city.pk):
        raise ApplicationError(
            _("Project “%(project)s” is accepted at the city centre or at %(zone)s, not here.")
            % {"project": project.name, "zone": project.centre.name}, JointErrorCode.WRONG_CENTRE, http_status=403)
    legs = bundle_legs(bundle=bundle, chosen_item_ids=chosen_item_ids) if bundle is not None \
        else project_legs(project=project)  # type: ignore[arg-type]
    if not legs:
        raise ApplicationError(_("Choose at least one item."), JointErrorCode.NO_ITEMS,
                               {"fields": {"item_ids": [_("Choose at least one item.")]}})
    applicant = door.applicant_check(kind=applicant_kind, name=applicant_name, id_number=applicant_id_number,
                                     phone=phone)
    provided = {material_key(k) for k in (provided_keys or [])} | set(provided_keys or [])
    fingerprint = request_fingerprint({
        "centre": accepting_centre.pk, "bundle": getattr(bundle, "pk", None), "project": getattr(project, "pk", None),
        "items": sorted(leg.item.pk for leg in legs), "kind": applicant.kind, "name": applicant.name,
        "id": applicant.id_number, "phone": applicant.phone, "provided": sorted(provided)})
    key = idempotency_key.bound(applicant_id_number=applicant.id_number) if idempotency_key else None
    if (known := idempotency_replay(scope=IDEMPOTENCY_SCOPE, key=key, fingerprint=fingerprint)) is not None:
        return AcceptResult(joint_case=JointCase.objects.get(pk=known), created=False)
    resolve_centres(legs=legs, accepting=accepting_centre, project=project, city=city)
    materials = leg_materials(legs)
    checklist = merged_checklist(legs, materials)
    day = _local_day(now)
    source = bundle if bundle is not None else project
    try:
        with transaction.atomic():
            if project is not None:
                # A project is accepted once while its joint case runs: its linked-approval row is locked (not
                # the register's, which the agency service's records point at too), so two centres accepting
                # it at the same moment take turns and the second is told which case runs.
                LinkedProject.objects.select_for_update().filter(project=project).first()
                running = project.joint_cases.filter(status=JointStatus.RUNNING).select_related(
                    "accepting_centre").first()
                if running is not None:
                    # the same form sent twice at once: the first made it while this one waited
                    if (twin := idempotency_replay(scope=IDEMPOTENCY_SCOPE, key=key, fingerprint=fingerprint)):
                        return AcceptResult(joint_case=JointCase.objects.get(pk=twin), created=False)
                    raise ConflictError(
                        _("Joint case %(number)s of this project, accepted at %(centre)s, is running: its legs are "
                          "under way at both levels. Nothing more was accepted.")
                        % {"number": running.number, "centre": running.accepting_centre.name},
                        JointErrorCode.PROJECT_RUNNING, {"joint_case": str(running.pk), "number": running.number})
            joint = JointCase.objects.create(
                number=_next_number(accepting_centre, day), bundle=bundle, project=project,
                title_zh=source.name_zh, title_en=source.name_en,  # type: ignore[union-attr]
                accepting_centre=accepting_centre, accepted_by=acting_user, applicant_kind=applicant.kind,
                applicant_hmac=identity_hmac(applicant.id_number), accepted_at=now, accepted_on=day,
                promised_days=bundle.promised_days if bundle is not None else 0, sequential_days=0, parallel_days=0)
            idempotency_remember(scope=IDEMPOTENCY_SCOPE, key=key, fingerprint=fingerprint, result_id=joint.pk)
            authority = _("joint acceptance %(number)s at %(centre)s") % {"number": joint.number,
                                                                           "centre": accepting_centre.name_zh}
            groups = _by_centre(legs)
            cap = bundle.promised_days if bundle is not None else None
            try:
                # One centre after another (one search-path switch each), all its legs in one batch of statements.
                filed = door.legs_file_accepted(
                    legs=[(centre, [AcceptedSubmission(item_code=leg.item.code, promised_cap_days=cap,
                                                       **dict(zip(("provided_material_ids", "waived_material_ids"),
                                                                  checklist.for_leg(leg.position, provided),
                                                                  strict=True)))
                                    for leg in group]) for centre, group in groups],
                    applicant=applicant, channel=Channel.JOINT, acting_user=acting_user, authority=authority,
                    joint_case_id=joint.id, materials=materials, now=now)
            except ApplicationError as error:
                centre, group = next(((c, g) for c, g in groups if c.pk == error.extra.get("centre_id")), groups[0])
                failed = error.extra.get("item_code")  # the leg refused, by its item
                leg = next((leg for leg in group if leg.item.code == failed), group[0])
                raise _leg_failed(leg, centre, error) from error
            rows: list[JointLeg] = []
            own_days = []
            for (centre, group), results in zip(groups, filed, strict=True):
                for leg, result in zip(group, results, strict=True):
                    # The centre's own limit, before any cap: what running one after another takes.
                    own_days.append(result.adopted_promised_days or result.case.promised_limit_days)
                    rows.append(_leg_row(joint, leg, centre, result.case))
            rows.sort(key=lambda row: row.position)
            JointLeg.objects.bulk_create(rows)
            dues = [row.promised_due for row in rows if row.promised_due]
            joint.due = max(dues) if dues else None
            time = time_saved(leg_days=own_days, cap=cap)
            joint.parallel_days, joint.sequential_days = time.parallel, time.sequential
            joint.fee_total_yuan = sum((row.fee_yuan for row in rows), Decimal(0))
            joint.promised_days = joint.promised_days or joint.parallel_days
            joint.save(update_fields=["due", "parallel_days", "sequential_days", "fee_total_yuan", "promised_days",
                                      "updated_at"])
            JointCaseEvent.objects.create(joint_case=joint, kind="accepted", status=joint.status, at=now,
                                          note=_("%(legs)d legs started at once") % {"legs": len(legs)})
            _tell_accepted(joint, phone=applicant.phone, legs=len(legs))
    except IntegrityError:
        # The same Idempotency-Key twice at once: the other request made the joint case; answer with it.
        twin = idempotency_replay(scope=IDEMPOTENCY_SCOPE, key=key, fingerprint=fingerprint) if key else None
        if twin is None:
            raise
        return AcceptResult(joint_case=JointCase.objects.get(pk=twin), created=False)
    return AcceptResult(joint_case=joint, created=True, legs=tuple(rows))


def _by_centre(legs: list[LegSpec]) -> list[tuple[Centre, list[LegSpec]]]:
    groups: dict[int, tuple[Centre, list[LegSpec]]] = {}
    for leg in legs:
        assert leg.centre is not None  # noqa: S101
        groups.setdefault(leg.centre.pk, (leg.centre, []))[1].append(leg)
    return list(groups.values())


def _leg_failed(leg: LegSpec, centre: Centre, error: ApplicationError) -> ApplicationError:
    return ApplicationError(
        _("Leg %(position)s (%(item)s at %(centre)s) could not start: %(reason)s Nothing was accepted.")
        % {"position": leg.position, "item": leg.item.code, "centre": centre.name, "reason": error},
        JointErrorCode.LEG_FAILED,
        {"leg": leg.position, "item_code": leg.item.code, "centre": centre.division_code,
         "cause": {"code": error.code, "message": str(error), "extra": error.extra}},
        http_status=error.http_status)


def _leg_row(joint: JointCase, leg: LegSpec, centre: Centre, case) -> JointLeg:
    version = leg.item.current_version
    return JointLeg(
        joint_case=joint, position=leg.position, centre=centre, level=leg.level, case_id=case.id,
        case_number=case.number, item=leg.item, item_code=case.item_code, item_name_zh=case.item_name_zh,
        item_name_en=case.item_name_en, department_code=case.department_code,
        department_name_zh=case.department_name_zh, department_name_en=case.department_name_en,
        fee_yuan=version.fee_yuan if version is not None else Decimal(0), produces_zh=leg.produces_zh,
        status=case.status, promised_limit_days=case.promised_limit_days, promised_due=case.promised_due,
        paused=case.status in CLOCK_PAUSED)


# --- the join ------------------------------------------------------------------------------------

def _outcome_status(legs: list[JointLeg]) -> str:
    """The joint case's status from its legs' outcomes: running until every leg has one."""
    outcomes = [leg.outcome for leg in legs]
    if not legs or "" in outcomes:
        return JointStatus.RUNNING
    decided = [o for o in outcomes if o != "withdrawn"]
    if not decided:
        return JointStatus.WITHDRAWN
    denied = sum(o in ("denied", "refused") for o in decided)
    if not denied:
        return JointStatus.COMPLETED
    return JointStatus.DENIED if denied == len(decided) else JointStatus.PARTLY_DENIED


def joint_case_leg_changed(event: CaseChanged) -> JointCase | None:
    """Follow one leg (a listener of `cases.hooks.case_changed`, inside the leg's transaction): lock the
    joint case, mirror the leg, recompute the due date (the latest leg's), the status (joined when
    every leg is decided) and the denial reasons. Two legs at once take turns on the lock. A case that
    is not a leg is left alone."""
    case, centre, action, now = event.case, event.centre, event.kind, event.now
    if case.joint_case_id is None:
        return None
    joint = JointCase.objects.select_for_update().filter(pk=case.joint_case_id).first()
    if joint is None:
        return None
    leg = JointLeg.objects.filter(joint_case=joint, case_id=case.id).first()
    if leg is None:
        return joint
    leg.status = case.status
    leg.promised_limit_days = case.promised_limit_days if case.accepted_on else None
    leg.promised_due = case.promised_due
    leg.paused = case.status in CLOCK_PAUSED
    leg.decided_at = case.decided_at
    note = ""
    if action in OUTCOMES:
        leg.outcome = OUTCOMES[action]
        if action in (Action.DENY, Action.REFUSE):
            note = event.note
            leg.denial_reason = note
            joint.denial_reasons = [*joint.denial_reasons, {
                "leg": leg.position, "case_number": leg.case_number, "item_zh": leg.item_name_zh,
                "item_en": leg.item_name_en, "centre_zh": centre.name_zh, "centre_en": centre.name_en,
                "outcome": leg.outcome, "reason": note}]
    leg.save()
    legs = list(joint.legs.order_by("position"))
    dues = [lg.promised_due for lg in legs if lg.promised_due]
    joint.due = max(dues) if dues else None
    limits = [lg.promised_limit_days for lg in legs if lg.promised_limit_days is not None]
    joint.parallel_days = max(limits) if limits else 0
    before = joint.status
    joint.status = _outcome_status(legs)
    joint.revision += 1
    JointCaseEvent.objects.create(joint_case=joint, kind="leg", leg_position=leg.position, status=case.status,
                                  note=note or action, at=now)
    if joint.status != JointStatus.RUNNING and before == JointStatus.RUNNING:
        joint.completed_at = now
        joint.actual_workdays = WorkCalendar.for_centre(joint.accepting_centre_id).workdays_between(
            joint.accepted_on, _local_day(now))[0]
        JointCaseEvent.objects.create(joint_case=joint, kind="joined", status=joint.status, at=now)
        if joint.status != JointStatus.WITHDRAWN:
            _tell_joined(joint, phone=case.phone, legs=len(legs))
    joint.save()
    return joint


def _tell_accepted(joint: JointCase, *, phone: str, legs: int) -> None:
    """The SMS to the applicant when `joint` is accepted (`joint_accepted`; its legs send none of their own),
    once, in the acceptance's transaction: the joint number, the promised date of the last leg and the
    progress lookup at the accepting centre's own address, the number filled in."""
    centre = joint.accepting_centre
    outbox_enqueue(dedupe_key=f"joint:{joint.pk}:accepted", to=phone, template_key="joint_accepted",
                   centre_id=centre.pk, context={
                       "centre_zh": centre.name_zh, "centre_en": centre.name_en or centre.name_zh,
                       "number": joint.number, "title_zh": joint.title_zh, "title_en": joint.title_en or joint.title_zh,
                       "legs": legs, "due": joint.due.isoformat() if joint.due else "",
                       "lookup_url": centre_address(slug=centre.slug, path=f"/progress/?number={joint.number}")})


def _tell_joined(joint: JointCase, *, phone: str, legs: int) -> None:
    """The SMS to the applicant when every leg of `joint` is decided (`joint_completed`), once (its dedupe
    key), in the deciding leg's transaction: the link is the progress lookup at the accepting centre's own
    address, with the joint number filled in. The phone is the leg's case's (one applicant for all legs;
    the joint case keeps none)."""
    centre = joint.accepting_centre
    outbox_enqueue(dedupe_key=f"joint:{joint.pk}:completed", to=phone, template_key="joint_completed",
                   centre_id=centre.pk, context={
                       "centre_zh": centre.name_zh, "centre_en": centre.name_en or centre.name_zh,
                       "number": joint.number, "title_zh": joint.title_zh, "title_en": joint.title_en or joint.title_zh,
                       "legs": legs,
                       "lookup_url": centre_address(slug=centre.slug, path=f"/progress/?number={joint.number}")})


def connect() -> None:
    """Follow the legs (called from the app's `ready`)."""
    case_changed.connect(joint_case_leg_changed)


# --- linked projects -----------------------------------------------------------------------------

def linked_project_register(*, name_zh: str, name_en: str = "", centre: Centre, company_name: str, credit_code: str,
                            year: int, items: list[tuple[Item, str]], bundle: Bundle | None = None,
                            produces: dict[str, str] | None = None) -> KeyProject:
    """Take a key project into the city-district linked approval: the project goes on the key-project
    register (`projects.services.key_project_register`, which checks its name, district or zone and the
    company's credit code, and returns the project already there, e.g. registered by the agency service),
    with its items and the level that handles each (`city` or `local`). Registered again, it is returned
    as it is. Raises `joint_invalid_project` for the items, and the register's errors."""
    errors: dict[str, list[str]] = {}
    if not items:
        errors["items"] = [_("Choose at least one item.")]
    elif any(level not in LegLevel.values for _item, level in items):
        errors["items"] = [_("Each item is handled by the city or the local centre.")]
    if errors:
        raise ApplicationError(_("The project cannot be registered: %(fields)s") % {"fields": ", ".join(errors)},
                               JointErrorCode.INVALID_PROJECT, {"fields": errors})
    produces = produces or {}
    with transaction.atomic():
        project = key_project_register(year=year, name_zh=name_zh, name_en=name_en, centre=centre,
                                       company_name=company_name, credit_code=credit_code)
        _linked, created = LinkedProject.objects.get_or_create(project=project, defaults={"bundle": bundle})
        if created:
            LinkedProjectItem.objects.bulk_create(
                LinkedProjectItem(project=project, item=item, level=level, position=i,
                                  produces_zh=produces.get(item.code, ""))
                for i, (item, level) in enumerate(items, start=1))
    return project
