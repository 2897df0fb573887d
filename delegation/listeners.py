"""What delegation answers on the hooks of the layers below it (connected in `DelegationConfig.ready`).

- `cases.hooks.case_page`: on the page of a case filed by proxy (代办件), the resident's consent (how
  and when given, its evidence: a link to the scan, the call recording's reference, or when the SMS
  code was confirmed) and the agent's handover log (each step, when, by whom). One query for the
  filing and one for its log, and only on a proxy case's page.
"""
from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.choices import Channel
from cases.hooks import CasePage, PageSection
from common.i18n import pick
from delegation import selectors
from delegation.choices import ConsentMethod, HandoverStepKind


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
