"""Writes of delegation: stations and agents, consent, proxy filings and their handover log, key-project
agency records, green-channel filings. Views, API, commands and the demo all call these. The key
projects themselves are put on the register by `projects.services.key_project_register`.

A proxy filing's case is filed at the target centre through the cases' door (`cases.door.case_file`,
which enters the centre's schema); the public rows (filing, consent, first handover step, outbox SMS)
and the case, its event and its registry row share one transaction on one connection: an error
anywhere leaves nothing behind.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import door
from cases.choices import ApplicantKind, Channel
from catalog.models import Adoption, Material
from catalog.selectors import handling_adoption
from common.errors import ApplicationError, ConflictError
from common.idempotency import ClientKey, idempotency_remember, idempotency_replay, request_fingerprint
from common.identity import identity_hmac, mask_name, normalise_identifier, resident_id_problem
from delegation.choices import (
    HANDOVER_ORDER,
    RESULT_STATUSES,
    STEP_TEMPLATE,
    AgencyLevel,
    ConsentMethod,
    HandoverStepKind,
    StationKind,
    next_step,
)
from delegation.consent import SCAN_METHODS, code_confirmed, consent_code_confirm
from delegation.error_codes import DelegationErrorCode
from delegation.models import (
    AgencyAssignment,
    Consent,
    ConsentDraft,
    GreenChannel,
    GreenChannelItem,
    HandoverStep,
    ProjectProblem,
    ProxyFiling,
    Station,
    StationAgent,
)
from delegation.selectors import station_successor
from notifications.services import outbox_enqueue
from projects.models import KeyProject
from registry.models import RegistryEntry
from tenants.audit import audit_record
from tenants.choices import AuditKind, AuditTarget, Level, Role
from tenants.models import Centre, User
from tenants.selectors import user_is_staff_of
from tenants.services import membership_grant
from tenants.staff import (
    NewStaff,
    StaffInput,
    staff_check_manager,
    staff_check_within,
    staff_input_check,
    staff_user_create,
    temporary_password,
)

#: The idempotency scope of proxy filings (common.idempotency).
IDEMPOTENCY_SCOPE = "proxy_filing"


def _local_day(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


# --- stations and agents -------------------------------------------------------------------------

def station_create(*, township: Centre, kind: str, name_zh: str, division_code: str, name_en: str = "") -> Station:
    """A station under a township; its 12-digit code extends the township's 9-digit one."""
    errors = station_errors(township=township, kind=kind, name_zh=name_zh, division_code=division_code)
    if errors:
        raise ApplicationError(_("The station is not valid: %(fields)s") % {"fields": ", ".join(errors)},
                               DelegationErrorCode.INVALID_STATION, {"fields": errors})
    return Station.objects.create(township=township, kind=kind, name_zh=name_zh.strip(), name_en=name_en.strip(),
                                  division_code=division_code)


def station_errors(*, township: Centre, kind: str, name_zh: str, division_code: str) -> dict[str, list[str]]:
    """What is wrong with a station (field → messages); empty when it may be created (the admin asks too)."""
    errors: dict[str, list[str]] = {}
    if township.level != Level.TOWNSHIP:
        errors["township"] = [_("Stations belong to a township or street centre.")]
    if kind not in StationKind.values:
        errors["kind"] = [_("Choose a village or a community station.")]
    if not (len(division_code) == 12 and division_code.isdigit()
            and division_code.startswith(township.division_code)):
        errors["division_code"] = [_("12 digits starting with the township's code %(code)s.")
                                   % {"code": township.division_code}]
    if not name_zh.strip():
        errors["name_zh"] = [_("This field is required.")]
    return errors


