"""The client's `Idempotency-Key`, as the services store it."""
from __future__ import annotations

import hashlib

#: Longer keys are kept as their SHA-256 (64 hex), so a scoped key always fits the 100-character columns.
LONGEST_KEPT = 64


def client_key(request, *, scope: str = "api") -> str | None:
    """The request's `Idempotency-Key` scoped to who sends it — one client's key never meets another's
    (two clients that happen to pick the same key each get their own result) — or None without one."""
    key = request.headers.get("Idempotency-Key") or None
    if not key:
        return None
    if len(key) > LONGEST_KEPT:
        key = hashlib.sha256(key.encode()).hexdigest()
    user = getattr(request, "user", None)
    who = user.pk if user is not None and user.is_authenticated else "anon"
    return f"{scope}:{who}:{key}"
