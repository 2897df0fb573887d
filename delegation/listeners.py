"""What delegation does when a lower app tells it something.

- `tenants.hooks.staff_leaving`: a village agent who loses the village-agent role at a township, or
  whose account is deactivated, leaves their post at the township's station (`station_agent_end`: the
  agent can no longer act, their open filings pass to the station's next agent or the township's
  clerks, each hand-over audited), in the same transaction as the change that caused it.
- `cases.hooks.proxy_carrier` (read): the applicant's result SMS names who carries a proxy filing's
  (代办) result now: the filing's present agent (after a hand-over) or, while no agent holds it, the
  township's staff.
- `cases.hooks.case_page`: on the page of a case filed by proxy (代办件), the resident's consent (how
  and when given, its evidence: a link to the scan, the call recording's reference, or when the SMS
  code was confirmed) and the agent's handover log (each step, when, by whom). One query for the
  filing and one for its log, and only on a proxy case's page.

All are connected in `DelegationConfig.ready` (`connect`).
"""
from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.choices import Channel
from cases.hooks import CasePage, PageSection, ProxyCarrier, case_page, proxy_carrier
from common.i18n import pick
from delegation import selectors
from delegation.choices import ConsentMethod, HandoverStepKind
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
        event.name_zh, event.name_en = filing.agent.name_zh, filing.agent.name_en
    else:
        township = filing.station.township
        event.name_zh = f"{township.name_zh}工作人员"
        event.name_en = f"the staff of {township.name_en or township.name_zh}"


def on_case_page(page: CasePage) -> None:
    if page.case.channel != Channel.PROXY:
        return
    filing = selectors.filing_of_case(centre=page.centre, case_id=page.case.id)
    if filing is None:
        return
    consent = filing.consent
    scan_url = (reverse("delegation-consent-scan", kwargs={"consent_id": consent.pk}) if consent.scan else "")
    html = render_to_string("delegation/_case_proxy.html", {
        "filing": filing, "consent": consent, "method": ConsentMethod(consent.method).label
        if consent.method in ConsentMethod.values else consent.method,
        "scan_url": scan_url, "station_name": pick(filing.station.name_zh, filing.station.name_en),
        "steps": [(h, HandoverStepKind(h.step).label if h.step in HandoverStepKind.values else h.step)
                  for h in filing.handovers.all()]})
    page.sections.append(PageSection(key="proxy-filing", title=_("Proxy filing: consent and handovers"), html=html))


def connect() -> None:
    staff_leaving.connect(on_staff_leaving)
    proxy_carrier.connect(on_proxy_carrier)
    case_page.connect(on_case_page)