def station_agent_assign(*, user: User, station: Station, acting_user: User | None,
                         now: dt.datetime | None = None) -> StationAgent:
    """Make `user` the agent of `station` (ending any other post, whose open filings pass on) and grant
    the village-agent role at the station's township, which lets the user sign in there. The station's
    filings waiting with the township's clerks (a post ended with no other agent) pass to the new agent."""
    now = now or timezone.now()
    with transaction.atomic():
        for other in StationAgent.objects.filter(user=user, active=True).exclude(station=station):
            station_agent_end(post=other, acting_user=acting_user, now=now)
        post, _created = StationAgent.objects.update_or_create(user=user, station=station,
                                                               defaults={"active": True, "ended_at": None})
        membership_grant(user=user, centre=station.township, role=Role.VILLAGE_AGENT, acting_user=acting_user)
        held = ProxyFiling.objects.select_for_update().filter(station=station, agent__isnull=True)
        _pass_on(filings=held, to=user, station=station, acting_user=acting_user, now=now,
                 why=_("%(agent)s took up the post at %(station)s") % {"agent": user, "station": station})
    return post


def station_agent_end(*, post: StationAgent, acting_user: User | None, now: dt.datetime | None = None) -> StationAgent:
    """End an agent's post (离岗): from now on they can no longer act on any filing of the station (new
    filing, handover, delivery). Their open filings (not yet delivered to the resident) pass to the
    station's next agent in post (the longest serving), else to the township's clerks, who see them in
    their queue (/delegation/held/) until an agent is posted (`station_agent_assign`). The post's end and
    each filing passed on are written to the audit log, in one transaction. Ending an ended post raises
    `ConflictError` (`delegation_post_ended`): two administrators at once, one ends it."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (StationAgent.objects.select_for_update(of=("self",)).select_related("user", "station__township")
                  .get(pk=post.pk))
        if not locked.active:
            raise ConflictError(_("The post of %(agent)s at %(station)s has already ended.")
                                % {"agent": locked.user, "station": locked.station}, DelegationErrorCode.POST_ENDED)
        locked.active, locked.ended_at = False, now
        locked.save(update_fields=["active", "ended_at", "updated_at"])
        station = locked.station
        audit_record(kind=AuditKind.AGENT_POST_ENDED, actor=acting_user, centre=station.township,
                     target_type=AuditTarget.USER, target_id=locked.user_id, target_label=str(locked.user),
                     before={"station": station.division_code, "active": True},
                     after={"station": station.division_code, "active": False}, at=now)
        successor = station_successor(post=locked)
        open_filings = (ProxyFiling.objects.select_for_update().filter(agent_id=locked.user_id, station=station)
                        .exclude(last_step=HandoverStepKind.DELIVERED_TO_RESIDENT))
        _pass_on(filings=open_filings, to=successor.user if successor else None, station=station,
                 acting_user=acting_user, now=now,
                 why=_("the post of %(agent)s at %(station)s ended") % {"agent": locked.user, "station": station})
    post.active, post.ended_at = False, now
    return locked


# --- the township's administrators post agents (the stations page) ------------------------------------

def _check_township_admin(*, acting_user: User, station: Station) -> Centre:
    """The station's township, when `acting_user` manages its staff (PermissionDenied otherwise)."""
    township = station.township
    staff_check_manager(actor=acting_user, centre=township)
    return township


def station_agent_post(*, station: Station, user: User, acting_user: User,
                       now: dt.datetime | None = None) -> StationAgent:
    """A township administrator posts one of the township's people (any role there, including an agent
    whose post ended) as `station`'s agent (`station_agent_assign`: the village-agent role, the filings
    waiting for an agent). Raises as `tenants.staff` does for a person beyond the administrator (404 not
    staff here, 403 also staff elsewhere), ApplicationError for a deactivated user."""
    township = _check_township_admin(acting_user=acting_user, station=station)
    staff_check_within(actor=acting_user, centre=township, user=user)
    if not user.is_active:
        message = _("%(user)s is deactivated; reactivate them first.") % {"user": user.get_username()}
        raise ApplicationError(message, DelegationErrorCode.INVALID_AGENT, {"fields": {"user": [message]}})
    return station_agent_assign(user=user, station=station, acting_user=acting_user, now=now)


