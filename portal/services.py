"""Applicant accounts of the online service hall (网上办事大厅): the SMS sign-in code, the real name
bound once, the data exported, the account erased. Public schema.

Limits (settings, `config/settings/portal.py`): a code per mobile at most every
`PORTAL_CODE_RESEND_SECONDS`, `PORTAL_CODES_PER_MOBILE_HOUR` an hour and `PORTAL_CODES_PER_MOBILE_DAY` a
day; `PORTAL_CODES_PER_ADDRESS_HOUR` an hour from one client address (whatever the numbers); a code is
valid `PORTAL_CODE_VALID_MINUTES` minutes and spent by its use or by `PORTAL_CODE_TRIES` wrong tries. The
texts cost money, so the refusal comes before the outbox row.

Errors are `ApplicationError` with `PortalErrorCode`s and `extra["fields"]` for the form, in the
applicant's language.
"""
from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import ApplicantKind
from cases.door import applicant_check
from common.errors import ApplicationError
from common.identity import identity_hmac, normalise_identifier, normalise_mobile, recipient_hmac
from notifications.services import outbox_enqueue
from portal.error_codes import PortalErrorCode
from portal.models import Applicant, SignInCode
from supervision.reviews.services import inquiries_forget_applicant
from tenants.audit import audit_record
from tenants.choices import AuditKind, AuditTarget

CODE_TEMPLATE = "portal_sign_in_code"


def _refuse(field: str, message: str, code: str, http_status: int = 400) -> ApplicationError:
    return ApplicationError(message, code, {"fields": {field: [message]}}, http_status=http_status)


def _clean_mobile(mobile: str) -> str:
    clean = normalise_mobile(mobile)
    if clean is None:
        raise _refuse("mobile", _("Enter a mainland mobile number of 11 digits."), PortalErrorCode.INVALID_MOBILE)
    return clean


def _code_hmac(mobile: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"portal-sign-in:{mobile}:{code}".encode(), "sha256").hexdigest()


def sign_in_code_send(*, mobile: str, address: str, now: dt.datetime | None = None) -> SignInCode:
    """Send a 6-digit sign-in code to `mobile` (the outbox, template `portal_sign_in_code`). Refuses (field
    `mobile`): not a mobile (`portal_invalid_mobile`), a resend within `PORTAL_CODE_RESEND_SECONDS`
    (`portal_code_too_soon`), too many codes for the mobile in the hour or the day, or from `address` in
    the hour (`portal_code_too_many`, 429). The counts are taken under a lock per mobile, so two requests at
    once send one code."""
    now = now or timezone.now()
    clean = _clean_mobile(mobile)
    mobile_hmac = recipient_hmac(clean)
    with transaction.atomic():
        # one sender per mobile at a time (an advisory lock on the mobile's HMAC, released at commit)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 16))", [mobile_hmac])
        recent = SignInCode.objects.filter(mobile_hmac=mobile_hmac, sent_at__gte=now - dt.timedelta(days=1))
        last = recent.order_by("-sent_at").values_list("sent_at", flat=True).first()
        if last is not None and now - last < dt.timedelta(seconds=settings.PORTAL_CODE_RESEND_SECONDS):
            wait = settings.PORTAL_CODE_RESEND_SECONDS - int((now - last).total_seconds())
            raise _refuse("mobile", _("A code was sent less than a minute ago: wait %(seconds)d seconds for the SMS "
                                      "before asking again.") % {"seconds": max(wait, 1)},
                          PortalErrorCode.CODE_TOO_SOON, http_status=429)
        in_hour = recent.filter(sent_at__gte=now - dt.timedelta(hours=1)).count()
        if in_hour >= settings.PORTAL_CODES_PER_MOBILE_HOUR or recent.count() >= settings.PORTAL_CODES_PER_MOBILE_DAY:
            raise _refuse("mobile", _("Too many codes were sent to this mobile: try again later (at most %(hour)d an "
                                      "hour and %(day)d a day).")
                          % {"hour": settings.PORTAL_CODES_PER_MOBILE_HOUR,
                             "day": settings.PORTAL_CODES_PER_MOBILE_DAY},
                          PortalErrorCode.CODE_TOO_MANY, http_status=429)
        if address and SignInCode.objects.filter(address=address, sent_at__gte=now - dt.timedelta(hours=1)).count() \
                >= settings.PORTAL_CODES_PER_ADDRESS_HOUR:
            raise _refuse("mobile", _("Too many codes were asked for from this network: try again in an hour."),
                          PortalErrorCode.CODE_TOO_MANY, http_status=429)
        code = f"{secrets.randbelow(1_000_000):06d}"
        sent = SignInCode.objects.create(mobile_hmac=mobile_hmac, address=address or None, sent_at=now,
                                         code_hmac=_code_hmac(clean, code))
        outbox_enqueue(dedupe_key=f"portal-code:{sent.pk}", to=clean, template_key=CODE_TEMPLATE,
                       context={"code": code, "minutes": str(settings.PORTAL_CODE_VALID_MINUTES)})
    return sent


