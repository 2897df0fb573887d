"""What delegation does when `tenants` says someone leaves (`tenants.hooks.staff_leaving`): a village
agent who loses the village-agent role at a township, or whose account is deactivated, leaves their
post at the township's station (`station_agent_end`: the agent can no longer act, their open filings
pass to the station's next agent or the township's clerks, each hand-over audited), in the same
transaction as the change that caused it."""
from __future__ import annotations

from delegation.models import StationAgent
from delegation.services import station_agent_end
from tenants.choices import Role
from tenants.hooks import StaffLeaving, staff_leaving


def on_staff_leaving(event: StaffLeaving) -> None:
    """End `event.user`'s posts: every post if they are deactivated, else those at `event.centre`'s
    stations when the role lost is the village agent's."""
    if event.role not in (None, Role.VILLAGE_AGENT):
        return
    posts = StationAgent.objects.filter(user=event.user, active=True)
    if event.centre is not None:
        posts = posts.filter(station__township=event.centre)
    for post in posts:
        station_agent_end(post=post, acting_user=event.acting_user)


def connect() -> None:
    staff_leaving.connect(on_staff_leaving)
