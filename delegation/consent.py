"""The evidence of a resident's consent (委托授权的凭证) to a proxy filing, gathered while the agent's
filing form is open, one `ConsentDraft` per form token and agent:

- a signed authorisation form (or a fingerprint on it): a scan or photo, JPEG, PNG or PDF (told by the
  file's first bytes, not its name), at most `settings.CONSENT_SCAN_MAX_BYTES`; kept on the draft, so
  a page sent back with an error does not ask for it again, and taken by the consent when filed;
- a recorded phone call: the recording's reference (a text the service asks for, no draft needed);
- an SMS code: a random 6-digit code sent to the resident's mobile through the outbox
  (`proxy_consent_code`), typed back by the agent. Stored as an HMAC bound to the draft; valid
  `CODE_VALID_MINUTES` minutes; `CODE_MAX_ATTEMPTS` wrong codes end it (a new one must be sent);
  a new code at most every `CODE_RESEND_SECONDS` seconds and `CODE_MAX_SENDS` per draft. A new code
  replaces the one before (one code per draft). The code is bound to the number it was sent to.

Errors are `ApplicationError` `delegation_consent_required` with `extra["fields"]` naming the form
field (`consent_scan`, `sms_code`, `phone`), in the user's language.
"""
from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from common.errors import ApplicationError
from common.identity import mask_phone, normalise_mobile, recipient_hmac
from delegation.choices import ConsentMethod
from delegation.error_codes import DelegationErrorCode
from delegation.models import ConsentDraft, Station
from notifications.services import outbox_enqueue
from tenants.models import User

CODE_VALID_MINUTES = 10
CODE_MAX_ATTEMPTS = 5
CODE_RESEND_SECONDS = 60
CODE_MAX_SENDS = 5
CODE_TEMPLATE = "proxy_consent_code"
#: A form left open longer than this without filing: its draft and scan are removed (the beat, hourly).
DRAFT_KEPT = dt.timedelta(days=1)

#: What a scan may be, told by its first bytes: (signature, content type, extension).
SCAN_KINDS: list[tuple[bytes, str, str]] = [
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
]


#: The methods whose evidence is a scan or photo of the form.
SCAN_METHODS = frozenset({ConsentMethod.SIGNED_FORM, ConsentMethod.FINGERPRINT})


def code_confirmed(draft: ConsentDraft | None, phone: str) -> bool:
    """Whether the draft's SMS code was typed back right, for this number."""
    mobile = normalise_mobile(phone)
    return (draft is not None and draft.code_confirmed_at is not None and mobile is not None
            and constant_time_compare(recipient_hmac(mobile), draft.code_phone_hmac))


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, DelegationErrorCode.CONSENT_REQUIRED, {"fields": {field: [message]}})


def consent_draft_for(*, agent: User, station: Station, token: str) -> ConsentDraft:
    """The draft of the form `token` (created on first use); another agent's token is another draft."""
    draft, _created = ConsentDraft.objects.get_or_create(agent=agent, token=token[:64], defaults={"station": station})
    return draft


