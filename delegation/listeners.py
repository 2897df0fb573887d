"""What delegation does when a lower app tells it something.

- `tenants.hooks.staff_leaving`: a village agent who loses the village-agent role at a township, or
  whose account is deactivated, leaves their post at the township's station (`station_agent_end`: the
  agent can no longer act, their open filings pass to the station's next agent or the township's
  clerks, each hand-over audited), in the same transaction as the change that caused it.
- `cases.hooks.proxy_carrier` (read): the applicant's result SMS names who carries a proxy filing's
  (代办) result now: the filing's present agent (after a hand-over) or, while no agent holds it, the
  township's staff.
"""
from __future__ import annotations

from cases.hooks import ProxyCarrier, proxy_carrier
from delegation.models import ProxyFiling, StationAgent
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


def on_proxy_carrier(event: ProxyCarrier) -> None:
    """Name the filing's present holder (only the names change)."""
    filing = (ProxyFiling.objects.select_related("agent", "station__township")
              .filter(case_id=event.case.pk).first())
    if filing is None:
        return
    if filing.agent is not None:
        event.name_zh = filing.agent.full_name or filing.agent.username
        event.name_en = filing.agent.full_name_en or event.name_zh
    else:
        township = filing.station.township
        event.name_zh = f"{township.name_zh}工作人员"
        event.name_en = f"the staff of {township.name_en or township.name_zh}"


def connect() -> None:
    staff_leaving.connect(on_staff_leaving)
    proxy_carrier.connect(on_proxy_carrier)