def station_agent_create(*, station: Station, username: str, full_name: str, acting_user: User,
                         full_name_en: str = "", mobile: str = "", now: dt.datetime | None = None) -> NewStaff:
    """A new person posted as `station`'s agent: a user with a temporary password (returned with them,
    shown once; the first sign-in asks for their own), checked as the staff page checks a person
    (`tenants.staff.staff_input_check`), then posted (`station_agent_assign`), in one transaction. Raises
    ApplicationError with every problem by field (`extra["fields"]`), PermissionDenied for anyone but the
    township's administrators."""
    township = _check_township_admin(acting_user=acting_user, station=station)
    data = StaffInput(username=(username or "").strip(), full_name=(full_name or "").strip(), role=Role.VILLAGE_AGENT,
                      full_name_en=(full_name_en or "").strip(), mobile=(mobile or "").strip())
    cleaned, errors = staff_input_check(data, actor=acting_user, centre=township)
    errors.pop("role", None)  # the staff page never grants it: it comes with the post, below
    taken = _("User name %(name)s is taken.") % {"name": cleaned.username}
    if errors:
        raise ApplicationError(_("The person cannot be added: %(problems)s") % {
            "problems": "; ".join(" ".join(msgs) for msgs in errors.values())},
            DelegationErrorCode.INVALID_AGENT, {"fields": errors})
    password = temporary_password()
    try:
        with transaction.atomic():
            Centre.objects.select_for_update().get(pk=township.pk)  # as the staff page serialises its changes
            user = staff_user_create(data=cleaned, centre=township, actor=acting_user, password=password,
                                     note=_("Posted as the agent of %(station)s.") % {"station": station})
            station_agent_assign(user=user, station=station, acting_user=acting_user, now=now)
    except IntegrityError as exc:  # the same user name, made meanwhile
        raise ApplicationError(taken, DelegationErrorCode.INVALID_AGENT, {"fields": {"username": [taken]}}) from exc
    return NewStaff(user=user, password=password)


def station_post_end(*, post: StationAgent, acting_user: User, now: dt.datetime | None = None) -> StationAgent:
    """A township administrator ends an agent's post (`station_agent_end`: the open filings pass on).
    PermissionDenied for anyone else; ConflictError when it has ended meanwhile."""
    _check_township_admin(acting_user=acting_user, station=post.station)
    return station_agent_end(post=post, acting_user=acting_user, now=now)


def _holder_label(agent: User | None, station: Station) -> str:
    return str(agent) if agent is not None else _("the clerks of %(township)s") % {"township": station.township}


def _pass_on(*, filings, to: User | None, station: Station, acting_user: User | None, now: dt.datetime,
             why: str) -> int:
    """Give each of `filings` (row-locked by the caller's query) to `to` (None: the township's clerks),
    one audit entry each. Returns how many passed."""
    passed = 0
    for filing in filings.order_by("filed_at", "pk"):
        before = _holder_label(filing.agent, station)
        filing.agent = to
        filing.save(update_fields=["agent"])
        audit_record(kind=AuditKind.PROXY_FILING_PASSED, actor=acting_user, centre=station.township,
                     target_type=AuditTarget.CASE, target_id=filing.case_id, target_label=filing.case_number,
                     before={"holder": before}, after={"holder": _holder_label(to, station)}, note=why, at=now)
        passed += 1
    return passed


def _require_post(*, agent: User, station: Station) -> None:
    if StationAgent.objects.filter(user=agent, station=station, active=True).exists():
        return
    if StationAgent.objects.filter(user=agent, station=station, active=False).exists():
        raise ApplicationError(
            _("Your post as the agent of %(station)s has ended: you can no longer act on its filings.")
            % {"station": station}, DelegationErrorCode.POST_ENDED, http_status=403)
    raise ApplicationError(_("You are not an agent of this station."), DelegationErrorCode.NOT_AN_AGENT,
                           http_status=403)


def _require_holder(*, filing: ProxyFiling, user: User) -> None:
    """Who may act on a filing: its agent, in post at its station; while it waits for an agent (None),
    the township's staff."""
    if filing.agent_id is None:
        if user_is_staff_of(user=user, centre=filing.station.township):
            return
    elif filing.agent_id == user.pk:
        _require_post(agent=user, station=filing.station)
        return
    if StationAgent.objects.filter(user=user, station=filing.station, active=False).exists():
        _require_post(agent=user, station=filing.station)  # the post ended: say so
    raise ApplicationError(_("Only the filing's agent logs its handovers."), DelegationErrorCode.NOT_AN_AGENT,
                           http_status=403)