def sign_in(*, mobile: str, code: str, now: dt.datetime | None = None) -> Applicant:
    """Spend the latest code sent to `mobile` if `code` is it (only the latest: a newer code voids the older
    ones) and return the mobile's account (made on the first sign-in; after an erasure a new one, since the
    tombstone keeps no mobile). Raises `portal_code_wrong` (field `code`: wrong, expired, already used, or
    spent by wrong tries). A wrong try is counted (committed): call it outside a transaction."""
    now = now or timezone.now()
    clean = _clean_mobile(mobile)
    mobile_hmac = recipient_hmac(clean)
    typed = normalise_identifier(code)
    valid_since = now - dt.timedelta(minutes=settings.PORTAL_CODE_VALID_MINUTES)
    with transaction.atomic():
        # Only the latest code sent counts: a newer code voids the ones before it, so an older code is never
        # used after a newer one (nor guessed once the newer one's tries are spent).
        sent = (SignInCode.objects.select_for_update().filter(mobile_hmac=mobile_hmac)
                .order_by("-sent_at", "-pk").first())
        if sent is None or sent.used_at is not None or sent.sent_at < valid_since \
                or sent.tries >= settings.PORTAL_CODE_TRIES:
            sent = None  # nothing to spend: wrong whatever was typed
        if sent is not None and secrets.compare_digest(sent.code_hmac, _code_hmac(clean, typed)):
            sent.used_at = now
            sent.save(update_fields=["used_at"])
            applicant = Applicant.objects.filter(mobile_hmac=mobile_hmac).first()
            if applicant is None:
                applicant = Applicant.objects.create(mobile=clean, mobile_hmac=mobile_hmac)
            applicant.last_sign_in_at = now
            applicant.save(update_fields=["last_sign_in_at", "updated_at"])
            return applicant
        if sent is not None:
            SignInCode.objects.filter(pk=sent.pk).update(tries=sent.tries + 1)
    message = _("The code is wrong, has expired or was used already: ask for a new one.")
    raise _refuse("code", message, PortalErrorCode.CODE_WRONG)


def identity_bind(*, applicant: Applicant, kind: str, name: str, id_number: str, legal_representative: str = "",
                  now: dt.datetime | None = None) -> Applicant:
    """Bind a real name (实名认证) to the account, once: a person's name and resident ID, or an
    organisation's name, unified social credit code and legal representative — checked by the window's
    rules (`cases.door.applicant_check`: a real birth date and check digit; a valid credit code). The ID's
    HMAC is the registry's `applicant_hmac`, so the account then sees every case filed under it at any
    centre. Raises `portal_identity_bound` (409) when already bound, `portal_identity_invalid` with the
    fields, `portal_identity_taken` (409) when the ID is bound to another account. Audited (no values)."""
    now = now or timezone.now()
    if applicant.is_bound:
        raise ApplicationError(_("Your account already has a real name bound."), PortalErrorCode.IDENTITY_BOUND,
                               http_status=409)
    if kind == ApplicantKind.ORGANISATION and not (legal_representative or "").strip():
        raise _refuse("legal_representative", _("Give the legal representative's name."),
                      PortalErrorCode.IDENTITY_INVALID)
    try:
        checked = applicant_check(kind=kind, name=name, id_number=id_number, phone=applicant.mobile)
    except ApplicationError as exc:
        raise ApplicationError(exc.message, PortalErrorCode.IDENTITY_INVALID, exc.extra) from exc
    try:
        with transaction.atomic():
            locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
            if locked.is_bound:
                raise ApplicationError(_("Your account already has a real name bound."),
                                       PortalErrorCode.IDENTITY_BOUND, http_status=409)
            locked.kind, locked.name, locked.id_number = checked.kind, checked.name, checked.id_number
            locked.id_hmac = identity_hmac(checked.id_number)
            locked.legal_representative = (legal_representative or "").strip()[:100] \
                if kind == ApplicantKind.ORGANISATION else ""
            locked.bound_at = now
            locked.save()
            audit_record(kind=AuditKind.APPLICANT_BOUND, actor=None, target_type=AuditTarget.APPLICANT,
                         target_id=locked.pk, target_label=f"applicant {locked.pk}", at=now,
                         after={"kind": locked.kind})
    except IntegrityError as exc:
        raise _refuse("id_number", _("This ID number or credit code is bound to another account. If it is yours, "
                                     "sign in with that account's mobile or ask the centre for help."),
                      PortalErrorCode.IDENTITY_TAKEN, http_status=409) from exc
    return locked


@dataclass(frozen=True)
class Erased:
    applicant_id: int
    at: dt.datetime


def applicant_erase(*, applicant: Applicant, now: dt.datetime | None = None) -> Erased:
    """Erase the account (删除账户, PIPL art. 47): every personal field emptied and the HMACs cleared, so
    the mobile and the ID find nothing, and the name and contact of the questions it asked emptied; the cases stay
    with the centres that hold them (kept by law for each item type's retention period) and are still followed
    with the case number at the progress lookup. The row stays as a tombstone. Audited."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
        locked.mobile, locked.mobile_hmac = "", ""
        locked.name, locked.id_number, locked.id_hmac, locked.legal_representative = "", "", "", ""
        locked.kind = ""
        locked.bound_at = None
        locked.erasure_requested_at = locked.erasure_requested_at or now
        locked.erased_at = now
        locked.save()
        inquiries_forget_applicant(applicant_id=locked.pk)  # the questions asked from it no longer name them
        audit_record(kind=AuditKind.APPLICANT_ERASED, actor=None, target_type=AuditTarget.APPLICANT,
                     target_id=locked.pk, target_label=f"applicant {locked.pk}", at=now)
    return Erased(applicant_id=locked.pk, at=now)
