"""Idempotency (one request, one result): one store, one behaviour, for every door that files
something — a case (API, window form, green channel), a joint case, a proxy filing.

- A key belongs to its client: a signed-in client's key is bound to the user; an anonymous client's
  (an applicant filing online) to the applicant it files for, so two people who both send
  `Idempotency-Key: order-1` each get their own case. A form's token is a key of the signed-in user.
- The same key and the same request again answer with what the first request made (the caller says
  "200, already made"); the same key with a different request is refused with 422
  `idempotency_key_reused` and nothing is made.
- Two requests with one key at the same moment: the unique (scope, key) row makes one wait for the
  other; the loser finds the winner's result and answers with it (`IntegrityError` → `replay`).

`scope` says what a key files and where (`case:<centre id>`, `joint_case`, `proxy_filing`): the same
key for a case at two centres is two keys. Keys longer than 64 characters are kept as their SHA-256.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import gettext as _

from common.errors import ApplicationError, ErrorCode
from common.identity import identity_hmac
from common.models import IdempotencyKey, IdempotencyKeyBase

#: Longer keys are kept as their SHA-256 (64 hex), so a bound key always fits the 100-character column.
LONGEST_KEPT = 64


@dataclass(frozen=True)
class ClientKey:
    """A client's idempotency key as sent (`key`, at most 64 characters) and who sent it (`user_id`,
    None for an anonymous client)."""

    key: str
    user_id: int | None

    def bound(self, *, applicant_id_number: str = "") -> str:
        """The key as stored: `u<user id>:<key>`, or for an anonymous client `a<HMAC of the applicant's
        ID number, 32 hex>:<key>` (at most 98 characters)."""
        if self.user_id is not None:
            return f"u{self.user_id}:{self.key}"
        return f"a{identity_hmac(applicant_id_number)[:32]}:{self.key}"


def _kept(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest() if len(key) > LONGEST_KEPT else key


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def client_key(request: HttpRequest) -> ClientKey | None:
    """The request's `Idempotency-Key` header with its sender, or None without one."""
    key = request.headers.get("Idempotency-Key") or ""
    return ClientKey(key=_kept(key), user_id=_user_id(request)) if key else None


def form_key(request: HttpRequest, token: str | None) -> ClientKey | None:
    """A rendered form's one-time token as its sender's key (a double click or a resend files once)."""
    return ClientKey(key=_kept(f"form:{token}"), user_id=_user_id(request)) if token else None


def request_fingerprint(data: dict) -> str:
    """What makes two requests "the same": SHA-256 of `data` as sorted JSON (64 hex)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def idempotency_replay(*, scope: str, key: str | None, fingerprint: str,
                       store: type[IdempotencyKeyBase] = IdempotencyKey) -> str | None:
    """The id of what the first request with `key` made, or None (no key, or a new one). The same key
    with a different request raises `ApplicationError` 422 `idempotency_key_reused`. `store`: where the
    keys are kept (the public schema's, or a centre's for its cases: `cases.models.CaseIdempotencyKey`)."""
    if not key:
        return None
    known = store._default_manager.filter(scope=scope, key=key).values_list("request_hash", "result_id").first()
    if known is None:
        return None
    if known[0] != fingerprint:
        raise ApplicationError(_("This Idempotency-Key was already used for a different request; nothing was "
                                 "filed. Send a new key for a new request."), ErrorCode.IDEMPOTENCY_KEY_REUSED,
                               http_status=422)
    return known[1]


def idempotency_remember(*, scope: str, key: str | None, fingerprint: str, result_id: object,
                         store: type[IdempotencyKeyBase] = IdempotencyKey) -> None:
    """Keep `key` with what it made, in the transaction that made it (a twin request's commit makes
    this raise `IntegrityError`: the caller rolls back and answers with `idempotency_replay`)."""
    if key:
        store._default_manager.create(scope=scope, key=key, request_hash=fingerprint, result_id=str(result_id))