# --- consent and proxy filings -----------------------------------------------------------------------

#: The oldest consent a filing may rest on (a date typed years back is a slip, not a consent).
CONSENT_MAX_AGE = dt.timedelta(days=30)


def consent_record(*, agent: User, station: Station, resident_name: str, resident_id_number: str, item_code: str,
                   method: str, given_at: dt.datetime | None, evidence: str = "", draft: ConsentDraft | None = None,
                   phone: str = "", now: dt.datetime | None = None) -> Consent:
    """Record the resident's consent: who (masked name, ID as an HMAC), for which item, when and how,
    with the evidence its method asks for (`delegation.consent`): the scan on the `draft` (a signed
    form, a fingerprint), the recording's reference in `evidence` (a recorded call), the code the
    `draft` sent to `phone` confirmed (an SMS code). Raises `delegation_not_an_agent` (403),
    `delegation_consent_required` naming each missing field."""
    _require_post(agent=agent, station=station)
    return _consent_create(agent=agent, station=station, resident_name=resident_name,
                           resident_id_number=resident_id_number, item_code=item_code, method=method,
                           given_at=given_at, evidence=evidence, draft=draft, phone=phone, now=now or timezone.now())


def _consent_create(*, agent: User, station: Station, resident_name: str, resident_id_number: str, item_code: str,
                    method: str, given_at: dt.datetime | None, evidence: str, now: dt.datetime,
                    draft: ConsentDraft | None = None, phone: str = "") -> Consent:
    if draft is not None and draft.agent_id != agent.pk:
        draft = None
    errors: dict[str, list[str]] = {}
    id_number = normalise_identifier(resident_id_number)
    if not (resident_name or "").strip():
        errors["resident_name"] = [_("The resident's name is required.")]
    if problem := resident_id_problem(id_number):
        errors["resident_id_number"] = [problem]
    if method not in ConsentMethod.values:
        errors["consent_method"] = [_("Say how the resident gave consent.")]
    if given_at is None:
        errors["consent_given_at"] = [_("Say when the resident gave consent.")]
    elif given_at > now + dt.timedelta(minutes=5):
        errors["consent_given_at"] = [_("Consent cannot be given in the future.")]
    elif given_at < now - CONSENT_MAX_AGE:
        errors["consent_given_at"] = [
            _("Consent must be recent: given within the last %(days)d days.") % {"days": CONSENT_MAX_AGE.days}]
    if method in SCAN_METHODS and not (draft is not None and draft.scan):
        errors["consent_scan"] = [_("Attach a photo or scan of the signed authorisation form.")]
    if method == ConsentMethod.RECORDED_CALL and not evidence.strip():
        errors["consent_evidence"] = [_("Give the call recording's reference.")]
    if method == ConsentMethod.SMS_CODE and not code_confirmed(draft, phone):
        errors["sms_code"] = [_("Send the code to the resident's mobile and type back the code they received.")]
    if not item_code:
        errors["item_code"] = [_("Choose the item.")]
    if errors or given_at is None:
        raise ApplicationError(_("The consent is not complete: %(fields)s") % {"fields": ", ".join(errors)},
                               DelegationErrorCode.CONSENT_REQUIRED, {"fields": errors})
    consent = Consent(
        station=station, recorded_by=agent, resident_name_masked=mask_name(resident_name),
        resident_id_hmac=identity_hmac(id_number), item_code=item_code, method=method, given_at=given_at,
        evidence=evidence.strip()[:100] if method == ConsentMethod.RECORDED_CALL else "", recorded_at=now)
    if draft is not None and method in SCAN_METHODS:
        consent.scan, consent.scan_content_type = draft.scan.name, draft.scan_content_type
    if draft is not None and method == ConsentMethod.SMS_CODE:
        consent.sms_phone_masked, consent.sms_confirmed_at = draft.code_phone_masked, draft.code_confirmed_at
    consent.save()
    if draft is not None:  # its evidence is the consent's now; its code cannot be used again
        ConsentDraft.objects.filter(pk=draft.pk).delete()
    return consent


