"""What `tenants` asks of the apps above it (typed hooks, common.hooks): they register listeners in
their `AppConfig.ready`, and `tenants` imports none of them.

- `centre_impact`: what suspending a centre leaves running, for the page that asks a platform
  administrator to confirm it. Listeners add what they count to the event (the registry: the
  centre's open cases, whose clocks keep running while the centre is suspended). Read only.
- `staff_leaving`: someone loses a role at a centre, or is deactivated (every role, every centre).
  Listeners end what the person held there, in the same transaction (delegation: a village agent's
  post ends and their open filings pass on).
"""
from __future__ import annotations

from dataclasses import dataclass

from common.hooks import Hook
from tenants.models import Centre, User


@dataclass
class CentreImpact:
    """What a change of `centre`'s status touches; listeners add to the counts (`people`: who hold a
    role there, counted by `tenants` itself)."""

    centre: Centre
    open_cases: int = 0
    people: int = 0


centre_impact: Hook[CentreImpact] = Hook("centre_impact")


@dataclass
class StaffLeaving:
    """`user` loses `role` at `centre` (a role revoked), or, with both None, stops working anywhere (the
    user deactivated). `acting_user` is who did it (None: the system)."""

    user: User
    acting_user: User | None
    centre: Centre | None = None
    role: str | None = None


staff_leaving: Hook[StaffLeaving] = Hook("staff_leaving")
