"""The registry follows the cases (connected in RegistryConfig.ready): every case filed gets its row,
every change updates it, in the case's own transaction (a case without its row, or a row without its
case, cannot commit) or, with `CASE_PUBLIC_WRITES = "after_commit"`, from the centre's outbox right after
the case's commit (`cases.outbox`; the beat catches up what a dying process left). It also tells
`tenants` how many open cases a centre has (`centre_impact`), from its own rows: one indexed count in the
public schema, no centre's schema entered."""
from __future__ import annotations

from cases.hooks import CaseChanged, CasesFiled, case_changed, cases_filed
from registry.selectors import open_case_count
from registry.services import registry_add, registry_sync
from tenants.hooks import CentreImpact, centre_impact


def on_cases_filed(event: CasesFiled) -> None:
    registry_add(centre=event.centre, cases=event.cases, now=event.now, accepted=event.accepted)


def on_case_changed(event: CaseChanged) -> None:
    registry_sync(centre=event.centre, case=event.case, now=event.now, step=event.status_changed,
                  named=event.holder)


def on_centre_impact(event: CentreImpact) -> None:
    event.open_cases += open_case_count(centre=event.centre)


def connect() -> None:
    cases_filed.connect(on_cases_filed)
    case_changed.connect(on_case_changed)
    centre_impact.connect(on_centre_impact)