def proxy_filing_target(*, township: Centre, item_code: str, on: dt.date) -> tuple[Centre, Adoption]:
    """Where a proxy filing goes (`catalog.selectors.handling_adoption`, the rule online applications
    share): the township if it exercises the item, else its district (or zone), else the city. Returns
    (centre, adoption); an item none of them accepts raises `ApplicationError` `delegation_item_not_offered`."""
    adoption = handling_adoption(township=township, item_code=item_code, on=on)
    if adoption is None:
        raise ApplicationError(
            _("Item %(code)s is not handled at this township, its district or the city.") % {"code": item_code},
            DelegationErrorCode.ITEM_NOT_OFFERED, {"fields": {"item_code": [item_code]}})
    return adoption.centre, adoption


@dataclass(frozen=True)
class ConsentGiven:
    """How and when the resident consented (the form's or the API's consent fields)."""

    method: str
    given_at: dt.datetime | None
    #: a recorded call: the recording's reference
    evidence: str = ""
    #: the filing form's draft: the scan of a signed form, the SMS code sent (`delegation.consent`)
    draft: ConsentDraft | None = None
    #: an SMS code: what the agent typed back (checked against the draft's before filing)
    sms_code: str = ""


def proxy_filing_file(
    *,
    agent: User,
    station: Station,
    item_code: str,
    resident_name: str,
    resident_id_number: str,
    phone: str,
    consent: ConsentGiven,
    provided_material_ids: list[int] | None = None,
    note: str = "",
    idempotency_key: ClientKey | None = None,
    now: dt.datetime | None = None,
) -> tuple[ProxyFiling, bool]:
    """Record the resident's consent and file for them (代办), in one transaction: what the agent's
    page and the API both do. Returns (filing, created).

    With an `idempotency_key` (the form's token, an API client's header), the same request again
    answers with the filing the first made (`created` False): a retry on a weak connection never
    files twice; a different request under that key is refused (422 `idempotency_key_reused`)."""
    now = now or timezone.now()
    id_number = normalise_identifier(resident_id_number)
    fingerprint = request_fingerprint({
        "station": station.pk, "item": item_code, "name": (resident_name or "").strip(), "id": id_number,
        "phone": normalise_identifier(phone), "materials": sorted(provided_material_ids or []), "note": note,
        "consent": [consent.method, consent.given_at, (consent.evidence or "").strip()]})
    key = idempotency_key.bound(applicant_id_number=id_number) if idempotency_key else None
    if (known := idempotency_replay(scope=IDEMPOTENCY_SCOPE, key=key, fingerprint=fingerprint)) is not None:
        return ProxyFiling.objects.get(pk=known), False
    _require_post(agent=agent, station=station)
    draft = consent.draft
    if consent.method == ConsentMethod.SMS_CODE and draft is not None and draft.agent_id == agent.pk:
        draft = consent_code_confirm(draft=draft, phone=phone, code=consent.sms_code, now=now)  # commits a miss
    try:
        with transaction.atomic():
            recorded = _consent_create(agent=agent, station=station, resident_name=resident_name,
                                       resident_id_number=id_number, item_code=item_code, method=consent.method,
                                       given_at=consent.given_at, evidence=consent.evidence, draft=draft,
                                       phone=phone, now=now)
            filing = _filing_create(agent=agent, station=station, consent=recorded, item_code=item_code,
                                    resident_name=resident_name, id_number=id_number, phone=phone,
                                    provided_material_ids=provided_material_ids, note=note, now=now)
            idempotency_remember(scope=IDEMPOTENCY_SCOPE, key=key, fingerprint=fingerprint, result_id=filing.pk)
    except IntegrityError:
        twin = idempotency_replay(scope=IDEMPOTENCY_SCOPE, key=key, fingerprint=fingerprint) if key else None
        if twin is None:
            raise
        return ProxyFiling.objects.get(pk=twin), False
    return filing, True