def scan_kind(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a scan from its first bytes, or None when it is no image or PDF."""
    for signature, content_type, extension in SCAN_KINDS:
        if head.startswith(signature):
            return content_type, extension
    return None


def consent_scan_attach(*, draft: ConsentDraft, upload: IO[bytes], file_name: str) -> ConsentDraft:
    """Keep the scan or photo of the signed form on the draft (replacing one uploaded before). Refuses
    (field `consent_scan`) a file over `settings.CONSENT_SCAN_MAX_BYTES`, an empty one, or one that is
    not a JPEG, PNG or PDF."""
    limit = settings.CONSENT_SCAN_MAX_BYTES
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise _refuse("consent_scan", _("The scan is larger than %(size)d MB: take the photo again at a lower "
                                        "resolution.") % {"size": limit // (1024 * 1024)})
    kind = scan_kind(raw[:8]) if raw else None
    if kind is None:
        raise _refuse("consent_scan", _("The scan must be a photo (JPEG or PNG) or a PDF."))
    content_type, extension = kind
    old = draft.scan.name if draft.scan else ""
    draft.scan.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(raw), save=False)
    draft.scan_name = (file_name or "")[-200:]
    draft.scan_content_type = content_type
    draft.save(update_fields=["scan", "scan_name", "scan_content_type"])
    if old and old != draft.scan.name:
        draft.scan.storage.delete(old)
    return draft


def _code_hmac(draft: ConsentDraft, code: str) -> str:
    return salted_hmac("delegation.consent_code", f"{draft.pk}:{code}", algorithm="sha256").hexdigest()


def consent_code_send(*, draft: ConsentDraft, phone: str, now: dt.datetime | None = None) -> ConsentDraft:
    """Send a new 6-digit code to the resident's mobile (the outbox, template `proxy_consent_code`),
    replacing any code before it on this draft. Refuses (field `phone`) a number that is not a mobile,
    and (field `sms_code`) a resend within `CODE_RESEND_SECONDS` s or past `CODE_MAX_SENDS`."""
    now = now or timezone.now()
    mobile = normalise_mobile(phone)
    if mobile is None:
        raise _refuse("phone", _("Give the resident's mobile number to send the code to."))
    with transaction.atomic():
        locked = ConsentDraft.objects.select_for_update().select_related("station").get(pk=draft.pk)
        if locked.code_sends >= CODE_MAX_SENDS:
            raise _refuse("sms_code", _("%(count)d codes were sent for this form already: choose another way "
                                        "to record the consent.") % {"count": CODE_MAX_SENDS})
        if locked.code_sent_at and now < locked.code_sent_at + dt.timedelta(seconds=CODE_RESEND_SECONDS):
            raise _refuse("sms_code", _("A code was sent less than a minute ago: wait for the SMS, then send "
                                        "another if it does not come."))
        code = f"{secrets.randbelow(1_000_000):06d}"
        locked.code_hash = _code_hmac(locked, code)
        locked.code_phone_hmac = recipient_hmac(mobile)
        locked.code_phone_masked = mask_phone(mobile)
        locked.code_sent_at, locked.code_expires_at = now, now + dt.timedelta(minutes=CODE_VALID_MINUTES)
        locked.code_sends += 1
        locked.code_attempts = 0
        locked.code_confirmed_at = None
        locked.save()
        station = locked.station
        outbox_enqueue(dedupe_key=f"proxy-consent:{locked.pk}:{locked.code_sends}", to=mobile,
                       template_key=CODE_TEMPLATE, centre_id=station.township_id, context={
                           "code": code, "minutes": CODE_VALID_MINUTES, "agent": locked.agent.name_zh,
                           "agent_zh": locked.agent.name_zh, "agent_en": locked.agent.name_en,
                           "station_zh": station.name_zh, "station_en": station.name_en or station.name_zh})
    return locked


def consent_code_confirm(*, draft: ConsentDraft, phone: str, code: str, now: dt.datetime | None = None) -> ConsentDraft:
    """Check the code the agent typed back, in a transaction of its own (a wrong code counts even when
    the filing fails). Already confirmed for this number: nothing to type again. Refuses (field
    `sms_code`): no code sent, the number changed since, the code expired, too many wrong codes, a
    wrong code (saying how many tries are left)."""
    now = now or timezone.now()
    mobile = normalise_mobile(phone)
    with transaction.atomic():
        locked = ConsentDraft.objects.select_for_update().get(pk=draft.pk)
        if not locked.code_hash:
            raise _refuse("sms_code", _("Send the code to the resident's mobile first."))
        if mobile is None or not constant_time_compare(recipient_hmac(mobile), locked.code_phone_hmac):
            raise _refuse("sms_code", _("The code was sent to %(phone)s, not to this number: send a new code.")
                          % {"phone": locked.code_phone_masked})
        if locked.code_confirmed_at is not None:
            return locked
        typed = "".join(ch for ch in (code or "") if ch.isdigit())
        if not typed:
            raise _refuse("sms_code", _("Type the code the resident received by SMS."))
        if locked.code_expires_at is None or now > locked.code_expires_at:
            raise _refuse("sms_code", _("The code has expired (it is valid %(minutes)d minutes): send a new one.")
                          % {"minutes": CODE_VALID_MINUTES})
        if locked.code_attempts >= CODE_MAX_ATTEMPTS:
            raise _refuse("sms_code", _("Too many wrong codes: send a new one."))
        wrong = not constant_time_compare(_code_hmac(locked, typed), locked.code_hash)
        if wrong:
            locked.code_attempts += 1
            locked.save(update_fields=["code_attempts"])
        else:
            locked.code_confirmed_at = now
            locked.save(update_fields=["code_confirmed_at"])
    if wrong:  # raised once the count is committed
        left = CODE_MAX_ATTEMPTS - locked.code_attempts
        if left <= 0:
            raise _refuse("sms_code", _("Wrong code, and no tries are left: send a new one."))
        raise _refuse("sms_code", _("Wrong code: %(left)d tries left.") % {"left": left})
    return locked


def consent_drafts_purge(*, now: dt.datetime | None = None) -> int:
    """Remove the drafts of forms never filed, older than `DRAFT_KEPT`, with their scans (a filed
    draft's scan belongs to its consent and the draft is gone already). Returns how many."""
    now = now or timezone.now()
    stale = list(ConsentDraft.objects.filter(created_at__lt=now - DRAFT_KEPT))
    for draft in stale:
        if draft.scan.name:
            draft.scan.storage.delete(draft.scan.name)
    ConsentDraft.objects.filter(pk__in=[d.pk for d in stale]).delete()
    return len(stale)
