"""The audit log (操作日志): one function that every service calls when it changes something.

It lives in `tenants` (public schema, below every other app) so that tenants, catalog, windows and
workcalendar all write to it without importing one another. Reads are in `tenants.selectors`
(`audit_events_for`); the page and the CSV in `tenants.views`.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from tenants.models import AuditEvent, Centre, User

#: `actor_name` of an entry written with no acting user (commands, beat jobs, the demo).
SYSTEM_ACTOR = "system"


def audit_changes(*, before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict, dict]:
    """The fields whose value differs, as (before, after), each holding only those fields."""
    names = [name for name in dict.fromkeys([*before, *after]) if before.get(name) != after.get(name)]
    return ({n: before.get(n) for n in names if n in before}, {n: after.get(n) for n in names if n in after})


def audit_record(
    *,
    kind: str,
    actor: User | None,
    centre: Centre | None = None,
    target_type: str = "",
    target_id: str | int = "",
    target_label: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Write one entry in the caller's transaction: call it inside the `transaction.atomic()` that makes
    the change, after the change, so that a change rolled back leaves no entry.

    `before`/`after` hold only the fields that changed (`audit_changes`); dates are stored as ISO text.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None  # an anonymous request's user is nobody
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else SYSTEM_ACTOR,
        centre=centre,
        centre_code=centre.division_code if centre is not None else "",
        at=at or timezone.now(),
        target_type=target_type,
        target_id=str(target_id),
        target_label=target_label[:300],
        before=dict(before) if before else None,
        after=dict(after) if after else None,
        note=note,
    )