def proxy_filing_submit(
    *,
    agent: User,
    station: Station,
    consent: Consent | None,
    item_code: str,
    resident_name: str,
    resident_id_number: str,
    phone: str,
    provided_material_ids: list[int] | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> ProxyFiling:
    """File a case on a resident's behalf (代办) at the centre that exercises the item, with the
    resident's recorded consent. The agent is the acting user, the resident the applicant (and the
    one the case was filed on behalf of); the first handover step (materials received from the
    resident) is logged and the resident's SMS queued, all in one transaction.

    Raises `ApplicationError`: `delegation_not_an_agent`, `delegation_consent_required`,
    `delegation_consent_mismatch`, `delegation_item_not_offered` and the case's own errors."""
    now = now or timezone.now()
    _require_post(agent=agent, station=station)
    if consent is None:
        raise ApplicationError(_("A proxy filing needs the resident's recorded consent."),
                               DelegationErrorCode.CONSENT_REQUIRED, {"fields": {"consent": [_("Required.")]}})
    id_number = normalise_identifier(resident_id_number)
    mismatch = []
    if consent.station_id != station.pk or consent.recorded_by_id != agent.pk:
        mismatch.append(_("it was recorded by another agent or station"))
    if consent.item_code != item_code:
        mismatch.append(_("it is for item %(code)s") % {"code": consent.item_code})
    if consent.resident_id_hmac != identity_hmac(id_number):
        mismatch.append(_("it was given by another resident"))
    if ProxyFiling.objects.filter(consent=consent).exists():
        mismatch.append(_("it was already used for another filing"))
    if mismatch:
        raise ApplicationError(_("The consent does not cover this filing: %(why)s.") % {"why": "; ".join(mismatch)},
                               DelegationErrorCode.CONSENT_MISMATCH, {"fields": {"consent": mismatch}})
    return _filing_create(agent=agent, station=station, consent=consent, item_code=item_code,
                          resident_name=resident_name, id_number=id_number, phone=phone,
                          provided_material_ids=provided_material_ids, note=note, now=now)


def _filing_create(*, agent: User, station: Station, consent: Consent, item_code: str, resident_name: str,
                   id_number: str, phone: str, provided_material_ids: list[int] | None, note: str,
                   now: dt.datetime) -> ProxyFiling:
    """The filing itself (the post and the consent checked): the target centre resolved once, the case
    filed through the door, the filing, its first handover step and the resident's SMS."""
    township = Centre.objects.select_related("parent__parent").get(pk=station.township_id)
    target, _adoption = proxy_filing_target(township=township, item_code=item_code, on=_local_day(now))
    with transaction.atomic():
        case = door.case_file(centre=target, item_code=item_code, applicant_kind=ApplicantKind.PERSON,
                              applicant_name=resident_name, applicant_id_number=id_number, phone=phone,
                              channel=Channel.PROXY, acting_user=agent, provided_material_ids=provided_material_ids,
                              on_behalf_of=resident_name.strip(), now=now).case
        filing = ProxyFiling.objects.create(
            agent=agent, station=station, consent=consent, target_centre=target, case_id=case.id,
            case_number=case.number, item_code=item_code, item_name_zh=case.item_name_zh,
            item_name_en=case.item_name_en, resident_name_masked=consent.resident_name_masked, filed_at=now)
        _log_step(filing=filing, step=HandoverStepKind.RECEIVED_FROM_RESIDENT, acting_user=agent, now=now,
                  note=note, phone=case.phone)
    return filing


def _log_step(*, filing: ProxyFiling, step: str, acting_user: User, now: dt.datetime, note: str = "",
              phone: str | None = None) -> HandoverStep:
    row = HandoverStep.objects.create(filing=filing, step=step, at=now, by=acting_user, note=note[:300])
    filing.last_step, filing.last_step_at = step, now
    filing.save(update_fields=["last_step", "last_step_at"])
    centre = filing.target_centre
    if phone is None:  # read from the case when the message is written (personal data stays there)
        contact = door.applicant_contact(centre=centre, case_id=filing.case_id)
        phone = contact.phone if contact is not None else ""
    station = filing.station
    if phone:
        outbox_enqueue(dedupe_key=f"proxy:{filing.pk}:{step}", to=phone, template_key=STEP_TEMPLATE[step],
                       centre_id=centre.pk, context={
                           "centre_zh": centre.name_zh, "centre_en": centre.name_en, "number": filing.case_number,
                           "item_zh": filing.item_name_zh, "item_en": filing.item_name_en or filing.item_name_zh,
                           "station_zh": station.name_zh, "station_en": station.name_en or station.name_zh,
                           "agent": acting_user.name_zh, "agent_zh": acting_user.name_zh,
                           "agent_en": acting_user.name_en, "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")})
    return row


def handover_log(*, filing: ProxyFiling, step: str, acting_user: User, note: str = "",
                 now: dt.datetime | None = None) -> HandoverStep:
    """Log the next step of the materials' journey (only the next one, in order), and queue the
    resident's SMS. Two taps at once: the filing's row lock makes them take turns; the second finds
    the step logged and gets a conflict that says so. "Result received" needs the case decided (or
    refused: the refusal notice and the materials come back the same way). "Delivered to the resident" is
    the collection of the result by proxy: the case moves to collected in the same transaction. Only the
    filing's agent in post (or, while it waits for an agent, the township's staff) may log a step: an
    agent whose post ended is refused (403 `delegation_post_ended`)."""
    now = now or timezone.now()
    if step not in HANDOVER_ORDER:
        raise ApplicationError(_("Unknown handover step."), DelegationErrorCode.HANDOVER_OUT_OF_ORDER,
                               {"fields": {"step": [step]}})
    with transaction.atomic():
        locked = (ProxyFiling.objects.select_for_update(of=("self",))
                  .select_related("target_centre", "station__township").get(pk=filing.pk))
        _require_holder(filing=locked, user=acting_user)
        expected = next_step(locked.last_step)
        if step != expected:
            done = HANDOVER_ORDER.index(step) <= HANDOVER_ORDER.index(locked.last_step) if locked.last_step else False
            label = HandoverStepKind(step).label
            message = (_("“%(step)s” is already logged for case %(number)s.") if done else
                       _("“%(step)s” cannot be logged yet for case %(number)s: the next step is “%(next)s”."))
            raise ConflictError(message % {"step": label, "number": locked.case_number,
                                           "next": HandoverStepKind(expected).label if expected else "—"},
                                DelegationErrorCode.HANDOVER_OUT_OF_ORDER,
                                {"last_step": locked.last_step, "next_step": expected})
        if step == HandoverStepKind.RESULT_RECEIVED:
            status = RegistryEntry.objects.filter(case_id=locked.case_id).values_list("status", flat=True).first()
            if status not in RESULT_STATUSES:
                raise ApplicationError(
                    _("The result of case %(number)s is not ready yet.") % {"number": locked.case_number},
                    DelegationErrorCode.RESULT_NOT_READY, {"status": status}, http_status=409)
        if step == HandoverStepKind.DELIVERED_TO_RESIDENT:
            _collect_by_proxy(filing=locked, acting_user=acting_user, now=now)
        return _log_step(filing=locked, step=step, acting_user=acting_user, now=now, note=note)


def _collect_by_proxy(*, filing: ProxyFiling, acting_user: User, now: dt.datetime) -> None:
    """The result delivered to the resident is its collection (代为取件): the case moves to collected
    through the cases' door, in the handover's transaction, the agent named on its event and in its
    public history. Nothing to do when the case is already collected (a clerk handed the result over
    and marked it), refused or withdrawn; refused (409) when the centre has not marked the result ready."""
    station = filing.station
    name_en = acting_user.full_name_en or acting_user.full_name or acting_user.get_username()
    name_zh = acting_user.full_name or acting_user.get_username()
    # the agent, or a township clerk carrying the filing while the station has no agent
    who_zh, who_en = (("代办员", "agent") if filing.agent_id == acting_user.pk
                      else ("镇（街道）工作人员", "township clerk"))
    door.case_collect_by_proxy(
        centre=filing.target_centre, case_id=filing.case_id, agent=acting_user, now=now,
        note=f"{who_zh} {name_zh}（{station.name_zh}）代为取件，已送交申请人",
        holder=(f"{who_zh} {name_zh}（{station.name_zh}）代为取件",
                f"by proxy: {who_en} {name_en} ({station.name_en or station.name_zh})"))


# --- key-project agency service -------------------------------------------------------------------------

def agency_assign(*, project: KeyProject, agent: User, level: str, today: dt.date) -> AgencyAssignment:
    """Assign an agent to a project of the register at a level (guide, assist, full agency): the project
    is then under the agency service. Assigning the same agent again changes the level."""
    if level not in AgencyLevel.values:
        raise ApplicationError(_("Choose guide, assist or full agency."), DelegationErrorCode.INVALID_PROJECT,
                               {"fields": {"level": [level]}})
    assignment, _created = AgencyAssignment.objects.update_or_create(project=project, agent=agent, defaults={
        "level": level, "assigned_on": today})
    return assignment


def project_problem_resolve(*, problem: ProjectProblem, resolution: str, today: dt.date) -> ProjectProblem:
    """Record how a problem was solved (row-locked: the first resolution stands)."""
    with transaction.atomic():
        locked = ProjectProblem.objects.select_for_update().get(pk=problem.pk)
        if locked.resolved_on is not None:
            raise ConflictError(_("This problem was already resolved on %(date)s.") % {"date": locked.resolved_on},
                                DelegationErrorCode.INVALID_PROJECT)
        if not resolution.strip():
            raise ApplicationError(_("Say how it was resolved."), DelegationErrorCode.INVALID_PROJECT,
                                   {"fields": {"resolution": [_("This field is required.")]}})
        locked.resolution, locked.resolved_on = resolution.strip(), today
        locked.save(update_fields=["resolution", "resolved_on"])
    return locked


# --- green channels ---------------------------------------------------------------------------------------

def green_channel_item_for(*, code: str, item_code: str, on: dt.date) -> GreenChannelItem:
    channel = GreenChannel.objects.filter(code=code).first()
    if channel is None or channel.starts_on > on or (channel.ends_on is not None and channel.ends_on < on):
        raise ApplicationError(_("The green channel “%(code)s” is not open on %(date)s.") % {"code": code, "date": on},
                               DelegationErrorCode.GREEN_CHANNEL_CLOSED, {"fields": {"green_channel": [code]}})
    entry = GreenChannelItem.objects.select_related("channel", "item__current_version").filter(
        channel=channel, item__code=item_code).first()
    if entry is None:
        raise ApplicationError(_("Item %(item)s is not on the green channel “%(code)s”.")
                               % {"item": item_code, "code": code}, DelegationErrorCode.GREEN_CHANNEL_ITEM,
                               {"fields": {"item_code": [item_code]}})
    return entry


def green_channel_case_submit(*, centre: Centre, code: str, item_code: str, applicant_kind: str, applicant_name: str,
                              applicant_id_number: str, phone: str, acting_user: User | None,
                              provided_material_ids: list[int] | None = None, channel: str = Channel.WINDOW,
                              idempotency_key: ClientKey | None = None,
                              now: dt.datetime | None = None) -> door.SubmitResult:
    """File a case at `centre` flagged for a green channel (through the cases' door): the programme's
    code, its compressed promised limit (applied at acceptance) and its waived materials (not needed).
    Raises `delegation_green_channel_closed`, `delegation_green_channel_item` and the case's errors."""
    now = now or timezone.now()
    entry = green_channel_item_for(code=code, item_code=item_code, on=_local_day(now))
    waived = list(Material.objects.filter(version_id=entry.item.current_version_id,
                                          name_zh__in=entry.waived_materials).values_list("pk", flat=True))
    provided = [pk for pk in (provided_material_ids or []) if pk not in waived]
    return door.case_file(centre=centre, item_code=item_code, applicant_kind=applicant_kind,
                          applicant_name=applicant_name, applicant_id_number=applicant_id_number, phone=phone,
                          channel=channel, acting_user=acting_user, provided_material_ids=provided,
                          idempotency_key=idempotency_key, now=now, green_channel=entry.channel.code,
                          promised_cap_days=entry.promised_cap_days, waived_material_ids=waived)


def new_form_token() -> str:
    """A one-time token a form carries, used as the idempotency key of what it submits."""
    return uuid.uuid4().hex
